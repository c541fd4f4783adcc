"""KER304: a channels-first image fed to channels-last convolutions."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import InputNode
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.intent import is_test_file
from kerlint.units import shape_str

IMAGE_LAYERS = {
    "Conv2D", "SeparableConv2D", "DepthwiseConv2D", "Conv2DTranspose",
    "MaxPooling2D", "AveragePooling2D",
}
CHANNEL_COUNTS = {1, 3, 4}  # grayscale, RGB, RGBA
MIN_SIDE = 8


class ChannelsFirstInput(Rule):
    """## What it does
    Flags a model input shaped like a channels-first image, `(1, 28, 28)` or
    `(3, H, W)`, that goes straight into a 2D convolution or pooling layer
    using the default `channels_last` data format. Models built in test files
    (`test_*.py`, `*_test.py`) are fixtures, never trained, and are left alone.

    ## Why is this bad?
    Keras's 2D layers read the *last* axis as channels. A `(3, 224, 224)`
    input is taken as a 3-pixel-high image with 224 channels: the model builds
    and trains, but the kernels slide over the wrong axes, the first layer has
    ~75x the intended weights and the results are poor. This usually comes
    from PyTorch-style or Theano-era (`dim_ordering="th"`) data.

    ## Example
    ```python
    inputs = keras.Input(shape=(1, 28, 28))
    x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
    ```

    Use instead:
    ```python
    inputs = keras.Input(shape=(28, 28, 1))  # and x = np.moveaxis(x, 1, -1)
    x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
    ```
    """

    code, name, severity = "KER304", "channels-first-input", Severity.WARNING
    summary = "channels-first image input to channels-last convolutions"
    valid = [
        """
import keras
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
""",
        """
import keras
inputs = keras.Input(shape=(3, 224, 224))
x = keras.layers.Conv2D(32, 3, data_format="channels_first")(inputs)
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(1, 28, 28))
x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
""",
        """
from keras.models import Sequential
from keras.layers import Conv2D
model = Sequential()
model.add(Conv2D(32, (3, 3), input_shape=(3, 150, 150)))
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        if is_test_file(ctx.path):
            return
        for call in ctx.analysis.calls:
            if call.layer.class_name not in IMAGE_LAYERS or len(call.inputs) != 1:
                continue
            tensor = call.inputs[0]
            shape = tensor.shape
            if not isinstance(tensor.producer, InputNode) or shape is None or len(shape) != 4:
                continue
            if call.layer.config.raw("data_format") not in (None, "channels_last"):
                continue
            _, first, height, width = shape
            if first in CHANNEL_COUNTS and all(isinstance(d, int) and d >= MIN_SIDE for d in (height, width)):
                yield Report(
                    ctx.analysis.locator.span(call.node),
                    f"input {shape_str(shape)} looks channels-first, but {call.layer.describe()} `{call.layer.name}` "
                    f"is channels_last: it sees {width} channels of {first}x{height} images",
                    help=f"Use shape ({height}, {width}, {first}) with the data moved to match (np.moveaxis(x, 1, -1)), "
                    "or data_format='channels_first'",
                )
