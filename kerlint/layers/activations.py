"""Activation layers (keras/src/layers/activations): elementwise and shape-preserving; only PReLU has weights.

FLOPs follow the profiler (docs/flops.md): ops without a registered
statistic (``Relu``, ``Relu6``, ``LeakyRelu``, ``Sigmoid``, ``Tanh`` ...)
count 0, the arithmetic some activations are built from counts 1 per
element per op, ``Softmax`` 5 per element.
"""

from __future__ import annotations

from typing import Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import expect_rank, is_int, single, weight
from kerlint.layers.base import CannotInfer, Inference, LayerConfig, LayerSpec, ShapeTree


def same_shape(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Elementwise layers return their input's shape and own no variables."""
    return Inference(inputs)


def free(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Shape-preserving, no variables, no counted arithmetic at inference."""
    return Inference(inputs, flops=0)


def _activation(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    flops = None
    if isinstance(inputs, tuple):
        flops = _flops.activation(config.raw("activation"), inputs)
    return Inference(inputs, flops=flops)


def _relu_flops(config: LayerConfig, shape: tuple) -> int | None:
    """Per element, following ``keras.activations.ReLU.static_call``.

    Plain, ``max_value=6`` and leaky forms are single uncounted ops
    (``Relu``, ``Relu6``, ``LeakyRelu``); a threshold adds a ``Greater``,
    another ``max_value`` a clip (``Minimum`` + ``Maximum``), a slope
    combined with either a ``Neg`` (+ an ``Add`` with a threshold), a ``Mul``
    and a ``Sub``.
    """
    slope, max_value, threshold = (config.raw(k) for k in ("negative_slope", "max_value", "threshold"))
    numbers = (int, float)
    if not isinstance(slope, numbers) or not isinstance(threshold, numbers):
        return None
    if max_value is not None and not isinstance(max_value, numbers):
        return None
    n = _flops.elements(shape)
    if n is None:
        return None
    if slope != 0 and max_value is None and threshold == 0:
        return 0
    per = 0
    if slope != 0:
        per += 1 + (threshold != 0) + 2  # Neg (+ Add), then Mul and Sub
    clip = max_value is not None
    if threshold != 0:
        per += 1  # Greater
    elif max_value == 6:
        clip = False  # Relu6
    if clip:
        per += 2
    return per * n


def _relu(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    flops = _relu_flops(config, inputs) if isinstance(inputs, tuple) else None
    return Inference(inputs, flops=flops)


def _softmax(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    flops = _flops.softmax(inputs, config.raw("axis")) if isinstance(inputs, tuple) else None
    return Inference(inputs, flops=flops)


def _elu(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """``Elu`` (0); another ``alpha`` than 1 adds ``where(x > 0, elu, alpha * elu)``: 2 per value."""
    alpha, n = config.raw("alpha"), _flops.elements(inputs) if isinstance(inputs, tuple) else None
    flops = None if n is None or not isinstance(alpha, (int, float)) else (0 if alpha == 1 else 2 * n)
    return Inference(inputs, flops=flops)


def _prelu(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """A learned slope per value, shared along ``shared_axes`` (size 1 there).

    FLOPs: ``relu(x) - alpha * relu(-x)``: two negations, a multiply and an
    add over the values (``Neg`` of alpha counts its own size).
    """
    cls = "PReLU"
    shape = single(cls, inputs)
    expect_rank(cls, shape, min_ndim=2)
    shared = config["shared_axes"]
    shared = () if shared is None else (shared,) if is_int(shared) else tuple(shared)
    if not all(is_int(a) and 1 <= a < len(shape) for a in shared):
        raise CannotInfer(f"`shared_axes` must be axes 1..{len(shape) - 1}, got {config['shared_axes']!r}")
    alpha = weight(cls, "alpha", (1 if i in shared else d for i, d in enumerate(shape) if i > 0))
    n = _flops.elements(shape)
    return Inference(shape, [alpha], None if n is None else 3 * n + alpha.size)


SPECS = (
    LayerSpec("Activation", signature=("activation",), defaults={}, infer=_activation),
    LayerSpec(
        "ReLU",
        signature=("max_value", "negative_slope", "threshold"),
        defaults={"max_value": None, "negative_slope": 0.0, "threshold": 0.0},
        infer=_relu,
    ),
    LayerSpec(
        "LeakyReLU",
        signature=("negative_slope",),
        defaults={"negative_slope": 0.3},
        infer=free,
        # Keras 2's name; Keras 3 still pops it with a deprecation warning.
        aliases={"alpha": "negative_slope"},
    ),
    LayerSpec("ELU", signature=("alpha",), defaults={"alpha": 1.0}, infer=_elu),
    LayerSpec(
        "PReLU",
        signature=("alpha_initializer", "alpha_regularizer", "alpha_constraint", "shared_axes"),
        defaults={
            "alpha_initializer": "Zeros", "alpha_regularizer": None, "alpha_constraint": None,
            "shared_axes": None,
        },
        infer=_prelu,
    ),
    # Softmax's `axis` is not validated against the input rank when building.
    LayerSpec("Softmax", signature=("axis",), defaults={"axis": -1}, infer=_softmax),
)
