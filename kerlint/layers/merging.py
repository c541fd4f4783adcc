"""Merge layers (keras/src/layers/merging): called on a list of tensors, no weights.

The elementwise merges (Add, Subtract, Multiply, Average, Maximum, Minimum)
broadcast like ``Merge._compute_elemwise_op_output_shape``: shapes are
right-aligned and a 1 (or unknown) size stretches. Concatenate joins along
``axis`` and needs every other known size equal; Dot contracts one axis of
each of exactly two inputs.

FLOPs (docs/flops.md): Keras folds the inputs left to right, one binary op
per extra input, each costing the values of its (broadcast) result; Average
divides the sum once more. Concatenate moves values (0). Dot is a batched
MatMul (2 per multiply-accumulate), after an L2 normalization of both
inputs when ``normalize=True``.
"""

from __future__ import annotations

from typing import Any, Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import fmt, is_int, shown
from kerlint.layers.base import (
    CannotInfer,
    Dim,
    IncompatibleShape,
    Inference,
    LayerConfig,
    LayerSpec,
    Shape,
    ShapeTree,
)


def tensors(cls: str, inputs: ShapeTree, count: int | None = None) -> list[Shape]:
    """The input shapes; a merge layer must be called on a list (of ``count``)."""
    if not isinstance(inputs, list) or not inputs:
        raise IncompatibleShape(f"{cls} must be called on a list of inputs, got {fmt(inputs)}")
    if count is not None and len(inputs) != count:
        raise IncompatibleShape(
            f"{cls} must be called on exactly {count} inputs, got {len(inputs)}: {fmt(inputs)}"
        )
    return [tuple(s) for s in inputs]  # type: ignore[arg-type]


def _batch(cls: str, shapes: list[Shape]) -> Dim:
    sizes = {s[0] for s in shapes if s} - {None}
    if len(sizes) > 1:
        raise IncompatibleShape(f"{cls} cannot merge different batch sizes: {fmt(shapes)}")
    return sizes.pop() if sizes else None


def _broadcast(a: Shape, b: Shape) -> Shape | None:
    """Right-aligned broadcast of two non-batch shapes; ``None`` when they clash."""
    if len(a) < len(b):
        a, b = b, a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b):
        if i is None or j is None:
            out.append(None)
        elif i == j:  # first: two equal sizes known only at run time (residual connections) may each be 1
            out.append(i)
        elif i == 1 or j == 1:
            out.append(j if i == 1 else i)
        else:
            return None
    return tuple(out)


def _elementwise(cls: str, count: int | None = None):
    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shapes = tensors(cls, inputs, count)
        batch = _batch(cls, shapes)
        out: Shape | None = shapes[0][1:]
        flops: int | None = 0
        for shape in shapes[1:]:
            out = _broadcast(out, shape[1:])
            if out is None:
                raise IncompatibleShape(
                    f"{cls} requires inputs of the same shape, got {' and '.join(map(fmt, shapes))}"
                )
            flops = _flops.total(flops, _flops.elements((batch, *out)))
        if cls == "Average":
            flops = _flops.total(flops, _flops.elements((batch, *out)))
        return Inference((batch, *out), flops=flops)

    return LayerSpec(cls, signature=(), defaults={}, infer=infer)


def _concatenate(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    cls = "Concatenate"
    shapes = tensors(cls, inputs)
    axis = config["axis"]
    if not is_int(axis):
        raise CannotInfer(f"`axis` must be an int, got {shown(axis)}")
    mismatch = IncompatibleShape(
        f"{cls} requires matching shapes except on axis {axis}, got {' and '.join(map(fmt, shapes))}"
    )
    if len({len(s) for s in shapes}) != 1 or not -len(shapes[0]) <= axis < len(shapes[0]):
        raise mismatch
    others = [s[:axis % len(s)] + s[axis % len(s) + 1:] for s in shapes]
    for sizes in zip(*others):
        if len(set(sizes) - {None}) > 1:
            raise mismatch
    out = list(shapes[0])
    for shape in shapes[1:]:
        if out[axis] is None or shape[axis] is None:
            out[axis] = None
            break
        out[axis] += shape[axis]
    return Inference(tuple(out), flops=0)


def _dot(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """``batch_dot``: the contracted axes must have equal sizes (``None`` only matches ``None``)."""
    cls = "Dot"
    a, b = tensors(cls, inputs, 2)
    axes: Any = config["axes"]
    if is_int(axes):
        pair = [axes % len(a), axes % len(b)] if axes < 0 else [axes, axes]
    elif isinstance(axes, (tuple, list)) and len(axes) == 2 and all(map(is_int, axes)):
        pair = list(axes)
    else:
        raise CannotInfer(f"`axes` must be an int or 2 ints, got {shown(axes)}")
    if not (-len(a) <= pair[0] < len(a) and -len(b) <= pair[1] < len(b)):
        raise IncompatibleShape(f"{cls} axes {axes} out of range for inputs {fmt(a)} and {fmt(b)}")
    if a[pair[0]] != b[pair[1]]:
        raise IncompatibleShape(
            f"{cls} axes {axes} contract sizes {a[pair[0]]} and {b[pair[1]]} that differ, "
            f"inputs {fmt(a)} and {fmt(b)}"
        )
    left, right = list(a), list(b)
    left.pop(pair[0])
    right.pop(pair[1])
    right.pop(0)
    out = left + right
    return Inference(tuple(out + [1] if len(out) == 1 else out), flops=_dot_flops(config, a, b, pair))


def _dot_flops(config: LayerConfig, a: Shape, b: Shape, pair: list[int]) -> int | None:
    """2 x contracted size x free values; ``normalize`` adds an L2 normalization per input.

    ``l2_normalize`` along the contracted axis: square and scale (2 per
    value), a sum (values - groups), rsqrt (2 per group) and a clamp (1 per
    group): 3 per value + 2 per group.
    """
    na, nb = _flops.elements(a), _flops.elements(b)
    k = a[pair[0]]
    if na is None or nb is None or k is None or k == 0:
        return None
    flops = 2 * k * (na // k) * (nb // k)
    if config.raw("normalize"):
        flops += 3 * na + 2 * (na // k) + 3 * nb + 2 * (nb // k)
    return flops


SPECS = (
    LayerSpec("Concatenate", signature=("axis",), defaults={"axis": -1}, infer=_concatenate),
    _elementwise("Add"),
    _elementwise("Subtract", count=2),
    _elementwise("Multiply"),
    _elementwise("Average"),
    _elementwise("Maximum"),
    _elementwise("Minimum"),
    LayerSpec("Dot", signature=("axes", "normalize"), defaults={"normalize": False}, infer=_dot),
)
