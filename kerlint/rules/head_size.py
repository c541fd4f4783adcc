"""KER206: the output width contradicts the labels or the loss."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.interpret.values import Data
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.heads import CATEGORICAL_LOSSES, Head, report_heads


class HeadSizeMismatch(Rule):
    """## What it does
    Flags an output layer whose width contradicts what the file shows about the labels:
    - the labels are one-hot encoded with `to_categorical(y, N)` and passed to
      `fit`, but the output has a different number of units;
    - a categorical cross-entropy (sparse or not) on a one-unit output: with
      one class the loss is always zero.

    ## Why is this bad?
    With one-hot labels of width N and a head of width M, Keras fails at the
    first training step with an incompatible-shapes error, after the data has
    been loaded and the model built. A one-unit categorical head trains to
    nothing: the loss is identically zero.

    ## Example
    ```python
    y_train = keras.utils.to_categorical(y_train, 10)
    outputs = keras.layers.Dense(2, activation="softmax")(x)
    model.fit(x_train, y_train)
    ```

    Use instead:
    ```python
    y_train = keras.utils.to_categorical(y_train, 10)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    model.fit(x_train, y_train)
    ```

    ## References
    - [keras.utils.to_categorical](https://keras.io/api/utils/python_utils/#tocategorical-function)
    """

    code, name, severity = "KER206", "head-size-mismatch", Severity.ERROR
    summary = "output width contradicts the labels or the loss"
    valid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
y_train = keras.utils.to_categorical(y_train, 10)
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
    ]
    invalid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
y_train = keras.utils.to_categorical(y_train, 10)
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
        """
import keras
model = keras.Sequential([keras.Input((30,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        return report_heads(ctx, lambda head: _label_width_mismatch(head) or _single_class_loss(head), at_output=True)


def _label_width_mismatch(head: Head) -> tuple[str, str] | None:
    if head.units is None or len(head.model.outputs) != 1:
        return None
    for fit in head.model.fits:
        labels = fit.y
        if isinstance(labels, Data) and labels.num_classes is not None and labels.num_classes != head.units:
            return (
                f"the labels from `{labels.origin}` are one-hot with {labels.num_classes} classes, but output "
                f"`{head.output.producer.layer.name}` has {head.units} units: Keras fails at the first "
                f"training step",
                f"Use {labels.num_classes} units",
            )
    return None


def _single_class_loss(head: Head) -> tuple[str, str] | None:
    loss = head.loss
    if loss is None or loss.name not in CATEGORICAL_LOSSES or head.units != 1:
        return None
    return (
        f"{loss.name} on the 1-unit output `{head.output.producer.layer.name}`: with a single class the "
        "loss is always 0 and nothing is learned",
        "For binary targets use binary_crossentropy with a sigmoid unit; for N classes use N units",
    )
