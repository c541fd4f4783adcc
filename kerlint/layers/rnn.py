"""Recurrent layers and wrappers (keras/src/layers/rnn).

Every recurrent layer is Keras's ``RNN`` over a cell (``over_time``): the
cell's entry describes one step, ``(batch, features)`` -> ``[output,
state]``. SimpleRNN, LSTM and GRU (and their cells) differ in how many gates
share one kernel (1, 4, 3) and how many states they carry (1, 2, 1);
ConvLSTM1D/2D/3D are LSTMs whose kernels are convolutions. The input is
``(batch, time, ...)``; ``return_sequences`` keeps the time axis and
``return_state`` appends the final states to a list of outputs.

Bidirectional and TimeDistributed wrap another catalogue entry, RNN a cell
or a list of cells (as StackedRNNCells): the argument carries its ``.spec``
and ``.config`` (``_shapes.catalogued``).

FLOPs (docs/flops.md) are the true per-sample cost: timesteps x one step of
the cell, counted op by op as the profiler counts an unrolled layer. (Not
unrolled, the layer is a ``tf.while_loop``: the profiler sees the loop body
once and skips its ops whose shapes depend on the loop state, so it reports
a fraction of one step.)
"""

from __future__ import annotations

from typing import Any, Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import (
    catalogued,
    expect_rank,
    fmt,
    int_arg,
    join_channels,
    prefixed,
    single,
    times,
    weight,
)
from kerlint.layers.base import (
    CannotInfer,
    IncompatibleShape,
    Inference,
    LayerConfig,
    LayerSpec,
    ShapeTree,
)
from kerlint.layers.convolutional import image, positions, slide

_KERAS1_RNN = {
    "output_dim": "units",
    "init": "kernel_initializer",
    "inner_init": "recurrent_initializer",
    "W_regularizer": "kernel_regularizer",
    "U_regularizer": "recurrent_regularizer",
    "b_regularizer": "bias_regularizer",
    "dropout_W": "dropout",
    "dropout_U": "recurrent_dropout",
}


def _cell(kind: str, gates: int):
    """One step of SimpleRNN/LSTM/GRU: ``(batch, features)`` -> ``[output, state]``.

    ``state`` is one shape where Keras's ``state_size`` is an int, a list of
    shapes where it is a list (LSTM: ``[h, c]``); that structure is what
    ``return_state`` returns.
    """

    def infer(
        config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree], cls: str = f"{kind}Cell"
    ) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=2)
        batch, features = shape
        units = int_arg(config, "units")
        weights = [
            weight(cls, "kernel", (features, gates * units)),
            weight(cls, "recurrent_kernel", (units, gates * units)),
        ]
        if config["use_bias"]:
            # GRU's reset_after keeps separate input and recurrent biases.
            reset_after = kind == "GRU" and config["reset_after"]
            weights.append(weight(cls, "bias", (2, gates * units) if reset_after else (gates * units,)))
        state: ShapeTree = [(batch, units)] * 2 if kind == "LSTM" else (batch, units)
        return Inference([(batch, units), state], weights, recurrent_flops(kind, config, 1, features, units))

    return infer


def over_time(cls: str, config: LayerConfig, inputs: ShapeTree, step) -> Inference:
    """Keras's ``RNN``: a cell's ``step`` on ``inputs[:, t]`` for every t.

    ``return_sequences`` keeps the time axis; ``return_state`` appends the
    final states, in the structure of the cell's ``state_size``.
    """
    shape = single(cls, inputs)
    expect_rank(cls, shape, min_ndim=3)
    batch, steps = shape[:2]
    cell = step((batch, *shape[2:]))
    output, state = cell.outputs  # type: ignore[misc]
    states = [state] if isinstance(state, tuple) else list(state)
    if config["return_sequences"]:
        output = (batch, steps, *output[1:])
    flops = None if steps is None or cell.flops is None else steps * cell.flops
    return Inference([output, *states] if config["return_state"] else output, cell.weights, flops)


def _recurrent(kind: str, gates: int):
    cell = _cell(kind, gates)

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        expect_rank(kind, single(kind, inputs), ndim=3)
        return over_time(kind, config, inputs, lambda step: cell(config, step, {}, kind))

    return infer


