"""KER208: an activation applied twice in a row, or a softmax inside the network."""

from __future__ import annotations

import math
from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import Layer
from kerlint.rules.activations import (
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

SIGN_PRESERVING = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "ActivityRegularization"}
"""Between two activations: layers that only scale values by non-negative factors (no noise)."""
ELEMENTWISE_ONLY = {
    "Flatten", "Reshape", "Permute", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
}
"""Layers that commute with an element-wise monotonic activation (not with softmax, which is per row)."""
NON_NEGATIVE = {"relu", "relu6", "sigmoid", "softmax", "softplus", "hard_sigmoid", "exponential"}
IDENTITY_ON_NON_NEGATIVE = {"relu", "leaky_relu", "elu"}
"""Activations that return non-negative inputs unchanged."""


class DoubleActivation(Rule):
    """## What it does
    Flags two kinds of misplaced activations:
    - an activation layer (`Activation`, `ReLU`, `Softmax`, `LeakyReLU`, `ELU`)
      applied to the output of a layer that already ends in the same activation
      (`Dense(64, activation="relu")` then `Activation("relu")`), or in one whose
      output the second activation leaves unchanged (a ReLU after a sigmoid or a
      softmax, whose outputs are never negative);
    - a softmax inside the network whose output goes straight into a `Dense` or
      convolution layer.

    Dropout, Flatten, Reshape and max pooling between the two activations do
    not hide the repetition. Softmax used for attention (its output multiplied
    into other features, via `Multiply`, `Dot`, `Permute` or `RepeatVector`) is
    not flagged, nor are models built in test files (`test_*.py`, `*_test.py`),
    which are fixtures, never trained.

    ## Why is this bad?
    A ReLU after a ReLU does nothing: the code says something the model does
    not do, and usually a different activation was meant. A second sigmoid
    squeezes every output into [0.50, 0.73]; a second softmax turns the
    probabilities into nearly uniform ones (over 10 classes, no class can get
    more than 0.23), so the loss can barely move and accuracy stalls.

    A hidden softmax forces a layer's activations to sum to 1: with 64 units
    each is about 1/64, the gradients through it are tiny, and the units
    compete instead of each detecting its own feature. It belongs on the
    output layer; hidden layers want `relu` (or another element-wise
    activation).

    ## Example
    ```python
    x = keras.layers.Dense(128, activation="relu")(x)
    x = keras.layers.Activation("relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    outputs = keras.layers.Activation("softmax")(outputs)
    ```

    Use instead:
    ```python
    x = keras.layers.Dense(128, activation="relu")(x)
    outputs = keras.layers.Dense(10, activation="softmax")(x)
    ```

    ## References
    - [Keras: activation layers](https://keras.io/api/layers/activation_layers/)
    - [Keras: activations](https://keras.io/api/layers/activations/)
    """

    code, name, severity = "KER208", "double-activation", Severity.WARNING
    summary = "activation applied twice in a row, or softmax in a hidden layer"
    valid = [
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(64)(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Activation("relu")(x)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
        """
import keras
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.ReLU()(x)
model = keras.Model(inputs, x)
""",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(50, 128))
score = layers.Dense(1, activation="tanh")(inputs)
score = layers.Flatten()(score)
weights = layers.Activation("softmax")(score)
weights = layers.RepeatVector(128)(weights)
weights = layers.Permute([2, 1])(weights)
context = layers.multiply([inputs, weights])
model = keras.Model(inputs, context)
""",
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(64, activation="relu")(inputs)
x = keras.layers.GaussianNoise(0.1)(x)
x = keras.layers.ReLU()(x)
model = keras.Model(inputs, x)
""",
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(64, activation="relu")(inputs)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(64, activation="relu")(inputs)
x = keras.layers.Activation("relu")(x)
model = keras.Model(inputs, x)
""",
        """
from keras.models import Sequential
from keras.layers import Dense, Activation
model = Sequential()
model.add(Dense(10, input_dim=784, activation="softmax"))
model.add(Activation("softmax"))
""",
        """
import tensorflow as tf
inputs = tf.keras.Input(shape=(100,))
x = tf.keras.layers.Dense(64, activation="softmax")(inputs)
outputs = tf.keras.layers.Dense(3, activation="softmax")(x)
model = tf.keras.Model(inputs, outputs)
""",
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(64, activation="sigmoid")(inputs)
x = keras.layers.Dropout(0.5)(x)
x = keras.layers.ReLU()(x)
model = keras.Model(inputs, x)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        if is_test_file(ctx.path):
            return
        flow = Flow(ctx.analysis)
        reported: set[int] = set()
        for step in flow.steps():
            first = applied_activation(step.layer)
            if not isinstance(first, str) or first == "linear":
                continue
            for between, reader in flow.reached(step, _between(first)):
                if reader.layer.class_name not in PURE_ACTIVATION_LAYERS or id(reader.node) in reported:
                    continue
                second = applied_activation(reader.layer)
                if not isinstance(second, str):
                    continue
                explained = _repeated(step, first, reader, second, between)
                if explained:
                    reported.add(id(reader.node))
                    yield Report(ctx.analysis.locator.span(reader.node), *explained)
            if first == "softmax" and id(step.node) not in reported:
                explained = _hidden_softmax(flow, step)
                if explained:
                    reported.add(id(step.node))
                    yield Report(ctx.analysis.locator.span(step.node), *explained)


def _between(activation: str):
    def passes(layer: Layer) -> bool:
        if layer.class_name in SIGN_PRESERVING:
            return True
        return activation != "softmax" and layer.class_name in ELEMENTWISE_ONLY

    return passes


def _repeated(step: Step, first: str, reader: Step, second: str, between: list[Step]) -> tuple[str, str] | None:
    """(message, help) when `reader` repeats or undoes the activation `first`."""
    through = f" (through {', '.join(s.layer.class_name for s in between)})" if between else ""
    head = f"{layer_label(reader.layer)} applies {second} to the output of {layer_label(step.layer)}{through}, "
    if first == second:
        head += f"which already applies {first}: "
        if first in ("relu", "relu6"):
            return head + f"the second {first} does nothing", "Remove it, or use the activation you meant"
        if first == "sigmoid":
            return head + "a second sigmoid squeezes every output into [0.50, 0.73]", "Remove one of them"
        if first == "tanh":
            return head + "a second tanh shrinks every output into (-0.76, 0.76)", "Remove one of them"
        if first == "softmax":
            return head + _double_softmax(reader), "Remove one of them"
        return head + f"{first} is applied twice", "Remove one of them"
    if first in NON_NEGATIVE and second in IDENTITY_ON_NON_NEGATIVE:
        return (
            head + f"whose outputs are never negative, so {second} leaves them unchanged and does nothing",
            "Remove it, or apply it where the values can be negative",
        )
    return None


def _double_softmax(reader: Step) -> str:
    shape = reader.call.outputs[0].shape if reader.call is not None and len(reader.call.outputs) == 1 else None
    classes = shape[-1] if shape else None
    if isinstance(classes, int) and classes > 1:
        top = math.e / (math.e + classes - 1)
        return (
            f"softmax over probabilities makes them nearly uniform (over {classes} classes no class can get more "
            f"than {top:.2f}), so the loss barely moves"
        )
    return "softmax over probabilities makes them nearly uniform, so the loss barely moves"


def _hidden_softmax(flow: Flow, step: Step) -> tuple[str, str] | None:
    """(message, help) for a softmax whose output only goes (through transparent layers) into Dense/conv layers."""
    if flow.is_model_output(step):
        return None
    readers = list(flow.reached(step, passes_through_unchanged))
    if not readers:
        return None
    for between, reader in readers:
        if reader.layer.class_name not in KERNEL_LAYERS or any(flow.is_model_output(s) for s in between):
            return None
        if reader.call is not None and len(reader.call.inputs) != 1:
            return None
    if step.call is not None and flow.readers(step) is None:
        return None
    units = step.call.outputs[0].shape[-1] if step.call is not None and step.call.outputs[0].shape else None
    size = f" over {units} units (each about 1/{units})" if isinstance(units, int) and units > 1 else ""
    target = layer_label(readers[0][1].layer)
    return (
        f"{layer_label(step.layer)} applies softmax in a hidden layer{size} and feeds {target}: a softmax "
        "makes the units compete to sum to 1 and passes tiny gradients",
        "Use relu (or another element-wise activation) here and keep softmax for the output layer",
    )
