"""KER105: a bias that the BatchNormalization right after it cancels."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.fix.edit import Applicability, Availability, Fix, make_fix
from kerlint.graph import Layer
from kerlint.rules.activations import Flow, Step, applied_activation, layer_label
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.intent import FixedWeights, is_test_file
from kerlint.units import human_count

BIASED_LAYERS = {
    "Dense": None, "Conv1D": 3, "Conv2D": 4, "Conv3D": 5, "Conv1DTranspose": 3, "Conv2DTranspose": 4,
    "Conv3DTranspose": 5, "DepthwiseConv1D": 3, "DepthwiseConv2D": 4, "SeparableConv1D": 3, "SeparableConv2D": 4,
}
"""Layers with a per-feature (per-channel) bias, and the rank of their output when it is fixed."""


class RedundantBiasBeforeNormalization(Rule):
    """## What it does
    Flags a `Dense` or convolution layer with `use_bias=True` (the default),
    no activation, whose output goes only into a `BatchNormalization` that
    normalizes the same axis (the features, or the channels) and has its own
    offset (`center=True`, the default).

    ## Why is this bad?
    BatchNormalization subtracts each feature's mean before scaling, so a
    constant added to a feature just before it is subtracted right back out:
    the bias receives zero gradient and never changes the output. BN's own
    learned offset `beta` plays the bias's role. The bias costs parameters,
    memory and a little compute for nothing, which is why ResNet-style code
    often writes `use_bias=False` on convolutions followed by BN.

    Layers with an activation between them and the BN are not flagged (the
    activation makes the bias matter), nor layers whose output also goes
    elsewhere, nor layers of a model that loads trained weights
    (`load_weights`, `set_weights`, a checkpoint's `restore`) or that are given
    `weights=`: ports of published architectures keep the bias so that the
    published weights load. Models built in test files (`test_*.py`,
    `*_test.py`) are fixtures and not flagged either.

    ## Example
    ```python
    x = keras.layers.Conv2D(64, 3, padding="same")(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Activation("relu")(x)
    ```

    Use instead:
    ```python
    x = keras.layers.Conv2D(64, 3, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Activation("relu")(x)
    ```

    ## Fix safety
    The fix passes `use_bias=False` (or turns a written `use_bias=True` into
    it). It is unsafe: the layer loses its bias weights, so weights saved from
    the old model no longer load into the new one.

    ## References
    - [Ioffe & Szegedy, Batch Normalization (2015), section 3.2: the bias "can be ignored since its effect will be canceled by the subsequent mean subtraction"](https://arxiv.org/abs/1502.03167)
    - [Keras: BatchNormalization](https://keras.io/api/layers/normalization_layers/batch_normalization/)
    """

    code, name, severity = "KER105", "redundant-bias-before-normalization", Severity.WARNING
    summary = "bias directly followed by BatchNormalization, which cancels it"
    default = False  # opt-in: docs/precision.md
    fix_availability = Availability.SOMETIMES
    valid = [
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(64, 3, padding="same", use_bias=False)(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Activation("relu")(x)
model = keras.Model(inputs, x)
""",
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(64, 3, padding="same", activation="relu")(inputs)
x = keras.layers.BatchNormalization()(x)
model = keras.Model(inputs, x)
""",
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(64, 3, padding="same")(inputs)
x = keras.layers.BatchNormalization(axis=1)(x)
model = keras.Model(inputs, x)
""",
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(64)(inputs)
y = keras.layers.BatchNormalization()(x)
model = keras.Model(inputs, [x, y])
""",
        # A port of a published architecture: its trained weights include the bias.
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(64, 3, padding="same")(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Activation("relu")(x)
model = keras.Model(inputs, x)
model.load_weights("published.weights.h5")
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(64, 3, padding="same")(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Activation("relu")(x)
model = keras.Model(inputs, x)
""",
        """
from keras.models import Sequential
from keras.layers import Dense, BatchNormalization, Activation
model = Sequential()
model.add(Dense(256, input_dim=100))
model.add(BatchNormalization())
model.add(Activation("relu"))
""",
        """
from keras.layers import Conv2D, BatchNormalization, Input
inputs = Input(shape=(3, 64, 64))
x = Conv2D(32, (3, 3), padding="same", data_format="channels_first")(inputs)
x = BatchNormalization(axis=1)(x)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        if is_test_file(ctx.path):
            return
        flow = Flow(ctx.analysis)
        fixed = FixedWeights(ctx.analysis)
        reported: set[int] = set()
        for step in flow.steps():
            layer = step.layer
            if layer.class_name not in BIASED_LAYERS or layer.spec is None or len(layer.calls) > 1 or layer in fixed:
                continue
            if layer.config.raw("use_bias") is not True or applied_activation(layer) != "linear":
                continue
            norm = flow.sole_reader(step)
            if norm is None or not _cancels_bias(step, norm.layer):
                continue
            if id(step.node) in reported:
                continue
            reported.add(id(step.node))
            saved = _bias_size(layer)
            count = f" ({human_count(saved)} parameters)" if saved else ""
            yield Report(
                ctx.analysis.locator.span(step.node),
                f"{layer_label(layer)} adds a bias{count} that {layer_label(norm.layer)} right after it cancels: "
                "BatchNormalization subtracts each feature's mean (taking the bias with it) and adds its own "
                "offset `beta`",
                help="Pass use_bias=False",
                fix=_no_bias_fix(ctx, layer),
            )


def _no_bias_fix(ctx: RuleContext, layer: Layer) -> Fix | None:
    # Imported here: rule modules load with every run, the parser only with a file to analyze.
    from kerlint.fix.codemod import Editor

    edits = Editor(ctx.analysis.locator).set_argument(layer, "use_bias", "False")
    return make_fix("Pass use_bias=False", Applicability.UNSAFE, edits)


def _cancels_bias(step: Step, norm: Layer) -> bool:
    if norm.class_name != "BatchNormalization" or norm.spec is None:
        return False
    if norm.config.raw("center", True) is not True or norm.config.raw("mode", 0) != 0:
        return False
    axis = norm.config.raw("axis", -1)
    if isinstance(axis, (list, tuple)) and len(axis) == 1:
        axis = axis[0]
    if not isinstance(axis, int) or isinstance(axis, bool):
        return False
    return axis in _feature_axes(step)


def _feature_axes(step: Step) -> set[int]:
    """The axis (both spellings, when the rank is known) that holds the features a bias is added along."""
    layer = step.layer
    rank = BIASED_LAYERS[layer.class_name]
    if rank is None and step.call is not None and len(step.call.outputs) == 1 and step.call.outputs[0].shape:
        rank = len(step.call.outputs[0].shape)
    data_format = layer.config.raw("data_format") if layer.class_name != "Dense" else None
    if data_format in (None, "channels_last", "tf"):
        return {-1} | ({rank - 1} if rank else set())
    if data_format in ("channels_first", "th"):
        return {1} | ({1 - rank} if rank else set())
    return set()


def _bias_size(layer: Layer) -> int | None:
    for weight in layer.weights or []:
        if weight.name == "bias":
            return weight.size
    width = layer.config.raw("units" if layer.class_name == "Dense" else "filters")
    if layer.class_name.startswith("Depthwise"):
        return None
    return width if isinstance(width, int) and not isinstance(width, bool) else None
