"""KER309: two layers of one model share a name, which Keras refuses."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.rules.base import Report, Rule, RuleContext


class DuplicateLayerName(Rule):
    """## What it does
    Flags two different layers of the same functional or Sequential model
    with the same name, where at least one of the names was given explicitly
    (`name="..."`).

    ## Why is this bad?
    Keras identifies the layers of a functional or Sequential model by name:
    `keras.Model(...)` raises `ValueError: The name "dense" is used 2 times in
    the model. All operation names should be unique.`, and `Sequential.add`
    raises `All layers added to a Sequential model should have unique names`.
    Copy-pasted blocks and helper functions called twice with the same
    `name=` are the usual cause.

    Subclassed models are not flagged: Keras tracks their layers by attribute,
    not by name, and builds and trains them with repeated names.

    ## Example
    ```python
    def block(x):
        return keras.layers.Dense(64, activation="relu", name="hidden")(x)

    x = block(block(inputs))
    ```

    Use instead:
    ```python
    def block(x, name):
        return keras.layers.Dense(64, activation="relu", name=name)(x)

    x = block(block(inputs, "hidden_1"), "hidden_2")
    ```
    """

    code, name, severity = "KER309", "duplicate-layer-name", Severity.ERROR
    summary = "two layers of one model share a name"
    valid = [
        """
import keras
inputs = keras.Input(shape=(8,))
x = keras.layers.Dense(4, name="hidden_1")(inputs)
x = keras.layers.Dense(4, name="hidden_2")(x)
model = keras.Model(inputs, x)
""",
        """
import keras
class Tower(keras.Model):
    def __init__(self):
        super().__init__()
        self.first = keras.layers.Dense(4, name="hidden")
        self.second = keras.layers.Dense(4, name="hidden")

    def call(self, x):
        return self.second(self.first(x))

tower = Tower()
tower(keras.Input(shape=(8,)))
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(8,))
x = keras.layers.Dense(4, name="hidden")(inputs)
x = keras.layers.Dense(4, name="hidden")(x)
model = keras.Model(inputs, x)
""",
        """
import keras
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(4, name="hidden"), keras.layers.Dense(4, name="hidden")])
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        locator = ctx.analysis.locator
        for model in ctx.analysis.models:
            for name, (first, *others) in model.duplicate_names().items():
                for layer in others:
                    yield Report(
                        locator.span(layer.node),
                        f'layer name "{name}" is already used by the {first.describe()} on line '
                        f"{locator.line(first.node)} in model `{model.name}`: Keras raises when building the "
                        f"model (names must be unique)",
                        help="Give each layer its own name",
                    )
