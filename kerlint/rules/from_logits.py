"""KER205: `from_logits` says the opposite of what the output layer produces."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.heads import PROBABILITY_LOSSES, Head, report_heads

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
    into (0, 1) first: everything outside that range gets no gradient and the
    model cannot learn.

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

    ## References
    - [keras.losses.SparseCategoricalCrossentropy](https://keras.io/api/losses/probabilistic_losses/#sparsecategoricalcrossentropy-class)
    """

    code, name, severity = "KER205", "from-logits-mismatch", Severity.ERROR
    summary = "from_logits contradicts the output activation"
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
        return report_heads(ctx, _contradiction)


def _contradiction(head: Head) -> str | None:
    loss = head.loss
    if loss is None or loss.name not in PROBABILITY_LOSSES:
        return None
    name = head.activation_call.layer.name
    if loss.from_logits is True and head.activation in SQUASHING:
        return (
            f"output `{name}` already applies {head.activation}, but {loss.name} has `from_logits=True` and "
            f"applies it again: remove the activation or set `from_logits=False`"
        )
    if loss.from_logits is False and head.activation == "linear":
        return (
            f"output `{name}` has no activation (raw logits), but {loss.name} expects probabilities and "
            f"clips them into (0, 1): pass `from_logits=True` to the loss, e.g. "
            f"`keras.losses.{_class_name(loss.name)}(from_logits=True)`"
        )
    return None


def _class_name(loss_name: str) -> str:
    return "".join(part.capitalize() for part in loss_name.split("_"))
