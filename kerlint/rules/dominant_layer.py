"""KER104: one hidden layer far wider than its neighbours holds most of the model's parameters or FLOPs."""

from __future__ import annotations

from typing import Any, Iterator

from kerlint.cost import human_flops, model_flops
from kerlint.findings import Severity
from kerlint.graph import Layer, LayerCall, ModelGraph
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.units import human_count

WIDTH_ARGUMENTS = ("units", "filters")
EXCLUDED = frozenset({"Embedding", "EinsumDense", "MultiHeadAttention", "Bidirectional", "TimeDistributed"})
"""An Embedding's size is its vocabulary; the others have no single width to compare."""


class DominantLayer(Rule):
    """## What it does
    Flags a hidden layer that holds more than `max-share` of the model's
    parameters (at least `min-params`) or of its FLOPs (at least `min-flops`)
    and is at least `min-width-ratio` times wider (units or filters) than its
    neighbours: the features it receives and the next layer with weights.

    Output layers (whose width the task sets), embeddings (whose size the
    vocabulary sets) and layers that are large because of a wide input (a
    `Flatten` or a `Concatenate`, see KER102 and KER103) are not flagged.

    ## Why is this bad?
    Networks widen gradually and keep their widest layers where the maps are
    small; one layer many times wider than the layers around it is usually a
    typo (`Dense(40960)` for `Dense(4096)`) or a leftover from an experiment.
    It makes that layer, and the input side of the next one, the model's
    memory, optimizer state and FLOPs, without a matching gain in capacity
    since the next layer projects it straight back down.

    ## Example
    ```python
    x = keras.layers.Dense(128, activation="relu")(inputs)
    x = keras.layers.Dense(8192, activation="relu")(x)   # 64x wider: 1.1M of 1.6M parameters
    x = keras.layers.Dense(64, activation="relu")(x)
    ```

    Use instead:
    ```python
    x = keras.layers.Dense(128, activation="relu")(inputs)
    x = keras.layers.Dense(256, activation="relu")(x)
    x = keras.layers.Dense(64, activation="relu")(x)
    ```

    ## Options
    - `max-share` (default 0.5): the largest share of the model's parameters or
      FLOPs one layer may hold.
    - `min-params` (default 1000000): layers with fewer parameters are not
      flagged for their parameter share.
    - `min-flops` (default 100000000): layers with fewer FLOPs per sample are not
      flagged for their FLOPs share.
    - `min-width-ratio` (default 8.0): how many times wider than the widest
      neighbour a layer must be.
    """

    code, name, severity = "KER104", "dominant-layer", Severity.WARNING
    summary = "one hidden layer far wider than its neighbours holds most of the parameters or FLOPs"
    default = False  # opt-in: docs/precision.md
    options = {"max-share": 0.5, "min-params": 1_000_000, "min-flops": 100_000_000, "min-width-ratio": 8.0}
    valid = [
        # A gradual MLP: the widest layer is 2x its neighbours.
        """
import keras
inputs = keras.Input(shape=(784,))
x = keras.layers.Dense(2048, activation="relu")(inputs)
x = keras.layers.Dense(1024, activation="relu")(x)
x = keras.layers.Dense(512, activation="relu")(x)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
        # A wide output layer is set by the task (20,000 classes).
        """
import keras
inputs = keras.Input(shape=(256,))
x = keras.layers.Dense(128, activation="relu")(inputs)
outputs = keras.layers.Dense(20000, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
        # A transformer-style 4x expansion is not "far" wider.
        """
import keras
inputs = keras.Input(shape=(128, 512))
x = keras.layers.Dense(2048, activation="gelu")(inputs)
x = keras.layers.Dense(512)(x)
outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.GlobalAveragePooling1D()(x))
model = keras.Model(inputs, outputs)
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(100,))
x = keras.layers.Dense(128, activation="relu")(inputs)
x = keras.layers.Dense(8192, activation="relu")(x)
x = keras.layers.Dense(64, activation="relu")(x)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
        # A 2048-filter convolution between 64-filter ones.
        """
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(64, 64, 3)),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.Conv2D(2048, 3, padding="same", activation="relu"),
    layers.Conv2D(64, 1, activation="relu"),
    layers.GlobalAveragePooling2D(),
    layers.Dense(10, activation="softmax"),
])
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        options = ctx.options
        for model in ctx.analysis.models:
            total = model.params
            if not total:
                continue
            total_flops = model_flops(model).total
            calls_of: dict[int, list[LayerCall]] = {}
            for call in model.calls:
                calls_of.setdefault(id(call.layer), []).append(call)
            for layer in model.layers:
                width = _width(layer)
                if width is None or layer.class_name in EXCLUDED or layer.spec is None or not layer.spec.weighted:
                    continue
                calls = calls_of.get(id(layer), [])
                params = layer.params or 0
                if params < options["min-params"] and total_flops is None:
                    continue
                per_call = [c.flops for c in calls]
                own_flops = None if not per_call or None in per_call else sum(per_call)
                by_params = params >= options["min-params"] and params / total > options["max-share"]
                by_flops = (
                    total_flops is not None and own_flops is not None and own_flops >= options["min-flops"]
                    and own_flops / total_flops > options["max-share"]
                )
                if not (by_params or by_flops) or not calls or _feeds_output(model, calls):
                    continue
                inputs = [_input_width(c) for c in calls]
                after = _next_weighted(model, calls)
                if any(w is None for w in inputs) or not after or any(_width(n) is None for n in after):
                    continue
                neighbour = max(max(inputs), max(_width(n) for n in after))
                if width < options["min-width-ratio"] * neighbour:
                    continue
                shares = []
                if by_params:
                    shares.append(f"{human_count(params)} of the model's {human_count(total)} parameters ({params / total:.0%})")
                if by_flops:
                    shares.append(f"{human_flops(own_flops)} of its {human_flops(total_flops)} per sample ({own_flops / total_flops:.0%})")
                following = ", ".join(sorted({f"{n.describe()} `{n.name}`" for n in after}))
                unit = "features" if layer.class_name == "Dense" or "RNN" in layer.class_name or layer.class_name in ("LSTM", "GRU") else "channels"
                yield Report(
                    ctx.analysis.locator.span(calls[0].node),
                    f"{layer.describe()} `{layer.name}` holds {' and '.join(shares)}; it is {width / neighbour:.0f}x wider "
                    f"than its neighbours (input: {max(inputs):,} {unit}; next: {following}; limits: "
                    f"{options['max-share']:.0%} of the model, {options['min-width-ratio']:g}x the neighbours)",
                    help="Check the width, or widen the network gradually",
                )


