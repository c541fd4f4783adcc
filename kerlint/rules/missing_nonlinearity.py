"""KER207: two weighted layers with nothing non-linear between them."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import Layer
from kerlint.rules.activations import CONV_LAYERS, Flow, Step, applied_activation, layer_label, passes_through_unchanged
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.units import human_count

LINEAR_KINDS = {"Dense", *CONV_LAYERS}
AFFINE_LAYERS = {"BatchNormalization", "Permute"}
"""Besides the transparent layers: layers that are affine per sample at inference."""


class MissingNonlinearity(Rule):
    """## What it does
    Flags a `Dense` (or `Conv1D`/`Conv2D`/`Conv3D`) layer without an
    activation whose output goes only into another layer of the same kind,
    with nothing non-linear in between (only Dropout, noise, Flatten, Reshape,
    Permute, BatchNormalization or `Activation("linear")`).

    ## Why is this bad?
    A layer without an activation computes `x @ W + b`. Two such maps in a row
    are again one linear map, so the first layer adds parameters and compute
    but no capacity: the stack can only learn what a single layer could. This
    is almost always a forgotten `activation="relu"` (Keras layers default to
    no activation, unlike many tutorials' diagrams suggest).

    Deliberate linear bottlenecks are not flagged: when the first layer is
    no wider than its input and narrower than the next layer (an autoencoder's
    latent code, a MobileNet projection), the pair is a low-rank factorization, not
    a redundant layer. Convolutions factorized into `1xk` and `kx1` kernels are
    not flagged either, nor `EinsumDense`, nor layers whose activation is not
    statically known.

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
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        flow = Flow(ctx.analysis)
        reported: set[int] = set()
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
            if not _redundant_width(step, second):
                continue
            if id(step.node) in reported:
                continue
            reported.add(id(step.node))
            yield Report(ctx.analysis.locator.span(step.node), _message(first, second, between),
                         help='Give it an activation (e.g. activation="relu") or remove it')


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
    kind = "convolutions" if first.class_name in CONV_LAYERS else "linear layers"
    params = f"{human_count(first.params)} parameters" if first.params else "parameters"
    merged = "a single convolution with a larger kernel" if first.class_name in CONV_LAYERS else "a single Dense layer"
    return (
        f"{layer_label(first)} has no activation and feeds only {layer_label(second)}{through}: two {kind} with "
        f"nothing non-linear between them compute what {merged} could, so `{first.name}` adds {params} but no "
        "capacity"
    )
