"""Operations on symbolic tensors that are not layers: arithmetic, slicing, ``keras.ops``/``tf`` functions.

Each becomes an ``OpCall`` in the graph with the output shape Keras would
infer (NumPy broadcasting for element-wise operations). An operation kerlint
does not model gives ``UNKNOWN``, as any unknown call does.
"""

from __future__ import annotations

import math
from typing import Any

import libcst as cst

from kerlint.graph import OpCall, Tensor
from kerlint.interpret.classes import WeightValue
from kerlint.interpret.values import footprint
from kerlint.layers.base import Shape, within_limits
from kerlint.unknown import UNKNOWN

ELEMENTWISE_UNARY = {
    "relu", "relu6", "sigmoid", "hard_sigmoid", "tanh", "softmax", "log_softmax", "exp", "log", "sqrt", "rsqrt",
    "abs", "absolute", "square", "negative", "gelu", "silu", "swish", "hard_swish", "hard_silu", "elu", "selu",
    "softplus", "softsign", "leaky_relu", "sin", "cos", "floor", "ceil", "round", "sign", "erf", "cast",
    "stop_gradient", "identity", "clip", "clip_by_value", "reciprocal",
}
ELEMENTWISE_BINARY = {"add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum", "power", "pow"}
REDUCTIONS = {"mean", "sum", "max", "min", "prod", "reduce_mean", "reduce_sum", "reduce_max", "reduce_min", "reduce_prod"}
_OPERATORS = {"Add": "add", "Subtract": "subtract", "Multiply": "multiply", "Divide": "divide", "Power": "power", "FloorDivide": "floor_divide", "MatrixMultiply": "matmul"}


def operand_shape(value: Any) -> Shape | None | Any:
    """A tensor's shape, ``()`` for a Python number, UNKNOWN for anything else."""
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, WeightValue):
        return value.shape
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return ()
    return UNKNOWN


def broadcast(a: Shape, b: Shape) -> Shape | None:
    """Keras's ``broadcast_shapes``; None where the shapes cannot broadcast."""
    n = max(len(a), len(b))
    a, b = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
    result: list = []
    for x, y in zip(a, b):
        if x == 1:
            result.append(y)
        elif x is None:
            result.append(None if y == 1 else y)
        elif y in (1, None, x):
            result.append(x)
        else:
            return None
    return tuple(result)


def record(interp: Any, name: str, inputs: list[Tensor], shape: Shape | None, node: cst.CSTNode) -> Tensor:
    """The op's output tensor; its shape is unknown past the catalogue's limits (broadcasting can square a size)."""
    if shape is not None and not within_limits(shape):
        shape = None
    op = OpCall(name, inputs, node)
    tensor = Tensor(shape, op)
    op.outputs = [tensor]
    if shape is not None and all(d is not None for d in shape[1:]):
        op.flops = math.prod(shape[1:])
    return tensor


def binary(interp: Any, op_name: str, left: Any, right: Any, node: cst.CSTNode) -> Any:
    """``x + y``, ``x * 0.5``, ``3.0 + x``..."""
    shapes = [operand_shape(left), operand_shape(right)]
    if any(s is UNKNOWN for s in shapes):
        return UNKNOWN
    tensors = [v for v in (left, right) if isinstance(v, Tensor)]
    name = _OPERATORS.get(op_name, op_name.lower())
    if name == "matmul" or any(s is None for s in shapes):
        return record(interp, name, tensors, None, node)
    return record(interp, name, tensors, broadcast(*shapes), node)


