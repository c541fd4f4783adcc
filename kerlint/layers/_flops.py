"""FLOPs arithmetic shared by the layer groups (the convention: docs/flops.md).

Every figure is for ONE sample: what TensorFlow's profiler
(``tf.compat.v1.profiler`` with ``ProfileOptionBuilder.float_operation()``)
reports for the layer's ops in the frozen inference graph at batch size 1.
The profiler counts an op only where TensorFlow registers a ``flops``
statistic for it: MatMul and convolutions at 2 per multiply-accumulate,
elementwise arithmetic at 1 per output element, ``Rsqrt`` 2, ``Softmax`` 5,
pooling windows at their area per output; ``Relu``, ``Sigmoid``, ``Tanh``,
``Exp``, ``Max`` and friends count 0. Where the profiler cannot see (the
``Einsum`` op, XLA-compiled calls, a ``tf.while_loop``'s later iterations),
kerlint counts the ops the way the profiler counts their MatMul/Conv
equivalents; docs/flops.md lists each case.

Helpers return ``None`` when a size is unknown: a figure is exact or absent.
"""

from __future__ import annotations

import math
from typing import Any, Iterable

from kerlint.layers.base import Shape

Flops = int | None

# Per-element cost of Keras's activations under the TensorFlow backend, as the
# profiler counts the ops each one emits (``gelu``: 3 Mul + 1 Neg ...). Ops
# without a registered statistic (Relu, Relu6, Elu, Selu, Sigmoid, Tanh,
# Softplus, Softsign, Exp, LeakyRelu, LogSoftmax) count 0. ``softmax`` over
# the last axis is one ``Softmax`` op (5 per element). Activations missing
# here (``glu``, ``sparsemax``, ``threshold``, a custom callable) are not
# modelled: the layer's FLOPs are then unknown.
ACTIVATION_FLOPS: dict[str | None, int] = {
    None: 0, "linear": 0,
    "relu": 0, "relu6": 0, "elu": 0, "selu": 0, "sigmoid": 0, "tanh": 0,
    "softplus": 0, "softsign": 0, "exponential": 0, "leaky_relu": 0, "log_softmax": 0,
    "mish": 1, "hard_shrink": 1, "tanh_shrink": 1,
    "silu": 2, "swish": 2, "hard_sigmoid": 2, "hard_tanh": 2, "log_sigmoid": 2,
    "hard_silu": 3, "hard_swish": 3,
    "gelu": 4, "soft_shrink": 4, "sparse_sigmoid": 4, "squareplus": 4,
    "celu": 5, "sparse_plus": 5, "softmax": 5,
}


def total(*terms: Flops) -> Flops:
    """The sum, or ``None`` when any term is unknown."""
    if any(t is None for t in terms):
        return None
    return sum(terms)  # type: ignore[arg-type]


def elements(shape: Shape) -> Flops:
    """Values in one sample of a batch-first shape (``None`` if a size is unknown)."""
    dims = tuple(shape[1:])
    return None if None in dims else math.prod(dims)  # type: ignore[arg-type]


def per_value(name: Any) -> Flops:
    """FLOPs per value of the activation called ``name`` (``None``: linear); None if not modelled."""
    if name is None:
        return 0
    if not isinstance(name, str):
        return None
    return ACTIVATION_FLOPS.get(name.lower())


def activation(name: Any, shape: Shape) -> Flops:
    """The ``activation=`` applied to a tensor of ``shape``."""
    per, count = per_value(name), elements(shape)
    return None if per is None or count is None else per * count


def lora(kernel_size: int, rank: Any) -> int:
    """LoRA's per-call kernel merge: ``kernel + (alpha / rank) * a @ b``.

    Keras recomputes the effective kernel on every call, so the frozen graph
    holds a ``(.., rank) @ (rank, units)`` MatMul, a scale and an add, each
    over the kernel's size; the merge happens once per call, not per sample.
    """
    if not rank or not isinstance(rank, int):
        return 0
    return 2 * rank * kernel_size + 2 * kernel_size


def softmax(shape: Shape, axis: Any) -> Flops:
    """``Softmax`` over ``axis`` (an int or a list of ints) as Keras's TF backend runs it.

    One axis: a ``Softmax`` op (5 per element). Off the last axis TensorFlow
    swaps that axis to the end and back; the rank arithmetic it emits adds 2
    scalar ops, 5 for a negative axis. Several axes:
    ``exp(x - logsumexp(x))``, i.e. 3 per element plus 1 per normalized group.
    """
    n = elements(shape)
    rank = len(shape)
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if n is None or not axes or not all(isinstance(a, int) and -rank <= a < rank for a in axes):
        return None
    if len(axes) == 1:
        a = axes[0]
        if a == -1 or a == rank - 1:
            return 5 * n
        return 5 * n + (2 if a >= 0 else 5)
    positions = {a % rank for a in axes}
    if 0 in positions:
        return None
    groups = n // math.prod(shape[a] for a in positions)  # type: ignore[misc]
    return 3 * n + groups


def window_positions(
    sizes: Iterable[int | None],
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: str,
    decomposed: bool = False,
) -> tuple[int, ...] | None:
    """Positions along each spatial axis where the conv op of the graph computes.

    Without dilation that is the output size. With dilation TensorFlow runs
    ``SpaceToBatchND -> conv -> BatchToSpaceND`` and first pads each axis to a
    multiple of its rate, so the op computes up to ``rate - 1`` extra positions
    that are cropped away afterwards; the profiler counts them, so do we.
    ``decomposed`` is Keras's path for a depthwise conv with both strides and
    dilation: explicit "same" padding, the dilated conv at stride 1, then a
    strided slice.
    """
    sizes = tuple(sizes)
    if None in sizes:
        return None
    dilated = any(d > 1 for d in dilation)
    out = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        if not dilated:
            if padding == "valid":
                out.append((n - k) // s + 1)
            else:
                out.append((n - 1) // s + 1)
            continue
        if decomposed:
            padded = n
            if padding == "same":
                padded += max(((n + s - 1) // s - 1) * s + (k - 1) * d + 1 - n, 0)
        else:
            padded = n + (d * (k - 1) if padding in ("same", "causal") else 0)
        extended = -(-padded // d) * d
        out.append(d * (extended // d - k + 1))
    return tuple(out)


def product(values: Iterable[int]) -> int:
    return math.prod(values)
