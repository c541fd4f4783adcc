"""KER203: the output activation is the wrong kind for the loss."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.heads import BINARY_LOSSES, CATEGORICAL_LOSSES, PROBABILITY_LOSSES, Head, report_heads

NON_PROBABILITY = {"relu", "tanh", "elu", "selu", "leaky_relu", "softplus", "gelu", "swish", "silu", "relu6", "exponential"}


class ActivationLossMismatch(Rule):
    """## What it does
    Flags an output activation that does not produce what its loss expects:
    - `sigmoid` over several units trained with categorical cross-entropy
      (the outputs do not form a distribution over classes);
    - `softmax` over more than two units trained with binary cross-entropy
      (a multi-label problem wants independent `sigmoid` outputs; a
      multi-class one wants categorical cross-entropy);
    - an output such as `relu` or `tanh` feeding a cross-entropy loss, which
      expects probabilities in (0, 1) (or logits with `from_logits=True`).

    Softmax over one unit is KER204; a linear output without `from_logits=True`
    is KER205.

    ## Why is this bad?
    The loss is computed on values it was not designed for: Keras clips them
    into (0, 1) or renormalizes them, gradients vanish or point the wrong way,
    and the model trains slowly or not at all, while the code runs without error.

    ## Example
    ```python
    outputs = keras.layers.Dense(10, activation="sigmoid")(x)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    ```

    Use instead:
    ```python
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    ```

    ## References
    - [Keras losses: probabilistic losses](https://keras.io/api/losses/probabilistic_losses/)
    """

    code, name, severity = "KER203", "activation-loss-mismatch", Severity.WARNING
    summary = "output activation does not fit the loss"
    valid = [
        """
import keras
inputs = keras.Input(shape=(20,))
outputs = keras.layers.Dense(10, activation="softmax")(inputs)
model = keras.Model(inputs, outputs)
model.compile(loss="categorical_crossentropy", optimizer="adam")
""",
        """
import keras
inputs = keras.Input(shape=(20,))
outputs = keras.layers.Dense(5, activation="sigmoid")(inputs)
model = keras.Model(inputs, outputs)
model.compile(loss="binary_crossentropy", optimizer="adam")
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(20,))
outputs = keras.layers.Dense(10, activation="sigmoid")(inputs)
model = keras.Model(inputs, outputs)
model.compile(loss="categorical_crossentropy", optimizer="adam")
""",
        """
from keras.models import Sequential
from keras.layers import Dense
model = Sequential()
model.add(Dense(64, activation="relu", input_dim=100))
model.add(Dense(5, activation="softmax"))
model.compile(loss="binary_crossentropy", optimizer="adam")
""",
        """
import keras
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3, activation="relu")])
model.compile(loss=keras.losses.CategoricalCrossentropy(), optimizer="adam")
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        return report_heads(ctx, _mismatch)


def _mismatch(head: Head) -> tuple[str, str] | None:
    loss, activation, units = head.loss, head.activation, head.units
    if loss is None or loss.name not in PROBABILITY_LOSSES or loss.from_logits is not False or units is None:
        return None
    where = f"output `{head.activation_call.layer.name}` ({units} units, {activation})"
    if activation == "sigmoid" and loss.name in CATEGORICAL_LOSSES and units > 1:
        return (
            f"{where} is trained with {loss.name}: independent sigmoids do not form a distribution over the classes",
            "Use softmax for one class per sample, or binary_crossentropy for multi-label targets",
        )
    if activation == "softmax" and loss.name in BINARY_LOSSES and units > 2:
        return (
            f"{where} is trained with {loss.name}: softmax makes the {units} outputs compete",
            "Use sigmoid for multi-label targets, or categorical_crossentropy for one class per sample",
        )
    if activation in NON_PROBABILITY:
        expected = "softmax" if loss.name in CATEGORICAL_LOSSES else "sigmoid"
        return (
            f"{where} feeds {loss.name}, which expects probabilities in (0, 1)",
            f"Use {expected}, or a linear output with `from_logits=True` in the loss",
        )
    return None
