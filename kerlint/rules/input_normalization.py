"""KER201: a model trained on raw data, or regressing onto raw targets, that nothing scales."""

from __future__ import annotations

from typing import Any, Iterator

from kerlint.findings import Severity
from kerlint.interpret.arrays import Data
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.data_use import data_fact, feeds, targets_fed
from kerlint.rules.training import NORMALIZING_LAYERS, first_weighted, layers_before_first_weighted

LARGE_VALUE = 100.0
"""Inputs reaching past this (pixels in 0..255, prices) want scaling; unit-range or standardized ones do not."""
LARGE_TARGET = 1000.0
"""Regression targets reaching past this give a linear output's first errors (and gradients) of that size."""


class MissingInputNormalization(Rule):
    """## What it does
    Flags `fit` on inputs whose values reach past 100 (raw pixels in
    [0, 255] from a `keras.datasets` loader or an image directory, arrays the
    program builds in such a range) or that are read from a text or image
    file (`pd.read_csv`, `np.loadtxt`, an image reader), when neither the
    program scales them (division, mean subtraction, a scikit-learn scaler,
    `keras.utils.normalize`, an `ImageDataGenerator` that rescales) nor the
    model does (`Rescaling`, `Normalization`, `BatchNormalization` or
    `LayerNormalization` before its first weighted layer).

    Also flags regression targets known to reach past 1,000 (house prices of
    `california_housing`) fit unscaled by a linear output.

    No `fit` in the file, data of unknown origin or range, data already in a
    small range (`np.random.rand`) or drawn from a normal distribution
    (`np.random.randn`), a `.npy` file (often saved preprocessed),
    or token ids fed to an `Embedding`: no finding.

    ## Why is this bad?
    Raw features on large or uneven scales (pixels in 0..255, prices in the
    thousands) make the first layer's pre-activations huge: gradients explode
    or saturate and training is slow or stalls. Targets in the hundreds of
    thousands make the first errors, and gradients, that large. Scaling is
    the cheapest fix there is.

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x_train, y_train)
    ```

    Use instead:
    ```python
    model.fit(x_train / 255.0, y_train)
    ```
    or put `keras.layers.Rescaling(1 / 255)` first in the model.

    ## References
    - [Keras: preprocessing layers](https://keras.io/guides/preprocessing_layers/)
    """

    code, name, severity = "KER201", "missing-input-normalization", Severity.WARNING
    summary = "model trained on raw data, or regressing onto raw targets, that is never scaled"
    default = False  # opt-in: docs/precision.md
    valid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train = x_train.astype("float32") / 255.0
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x_train, y_train)
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x_train, y_train)
""",
        # Token ids into an Embedding must not be scaled.
        """
import keras
(x_train, y_train), _ = keras.datasets.imdb.load_data(num_words=10000)
model = keras.Sequential([keras.Input((200,)), keras.layers.Embedding(10000, 16), keras.layers.GlobalAveragePooling1D(), keras.layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy")
model.fit(x_train, y_train)
""",
        # Arrays in a small range need no scaling.
        """
import numpy as np
import keras
x = np.random.rand(100, 20)
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile("adam", "binary_crossentropy")
model.fit(x, np.random.randint(0, 2, size=(100, 1)))
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.california_housing.load_data()
y_train = (y_train - 200000.0) / 100000.0
model = keras.Sequential([keras.Input((8,)), keras.layers.Normalization(), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(x_train, y_train)
""",
    ]
    invalid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x_train, y_train)
""",
        """
import keras
train = keras.utils.image_dataset_from_directory("photos/train", image_size=(64, 64))
model = keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Conv2D(16, 3), keras.layers.GlobalAveragePooling2D(),
                          keras.layers.Dense(5, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(train, epochs=3)
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.california_housing.load_data()
model = keras.Sequential([keras.Input((8,)), keras.layers.Normalization(), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(x_train, y_train)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        locator = ctx.analysis.locator
        for feed in feeds(ctx):
            if not feed.use.trains or feed.validation:
                continue
            model = feed.use.model
            before, weighted = layers_before_first_weighted(model), first_weighted(model)
            normalized = before is None or weighted is None or weighted.class_name == "Embedding" or any(
                layer.class_name in NORMALIZING_LAYERS for layer in before)
            data = None if normalized else next((x for x in fed_arrays(feed.x) if _unscaled_input(x)), None)
            if data is not None:
                yield Report(
                    locator.span(feed.use.node),
                    f"model `{model.name}` is trained on {data_fact(ctx, data)}, which is never scaled, and nothing "
                    f"before its first weighted layer {weighted.describe()} normalizes it",
                    help="Divide or standardize the data (e.g. `x / 255.0`, a StandardScaler) or start the "
                    "model with a Rescaling or Normalization layer",
                )
            for head, target in targets_fed(feed):
                if _unscaled_target(target) and head.activation == "linear":
                    yield Report(
                        locator.span(feed.use.node),
                        f"model `{model.name}` regresses output `{head.activation_call.layer.name}` onto "
                        f"{data_fact(ctx, target)}, which is never scaled: errors of this size make the first "
                        "gradients huge",
                        help="Standardize the targets (e.g. a StandardScaler, or divide by their scale) and undo it on "
                        "the predictions",
                    )


def fed_arrays(x: Any) -> list[Data]:
    """The arrays passed as ``x``: one, or several for a multi-input model."""
    values = list(x.values()) if isinstance(x, dict) else list(x) if isinstance(x, (list, tuple)) else [x]
    return [value for value in values if isinstance(value, Data)]


def _unscaled_input(data: Data) -> bool:
    """Raw features: values known to span more than `LARGE_VALUE`, or loaded from a file and never scaled."""
    if data.scaled or data.role != "data" or data.encoding == "tokens" or data.kind == "dataset":
        return False
    if data.bounds is not None:
        return data.finite_bounds is not None and max(map(abs, data.finite_bounds)) > LARGE_VALUE
    return data.raw


def _unscaled_target(data: Data) -> bool:
    """Regression targets known to reach past `LARGE_TARGET` that the program never scaled."""
    if data.scaled or data.encoding in ("classes", "onehot") or data.finite_bounds is None:
        return False
    return max(map(abs, data.finite_bounds)) > LARGE_TARGET
