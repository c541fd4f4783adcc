"""Memory estimates for one model: weights, activations, an inference peak and a training peak.

Everything is computed from the static layer graph; the formulas are written
down in ``docs/memory.md`` and checked against TensorFlow's CPU allocator by
``benchmarks/memory_check.py``. In short, at batch size ``B``:

- weights ``W``: every variable, in the policy's variable dtype;
- activations: each layer output and each model input, ``B`` samples, in the
  policy's compute dtype (inputs: 4 bytes, as ``keras.Input`` defaults to float32);
- inference peak = ``W`` (+ float16 copies of the weights under a mixed policy)
  + the largest set of activations alive at once when the layers run in order;
- training peak = ``W`` + optimizer state ``S`` + the larger of two phases:
  backprop (weight gradients, an Embedding's sparse, + saved activations + the
  largest activation's gradient) and the update (dense gradients ``G`` + the
  optimizer's temporaries on the largest variable). Saved activations are the
  buffers some layer's gradient reads (``BACKPROP_READS``), each once, plus
  dropout masks, pre-activations and recurrent per-step state.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable

from kerlint.graph import Layer, LayerCall, ModelGraph, Tensor, topological
from kerlint.interpret.values import Opaque, activation_name
from kerlint.unknown import UNKNOWN
from kerlint.units import LARGEST_PLAIN, scientific


@dataclass(frozen=True)
class Precision:
    """A Keras dtype policy: the dtype variables are stored in and the dtype layers compute in."""

    name: str
    variable_dtype: str
    compute_dtype: str

    @property
    def variable_bytes(self) -> int:
        return DTYPE_BYTES[self.variable_dtype]

    @property
    def compute_bytes(self) -> int:
        return DTYPE_BYTES[self.compute_dtype]

    @property
    def mixed(self) -> bool:
        return self.variable_dtype != self.compute_dtype


DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
PRECISIONS: dict[str, Precision] = {
    "float32": Precision("float32", "float32", "float32"),
    "float16": Precision("float16", "float16", "float16"),
    "bfloat16": Precision("bfloat16", "bfloat16", "bfloat16"),
    "mixed_float16": Precision("mixed_float16", "float32", "float16"),
    "mixed_bfloat16": Precision("mixed_bfloat16", "float32", "bfloat16"),
}
INPUT_BYTES = 4
"""Bytes per element of a model input: ``keras.Input`` is float32 (or int32 token ids) under every policy."""

VIEW_LAYERS = frozenset({"Flatten", "Reshape", "InputLayer", "Identity", "ActivityRegularization"})
"""Layers whose output is a view of their input: no new buffer, in training or inference."""
DROPOUT_LAYERS = frozenset({
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "AlphaDropout",
})
"""Identity at inference; in training a new output plus the mask that backprop multiplies by."""
NOISE_LAYERS = frozenset({"GaussianNoise"})
"""Identity at inference; in training a new output (the gradient needs no mask)."""
MASK_BYTES = {"Dropout": 1, "SpatialDropout1D": 1, "SpatialDropout2D": 1, "SpatialDropout3D": 1, "AlphaDropout": 1}
"""Bytes per output element of the mask a dropout layer keeps for backprop: a boolean (``GaussianDropout``
keeps its float noise, in the compute dtype)."""
_WEIGHTED = (
    "Dense", "EinsumDense", "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D", "DepthwiseConv1D",
    "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "Embedding",
)
BACKPROP_READS: dict[str, frozenset[str]] = {
    **dict.fromkeys(_WEIGHTED + ("BatchNormalization", "LayerNormalization", "GroupNormalization", "Multiply", "Dot",
                                 "LeakyReLU", "PReLU"), frozenset({"inputs"})),
    **dict.fromkeys(("ReLU", "Softmax", "ELU"), frozenset({"outputs"})),
    **dict.fromkeys(("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
                     "GlobalMaxPooling3D", "Maximum", "Minimum"), frozenset({"inputs", "outputs"})),
    **dict.fromkeys(VIEW_LAYERS | DROPOUT_LAYERS | NOISE_LAYERS | {
        "Add", "Subtract", "Average", "Concatenate", "Rescaling", "AveragePooling1D", "AveragePooling2D",
        "AveragePooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D", "Permute",
        "RepeatVector", "UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
        "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D"}, frozenset()),
}
"""Which of its own tensors a layer's gradient reads, so that backprop keeps them: a weighted layer its input
(for the kernel's gradient), a max its input and output, a sum or a reshape nothing. A class not listed, a
recurrent layer and a tensor operation other than ``+``/``-`` count as reading both. An ``activation`` adds
its own read (``OUTPUT_GRADIENT_ACTIVATIONS``)."""
OUTPUT_GRADIENT_ACTIVATIONS = frozenset({"relu", "relu6", "elu", "selu", "sigmoid", "tanh", "softmax", "exponential"})
"""Activations whose gradient TensorFlow computes from their output (``ReluGrad(dy, y)``, ``SigmoidGrad(y, dy)``);
the others (gelu, swish, leaky_relu...) read their input, a pre-activation buffer of the output's size."""
RECURRENT_SAVED_PER_STEP = {"SimpleRNN": 1, "LSTM": 7, "GRU": 5}
"""Per time step, backprop through time keeps the step's input (``d`` features) and this many
``units``-wide tensors: SimpleRNN h; LSTM h(t-1), c(t-1), the four gate activations and tanh(c);
GRU h(t-1), z, r, the recurrent candidate term and the candidate (see docs/memory.md)."""


# ---------------------------------------------------------------- optimizers


@dataclass(frozen=True)
class Optimizer:
    """What the optimizer adds to training memory: state per trainable weight, and update temporaries."""

    name: str
    slots: int | None  # slot variables per trainable weight; None: not statically known
    source: str  # "compile" | "assumed" | "option"
    line: int | None = None  # the compile call, when source == "compile"
    reason: str | None = None  # why slots is None

    @property
    def update_temporaries(self) -> int:
        """Element-wise update temporaries, in units of the largest trainable variable."""
        return 1 if self.slots == 0 else 2

    def describe(self) -> str:
        where = {"compile": f"compile, line {self.line}" if self.line else "compile", "assumed": "assumed: not compiled in this file", "option": "given"}
        return f"{self.name} ({where.get(self.source, self.source)})"


_SLOTS = {
    # slots per trainable weight, from each optimizer's build() in keras/src/optimizers/*.py
    "sgd": 0, "adam": 2, "adamw": 2, "rmsprop": 1, "adagrad": 1, "adadelta": 2, "adamax": 2, "nadam": 2,
    "lion": 1, "ftrl": 2, "lamb": 2, "adafactor": 1, "schedulefreeadamw": 2,
}
_DISPLAY = {
    "sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop", "adagrad": "Adagrad", "adadelta": "Adadelta",
    "adamax": "Adamax", "nadam": "Nadam", "lion": "Lion", "ftrl": "Ftrl", "lamb": "Lamb", "adafactor": "Adafactor",
    "schedulefreeadamw": "ScheduleFreeAdamW", "muon": "Muon",
}
# Positional order of the constructor arguments that change the slot count (Keras 3 signatures).
_POSITIONAL = {
    "sgd": {"momentum": 1},
    "adam": {"amsgrad": 4},
    "adamw": {"amsgrad": 5},
    "rmsprop": {"momentum": 2, "centered": 4},
}
OPTIMIZER_NAMES = tuple(sorted(_SLOTS))
DEFAULT_OPTIMIZER = "adam"


def optimizer_from_value(value: Any, source: str = "compile", line: int | None = None) -> Optimizer:
    """The optimizer a ``compile(optimizer=...)`` value names: a string or an ``Opaque("optimizers:Adam")``."""
    if isinstance(value, str):
        key = value.lower().replace("_", "")
        if key not in _SLOTS:
            return Optimizer(value, None, source, line, f"optimizer {value!r} is not one kerlint knows")
        return Optimizer(_DISPLAY[key], _SLOTS[key], source, line)
    if isinstance(value, Opaque) and value.kind.startswith("optimizers:"):
        leaf = value.kind.partition(":")[2].rpartition(".")[2]
        key = leaf.lower()
        if key == "lossscaleoptimizer":
            inner = value.args[0] if value.args else value.kwargs.get("inner_optimizer", UNKNOWN)
            found = optimizer_from_value(inner, source, line)
            return Optimizer(f"LossScaleOptimizer({found.name})", found.slots, source, line, found.reason)
        if key not in _SLOTS:
            return Optimizer(leaf, None, source, line, f"the state of optimizer {leaf} is not modelled")
        return _configured(key, value, source, line)
    return Optimizer("optimizer", None, source, line, "the optimizer is not statically known")


def _configured(key: str, value: Any, source: str, line: int | None) -> Optimizer:
    def argument(name: str, default: Any) -> Any:
        position = _POSITIONAL.get(key, {}).get(name)
        if position is not None and position < len(value.args):
            return value.args[position]
        return value.kwargs.get(name, default)

    slots, name = _SLOTS[key], _DISPLAY[key]
    flags = {
        "sgd": [("momentum", 0.0, "with momentum")],
        "adam": [("amsgrad", False, "amsgrad")],
        "adamw": [("amsgrad", False, "amsgrad")],
        "rmsprop": [("momentum", 0.0, "momentum"), ("centered", False, "centered")],
    }.get(key, [])
    flags = flags + [("use_ema", False, "EMA"), ("gradient_accumulation_steps", None, "gradient accumulation")]
    extras = []
    for flag, default, label in flags:
        setting = argument(flag, default)
        if setting is UNKNOWN or not isinstance(setting, (bool, int, float, type(None))):
            return Optimizer(name, None, source, line, f"`{flag}` of {name} is not statically known")
        if setting:
            slots += 1
            extras.append(label)
    return Optimizer(f"{name} ({', '.join(extras)})" if extras else name, slots, source, line)


def model_optimizer(model: ModelGraph, line_of=None, override: str | None = None) -> Optimizer:
    """The optimizer of the model's last ``compile``; Adam (assumed) when the file never compiles it."""
    if override is not None:
        return optimizer_from_value(override, "option")
    if model.compiles:
        facts = model.compiles[-1]
        return optimizer_from_value(facts.optimizer, "compile", line_of(facts.node) if line_of else None)
    return optimizer_from_value(DEFAULT_OPTIMIZER, "assumed")


# ---------------------------------------------------------------- estimates


@dataclass(frozen=True)
class ModelMemory:
    """Bytes, at one batch size and dtype policy; None where a figure is not statically known."""

    batch_size: int
    precision: Precision
    optimizer: Optimizer
    weights: int | None
    trainable_weights: int | None
    non_trainable_weights: int | None
    weight_copies: int | None  # float16 copies of the weights under a mixed policy
    activations: int | None  # every layer output and model input, once
    inference_peak: int | None
    gradients: int | None  # every trainable weight's gradient, dense (what the update step holds)
    backward_gradients: int | None  # the same during backprop, where an Embedding's gradient is sparse
    optimizer_state: int | None
    saved_activations: int | None
    backward_workspace: int | None  # the largest activation's gradient
    update_workspace: int | None  # the optimizer's temporaries on the largest variable
    training: int | None
    notes: tuple[str, ...] = ()

    @property
    def weights_by_dtype(self) -> dict[str, int]:
        if self.weights is None:
            return {}
        return {self.precision.variable_dtype: self.weights}

    def to_json(self) -> dict:
        return {
            "batch_size": self.batch_size,
            "dtype": self.precision.name,
            "weights": self.weights,
            "trainable_weights": self.trainable_weights,
            "non_trainable_weights": self.non_trainable_weights,
            "weights_by_dtype": self.weights_by_dtype,
            "activations": self.activations,
            "inference_peak": self.inference_peak,
            "training": {
                "total": self.training,
                "weights": self.weights,
                "weight_copies": self.weight_copies,
                "gradients": self.gradients,
                "backward_gradients": self.backward_gradients,
                "optimizer_state": self.optimizer_state,
                "saved_activations": self.saved_activations,
                "backward_workspace": self.backward_workspace,
                "update_workspace": self.update_workspace,
                "optimizer": self.optimizer.name,
                "optimizer_slots": self.optimizer.slots,
                "optimizer_source": self.optimizer.source,
            },
            "notes": list(self.notes),
        }


def tensor_bytes(shape: Any, batch_size: int, element_bytes: int) -> int | None:
    """Bytes of one tensor with the batch axis set to ``batch_size``; None for an unknown dimension."""
    if not isinstance(shape, tuple) or not shape:
        return None
    size = batch_size
    for dim in shape[1:]:
        if not isinstance(dim, int):
            return None
        size *= dim
    return size * element_bytes


def call_output_bytes(call: Any, batch_size: int, precision: Precision) -> int | None:
    """Bytes of everything one call outputs (views included, as a new tensor would be)."""
    if not call.outputs:
        return None
    sizes = [tensor_bytes(t.shape, batch_size, precision.compute_bytes) for t in call.outputs]
    return None if any(s is None for s in sizes) else sum(sizes)


def layer_activation_bytes(model: ModelGraph, layer: Layer, batch_size: int, precision: Precision) -> int | None:
    """Output bytes of a layer's calls in this model (a shared layer outputs once per call)."""
    sizes = [call_output_bytes(c, batch_size, precision) for c in model.calls if c.layer is layer]
    if not sizes or any(s is None for s in sizes):
        return None
    return sum(sizes)


def _input_bytes(tensor: Tensor, batch_size: int) -> int | None:
    return tensor_bytes(tensor.shape, batch_size, INPUT_BYTES)


def model_nodes(model: ModelGraph) -> list:
    """Layer calls and tensor operations (``x + y``) of the model, in topological order."""
    if not model.outputs:
        return list(model.calls)
    nodes, _ = topological(model.outputs)
    return nodes


def executor_order(nodes: list) -> list:
    """``nodes`` (in topological order) in the order TensorFlow's executor runs them: a node is queued once the
    nodes making its inputs have run, first queued first run, so independent branches advance side by side
    (three image encoders run their first convolutions before any of their second ones)."""
    producer = {id(tensor): node for node in nodes for tensor in node.outputs}
    dependents: dict[int, list] = {id(node): [] for node in nodes}
    waiting: dict[int, int] = {}
    for node in nodes:
        sources = {id(producer[id(t)]) for t in node.inputs if id(t) in producer}
        waiting[id(node)] = len(sources)
        for source in sources:
            dependents[source].append(node)
    ready = deque(node for node in nodes if not waiting[id(node)])
    order = []
    while ready:
        node = ready.popleft()
        order.append(node)
        for dependent in dependents[id(node)]:
            waiting[id(dependent)] -= 1
            if not waiting[id(dependent)]:
                ready.append(dependent)
    return order


def _class_name(node: Any) -> str | None:
    layer = getattr(node, "layer", None)
    return layer.class_name if layer is not None else None


_BOTH = frozenset({"inputs", "outputs"})
_NOTHING_READ_OPS = frozenset({"add", "subtract"})


def _backprop_reads(call: Any) -> frozenset[str]:
    """Which of the call's own tensors its gradient reads: ``"inputs"``, ``"outputs"``, both or neither."""
    layer = getattr(call, "layer", None)
    if layer is None:
        return frozenset() if getattr(call, "name", None) in _NOTHING_READ_OPS else _BOTH
    name = layer.class_name
    if name == "Activation":
        activation = activation_name(layer.activation)
        if activation is UNKNOWN:
            return _BOTH
        if activation is None or activation == "linear":
            return frozenset()
        return frozenset({"outputs"}) if activation in OUTPUT_GRADIENT_ACTIVATIONS else frozenset({"inputs"})
    reads = BACKPROP_READS.get(name, _BOTH)
    if name in _WEIGHTED and activation_name(layer.activation) in OUTPUT_GRADIENT_ACTIVATIONS | {UNKNOWN}:
        reads = reads | {"outputs"}
    return reads


def _kept_beside(call: Any, batch_size: int, precision: Precision) -> int | None:
    """What backprop keeps of a call besides its tensors: a dropout mask, a pre-activation, recurrent state."""
    name = _class_name(call)
    if name is None:
        return 0
    if name in MASK_BYTES or name == "GaussianDropout":
        shape = call.outputs[0].shape if len(call.outputs) == 1 else None
        element = MASK_BYTES.get(name, precision.compute_bytes)
        return tensor_bytes(shape, batch_size, element)
    if name in _WEIGHTED:
        activation = activation_name(call.layer.activation)
        if activation is None or activation == "linear" or activation in OUTPUT_GRADIENT_ACTIVATIONS | {UNKNOWN}:
            return 0
        return call_output_bytes(call, batch_size, precision)
    return _recurrent_internal(call.layer, call, batch_size, precision)


def _recurrent_internal(layer: Layer, call: LayerCall, batch_size: int, precision: Precision) -> int | None:
    cells = _recurrent_cells(layer)
    if not cells:
        return 0
    shape = call.inputs[0].shape if len(call.inputs) == 1 else None
    if not isinstance(shape, tuple) or len(shape) != 3 or not isinstance(shape[1], int) or not isinstance(shape[2], int):
        return None
    steps, features = shape[1], shape[2]
    total = 0
    for class_name, units in cells:
        if not isinstance(units, int):
            return None
        total += batch_size * steps * (features + RECURRENT_SAVED_PER_STEP[class_name] * units)
    return total * precision.compute_bytes


def _recurrent_cells(layer: Layer) -> list[tuple[str, Any]]:
    """(class, units) of each recurrent cell a layer runs: one, or two for Bidirectional."""
    if layer.class_name in RECURRENT_SAVED_PER_STEP:
        return [(layer.class_name, layer.config.raw("units"))]
    if layer.class_name == "Bidirectional":
        cells = []
        for key in ("layer", "backward_layer"):
            inner = layer.config.raw(key)
            if inner is None and key == "backward_layer":
                inner = layer.config.raw("layer")
            name = getattr(inner, "class_name", None)
            if name not in RECURRENT_SAVED_PER_STEP:
                return []
            cells.append((name, inner.config.raw("units")))
        return cells
    return []


def _temporary_bytes(call: Any, batch_size: int, precision: Precision) -> int | None:
    """Bytes a call holds only while it runs, on top of its inputs and outputs.

    Keras's TensorFlow RNN loop copies its input to time-major order, then
    unstacks that copy into a TensorArray (T x B x d: one copy at a time, as
    TensorFlow frees the time-major tensor once unstacked) and, with
    ``return_sequences``, collects every step's output in another (T x B x units)
    before stacking it. The input projections it computes up to 32 steps ahead
    (``parallel_iterations``) take about the place of the batch-major input,
    which it frees once copied: neither is counted. Other layers need nothing
    extra at inference: TensorFlow fuses a convolution or matmul with its bias
    and activation there.
    """
    layer = getattr(call, "layer", None)
    cells = _recurrent_cells(layer) if layer is not None else []
    if not cells:
        return 0
    shape = call.inputs[0].shape if len(call.inputs) == 1 else None
    if not isinstance(shape, tuple) or len(shape) != 3 or not all(isinstance(d, int) for d in shape[1:]):
        return None
    steps, features = shape[1], shape[2]
    inner = layer.config.raw("layer") if layer.class_name == "Bidirectional" else layer
    sequences = inner is not None and inner.config.raw("return_sequences") is True
    total = 0
    for _, units in cells:
        if not isinstance(units, int):
            return None
        total += batch_size * steps * (features + (units if sequences else 0))
    return total * precision.compute_bytes


def _buffers(model: ModelGraph, batch_size: int, precision: Precision, aliases: frozenset[str]):
    """(nodes, tensor id -> buffer id, buffer id -> bytes): a call of a class in ``aliases`` outputs its input's
    buffer. None when a size is unknown or a call reads a tensor from outside the model."""
    buffer_of: dict[int, int] = {}
    size: dict[int, int] = {}
    for tensor in model.inputs:
        nbytes = _input_bytes(tensor, batch_size)
        if nbytes is None:
            return None
        buffer_of[id(tensor)] = id(tensor)
        size[id(tensor)] = nbytes
    nodes = model_nodes(model)
    for call in nodes:
        if any(id(tensor) not in buffer_of for tensor in call.inputs):
            return None  # a tensor from outside the model: not statically known here
        for tensor in call.outputs:
            if _class_name(call) in aliases and len(call.inputs) == 1:
                buffer_of[id(tensor)] = buffer_of[id(call.inputs[0])]
                continue
            nbytes = tensor_bytes(tensor.shape, batch_size, precision.compute_bytes)
            if nbytes is None:
                return None
            buffer_of[id(tensor)] = id(tensor)
            size[id(tensor)] = nbytes
    return nodes, buffer_of, size


def inference_activation_peak(model: ModelGraph, batch_size: int, precision: Precision) -> int | None:
    """The most activation bytes alive at once when the calls run in TensorFlow's executor order.

    A tensor lives from the call that makes it to its last consumer (model outputs to
    the end); views share their input's buffer; a weighted layer with an activation
    holds its pre-activation output while the activation runs.
    """
    found = _buffers(model, batch_size, precision, VIEW_LAYERS | DROPOUT_LAYERS | NOISE_LAYERS)
    if found is None:
        return None
    nodes, buffer_of, size = found
    nodes = executor_order(nodes)
    last_use: dict[int, int] = {}
    end = len(nodes)
    for index, call in enumerate(nodes):
        for tensor in call.inputs:
            last_use[buffer_of[id(tensor)]] = max(last_use.get(buffer_of[id(tensor)], -1), index)
    for tensor in model.outputs:
        if id(tensor) in buffer_of:
            last_use[buffer_of[id(tensor)]] = end
    for tensor in model.inputs:
        last_use.setdefault(buffer_of[id(tensor)], -1)

    live = {buffer_of[id(t)] for t in model.inputs}
    peak = sum(size[b] for b in live)
    for index, call in enumerate(nodes):
        new = {buffer_of[id(t)] for t in call.outputs} - live
        live |= new
        temporary = _temporary_bytes(call, batch_size, precision)
        if temporary is None:
            return None
        peak = max(peak, sum(size[b] for b in live) + temporary)
        live = {b for b in live if last_use.get(b, -1) > index}
    return peak


def estimate(
    model: ModelGraph,
    batch_size: int = 1,
    precision: Precision = PRECISIONS["float32"],
    optimizer: Optimizer | None = None,
) -> ModelMemory:
    optimizer = optimizer or optimizer_from_value(DEFAULT_OPTIMIZER, "assumed")
    notes: list[str] = []
    layers = model.layers
    params, trainable = model.params, model.trainable_params
    vbytes, cbytes = precision.variable_bytes, precision.compute_bytes
    if params is None:
        notes.append("parameters are not all statically known")
    weights = None if params is None else params * vbytes
    trainable_bytes = None if trainable is None else trainable * vbytes
    non_trainable = None if params is None else (params - trainable) * vbytes
    copies = None if params is None else (params * cbytes if precision.mixed else 0)

    activations = _activations_total(model, batch_size, precision)
    if activations is None and model.complete:
        notes.append("some activation shapes are not fully known (a dimension other than the batch is None)")
    peak = inference_activation_peak(model, batch_size, precision) if model.complete else None
    inference = None if weights is None or peak is None else weights + copies + peak

    saved = _saved_total(model, batch_size, precision) if model.complete else None
    largest_activation = _largest_activation(model, batch_size, precision) if model.complete else None
    largest_variable = _largest_trainable_variable(layers) if model.complete else None
    gradients = trainable_bytes
    backward_gradients = _backward_gradients(model, layers, batch_size, vbytes) if model.complete else None
    state = None if trainable_bytes is None or optimizer.slots is None else optimizer.slots * trainable_bytes
    if optimizer.slots is None:
        notes.append(optimizer.reason or "the optimizer's state is not statically known")
    update = None if largest_variable is None else optimizer.update_temporaries * largest_variable * vbytes
    if None in (weights, gradients, backward_gradients, state, saved, largest_activation, update):
        training = None
    else:
        backward = backward_gradients + saved + largest_activation
        training = weights + copies + state + max(backward, gradients + update)
    return ModelMemory(
        batch_size=batch_size,
        precision=precision,
        optimizer=optimizer,
        weights=weights,
        trainable_weights=trainable_bytes,
        non_trainable_weights=non_trainable,
        weight_copies=copies,
        activations=activations,
        inference_peak=inference,
        gradients=gradients,
        backward_gradients=backward_gradients,
        optimizer_state=state,
        saved_activations=saved,
        backward_workspace=largest_activation,
        update_workspace=update,
        training=training,
        notes=tuple(dict.fromkeys(notes)),
    )


def _activations_total(model: ModelGraph, batch_size: int, precision: Precision) -> int | None:
    if not model.complete:
        return None
    sizes = [_input_bytes(t, batch_size) for t in model.inputs]
    sizes += [call_output_bytes(c, batch_size, precision) for c in model_nodes(model)]
    return None if any(s is None for s in sizes) else sum(sizes)


def _saved_total(model: ModelGraph, batch_size: int, precision: Precision) -> int | None:
    """Every buffer some call's gradient (or the loss's) reads, once however many read it, and what calls keep
    beside their tensors."""
    found = _buffers(model, batch_size, precision, VIEW_LAYERS)
    if found is None:
        return None
    nodes, buffer_of, size = found
    kept = {buffer_of[id(tensor)] for tensor in model.outputs if id(tensor) in buffer_of}  # the loss reads them
    beside = 0
    for call in nodes:
        reads = _backprop_reads(call)
        for side in ("inputs", "outputs"):
            if side in reads:
                kept.update(buffer_of[id(tensor)] for tensor in getattr(call, side))
        extra = _kept_beside(call, batch_size, precision)
        if extra is None:
            return None
        beside += extra
    return sum(size[buffer] for buffer in kept) + beside


def _largest_activation(model: ModelGraph, batch_size: int, precision: Precision) -> int | None:
    sizes = [tensor_bytes(t.shape, batch_size, precision.compute_bytes) for c in model_nodes(model) for t in c.outputs]
    if any(s is None for s in sizes):
        return None
    return max(sizes, default=0)


def _backward_gradients(model: ModelGraph, layers: Iterable[Layer], batch_size: int, vbytes: int) -> int | None:
    """Weight gradients as backprop produces them: an Embedding's is sparse (IndexedSlices), one row per lookup."""
    total = 0
    for layer in layers:
        if layer.trainable_params is None:
            return None
        dense = layer.trainable_params * vbytes
        if layer.class_name == "Embedding" and dense:
            width = layer.config.raw("output_dim")
            lookups = [tensor_bytes(c.inputs[0].shape, batch_size, 1) if len(c.inputs) == 1 else None for c in model.calls if c.layer is layer]
            if isinstance(width, int) and lookups and None not in lookups:
                dense = min(dense, sum(lookups) * width * vbytes)
        total += dense
    return total


def _largest_trainable_variable(layers: Iterable[Layer]) -> int | None:
    largest = 0
    for layer in layers:
        if layer.weights is None:
            return None
        largest = max([largest] + [w.size for w in layer.weights if w.trainable])
    return largest


# ---------------------------------------------------------------- units


def human_bytes(n: int | float) -> str:
    """Bytes the way ``model.summary()`` prints them: 1 KB = 1024 bytes; ``102_546_848`` -> ``97.8 MB``."""
    if abs(n) >= LARGEST_PLAIN:
        return f"{scientific(n)} B"
    for power, suffix in ((4, "TB"), (3, "GB"), (2, "MB"), (1, "KB")):
        if abs(n) >= 1024**power:
            return f"{_one_decimal(n / 1024**power)} {suffix}"
    return f"{int(n)} B"


def _one_decimal(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text

