"""What a model's output heads apply last, and which loss trains them.

The head rules (KER203-KER206, KER303, KER307) all ask the same questions:
which activation produces this output, how wide is it, what loss is it
trained with, and does that loss take logits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterator

from kerlint.graph import LayerCall, ModelGraph, Tensor, snake_case
from kerlint.interpret.values import ApiRef, Data, Opaque
from kerlint.rules.base import Report, RuleContext
from kerlint.unknown import UNKNOWN

TRANSPARENT_LAYERS = {
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "ActivityRegularization", "Flatten", "Reshape",
}
"""Layers that pass values through unchanged at inference: the activation before them is the head's."""

ACTIVATION_LAYERS = {"Softmax": "softmax", "ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "PReLU": "prelu"}

LOSS_ALIASES = {
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "msle": "mean_squared_logarithmic_error",
    "kld": "kl_divergence",
    "kullback_leibler_divergence": "kl_divergence",
    "categorical_cross_entropy": "categorical_crossentropy",
    "binary_cross_entropy": "binary_crossentropy",
}
CATEGORICAL_LOSSES = {"categorical_crossentropy", "sparse_categorical_crossentropy", "categorical_focal_crossentropy"}
BINARY_LOSSES = {"binary_crossentropy", "binary_focal_crossentropy"}
PROBABILITY_LOSSES = CATEGORICAL_LOSSES | BINARY_LOSSES


@dataclass(frozen=True)
class Loss:
    name: str  # canonical function name: "categorical_crossentropy"
    from_logits: Any  # True/False, or UNKNOWN


@dataclass(frozen=True)
class Head:
    model: ModelGraph
    output: Tensor
    activation: Any  # "softmax", "sigmoid", "linear"...; UNKNOWN when it cannot be told
    activation_call: LayerCall  # the call that applies it (where findings point)
    loss: Loss | None

    @property
    def units(self) -> int | None:
        shape = self.output.shape
        return shape[-1] if shape else None

    @property
    def rank(self) -> int | None:
        return None if self.output.shape is None else len(self.output.shape)


def heads(model: ModelGraph) -> Iterator[Head]:
    """Every output of a model with its final activation and its loss (from the last compile)."""
    losses = _losses_by_output(model)
    for index, output in enumerate(model.outputs):
        if not isinstance(output.producer, LayerCall):
            continue
        activation, call = final_activation(output)
        yield Head(model, output, activation, call, losses[index] if index < len(losses) else None)


def report_heads(ctx: RuleContext, fault: Callable[[Head], tuple[str, str] | None], at_output: bool = False) -> Iterator[Report]:
    """A report for each output head of each model of the file in which `fault` finds a fault (its message and help).

    Placed at the head's final activation, or at the layer producing the output with `at_output`.
    """
    for model in ctx.analysis.models:
        for head in heads(model):
            found = fault(head)
            if found:
                node = head.output.producer.node if at_output else head.activation_call.node
                yield Report(ctx.analysis.locator.span(node), *found)


def final_activation(tensor: Tensor) -> tuple[Any, LayerCall]:
    """The activation the tensor's producer applies last, looking through transparent layers."""
    call = tensor.producer
    while True:
        layer = call.layer
        if layer.class_name in TRANSPARENT_LAYERS and isinstance(call.inputs[0].producer, LayerCall):
            call = call.inputs[0].producer
            continue
        if layer.class_name in ACTIVATION_LAYERS:
            return ACTIVATION_LAYERS[layer.class_name], call
        if layer.spec is None or "activation" not in layer.config:
            return UNKNOWN, call
        return activation_or_linear(layer.config.raw("activation")), call


def activation_or_linear(value: Any) -> Any:
    return "linear" if value is None else value


def _losses_by_output(model: ModelGraph) -> list[Loss | None]:
    if not model.compiles:
        return []
    loss = model.compiles[-1].loss
    if isinstance(loss, (list, tuple)):
        return [parse_loss(item) for item in loss]
    if isinstance(loss, dict):
        by_name = {key: parse_loss(value) for key, value in loss.items()}
        return [by_name.get(_output_name(output)) for output in model.outputs]
    return [parse_loss(loss)] * len(model.outputs)


def _output_name(output: Tensor) -> str | None:
    producer = output.producer
    return producer.layer.name if isinstance(producer, LayerCall) else None


def parse_loss(value: Any) -> Loss | None:
    """``"categorical_crossentropy"``, ``keras.losses.binary_crossentropy`` or ``CategoricalCrossentropy(from_logits=True)``."""
    if isinstance(value, str):
        return Loss(_canonical_loss(value), False)
    if isinstance(value, ApiRef) and ".losses." in value.path:
        return Loss(_canonical_loss(value.leaf), False)
    if isinstance(value, Opaque) and value.kind.startswith("losses:"):
        from_logits = value.kwargs.get("from_logits", value.args[0] if value.args else False)
        return Loss(_canonical_loss(value.kind.partition(":")[2]), from_logits)
    return None


def _canonical_loss(name: str) -> str:
    key = snake_case(name) if name[:1].isupper() else name.lower()
    return LOSS_ALIASES.get(key, key)


RECURRENT_LAYERS = {"LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D"}
TIME_PRESERVING_LAYERS = TRANSPARENT_LAYERS - {"Flatten", "Reshape"} | {
    "Dense", "TimeDistributed", "Activation", "BatchNormalization", "LayerNormalization", *ACTIVATION_LAYERS,
}


def dense_under_head(head: Head) -> LayerCall | None:
    """The Dense call that computes the head, looking through activation and transparent layers."""
    call = head.output.producer
    while isinstance(call, LayerCall):
        if call.layer.class_name == "Dense":
            return call
        if call.layer.class_name not in TIME_PRESERVING_LAYERS or len(call.inputs) != 1:
            return None
        call = call.inputs[0].producer
    return None


def returned_sequence(tensor: Tensor) -> LayerCall | None:
    """The recurrent call with ``return_sequences=True`` whose time axis reaches ``tensor`` unreduced."""
    producer = tensor.producer
    while isinstance(producer, LayerCall):
        layer = producer.layer
        recurrent = layer.config.raw("layer") if layer.class_name == "Bidirectional" else layer
        if getattr(recurrent, "class_name", None) in RECURRENT_LAYERS:
            return producer if recurrent.config.raw("return_sequences") is True else None
        if layer.class_name not in TIME_PRESERVING_LAYERS or len(producer.inputs) != 1:
            return None
        producer = producer.inputs[0].producer
    return None


def labels_per_sample(model: ModelGraph) -> Data | None:
    """Labels passed to ``fit`` that are known to hold one label per sample (a dataset's, one-hot or not)."""
    for fit in model.fits:
        if isinstance(fit.y, Data) and fit.y.per_sample:
            return fit.y
    return None