def recurrent_flops(
    cls: str, config: LayerConfig, steps: int | None, features: int, units: int
) -> int | None:
    """``steps`` x one step of the Keras cell.

    Every step multiplies the input by the kernel and the previous state by
    the recurrent kernel (2 per multiply-accumulate), adds the bias, and
    combines the gates elementwise (1 per value per op):

    * SimpleRNN: ``x @ W + b + h @ U`` (1 add);
    * LSTM: ``z = x @ W + h @ U (+ b)`` (4u each), then ``c = f * c + i * g``
      and ``h = o * act(c)`` (4 ops of u);
    * GRU, ``reset_after=True``: input bias and recurrent bias (3u each),
      8 gate ops of u; ``reset_after=False``: the candidate's recurrent
      product runs on ``r * h`` (same MACs in two MatMuls), one bias (3u),
      8 gate ops of u.

    ``activation`` runs on u values per step (2u for LSTM), the recurrent
    activation on the gates (3u for LSTM, 2u for GRU); tanh and sigmoid
    count 0.
    """
    if steps is None:
        return None
    bias = bool(config["use_bias"])
    if cls == "SimpleRNN":
        step = 2 * features * units + 2 * units * units + units + bias * units
        act, recurrent = units, 0
    elif cls == "LSTM":
        gates = 4 * units
        step = 2 * gates * (features + units) + gates + bias * gates + 4 * units
        act, recurrent = 2 * units, 3 * units
    else:
        gates = 3 * units
        reset_after = config["reset_after"]
        step = 2 * gates * (features + units) + 8 * units + bias * gates * (2 if reset_after else 1)
        act, recurrent = units, 2 * units
    per_value = [_flops.per_value(config.raw("activation"))]
    if recurrent:
        per_value.append(_flops.per_value(config.raw("recurrent_activation")))
    if None in per_value:
        return None
    step += act * per_value[0] + (recurrent * per_value[1] if recurrent else 0)
    return steps * step


def _rnn_spec(cls: str, gates: int, signature: tuple[str, ...], defaults: dict) -> LayerSpec:
    aliases = dict(_KERAS1_RNN)
    if gates > 1:
        aliases["inner_activation"] = "recurrent_activation"
    return LayerSpec(cls, signature, defaults, _recurrent(cls, gates), aliases=aliases, weighted=True)


def _cell_spec(kind: str, gates: int, layer: LayerSpec) -> LayerSpec:
    """The cell takes the layer's arguments minus the flags that only the layer over time has."""
    signature = tuple(a for a in layer.signature if a not in (*_FLAGS, "use_cudnn", "activity_regularizer"))
    if kind == "GRU":  # GRUCell puts reset_after before seed
        signature = tuple(a for a in signature if a != "reset_after")
        signature = (*signature[:-1], "reset_after", "seed")
    defaults = {k: v for k, v in layer.defaults.items() if k in signature}
    return LayerSpec(f"{kind}Cell", signature, defaults, _cell(kind, gates), aliases=dict(layer.aliases), weighted=True)


_REGULARIZERS = (
    "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint",
)
_FLAGS = ("return_sequences", "return_state", "go_backwards", "stateful", "unroll")
_COMMON_DEFAULTS = {
    "activation": "tanh", "use_bias": True, "kernel_initializer": "glorot_uniform",
    "recurrent_initializer": "orthogonal", "bias_initializer": "zeros",
    **dict.fromkeys(_REGULARIZERS), "dropout": 0.0, "recurrent_dropout": 0.0, "seed": None,
    **dict.fromkeys(_FLAGS, False),
}
_GATED_HEAD = (
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer",
)

SIMPLE_RNN = _rnn_spec(
    "SimpleRNN", 1,
    signature=(
        "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
        "bias_initializer", *_REGULARIZERS, "dropout", "recurrent_dropout", *_FLAGS, "seed",
    ),
    defaults=_COMMON_DEFAULTS,
)
LSTM = _rnn_spec(
    "LSTM", 4,
    signature=(
        *_GATED_HEAD, "unit_forget_bias", *_REGULARIZERS, "dropout", "recurrent_dropout",
        "seed", *_FLAGS, "use_cudnn",
    ),
    defaults={
        **_COMMON_DEFAULTS, "recurrent_activation": "sigmoid", "unit_forget_bias": True,
        "use_cudnn": "auto",
    },
)
GRU = _rnn_spec(
    "GRU", 3,
    signature=(
        *_GATED_HEAD, *_REGULARIZERS, "dropout", "recurrent_dropout", "seed", *_FLAGS,
        "reset_after", "use_cudnn",
    ),
    defaults={
        **_COMMON_DEFAULTS, "recurrent_activation": "sigmoid", "reset_after": True,
        "use_cudnn": "auto",
    },
)


