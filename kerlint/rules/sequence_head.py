"""KER307: `return_sequences=True` feeding a head that should see one vector per sample."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.fix.edit import Applicability, Availability, Fix, make_fix
from kerlint.graph import LayerCall
from kerlint.rules.activations import Flow, Step
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.data_use import origin_text
from kerlint.rules.heads import dense_under_head, heads, labels_per_sample, returned_sequence
from kerlint.units import shape_str


class SequenceIntoDenseHead(Rule):
    """## What it does
    Flags an RNN layer with `return_sequences=True` whose per-step output
    reaches the model's output through `Dense` layers only, when the labels are
    visibly one per sample (a `keras.datasets` loader such as IMDB, or
    `to_categorical` of its labels).

    ## Why is this bad?
    With `return_sequences=True` the RNN emits one vector per timestep and the
    head predicts per timestep: `(batch, steps, 1)` instead of `(batch, 1)`.
    Keras broadcasts the per-sample labels against it, so the model trains on
    the wrong objective (or fails with an incompatible-shapes error). Only the
    last recurrent layer of a stack should return the final state.

    ## Example
    ```python
    x = keras.layers.LSTM(64, return_sequences=True)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    ```

    Use instead:
    ```python
    x = keras.layers.LSTM(64)(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    ```

    ## Fix safety
    The fix removes `return_sequences=True` from that recurrent layer, when its
    output goes nowhere but towards the head. It is safe: the weights stay the
    same, and the model's output gets the shape its labels have.
    """

    code, name, severity = "KER307", "sequence-into-dense-head", Severity.ERROR
    summary = "return_sequences=True before a per-sample head"
    fix_availability = Availability.SOMETIMES
    valid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=10000)
x_train = keras.utils.pad_sequences(x_train, maxlen=100)
model = keras.Sequential([keras.Input((100,)), keras.layers.Embedding(10000, 32), keras.layers.LSTM(32, return_sequences=True), keras.layers.LSTM(32), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
    ]
    invalid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=10000)
x_train = keras.utils.pad_sequences(x_train, maxlen=100)
model = keras.Sequential([keras.Input((100,)), keras.layers.Embedding(10000, 32), keras.layers.LSTM(32, return_sequences=True), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for model in ctx.analysis.models:
            labels = labels_per_sample(model)
            if labels is None:
                continue
            for head in heads(model):
                dense = dense_under_head(head)
                recurrent = returned_sequence(dense.inputs[0]) if dense is not None else None
                if recurrent is None or head.rank != 3:
                    continue
                yield Report(
                    ctx.analysis.locator.span(recurrent.node),
                    f"{recurrent.layer.describe()} `{recurrent.layer.name}` returns the whole sequence "
                    f"({shape_str(recurrent.output_shape)}), so the model outputs {shape_str(head.output.shape)}: one "
                    f"prediction per timestep, but the labels from {origin_text(ctx, labels)} have one per sample",
                    help="Remove `return_sequences=True` from the last recurrent layer (or pool over time)",
                    fix=_last_state_fix(ctx, recurrent),
                )


def _last_state_fix(ctx: RuleContext, recurrent: LayerCall) -> Fix | None:
    """`return_sequences=True` removed from the recurrent layer (inside `Bidirectional` too), when the
    sequence feeds only the head: another reader of it would lose its time axis."""
    # Imported here: rule modules load with every run, the parser only with a file to analyze.
    from kerlint.fix.codemod import Editor

    layer = recurrent.layer
    if len(layer.calls) != 1 or Flow(ctx.analysis).sole_reader(Step(layer, recurrent)) is None:
        return None
    if layer.class_name == "Bidirectional":
        layer = layer.config.raw("layer")
    edits = Editor(ctx.analysis.locator).remove_arguments(layer, ["return_sequences"])
    return make_fix("Remove return_sequences=True", Applicability.SAFE, edits)
