"""Recurrent layers and wrappers (keras/src/layers/rnn).

SimpleRNN, LSTM and GRU differ in how many gates share one kernel (1, 4, 3)
and how many states they carry (1, 2, 1). Their input is ``(batch, time,
features)``; ``return_sequences`` keeps the time axis and ``return_state``
appends the final states, each ``(batch, units)``, to a list of outputs.

Bidirectional and TimeDistributed wrap another catalogue entry:
``config["layer"]`` carries its ``.spec`` and ``.config``.

FLOPs (docs/flops.md) are the true per-sample cost: timesteps x one step of
the cell, counted op by op as the profiler counts an unrolled layer. (Not
unrolled, the layer is a ``tf.while_loop``: the profiler sees the loop body
once and skips its ops whose shapes depend on the loop state, so it reports
a fraction of one step.)
"""

from __future__ import annotations

from typing import Any, Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import expect_rank, fmt, int_arg, prefixed, single, times, weight
from kerlint.layers.base import (
    CannotInfer,
    IncompatibleShape,
    Inference,
    LayerConfig,
    LayerSpec,
    ShapeTree,
)

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


def _recurrent(cls: str, gates: int, states: int):
    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=3)
        batch, steps, features = shape
        units = int_arg(config, "units")
        weights = [
            weight(cls, "kernel", (features, gates * units)),
            weight(cls, "recurrent_kernel", (units, gates * units)),
        ]
        if config["use_bias"]:
            # GRU's reset_after keeps separate input and recurrent biases.
            reset_after = cls == "GRU" and config["reset_after"]
            weights.append(weight(cls, "bias", (2, gates * units) if reset_after else (gates * units,)))
        output = (batch, steps, units) if config["return_sequences"] else (batch, units)
        flops = _recurrent_flops(cls, config, steps, features, units)
        if config["return_state"]:
            return Inference([output] + [(batch, units)] * states, weights, flops)
        return Inference(output, weights, flops)

    return infer


def _recurrent_flops(
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


def _rnn_spec(cls: str, gates: int, states: int, signature: tuple[str, ...], defaults: dict) -> LayerSpec:
    aliases = dict(_KERAS1_RNN)
    if gates > 1:
        aliases["inner_activation"] = "recurrent_activation"
    return LayerSpec(
        cls, signature, defaults, _recurrent(cls, gates, states), aliases=aliases, weighted=True
    )


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
    "SimpleRNN", 1, 1,
    signature=(
        "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
        "bias_initializer", *_REGULARIZERS, "dropout", "recurrent_dropout", *_FLAGS, "seed",
    ),
    defaults=_COMMON_DEFAULTS,
)
LSTM = _rnn_spec(
    "LSTM", 4, 2,
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
    "GRU", 3, 1,
    signature=(
        *_GATED_HEAD, *_REGULARIZERS, "dropout", "recurrent_dropout", "seed", *_FLAGS,
        "reset_after", "use_cudnn",
    ),
    defaults={
        **_COMMON_DEFAULTS, "recurrent_activation": "sigmoid", "reset_after": True,
        "use_cudnn": "auto",
    },
)


def _wrapped(config: LayerConfig, name: str) -> Any:
    inner = config[name]
    if not hasattr(inner, "spec") or not hasattr(inner, "config"):
        raise CannotInfer(f"`{name}` is not a catalogued layer")
    return inner


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
    LayerSpec(
        "Bidirectional",
        signature=("layer", "merge_mode", "weights", "backward_layer"),
        defaults={"merge_mode": "concat", "weights": None, "backward_layer": None},
        infer=_bidirectional,
        weighted=True,
    ),
    LayerSpec("TimeDistributed", signature=("layer",), defaults={}, infer=_time_distributed),
)
