"""What a layer applies last, and which layer reads its output.

KER105, KER207 and KER208 ask the same two questions about neighbouring layers:
which activation does this layer apply as its final operation, and which layer
reads its output (looking through layers that leave the values alone)? The
output-head view of the same facts lives in ``heads.py``; this module reuses
its layer sets and adds the layer-to-layer view, over every call the file
makes and over the layer lists of Sequential models that were never built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterator

from kerlint.graph import Layer, LayerCall
from kerlint.interpret.values import activation_name
from kerlint.rules.heads import ACTIVATION_LAYERS, TRANSPARENT_LAYERS
from kerlint.unknown import UNKNOWN

if TYPE_CHECKING:
    import libcst as cst

    from kerlint.interpret.analysis import FileAnalysis

ACTIVATED_LAYERS = {
    "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "Activation",
}
"""Layers whose ``activation`` argument is the last thing they compute (not RNNs: their output is gated)."""

PURE_ACTIVATION_LAYERS = {"Activation", *ACTIVATION_LAYERS}
"""Layers that compute nothing but an activation."""

CONV_LAYERS = {"Conv1D", "Conv2D", "Conv3D"}
KERNEL_LAYERS = {
    "Dense", "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
}
"""Layers that multiply their input by a kernel (what "a weighted layer" means to these rules)."""

_ALIASES = {"silu": "swish", "hard_swish": "hard_silu"}


def canonical_activation(value: Any) -> Any:
    """``None``/``"linear"`` -> ``"linear"``; names lowercased, aliases merged; UNKNOWN stays UNKNOWN."""
    value = activation_name(value) if value is not UNKNOWN else UNKNOWN
    if value is UNKNOWN:
        return UNKNOWN
    if value is None:
        return "linear"
    return _ALIASES.get(value, value)


def applied_activation(layer: Layer) -> Any:
    """The activation a layer applies as its final operation.

    A canonical name (``"relu"``, ``"softmax"``, ``"linear"`` when none), UNKNOWN
    when it cannot be told, or None for layers that do not end in an activation
    (normalization, pooling, recurrent layers...).
    """
    cls = layer.class_name
    if cls == "ReLU":
        return _relu_variant(layer)
    if cls == "Softmax":
        axis = layer.config.raw("axis", -1)
        return "softmax" if axis in (-1, [-1], (-1,)) else UNKNOWN
    if cls == "PReLU":
        return None  # a learned slope per unit: not a fixed function
    if cls in ACTIVATION_LAYERS:
        return ACTIVATION_LAYERS[cls]
    if cls in ACTIVATED_LAYERS:
        if layer.spec is None and "activation" not in layer.config:
            return UNKNOWN  # positional arguments of layers outside the catalogue are not bound
        return canonical_activation(layer.config.raw("activation"))
    return None


def _relu_variant(layer: Layer) -> Any:
    values = [layer.config.raw(key) for key in ("max_value", "negative_slope", "threshold")]
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    max_value, slope, threshold = values
    if slope not in (None, 0) or threshold not in (None, 0):
        return UNKNOWN
    if max_value is None:
        return "relu"
    return "relu6" if max_value == 6 else UNKNOWN


def is_linear_activation(layer: Layer) -> bool:
    """An ``Activation("linear")``/``Activation(None)`` layer: the identity."""
    return layer.class_name == "Activation" and applied_activation(layer) == "linear"


@dataclass(frozen=True, eq=False)
class Step:
    """One application of a layer: a recorded call, or a place in a Sequential layer list never built."""

    layer: Layer
    call: LayerCall | None

    @property
    def node(self) -> cst.CSTNode:
        return self.call.node if self.call is not None else self.layer.node

    @property
    def input_shape(self) -> tuple | None:
        if self.call is None or len(self.call.inputs) != 1:
            return None
        return self.call.inputs[0].shape


class Flow:
    """Which layer applications read each layer application's output, across a whole file."""

    def __init__(self, analysis: "FileAnalysis"):
        self._readers: dict[int, list[LayerCall]] = {}
        for call in analysis.calls:
            for tensor in call.inputs:
                self._readers.setdefault(id(tensor), []).append(call)
        self._outputs = {id(t) for model in analysis.models for t in model.outputs}
        self._steps = [Step(call.layer, call) for call in analysis.calls]
        self._next_in_list: dict[int, Step | None] = {}
        for model in analysis.models:
            if model.sequence is None or model.calls:
                continue
            listed = [Step(layer, None) for layer in model.sequence]
            for here, after in zip(listed, [*listed[1:], None]):
                self._next_in_list[id(here)] = after
            self._steps.extend(listed)

    def steps(self) -> list[Step]:
        return list(self._steps)

    def readers(self, step: Step) -> list[Step] | None:
        """The applications reading ``step``'s output; None when that is not known."""
        if step.call is None:
            if id(step) not in self._next_in_list:
                return None
            after = self._next_in_list[id(step)]
            return [] if after is None else [after]
        if len(step.call.outputs) != 1:
            return None
        return [Step(c.layer, c) for c in self._readers.get(id(step.call.outputs[0]), [])]

    def is_model_output(self, step: Step) -> bool:
        if step.call is None:
            return self._next_in_list.get(id(step), None) is None
        return any(id(t) in self._outputs for t in step.call.outputs)

    def sole_reader(self, step: Step) -> Step | None:
        """The one layer that reads ``step``'s output and nothing else, if there is exactly one."""
        if self.is_model_output(step) or self.read_by_operation(step):
            return None
        readers = self.readers(step)
        if not readers or len(readers) != 1:
            return None
        reader = readers[0]
        if reader.call is not None and len(reader.call.inputs) != 1:
            return None
        return reader

    def read_by_operation(self, step: Step) -> bool:
        """Whether an operation (``ops.stop_gradient(h) + c``, ``x * 0.5``) also reads ``step``'s output."""
        return step.call is not None and any(not isinstance(c, LayerCall) for t in step.call.outputs for c in t.consumers)

    def follow(self, step: Step, passes: Callable[[Layer], bool]) -> tuple[list[Step], Step] | None:
        """The sole reader of ``step``, looking through sole readers that ``passes``.

        Returns the layers passed through and the first one that does not pass;
        None when the chain branches, ends, or reaches a model output first.
        """
        between: list[Step] = []
        current = step
        while True:
            reader = self.sole_reader(current)
            if reader is None:
                return None
            if not passes(reader.layer):
                return between, reader
            between.append(reader)
            current = reader

    def reached(self, step: Step, passes: Callable[[Layer], bool]) -> Iterator[tuple[list[Step], Step]]:
        """Every application reading ``step``'s output, directly or through layers that ``passes``."""
        stack: list[tuple[list[Step], Step]] = [([], step)]
        while stack:
            path, current = stack.pop()
            for reader in self.readers(current) or []:
                if passes(reader.layer):
                    stack.append(([*path, reader], reader))
                else:
                    yield path, reader


