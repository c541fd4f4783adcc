"""KER102: a concatenation so wide that it, or the layer after it, dominates the model."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import LayerCall, ModelGraph
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.units import human_count


class OversizedConcatenation(Rule):
    """## What it does
    Flags a `Concatenate` whose concatenated axis is wider than `max-features`, or whose
    consumer layer holds more than `max-consumer-share` of the model's
    parameters (and at least `min-consumer-params` of them).

    ## Why is this bad?
    The weights of a dense layer grow with its input width: concatenating many
    wide branches (embeddings, flattened feature maps) and feeding the result to
    a `Dense` layer puts most of the model's parameters, memory and FLOPs into
    that one layer. Reduce each branch first (pooling, a smaller projection) or
    merge with `Add`/`Average` when the branches have one width.

    ## Example
    ```python
    merged = keras.layers.concatenate([flat_a, flat_b, flat_c])  # 12,288 features
    hidden = keras.layers.Dense(512, activation="relu")(merged)    # 6.3M parameters
    ```

    Use instead:
    ```python
    merged = keras.layers.concatenate([pooled_a, pooled_b, pooled_c])  # 768 features
    hidden = keras.layers.Dense(512, activation="relu")(merged)
    ```

    ## Options
    - `max-features` (default 4096): the widest acceptable concatenation axis.
    - `max-consumer-share` (default 0.5): the largest share of the model's
      parameters the layer after the concatenation may hold.
    - `min-consumer-params` (default 100000): consumers smaller than this are
      never flagged for their share (small models are dominated by something).
    """

    code, name, severity = "KER102", "oversized-concatenation", Severity.WARNING
    summary = "concatenation too wide, or its consumer dominates the model"
    default = False  # opt-in: docs/precision.md
    options = {"max-features": 4096, "max-consumer-share": 0.5, "min-consumer-params": 100_000}
    valid = [
        # Example 1 of the article: two 64-unit branches, 128 features.
        """
import keras
input1 = keras.Input(shape=(10,))
input2 = keras.Input(shape=(20,))
dense1 = keras.layers.Dense(64, activation="relu")(input1)
dense2 = keras.layers.Dense(64, activation="relu")(input2)
merged = keras.layers.concatenate([dense1, dense2])
output = keras.layers.Dense(1, activation="sigmoid")(merged)
model = keras.Model(inputs=[input1, input2], outputs=output)
""",
    ]
    invalid = [
        """
import keras
inputs = [keras.Input(shape=(32, 32, 4)) for _ in range(3)]
flat = [keras.layers.Flatten()(x) for x in inputs]
merged = keras.layers.concatenate(flat)
hidden = keras.layers.Dense(512, activation="relu")(merged)
output = keras.layers.Dense(10, activation="softmax")(hidden)
model = keras.Model(inputs, output)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        max_features = ctx.options["max-features"]
        max_share = ctx.options["max-consumer-share"]
        min_params = ctx.options["min-consumer-params"]
        reported: set[int] = set()
        for model in ctx.analysis.models:
            total = model.params
            for call in model.calls:
                if call.layer.class_name != "Concatenate" or call.output_shape is None or id(call) in reported:
                    continue
                width = _width(call)
                if width is None:
                    continue
                heavy = _heaviest_consumer(model, call)
                share = heavy.layer.params / total if heavy and total else 0.0
                too_wide = width > max_features
                dominated = heavy is not None and share > max_share and heavy.layer.params >= min_params
                if not (too_wide or dominated):
                    continue
                reported.add(id(call))
                consumer = (
                    f"; the {heavy.layer.describe()} after it holds {human_count(heavy.layer.params)} of the "
                    f"model's {human_count(total)} parameters ({share:.0%})"
                    if heavy is not None and total
                    else ""
                )
                yield Report(
                    ctx.analysis.locator.span(call.node),
                    f"{call.layer.class_name} output has {width:,} features{consumer}; limits: {max_features:,} "
                    f"features, {max_share:.0%} of parameters",
                    help="Reduce the branches before merging",
                )


def _width(call: LayerCall) -> int | None:
    """Size of the concatenated axis (channels for feature maps, features for vectors)."""
    axis = call.layer.config.raw("axis", -1)
    shape = call.output_shape
    if not isinstance(axis, int) or not -len(shape) <= axis < len(shape) or axis == 0:
        return None
    return shape[axis]


def _heaviest_consumer(model: ModelGraph, call: LayerCall) -> LayerCall | None:
    consumers = [c for c in model.consumers(call) if c.layer.params]
    return max(consumers, key=lambda c: c.layer.params, default=None)
