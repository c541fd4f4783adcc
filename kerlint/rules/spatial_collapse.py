"""KER305: a feature map shrinks below a kernel, pool or crop size."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.units import shape_str


class SpatialCollapse(Rule):
    """## What it does
    Flags a convolution, pooling or cropping layer whose window (dilated
    kernel, pool size or crop) no longer fits the feature map it is called on
    with `padding="valid"`: too many poolings or strided layers for the input size.

    ## Why is this bad?
    No output position is left: Keras raises `ValueError: Computed output size
    would be negative` (or a similar message) when the model is built. It
    happens when an architecture designed for 224x224 images is fed 32x32 ones,
    or when one more block is stacked onto a deep network.

    ## Example
    ```python
    inputs = keras.Input(shape=(28, 28, 1))
    x = inputs
    for filters in (32, 64, 128, 256):
        x = keras.layers.Conv2D(filters, 3, activation="relu")(x)
        x = keras.layers.MaxPooling2D(2)(x)
    ```

    Use instead: `padding="same"` on the convolutions, fewer pooling steps, or
    a larger input.

    ## References
    - [keras.layers.Conv2D](https://keras.io/api/layers/convolution_layers/convolution2d/)
    """

    code, name, severity = "KER305", "spatial-collapse", Severity.ERROR
    summary = "feature map smaller than a kernel, pool or crop"
    valid = [
        """
import keras
inputs = keras.Input(shape=(28, 28, 1))
x = inputs
for filters in (32, 64, 128, 256):
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(28, 28, 1))
x = inputs
for filters in (32, 64, 128, 256):
    x = keras.layers.Conv2D(filters, 3, activation="relu")(x)
    x = keras.layers.MaxPooling2D(2)(x)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for call in ctx.analysis.calls:
            if not call.collapse:
                continue
            shape = shape_str(call.inputs[0].shape) if call.inputs else "?"
            yield Report(
                ctx.analysis.locator.span(call.node),
                f"{call.layer.describe()} `{call.layer.name}` is called on a feature map of shape {shape} that "
                f"its window no longer fits ({call.error}): Keras raises when building the model",
                help="Use padding='same', fewer downsampling steps, or a larger input",
            )