def _cells(value: Any) -> list[Any]:
    """An RNN's ``cell``: one catalogued cell, or a list of them (Keras stacks them)."""
    if isinstance(value, (list, tuple)):
        return [catalogued(c, "cells") for c in value]
    return [catalogued(value, "cell")]


def _stacked_step(cls: str, cells: list[Any], shape: ShapeTree) -> Inference:
    """Cells applied in turn, each on the previous one's output; states in a list, one entry per cell."""
    weights, states, flops = [], [], 0
    output = shape
    for cell in cells:
        step = cell.spec.infer(cell.config, output, {})
        if not isinstance(step.outputs, list) or len(step.outputs) != 2:
            raise IncompatibleShape(f"{cls} needs RNN cells, got {cell.spec.class_name}")
        output, state = step.outputs
        weights += step.weights
        states.append(state)
        flops = _flops.total(flops, step.flops)
    return Inference([output, states if len(cells) > 1 else states[0]], weights, flops)


def _stacked_rnn_cells(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    return _stacked_step("StackedRNNCells", _cells(config["cells"]), inputs)


def _rnn(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    cells = _cells(config["cell"])
    return over_time("RNN", config, inputs, lambda step: _stacked_step("RNN", cells, step))


def _conv_lstm(rank: int):
    """ConvLSTM1D/2D/3D: an LSTM whose kernels are convolutions over ``(batch, time, *spatial, channels)``.

    The input convolution slides like Conv{rank}D; the recurrent one runs
    "same" at stride 1 on the state, so the state has the input conv's
    output size. FLOPs per step, as LSTM's with a conv for each MatMul
    (P output positions, K the kernel volume, F filters): input conv
    2·K·C·4F per computed position, recurrent conv 2·K·F·4F·P, bias 4FP,
    the gate sums 4FP and the cell update 4FP, plus the activations.
    """
    cls = f"ConvLSTM{rank}D"

    def step(config: LayerConfig, shape: ShapeTree) -> Inference:
        shape, first, spatial, channels = image(cls, rank, config, shape)
        if None in spatial:
            raise IncompatibleShape(f"{cls} needs known spatial sizes, got steps of {fmt(shape)}")
        filters = int_arg(config, "filters")
        kernel, out = slide(cls, rank, config, shape, spatial)
        weights = [
            weight(cls, "kernel", (*kernel, channels, 4 * filters)),
            weight(cls, "recurrent_kernel", (*kernel, filters, 4 * filters)),
        ]
        if config["use_bias"]:
            weights.append(weight(cls, "bias", (4 * filters,)))
        state = join_channels(shape[0], out, filters, first)
        computed, _ = positions(config, spatial)
        flops = None
        acts = [_flops.per_value(config.raw(k)) for k in ("activation", "recurrent_activation")]
        if computed is not None and None not in acts:
            k, p = _flops.product(kernel), _flops.product(out)  # type: ignore[arg-type]
            flops = (
                2 * k * channels * 4 * filters * computed
                + 2 * k * filters * 4 * filters * p
                + (4 * filters * p if config["use_bias"] else 0)
                + 8 * filters * p
                + 2 * filters * p * acts[0] + 3 * filters * p * acts[1]  # type: ignore[operator]
            )
        return Inference([state, [state, state]], weights, flops)

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        expect_rank(cls, single(cls, inputs), ndim=rank + 3)
        return over_time(cls, config, inputs, lambda shape: step(config, shape))

    return infer


def _conv_lstm_spec(rank: int) -> LayerSpec:
    return LayerSpec(
        f"ConvLSTM{rank}D",
        signature=(
            "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
            "activation", "recurrent_activation", "use_bias", "kernel_initializer",
            "recurrent_initializer", "bias_initializer", "unit_forget_bias", *_REGULARIZERS,
            "dropout", "recurrent_dropout", "seed", "return_sequences", "return_state",
            "go_backwards", "stateful",
        ),
        defaults={
            "strides": 1, "padding": "valid", "data_format": "channels_last", "dilation_rate": 1,
            "activation": "tanh", "recurrent_activation": "sigmoid", "use_bias": True,
            "kernel_initializer": "glorot_uniform", "recurrent_initializer": "orthogonal",
            "bias_initializer": "zeros", "unit_forget_bias": True, **dict.fromkeys(_REGULARIZERS),
            "dropout": 0.0, "recurrent_dropout": 0.0, "seed": None,
            **dict.fromkeys(_FLAGS[:4], False),
        },
        infer=_conv_lstm(rank),
        weighted=True,
    )


def _wrapped(config: LayerConfig, name: str) -> Any:
    return catalogued(config[name], name)


def _bidirectional(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Runs the layer forward and backward on the same input and merges the outputs.

    Output shapes follow Keras's ``compute_output_shape``, which derives them
    from the forward layer alone (a ``backward_layer`` with other units only
    fails when the model runs); weights come from both directions.
    """
    shape = single("Bidirectional", inputs)
    forward = _wrapped(config, "layer")
    backward = forward if config.raw("backward_layer") is None else _wrapped(config, "backward_layer")
    fwd = forward.spec.infer(forward.config, shape, {})
    bwd = backward.spec.infer(backward.config, shape, {})
    weights = prefixed(f"forward_{forward.spec.class_name.lower()}", fwd.weights)
    weights += prefixed(f"backward_{backward.spec.class_name.lower()}", bwd.weights)

    if isinstance(fwd.outputs, list):
        output, states = fwd.outputs[0], list(fwd.outputs[1:])
    else:
        output, states = fwd.outputs, []
    merge_mode = config["merge_mode"]
    if merge_mode == "concat":
        merged = [(*output[:-1], times(output[-1], 2))]
    elif merge_mode in ("sum", "mul", "ave"):
        merged = [output]
    elif merge_mode is None:
        merged = [output, output]
    else:
        raise CannotInfer(f"unknown merge_mode {merge_mode!r}")
    outputs = merged + states + states
    # Both directions, then the merge: an add or a multiply per output value,
    # "ave" adds and divides.
    values = _flops.elements(output)
    per_value = {"sum": 1, "mul": 1, "ave": 2}.get(merge_mode, 0)
    merge = None if values is None else per_value * values
    flops = _flops.total(fwd.flops, bwd.flops, merge)
    return Inference(outputs[0] if len(outputs) == 1 else outputs, weights, flops)


def _time_distributed(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Applies the layer to every ``inputs[:, t]``: axis 1 is carried around it."""
    cls = "TimeDistributed"
    shape = single(cls, inputs)
    expect_rank(cls, shape, min_ndim=3)
    inner = _wrapped(config, "layer")
    child = inner.spec.infer(inner.config, (shape[0], *shape[2:]), {})
    if isinstance(child.outputs, list):
        raise IncompatibleShape(
            f"{cls} cannot wrap {inner.spec.class_name}, which returns several outputs "
            f"{fmt(child.outputs)}"
        )
    out = child.outputs
    # Keras calls the layer once per timestep.
    steps = shape[1]
    flops = None if steps is None or child.flops is None else steps * child.flops
    weights = prefixed(inner.spec.class_name.lower(), child.weights)
    return Inference((out[0], shape[1], *out[1:]), weights, flops)


SPECS = (
    SIMPLE_RNN,
    LSTM,
    GRU,
    _cell_spec("SimpleRNN", 1, SIMPLE_RNN),
    _cell_spec("LSTM", 4, LSTM),
    _cell_spec("GRU", 3, GRU),
    LayerSpec(
        "RNN",
        signature=(
            "cell", "return_sequences", "return_state", "go_backwards", "stateful", "unroll",
            "zero_output_for_mask",
        ),
        defaults={**dict.fromkeys(_FLAGS, False), "zero_output_for_mask": False},
        infer=_rnn,
        weighted=True,
    ),
    LayerSpec("StackedRNNCells", signature=("cells",), defaults={}, infer=_stacked_rnn_cells, weighted=True),
    *(_conv_lstm_spec(rank) for rank in (1, 2, 3)),
    LayerSpec(
        "Bidirectional",
        signature=("layer", "merge_mode", "weights", "backward_layer"),
        defaults={"merge_mode": "concat", "weights": None, "backward_layer": None},
        infer=_bidirectional,
        weighted=True,
    ),
    LayerSpec("TimeDistributed", signature=("layer",), defaults={}, infer=_time_distributed),
)
