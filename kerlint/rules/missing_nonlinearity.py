"""KER207: two weighted layers with nothing non-linear between them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from kerlint.findings import Severity
from kerlint.graph import Layer, LayerCall, ModelGraph, topological
from kerlint.rules.activations import (
    CONV_LAYERS,
    KERNEL_LAYERS,
    PURE_ACTIVATION_LAYERS,
    Flow,
    Step,
    applied_activation,
    layer_label,
    passes_through_unchanged,
)
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.intent import is_test_file
from kerlint.units import human_count

if TYPE_CHECKING:
    from kerlint.interpret.analysis import FileAnalysis

LINEAR_KINDS = {"Dense", *CONV_LAYERS}
NORMALIZATION_LAYERS = {"BatchNormalization"}
AFFINE_LAYERS = {*NORMALIZATION_LAYERS, "Permute"}
"""Besides the transparent layers: layers that are affine per sample at inference."""
OTHER_WEIGHTED_LAYERS = {*KERNEL_LAYERS, "EinsumDense"} - LINEAR_KINDS
"""Weighted layers this rule does not pair up, but which make a model non-linear when they apply an activation."""
LINEAR_LAYERS = {
    "Add", "Subtract", "Average", "Concatenate", "Embedding", "RepeatVector",
    "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D",
}
"""Layers without weights of their own (or a lookup table) that are linear in their inputs."""


class MissingNonlinearity(Rule):
    """## What it does
    Flags a `Dense` (or `Conv1D`/`Conv2D`/`Conv3D`) layer without an
    activation whose output goes only into another layer of the same kind,
    with nothing non-linear in between (only Dropout, noise, Flatten, Reshape,
    Permute, BatchNormalization or `Activation("linear")`), where that is a bug
    in practice:

    - no layer of the model applies a non-linearity before its outputs (the
      output's own softmax or sigmoid does not count): the whole stack is one
      linear map; or
    - the layer it feeds is a hidden layer that does apply an activation: it
      is the one layer of its stack that lacks the activation its sibling has.

    ## Why is this bad?
    A layer without an activation computes `x @ W + b`. Two such maps in a row
    are again one linear map, so the first layer adds parameters and compute
    but no capacity: the stack can only learn what a single layer could. This
    is almost always a forgotten `activation="relu"` (Keras layers default to
    no activation, unlike many tutorials' diagrams suggest).

    Deliberate linear projections are not flagged: a linear layer just before
    the output layer (an embedding or a projection head), before a merge or a
    residual `Add`, before a normalization in a model that is non-linear
    elsewhere (`Conv2D -> BatchNormalization -> ReLU` puts the activation after
    the normalization), before a layer of another kind (attention, recurrent,
    custom layers apply their own functions), or into a wider layer when it is
    no wider than its input (an autoencoder's latent code, a MobileNet
    projection: a low-rank factorization). Convolutions factorized into `1xk`
    and `kx1` kernels are not flagged either, nor `EinsumDense`, nor layers
    whose activation is not statically known, nor models built in test files
    (`test_*.py`, `*_test.py`), where a linear stack is a fixture.

    Where a layer followed by BatchNormalization is flagged (the whole model
    is linear), the advice is to add the activation after the normalization,
    so it agrees with KER105's `use_bias=False` for that layer.

    ## Example
    ```python
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(512),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    ```

    Use instead:
    ```python
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(512, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    ```

    ## References
    - [Keras: the Dense layer (`activation` defaults to None, i.e. linear)](https://keras.io/api/layers/core_layers/dense/)
    - [Goodfellow, Bengio, Courville: Deep Learning, section 6.1 (a linear model of a linear model is linear)](https://www.deeplearningbook.org/contents/mlp.html)
    """

    code, name, severity = "KER207", "missing-nonlinearity", Severity.WARNING
    summary = "weighted layers with no activation between them collapse into one linear map"
    default = False  # opt-in: docs/precision.md
    valid = [
        """
import keras
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(512, activation="relu"), keras.layers.Dropout(0.2), keras.layers.Dense(10, activation="softmax")])
""",
        """
import keras
inputs = keras.Input(shape=(784,))
x = keras.layers.Dense(128, activation="relu")(inputs)
code = keras.layers.Dense(2)(x)
x = keras.layers.Dense(128, activation="relu")(code)
outputs = keras.layers.Dense(784, activation="sigmoid")(x)
autoencoder = keras.Model(inputs, outputs)
""",
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(64, 3)(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Activation("relu")(x)
x = keras.layers.Conv2D(64, 3, activation="relu")(x)
model = keras.Model(inputs, x)
""",
        """
import keras
inputs = keras.Input(shape=(20,))
shared = keras.layers.Dense(64)(inputs)
a = keras.layers.Dense(1, activation="sigmoid", name="churn")(shared)
b = keras.layers.Dense(1, name="spend")(shared)
model = keras.Model(inputs, [a, b])
""",
        """
import keras
def block(x, act):
    x = keras.layers.Dense(64, activation=act)(x)
    return keras.layers.Dense(10)(x)
inputs = keras.Input(shape=(20,))
model = keras.Model(inputs, block(inputs, unknown_activation()))
""",
        """
import keras
inputs = keras.Input(shape=(64, 64, 32))
x = keras.layers.Conv2D(32, (1, 7), padding="same")(inputs)
x = keras.layers.Conv2D(32, (7, 1), padding="same", activation="relu")(x)
model = keras.Model(inputs, x)
""",
        # A linear projection before the output layer.
        """
import keras
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(64), keras.layers.Dense(10, activation="softmax")])
""",
        # A linear layer before a normalization, in a model that is non-linear elsewhere.
        """
import keras
inputs = keras.Input(shape=(64,))
x = keras.layers.Dense(128)(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Dense(128, activation="relu")(x)
outputs = keras.layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
""",
        # A transformer block's output projection feeds the residual add.
        """
import keras
inputs = keras.Input(shape=(16, 64))
x = keras.layers.Dense(256, activation="gelu")(inputs)
x = keras.layers.Dense(64)(x)
x = keras.layers.Add()([inputs, x])
model = keras.Model(inputs, x)
""",
    ]
    invalid = [
        """
import keras
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(512), keras.layers.Dropout(0.2), keras.layers.Dense(10, activation="softmax")])
""",
        """
from keras.layers import Conv2D, Input
from keras.models import Model
inputs = Input(shape=(28, 28, 1))
x = Conv2D(32, (3, 3))(inputs)
x = Conv2D(64, (3, 3), activation="relu")(x)
model = Model(inputs, x)
""",
        """
from keras.models import Sequential
from keras.layers import Dense
model = Sequential()
model.add(Dense(64))
model.add(Dense(32, activation="relu"))
model.add(Dense(1, activation="sigmoid"))
""",
        # Three Dense(relu) and one Dense() in the middle of the same stack.
        """
import keras
model = keras.Sequential([
    keras.Input(shape=(100,)),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(64),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(1),
])
""",
        # No non-linearity anywhere, through a normalization.
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(32, 3)(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Conv2D(64, 3)(x)
model = keras.Model(inputs, x)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        if is_test_file(ctx.path):
            return
        flow = Flow(ctx.analysis)
        linear_models: dict[int, list[ModelGraph | None]] | None = None  # computed for the first pair: most files have none
        reported: set[int] = set()
        reported_models: set[int] = set()
        for step in flow.steps():
            first = step.layer
            if first.class_name not in LINEAR_KINDS or first.spec is None or len(first.calls) > 1:
                continue
            if applied_activation(first) != "linear":
                continue
            followed = flow.follow(step, _affine)
            if followed is None:
                continue
            between, second_step = followed
            second = second_step.layer
            if second.class_name != first.class_name or second.spec is None or len(second.calls) > 1:
                continue
            if first.class_name in CONV_LAYERS and not (_square_kernel(first) and _square_kernel(second)):
                continue
            if not _redundant_width(step, second) or id(step.node) in reported:
                continue
            through_norm = any(s.layer.class_name in NORMALIZATION_LAYERS for s in between)
            if linear_models is None:
                linear_models = _linear_models(ctx.analysis)
            model = _only_model(first, linear_models)
            if model is not None and id(model) not in reported_models:
                reported_models.add(id(model))
                reported.add(id(step.node))
                yield Report(ctx.analysis.locator.span(step.node), _linear_model_message(first, second, model),
                             help=_help(through_norm))
            elif not through_norm and _odd_one_out(flow, second_step):
                reported.add(id(step.node))
                yield Report(ctx.analysis.locator.span(step.node), _message(first, second, between),
                             help=_help(through_norm))


def _help(through_norm: bool) -> str:
    """The change to make; after a normalization, the activation goes after it (and KER105's use_bias=False stands)."""
    if through_norm:
        return 'Add a non-linearity after the BatchNormalization (e.g. keras.layers.Activation("relu"))'
    return 'Give it an activation (e.g. activation="relu") or remove it'


def _odd_one_out(flow: Flow, second: Step) -> bool:
    """Whether the layer it feeds is a hidden layer of its kind that does apply a non-linearity (its sibling has one).

    The sibling's activation is its own argument, or an `Activation` layer
    after it (Keras 1 code writes `Dense(64)` then `Activation("tanh")`).
    """
    activated = second
    if applied_activation(second.layer) == "linear":
        followed = flow.follow(second, _affine)
        if followed is None or followed[1].layer.class_name not in PURE_ACTIVATION_LAYERS:
            return False
        activated = followed[1]
    activation = applied_activation(activated.layer)
    return isinstance(activation, str) and activation != "linear" and not flow.is_model_output(activated)


def _linear_models(analysis: "FileAnalysis") -> dict[int, list[ModelGraph | None]]:
    """Layer id -> for each model that holds the layer, the model if it is linear, else None.

    A model is linear when every layer before its outputs is a weighted
    layer without activation or a layer that is affine per sample; the
    outputs' own activation (a softmax head) does not count. Operations
    (``x * 2``, ``ops.tanh``) and layers kerlint does not know make it unknown.
    """
    holders: dict[int, list[ModelGraph | None]] = {}
    for model in analysis.models:
        hidden = _hidden_layers(model)
        if hidden is None:
            continue
        linear = all(_is_linear(layer) for layer in hidden)
        for layer in (*hidden, *_output_layers(model)):
            holders.setdefault(id(layer), []).append(model if linear else None)
    return holders


def _only_model(layer: Layer, linear_models: dict[int, list[ModelGraph | None]]) -> ModelGraph | None:
    """The model holding `layer` if every model holding it is linear, else None."""
    models = linear_models.get(id(layer), [])
    if not models or any(m is None for m in models):
        return None
    return models[0]


def _hidden_layers(model: ModelGraph) -> list[Layer] | None:
    """The layers before the model's outputs; None when an operation or an unknown step is among them."""
    if model.sequence is not None and not model.calls:
        if model.kind != "sequential" or not model.sequence:
            return None  # a subclassed model's layer list is not what its `call` computes
        if any(note.says("could not be evaluated") for note in model.notes):
            return None  # a Sequential with a layer kerlint could not evaluate lacks that layer
        return list(model.sequence[:-1])
    if not model.outputs:
        return None
    nodes, _ = topological(model.outputs)
    if any(not isinstance(node, LayerCall) for node in nodes):
        return None
    last = {id(t.producer) for t in model.outputs}
    return [node.layer for node in nodes if id(node) not in last]


def _output_layers(model: ModelGraph) -> list[Layer]:
    if model.sequence is not None and not model.calls:
        return list(model.sequence[-1:])
    return [t.producer.layer for t in model.outputs if isinstance(t.producer, LayerCall)]


def _is_linear(layer: Layer) -> bool:
    if layer.nonlinear is not None:  # a body kerlint followed (custom layer, Lambda, nested model)
        return not layer.nonlinear
    if layer.spec is None:
        return False
    if layer.class_name in LINEAR_KINDS or layer.class_name in OTHER_WEIGHTED_LAYERS:
        return applied_activation(layer) == "linear"
    return _affine(layer) or layer.class_name in LINEAR_LAYERS


def _affine(layer: Layer) -> bool:
    if layer.class_name == "BatchNormalization":
        return layer.config.raw("mode", 0) == 0  # Keras 1's mode=1 normalizes each sample: not affine
    return passes_through_unchanged(layer) or layer.class_name in AFFINE_LAYERS


def _square_kernel(layer: Layer) -> bool:
    size = layer.config.raw("kernel_size")
    if isinstance(size, int) and not isinstance(size, bool):
        return True
    return isinstance(size, (tuple, list)) and len(set(size)) == 1 and all(isinstance(k, int) for k in size)


def _width(layer: Layer) -> int | None:
    value = layer.config.raw("units" if layer.class_name == "Dense" else "filters")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _input_width(step: Step) -> int | None:
    shape = step.input_shape
    if not shape:
        return None
    if step.layer.class_name == "Dense":
        return shape[-1]
    data_format = step.layer.config.raw("data_format")
    if data_format in (None, "channels_last", "tf"):
        return shape[-1]
    if data_format in ("channels_first", "th"):
        return shape[1]
    return None


def _redundant_width(step: Step, second: Layer) -> bool:
    """Whether the first layer is wider than its input or at least as wide as the next layer (not a bottleneck).

    A projection no wider than its input into a wider layer is a linear
    bottleneck by design (MobileNet's inverted residuals), not a mistake.
    """
    middle, after, before = _width(step.layer), _width(second), _input_width(step)
    if middle is None or after is None:
        return False
    return middle >= after or (before is not None and middle > before)


def _message(first: Layer, second: Layer, between: list[Step]) -> str:
    through = f" (through {', '.join(s.layer.class_name for s in between)})" if between else ""
    return (
        f"{layer_label(first)} has no activation and feeds only {layer_label(second)}{through}, a hidden layer "
        "with an activation: two {_kind(first)} with nothing non-linear between them compute what "
        f"{_merged(first)} could, so `{first.name}` adds {_params(first)} but no capacity"
    )


def _linear_model_message(first: Layer, second: Layer, model: ModelGraph) -> str:
    return (
        f"no layer of model `{model.name}` applies a non-linearity before its outputs: {layer_label(first)} and the "
        f"{layer_label(second)} it feeds compute what {_merged(first)} could, so `{first.name}` adds "
        f"{_params(first)} but no capacity"
    )


def _kind(layer: Layer) -> str:
    return "convolutions" if layer.class_name in CONV_LAYERS else "linear layers"


def _merged(layer: Layer) -> str:
    return "a single convolution with a larger kernel" if layer.class_name in CONV_LAYERS else "a single Dense layer"


def _params(layer: Layer) -> str:
    return f"{human_count(layer.params)} parameters" if layer.params else "parameters"
