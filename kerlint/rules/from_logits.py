"""KER205: `from_logits` says the opposite of what the output layer produces."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from kerlint.findings import Severity
from kerlint.fix.edit import Applicability, Availability, Edit, Fix, make_fix
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.heads import PROBABILITY_LOSSES, Head, heads

if TYPE_CHECKING:
    import libcst as cst

    from kerlint.fix.codemod import Editor

SQUASHING = {"softmax", "sigmoid"}


class FromLogitsMismatch(Rule):
    """## What it does
    Flags a cross-entropy loss whose `from_logits` setting contradicts the
    output layer:
    - `from_logits=True` on an output that already applies softmax or sigmoid;
    - a linear output (no activation) trained with a cross-entropy loss that
      expects probabilities (`from_logits=False`, the default, which is what a
      plain string such as `"categorical_crossentropy"` means).

    ## Why is this bad?
    With `from_logits=True` the loss applies softmax/sigmoid itself; applying
    it twice squashes the outputs into a narrow band and the gradients all but
    vanish. With `from_logits=False` on raw scores, Keras clips the scores
    into (0, 1) first: everything outside that range gets no gradient, and
    training stalls or falls back. Keras trains both without an error (it
    only warns about the first), so this is a warning, not an error.

    ## Example
    ```python
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```

    Use instead:
    ```python
    outputs = keras.layers.Dense(10)(x)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    ```

    ## Fix safety
    The fix makes the loss agree with the output, which it leaves as it is:
    `from_logits=True` becomes `from_logits=False` after a softmax or sigmoid;
    after a linear output, a loss class gets `from_logits=True` and a loss
    name such as `"categorical_crossentropy"` becomes
    `keras.losses.CategoricalCrossentropy(from_logits=True)`, spelled like the
    output layer's module (`tf.keras.`, `keras.`) or through the `keras` the
    file imports (no fix when it imports none). It is safe: the model and
    its weights are unchanged, and the loss computes what was meant. Only a
    single-output model whose loss is written in its `compile` call is fixed.

    ## References
    - [keras.losses.SparseCategoricalCrossentropy](https://keras.io/api/losses/probabilistic_losses/#sparsecategoricalcrossentropy-class)
    """

    code, name, severity = "KER205", "from-logits-mismatch", Severity.WARNING
    summary = "from_logits contradicts the output activation"
    fix_availability = Availability.SOMETIMES
    valid = [
        """
import keras
inputs = keras.Input(shape=(20,))
outputs = keras.layers.Dense(10)(inputs)
model = keras.Model(inputs, outputs)
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
""",
        """
import keras
inputs = keras.Input(shape=(20,))
outputs = keras.layers.Dense(10, activation="softmax")(inputs)
model = keras.Model(inputs, outputs)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(20,))
outputs = keras.layers.Dense(10, activation="softmax")(inputs)
model = keras.Model(inputs, outputs)
model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), optimizer="adam")
""",
        """
import tensorflow as tf
model = tf.keras.Sequential([tf.keras.layers.Flatten(input_shape=(28, 28)), tf.keras.layers.Dense(128, activation="relu"), tf.keras.layers.Dense(10)])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for model in ctx.analysis.models:
            for head in heads(model):
                found = _contradiction(head)
                if found:
                    yield Report(ctx.analysis.locator.span(head.activation_call.node), *found, fix=_consistent_fix(ctx, head))


def _contradiction(head: Head) -> tuple[str, str] | None:
    loss = head.loss
    if loss is None or loss.name not in PROBABILITY_LOSSES:
        return None
    name = head.activation_call.layer.name
    if loss.from_logits is True and head.activation in SQUASHING:
        return (
            f"output `{name}` already applies {head.activation}, but {loss.name} has `from_logits=True` and "
            f"applies it again",
            "Remove the activation or set `from_logits=False`",
        )
    if loss.from_logits is False and head.activation == "linear":
        return (
            f"output `{name}` has no activation (raw logits), but {loss.name} expects probabilities and "
            f"clips them into (0, 1)",
            f"Pass `from_logits=True` to the loss, e.g. `keras.losses.{_class_name(loss.name)}(from_logits=True)`",
        )
    return None


def _class_name(loss_name: str) -> str:
    return "".join(part.capitalize() for part in loss_name.split("_"))


def _consistent_fix(ctx: RuleContext, head: Head) -> Fix | None:
    """The `from_logits` of the loss written in the model's last `compile(loss=...)` set to what the output produces."""
    # Imported here: rule modules load with every run, the parser only with a file to analyze.
    import libcst as cst

    from kerlint.fix.codemod import Editor

    editor = Editor(ctx.analysis.locator)
    compile_call = head.model.compiles[-1].node if head.model.compiles else None
    if len(head.model.outputs) != 1 or not isinstance(compile_call, cst.Call):
        return None
    loss = next((arg.value for arg in compile_call.args if arg.keyword and arg.keyword.value == "loss"), None)
    logits = head.activation == "linear"
    edits: list[Edit] | None = None
    if isinstance(loss, cst.Call):
        edits = _set_from_logits(editor, loss, logits)
    elif isinstance(loss, cst.SimpleString) and logits:
        func = head.activation_call.layer.node.func if isinstance(head.activation_call.layer.node, cst.Call) else None
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Attribute) and func.value.attr.value == "layers":
            keras = cst.Module([]).code_for_node(func.value.value)  # spelled as the output layer is
        else:
            keras = editor.keras_module()
        if keras is not None:
            edits = editor.replace(loss, f"{keras}.losses.{_class_name(head.loss.name)}(from_logits=True)")
    return make_fix(f"Pass from_logits={logits} to the loss", Applicability.SAFE, edits)


def _set_from_logits(editor: Editor, loss: cst.Call, value: bool) -> list[Edit] | None:
    """`from_logits` of a loss class's constructor call (its first parameter) written as `value`."""
    from kerlint.fix.codemod import is_literal

    written = [arg for arg in loss.args if arg.keyword and arg.keyword.value == "from_logits"]
    if not written and loss.args and loss.args[0].keyword is None:
        written = [loss.args[0]]
    if written:
        return editor.replace(written[0].value, str(value)) if is_literal(written[0].value) else None
    if any(arg.star for arg in loss.args):
        return None
    return editor.add_keyword(loss, f"from_logits={value}")