def file_layers(analysis: "FileAnalysis") -> list[Layer]:
    """Every layer the file applies or lists in a Sequential model, with the layers wrappers hold."""
    found: dict[int, Layer] = {}
    pending: list[Layer] = [call.layer for call in analysis.calls]
    for model in analysis.models:
        pending.extend(model.sequence or [])
    while pending:
        layer = pending.pop(0)
        if id(layer) in found:
            continue
        found[id(layer)] = layer
        for key in ("layer", "backward_layer"):
            inner = layer.config.raw(key)
            if isinstance(inner, Layer):
                pending.append(inner)
    return list(found.values())


def layer_label(layer: Layer) -> str:
    """``Dense(64) `dense_1``` or ``Activation("relu") `activation```: how messages name a layer."""
    if layer.class_name == "Activation":
        name = applied_activation(layer)
        return f"Activation({name!r}) `{layer.name}`" if isinstance(name, str) else f"Activation() `{layer.name}`"
    return f"{layer.describe()} `{layer.name}`"


def passes_through_unchanged(layer: Layer) -> bool:
    """Dropout, noise, Flatten, Reshape...: layers that leave values alone at inference (``heads.TRANSPARENT_LAYERS``)."""
    return layer.class_name in TRANSPARENT_LAYERS or is_linear_activation(layer)
