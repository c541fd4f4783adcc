"""KER202: a large model trained with nothing that fights overfitting."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import FitFacts
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.training import early_stopping, regularizes
from kerlint.units import human_count


class AbsentRegularization(Rule):
    """## What it does
    Flags a model with more than `min-params` parameters that is trained in the
    file (`fit`) without any regularization: no dropout layer or RNN dropout,
    no noise layer, no weight or activity regularizer, no normalization layer,
    no data augmentation layer, and no `EarlyStopping` callback.

    ## Why is this bad?
    A model with millions of free parameters memorizes its training set long
    before it generalizes. Validation loss rises while training loss falls, and
    the GPU hours after that point are wasted. Any one of the techniques above
    is usually enough to start with.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(2048, activation="relu"),
        keras.layers.Dense(2048, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.fit(x, y, epochs=50)
    ```

    Use instead:
    ```python
    model = keras.Sequential([
        keras.Input((784,)),
        keras.layers.Dense(2048, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(2048, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.fit(x, y, epochs=50, callbacks=[keras.callbacks.EarlyStopping(patience=3)])
    ```

    A short fixed training run (`epochs` at most `max-epochs`) is itself a
    form of early stopping and is not flagged.

    ## Options
    - `min-params` (default 1000000): models with fewer parameters are not checked.
    - `max-epochs` (default 5): fits with at most this many epochs are not checked.
    """

    code, name, severity = "KER202", "absent-regularization", Severity.WARNING
    summary = "large model trained without any regularization"
    default = False  # opt-in: docs/precision.md
    options = {"min-params": 1_000_000, "max-epochs": 5}
    valid = [
        """
import keras
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(2048, activation="relu"), keras.layers.Dropout(0.3), keras.layers.Dense(2048, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "categorical_crossentropy")
model.fit(x, y, epochs=50)
""",
        """
import keras
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(2048, activation="relu"), keras.layers.Dense(2048, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "categorical_crossentropy")
model.fit(x, y, epochs=50, callbacks=[keras.callbacks.EarlyStopping(patience=3)])
""",
    ]
    invalid = [
        """
import keras
model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(2048, activation="relu"), keras.layers.Dense(2048, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "categorical_crossentropy")
model.fit(x, y, epochs=50)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        minimum, max_epochs = ctx.options["min-params"], ctx.options["max-epochs"]
        for model in ctx.analysis.models:
            params = model.params
            long_fits = [fit for fit in model.fits if not _short(fit, max_epochs)]
            if not long_fits or params is None or params <= minimum:
                continue
            if any(regularizes(layer) is not False for layer in model.layers):
                continue
            if any(early_stopping(fit) is not False for fit in long_fits):
                continue
            fit = long_fits[0]
            yield Report(
                ctx.analysis.locator.span(fit.node),
                f"model `{model.name}` has {human_count(params)} parameters and is trained without dropout, "
                "noise, weight regularizers, normalization, augmentation or early stopping: it is likely to "
                "overfit",
                help="Add Dropout between the large layers or an EarlyStopping callback",
            )


def _short(fit: FitFacts, max_epochs: int) -> bool:
    """A fit whose known epoch count is small enough to stop before overfitting."""
    epochs = fit.kwargs.get("epochs", fit.kwargs.get("nb_epoch", 1))
    return isinstance(epochs, int) and epochs <= max_epochs
