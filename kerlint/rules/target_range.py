"""KER211: the targets a model is trained on do not suit its output activation or its loss."""

from __future__ import annotations

import math
from typing import Iterator

from kerlint.findings import Severity
from kerlint.interpret.arrays import Data, range_text
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.data_use import data_fact, feeds, line_of, targets_fed
from kerlint.rules.heads import BINARY_LOSSES, PROBABILITY_LOSSES, Head

REGRESSION_LOSSES = {
    "mean_squared_error", "mean_absolute_error", "mean_squared_logarithmic_error", "mean_absolute_percentage_error",
    "huber", "log_cosh", "logcosh",
}
VALUE_LOSSES = REGRESSION_LOSSES | BINARY_LOSSES
"""Losses that compare the output with the targets' values (not with class ids)."""
ACTIVATION_RANGES = {
    "sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "hard_sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "softsign": (-1.0, 1.0),
    "relu": (0.0, math.inf), "relu6": (0.0, 6.0), "softplus": (0.0, math.inf), "exponential": (0.0, math.inf),
    "elu": (-1.0, math.inf),
}
"""The values each output activation can produce."""


class TargetRangeMismatch(Rule):
    """## What it does
    Compares the targets passed to `fit` (their kind and value range, as the
    program builds them) with the output activation and the loss:
    - a `softmax` output trained with a regression loss (mean squared error)
      on class labels;
    - `sigmoid` with binary cross-entropy on one-hot rows of more than two
      exclusive classes;
    - an output activation that cannot reach the targets' known range
      (`sigmoid` on targets in [0, 255], `relu` on targets in [-1, 1]);
    - class labels scaled like pixels (`y / 255`), which turns class ids into
      fractions that a cross-entropy loss truncates to class 0.

    Targets of unknown kind or range: no finding.

    ## Why is this bad?
    The code runs, and the model trains on a problem other than the one
    intended: the loss cannot go below a floor set by targets the output
    never reaches, or the classes are not treated as exclusive, or every
    label is the same class.

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.california_housing.load_data()
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model.compile(loss="mse", optimizer="adam")
    model.fit(x_train, y_train)
    ```

    Use instead:
    ```python
    outputs = keras.layers.Dense(1)(x)  # and scale the targets (KER201)
    ```

    ## References
    - [Keras: regression losses](https://keras.io/api/losses/regression_losses/)
    """

    code, name, severity = "KER211", "target-range-mismatch", Severity.WARNING
    default = False  # opt-in until the corpus study (docs/precision.md) gives its evidence
    summary = "targets outside what the output activation produces, or of another kind than the loss expects"
    valid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.california_housing.load_data()
y_train = y_train / 500001.0
model = keras.Sequential([keras.Input((8,)), keras.layers.Normalization(), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="mse", optimizer="adam")
model.fit(x_train, y_train)
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 20)
y = keras.utils.to_categorical(np.random.randint(0, 5, size=(100,)), 5)
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(5, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x, y)
""",
        # Integer regression targets, scaled: not class labels.
        """
import numpy as np
import keras
x = np.random.rand(100, 20)
y = np.random.randint(0, 500, size=(100,)) / 500.0
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)
""",
    ]
    invalid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.california_housing.load_data()
model = keras.Sequential([keras.Input((8,)), keras.layers.Normalization(), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="mse", optimizer="adam")
model.fit(x_train, y_train)
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 20)
y = np.random.randint(0, 5, size=(100, 1))
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(5, activation="softmax")])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)
""",
        """
import numpy as np
import keras
x = np.random.rand(100, 20)
y = keras.utils.to_categorical(np.random.randint(0, 5, size=(100,)), 5)
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(5, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y)
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train, y_train = x_train / 255.0, y_train / 255.0
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for feed in feeds(ctx):
            if not feed.use.trains or feed.validation or feed.y is None:
                continue
            for head, target in targets_fed(feed):
                problem = _problem(ctx, head, target)
                if problem is None:
                    continue
                message, advice = problem
                layer = head.activation_call.layer
                yield Report(
                    ctx.analysis.locator.span(feed.use.node),
                    f"{feed.what} trains output `{layer.name}` ({head.units} unit{'s' if head.units != 1 else ''}, {head.activation}, line "
                    f"{line_of(ctx, head.activation_call.node)}) with {head.loss.name} on {data_fact(ctx, target)}: {message}",
                    help=advice,
                )


def _problem(ctx: RuleContext, head: Head, target: Data) -> tuple[str, str] | None:
    loss, activation, units = head.loss, head.activation, head.units
    if loss is None or not isinstance(activation, str) or units is None or loss.from_logits is not False:
        return None
    labels = target.encoding in ("classes", "onehot")
    if target.scaled_at is not None and loss.name in PROBABILITY_LOSSES and _fractions(target):
        return (
            f"these class labels were rescaled at line {line_of(ctx, target.scaled_at)}, which turns class ids into fractions",
            "Scale the inputs only; keep the labels as class ids (or one-hot rows)",
        )
    if activation == "softmax" and units > 1 and labels and loss.name in REGRESSION_LOSSES:
        return (
            "class labels fit with a regression loss: the softmax's probabilities are pulled towards label values",
            "Use sparse_categorical_crossentropy for class ids, categorical_crossentropy for one-hot rows",
        )
    classes = target.num_classes or (target.shape[-1] if target.shape and len(target.shape) == 2 else None)
    if activation == "sigmoid" and loss.name in BINARY_LOSSES and target.encoding == "onehot" and classes and classes > 2:
        return (
            f"one-hot rows of {classes} exclusive classes trained as {classes} independent yes/no questions",
            "Use softmax with categorical_crossentropy for one class per sample",
        )
    reach = ACTIVATION_RANGES.get(activation)
    if reach is None or target.finite_bounds is None or loss.name not in VALUE_LOSSES:
        return None
    low, high = target.finite_bounds
    if low < reach[0] or high > reach[1]:
        return (
            f"{activation} outputs lie in {range_text(reach)} and cannot reach these targets",
            "Scale the targets into the activation's range, or use a linear output for regression",
        )
    return None


def _fractions(target: Data) -> bool:
    """Class ids divided into floats, or one-hot rows scaled below 1: labels that were treated like pixels."""
    if target.encoding == "classes":
        return target.dtype == "float"
    return target.encoding == "onehot" and target.bounds is not None and target.bounds[1] < 1