def _width(layer: Layer) -> int | None:
    for name in WIDTH_ARGUMENTS:
        value = layer.config.raw(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _input_width(call: LayerCall) -> int | None:
    if len(call.inputs) != 1:
        return None
    shape = call.inputs[0].shape
    if not isinstance(shape, tuple) or len(shape) < 2:
        return None
    axis = 1 if call.layer.config.raw("data_format") == "channels_first" else -1
    value = shape[axis]
    return value if isinstance(value, int) else None


def _downstream(model: ModelGraph, call: Any) -> list:
    produced = {id(t) for t in call.outputs}
    nodes = _nodes(model)
    return [n for n in nodes if any(id(t) in produced for t in n.inputs)]


def _nodes(model: ModelGraph) -> list:
    from kerlint.memory import model_nodes

    return model_nodes(model)


def _is_weighted(node: Any) -> bool:
    layer = getattr(node, "layer", None)
    return layer is not None and layer.spec is not None and layer.spec.weighted


def _next_weighted(model: ModelGraph, calls: list[LayerCall]) -> list[Layer]:
    """The nearest layers with weights after these calls, through layers without weights."""
    found: dict[int, Layer] = {}
    seen: set[int] = set()
    frontier = [n for c in calls for n in _downstream(model, c)]
    while frontier:
        node = frontier.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if _is_weighted(node):
            found.setdefault(id(node.layer), node.layer)
        else:
            frontier.extend(_downstream(model, node))
    return list(found.values())


def _feeds_output(model: ModelGraph, calls: list[LayerCall]) -> bool:
    """True when an output of these calls reaches a model output without passing another weighted layer."""
    outputs = {id(t) for t in model.outputs}
    seen: set[int] = set()
    frontier: list = list(calls)
    while frontier:
        node = frontier.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if any(id(t) in outputs for t in node.outputs):
            return True
        frontier.extend(n for n in _downstream(model, node) if not _is_weighted(n))
    return False
