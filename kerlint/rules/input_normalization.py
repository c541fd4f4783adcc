"""KER201: a model trained on loaded data that nothing scales."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.training import NORMALIZING_LAYERS, first_weighted, layers_before_first_weighted, raw_inputs


class MissingInputNormalization(Rule):
    """## What it does
    Flags `fit` on data loaded in the same file (a `keras.datasets` loader,
    `np.load`, `pd.read_csv`, an image loader...) when neither the program
    scales the data (division, mean subtraction, a scikit-learn scaler,
    `keras.utils.normalize`) nor the model does (`Rescaling`, `Normalization`,
    `BatchNormalization` or `LayerNormalization` before its first weighted layer).

    No `fit` in the file, data of unknown origin, or token ids fed to an
    `Embedding`: no finding.

    ## Why is this bad?
    Raw features on large or uneven scales (pixels in 0..255, prices in the
    thousands) make the first layer's pre-activations huge: gradients explode
    or saturate and training is slow or stalls. Scaling the inputs is the
    cheapest fix there is.

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
    summary = "model trained on data that is never scaled"
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
    ]
    invalid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x_train, y_train)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        locator = ctx.analysis.locator
        for model in ctx.analysis.models:
            before = layers_before_first_weighted(model)
            weighted = first_weighted(model)
            if before is None or weighted is None or weighted.class_name == "Embedding":
                continue
            if any(layer.class_name in NORMALIZING_LAYERS for layer in before):
                continue
            for fit in model.fits:
                for data in raw_inputs(fit):
                    yield Report(
                        locator.span(fit.node),
                        f"model `{model.name}` is trained on raw data from `{data.origin}` (line "
                        f"{locator.line(data.node)}) that is never scaled, and nothing before its first "
                        f"weighted layer {weighted.describe()} normalizes it",
                        help="Divide or standardize the data (e.g. `x / 255.0`, a StandardScaler) or start the "
                        "model with a Rescaling or Normalization layer",
                    )
                    break
