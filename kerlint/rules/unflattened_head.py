"""KER303: a Dense classification head on a feature map or sequence nobody flattened."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.fix.edit import Applicability, Availability, Fix, make_fix
from kerlint.graph import LayerCall
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.data_use import origin_text
from kerlint.rules.heads import PROBABILITY_LOSSES, dense_under_head, heads, labels_per_sample, returned_sequence
from kerlint.units import shape_str


class UnflattenedDenseHead(Rule):
    """## What it does
    Flags a classification output computed by a `Dense` layer applied to a
    tensor of rank 3 or more (a feature map `(batch, h, w, c)` or a sequence
    `(batch, steps, features)`) when the model is trained with a cross-entropy
    loss on one label per sample: an image feature map always, a sequence when
    the labels are visibly one per sample (a `keras.datasets` loader, or
    `to_categorical` of its labels).

    Sequences that come straight from an RNN with `return_sequences=True` are
    KER307.

    ## Why is this bad?
    `Dense` acts on the last axis only: on a `(batch, 7, 7, 64)` feature map it
    produces `(batch, 7, 7, 10)`, one prediction per position, not per image.
    Keras then fails at `fit` with an incompatible-shapes error, or broadcasts
    the labels and trains on a meaningless objective.

    ## Example
    ```python
    x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    ```

    Use instead:
    ```python
    x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)  # or Flatten()
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    ```

    ## Fix safety
    The fix puts a `Flatten()` before the `Dense` layer (as its input in the
    functional API; in a `Sequential` model, the list entry or the
    `model.add(...)` before it),
    spelled like that layer (`keras.layers.Flatten()` after
    `keras.layers.Dense`), by the name the file imports it as, or through the
    `keras` the file imports; a file that imports neither gets no fix. It is unsafe: whether to flatten or to
    pool is your choice, and either changes the head's weights.
    """

    code, name, severity = "KER303", "unflattened-dense-head", Severity.ERROR
    summary = "Dense classification head on an unflattened feature map"
    fix_availability = Availability.SOMETIMES
    valid = [
        """
import keras
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
x = keras.layers.Flatten()(x)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for model in ctx.analysis.models:
            evidence = labels_per_sample(model)
            for head in heads(model):
                rank, dense = head.rank, dense_under_head(head)
                if dense is None or rank is None or rank < 3 or head.loss is None:
                    continue
                if head.loss.name not in PROBABILITY_LOSSES or returned_sequence(dense.inputs[0]) is not None:
                    continue
                if rank == 3 and evidence is None:
                    continue  # per-step labels (tagging) are legitimate for sequences
                yield Report(
                    ctx.analysis.locator.span(dense.node),
                    f"{dense.layer.describe()} `{dense.layer.name}` is applied to a tensor of shape "
                    f"{shape_str(dense.inputs[0].shape)}, so the model outputs {shape_str(head.output.shape)}: one "
                    f"prediction per position, not per sample, for {head.loss.name}"
                    + ("" if evidence is None else f"; the labels from {origin_text(ctx, evidence)} have one per sample"),
                    help="Add Flatten() or a global pooling layer before it",
                    fix=_flatten_fix(ctx, dense),
                )


def _flatten_fix(ctx: RuleContext, dense: LayerCall) -> Fix | None:
    """`Flatten()` before the Dense: around its input when it is called on a tensor, else before it in the
    Sequential model (its list, or a `model.add(Flatten())` before `model.add(Dense(...))`)."""
    # Imported here: rule modules load with every run, the parser only with a file to analyze.
    import libcst as cst

    from kerlint.fix.codemod import Editor

    editor, layer, call = Editor(ctx.analysis.locator), dense.layer, dense.node
    if len(layer.calls) != 1 or not isinstance(layer.node, cst.Call):
        return None
    flatten = editor.layer_class(layer.node.func, "Flatten")
    if flatten is None:
        return None
    flatten += "()"
    if call is not layer.node and isinstance(call, cst.Call) and len(call.args) == 1 and not call.args[0].keyword:
        edits = editor.wrap(call.args[0].value, f"{flatten}(", ")")
    else:
        edits = editor.insert_layer_before(layer.node, flatten)
    return make_fix("Add Flatten() before the Dense head", Applicability.UNSAFE, edits)
