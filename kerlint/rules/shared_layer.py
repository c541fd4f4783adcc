"""KER301: a shared layer called on inputs its weights cannot take."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import LayerCall
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.units import shape_str


class IncompatibleSharedLayer(Rule):
    """## What it does
    Flags a layer object that is called a second time on an input whose shape
    does not fit the weights its first call created.

    ## Why is this bad?
    A Keras layer creates its weights on its first call, sized for that input
    (a `Dense(32)` first called on 10 features gets a `(10, 32)` kernel).
    Sharing the layer means reusing exactly those weights, so a later call on
    20 features fails: Keras raises `ValueError: Input 0 of layer "dense" is
    incompatible with the layer` when the model is built.

    ## Example
    ```python
    input1 = keras.Input(shape=(10,))
    input2 = keras.Input(shape=(20,))
    shared_dense = keras.layers.Dense(32, activation="relu")
    dense1 = shared_dense(input1)
    dense2 = shared_dense(input2)
    ```

    Use instead (share only between inputs of the same shape, or give each
    input its own layer):
    ```python
    input1 = keras.Input(shape=(10,))
    input2 = keras.Input(shape=(20,))
    dense1 = keras.layers.Dense(32, activation="relu")(input1)
    dense2 = keras.layers.Dense(32, activation="relu")(input2)
    ```

    ## References
    - [Keras: shared layers in the Functional API](https://keras.io/guides/functional_api/#shared-layers)
    """

    code, name, severity = "KER301", "incompatible-shared-layer", Severity.ERROR
    summary = "shared layer called on an input shape its weights cannot take"
    valid = [
        """
import keras
a = keras.Input(shape=(10,))
b = keras.Input(shape=(10,))
shared = keras.layers.Dense(32)
merged = keras.layers.concatenate([shared(a), shared(b)])
""",
    ]
    invalid = [
        """
import keras
input1 = keras.Input(shape=(10,))
input2 = keras.Input(shape=(20,))
shared_dense = keras.layers.Dense(32, activation="relu")
dense1 = shared_dense(input1)
dense2 = shared_dense(input2)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        locator = ctx.analysis.locator
        for call in ctx.analysis.calls:
            first = call.shared_conflict
            if first is None:
                continue
            layer = call.layer
            weights = ", ".join(f"{w.name} {shape_str(w.shape)}" for w in layer.weights or [])
            yield Report(
                locator.span(call.node),
                f"{layer.describe()} `{layer.name}` is shared, but its first call (line "
                f"{locator.line(first.node)}) built it for input shape {shape_str(_input_shapes(first))}"
                f" ({weights}); this call passes {shape_str(_input_shapes(call))}: Keras raises when "
                "building the model",
                help="Use a separate layer for this input, or bring both inputs to one shape first",
            )


def _input_shapes(call: LayerCall):
    shapes = [t.shape for t in call.inputs]
    return shapes[0] if len(shapes) == 1 else shapes