def call(interp: Any, path: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    """``keras.ops.mean(x, axis=1)``, ``tf.nn.relu(x)``, ``tf.concat([a, b], -1)``..."""
    leaf = path.rpartition(".")[2]
    first = args[0] if args else kwargs.get("x", kwargs.get("input", kwargs.get("inputs", UNKNOWN)))
    if leaf in ELEMENTWISE_UNARY and isinstance(first, Tensor):
        return record(interp, leaf, [first], first.shape, node)
    if leaf in ELEMENTWISE_BINARY and len(args) >= 2:
        return binary(interp, leaf.capitalize(), args[0], args[1], node)
    if leaf in REDUCTIONS and isinstance(first, Tensor):
        axis = args[1] if len(args) > 1 else kwargs.get("axis")
        keepdims = kwargs.get("keepdims", kwargs.get("keep_dims", False))
        return record(interp, leaf, [first], _reduced(first.shape, axis, keepdims), node)
    if leaf == "expand_dims" and isinstance(first, Tensor):
        axis = args[1] if len(args) > 1 else kwargs.get("axis")
        return record(interp, leaf, [first], _expanded(first.shape, axis), node)
    if leaf in ("concatenate", "concat"):
        tensors = args[0] if args else kwargs.get("xs", kwargs.get("values", UNKNOWN))
        axis = args[1] if len(args) > 1 else kwargs.get("axis", 0)
        if isinstance(tensors, (list, tuple)) and tensors and all(isinstance(t, Tensor) for t in tensors):
            return record(interp, "concatenate", list(tensors), _concatenated([t.shape for t in tensors], axis), node)
    return unmodelled(leaf, [*args, *kwargs.values()], node)


def unmodelled(name: str, arguments: list, node: cst.CSTNode) -> Any:
    """An operation kerlint does not model: UNKNOWN, but an ``OpCall`` without outputs still reads its tensors.

    ``keras.ops.cumsum(h)`` next to ``Dense(8)(h)`` gives ``h`` two readers (``Tensor.consumers``), as in Keras.
    """
    if footprint(arguments) is None:  # a huge or self-containing argument: not worth a walk
        return UNKNOWN
    tensors: list[Tensor] = []
    pending = list(arguments)
    while pending:
        value = pending.pop(0)
        if isinstance(value, Tensor):
            tensors.append(value)
        elif isinstance(value, (list, tuple)):
            pending.extend(value)
    if tensors:
        OpCall(name, tensors, node)  # recorded as a reader by its inputs; it makes no tensor
    return UNKNOWN


def subscript(interp: Any, tensor: Tensor, key: Any, node: cst.CSTNode) -> Any:
    """``x[:, 0]``, ``x[..., :3]``: basic indexing with ints, slices and Ellipsis."""
    shape = tensor.shape
    keys = key if isinstance(key, tuple) else (key,)
    if shape is None or not all(isinstance(k, (int, slice)) or k is ... for k in keys):
        return UNKNOWN
    if ... in keys:
        at = keys.index(...)
        fill = len(shape) - (len(keys) - 1)
        keys = keys[:at] + (slice(None),) * fill + keys[at + 1:]
    if len(keys) > len(shape):
        return UNKNOWN
    out: list = []
    for dim, k in zip(shape, keys):
        if isinstance(k, slice):
            out.append(None if dim is None else len(range(*k.indices(dim))))
    out.extend(shape[len(keys):])
    return record(interp, "getitem", [tensor], tuple(out), node)


def _axes(rank: int, axis: Any) -> list[int] | None:
    items = axis if isinstance(axis, (tuple, list)) else [axis]
    if not all(isinstance(a, int) and -rank <= a < rank for a in items):
        return None
    return sorted(a % rank for a in items)


def _reduced(shape: Shape | None, axis: Any, keepdims: Any) -> Shape | None:
    if shape is None or not isinstance(keepdims, bool):
        return None
    if axis is None:
        return tuple(1 for _ in shape) if keepdims else ()
    axes = _axes(len(shape), axis)
    if axes is None:
        return None
    return tuple((1 if i in axes else d) for i, d in enumerate(shape) if keepdims or i not in axes)


def _expanded(shape: Shape | None, axis: Any) -> Shape | None:
    if shape is None or not isinstance(axis, int) or not -len(shape) - 1 <= axis <= len(shape):
        return None
    position = axis % (len(shape) + 1)
    return tuple(shape[:position]) + (1,) + tuple(shape[position:])


def _concatenated(shapes: list, axis: Any) -> Shape | None:
    if any(s is None for s in shapes) or len({len(s) for s in shapes}) != 1:
        return None
    axes = _axes(len(shapes[0]), axis)
    if axes is None:
        return None
    (position,) = axes
    sizes = [s[position] for s in shapes]
    total = None if any(d is None for d in sizes) else sum(sizes)
    return tuple(total if i == position else d for i, d in enumerate(shapes[0]))
