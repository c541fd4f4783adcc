"""KER212: the model is trained on scaled data but validated, evaluated or asked to predict on unscaled data (or the reverse)."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.interpret.arrays import Data
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.data_use import Feed, data_fact, feeds, inputs_fed, line_of


class InconsistentScaling(Rule):
    """## What it does
    Flags data from the same source that is scaled for training but not for
    validation, evaluation or prediction, or the other way round: `fit` on
    `x_train / 255.0` and `evaluate` on `x_test` as loaded.

    Arrays count as the same source when they come from the same loader call
    (`(x_train, _), (x_test, _) = mnist.load_data()`, `train_test_split`) or
    from the same kind of file read. A model that scales its inputs itself
    (`Rescaling`, `Normalization`) wants them unscaled everywhere, which is
    consistent too. Data of unknown origin: no finding.

    ## Why is this bad?
    The model learned weights for inputs in one range and is measured on
    inputs in another: accuracy on test data or predictions is poor for no
    visible reason, though the training curves look fine.

    ## Example
    ```python
    (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
    model.fit(x_train / 255.0, y_train)
    model.evaluate(x_test, y_test)
    ```

    Use instead:
    ```python
    model.evaluate(x_test / 255.0, y_test)
    ```
    or scale inside the model with `keras.layers.Rescaling(1 / 255)`.

    ## References
    - [Keras: preprocessing layers](https://keras.io/guides/preprocessing_layers/)
    """

    code, name, severity = "KER212", "inconsistent-scaling", Severity.WARNING
    default = False  # opt-in until the corpus study (docs/precision.md) gives its evidence
    summary = "training data scaled but test/validation/prediction data not (or the reverse)"
    valid = [
        """
import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train, validation_data=(x_test, y_test))
model.evaluate(x_test, y_test)
model.predict(x_test[:1])
""",
        """
import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
model.evaluate(x_test, y_test)
""",
    ]
    invalid = [
        """
import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train / 255.0
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
model.evaluate(x_test, y_test)
""",
        """
import pandas as pd
import keras
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
frame = pd.read_csv("houses.csv")
x_train, x_test, y_train, y_test = train_test_split(frame[["rooms", "area", "age"]].values, frame["price"].values)
scaler = StandardScaler()
x_train = scaler.fit_transform(x_train)
model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(x_train, y_train, validation_data=(x_test, y_test))
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        all_feeds = list(feeds(ctx))
        for train in all_feeds:
            if not train.use.trains or train.validation:
                continue
            for other in all_feeds:
                if other is train or other.use.model is not train.use.model or other.use.trains and not other.validation:
                    continue
                for trained, given in _same_inputs(train, other):
                    if trained.scaled == given.scaled or not _same_source(trained, given):
                        continue
                    scaled, unscaled = (trained, given) if trained.scaled else (given, trained)
                    yield Report(
                        ctx.analysis.locator.span(other.use.node),
                        f"{train.what} (line {line_of(ctx, train.use.node)}) receives {_side(ctx, trained)}, but "
                        f"{other.what} receives {_side(ctx, given)}: the data is scaled for one and not the other",
                        help=f"Scale the data from line {line_of(ctx, unscaled.node)} the way it is scaled at line "
                        f"{line_of(ctx, scaled.scaled_at or scaled.node)} (or scale inside the model with a Rescaling or "
                        "Normalization layer)",
                    )


def _same_inputs(train: Feed, other: Feed) -> Iterator[tuple[Data, Data]]:
    given = dict((id(tensor), data) for tensor, data in inputs_fed(other))
    for tensor, data in inputs_fed(train):
        if id(tensor) in given:
            yield data, given[id(tensor)]


def _same_source(a: Data, b: Data) -> bool:
    if a.node is None or b.node is None:
        return False
    return a.node is b.node or (a.origin == b.origin and a.raw and b.raw)


def _side(ctx: RuleContext, data: Data) -> str:
    if data.scaled and data.scaled_at is not None:
        return f"{data_fact(ctx, data)} scaled at line {line_of(ctx, data.scaled_at)}"
    return f"{data_fact(ctx, data)}, unscaled"
