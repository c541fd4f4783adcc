"""Operations on symbolic tensors that are not layers: arithmetic, slicing, ``keras.ops``/``tf``/``K`` functions.

Each becomes an ``OpCall`` in the graph with the output shape TensorFlow
and Keras infer, from the one table of operations in ``op_shapes`` however
the operation is spelled. An operation kerlint does not model, or cannot
model on the arguments it got, gives ``UNKNOWN`` and says why
(``Interpreter.explain``).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from kerlint.graph import OpCall, Tensor
from kerlint.interpret import op_shapes
from kerlint.interpret.arrays import Data
from kerlint.interpret.op_shapes import OPERATIONS, StaticShape, UnknownInput, Unmodelled
from kerlint.interpret.values import ApiRef, BoundMethod, footprint
from kerlint.layers.base import Shape, within_limits
from kerlint.unknown import UNKNOWN

COMPARISONS = {
    "LessThan": ("less", "<"), "LessThanEqual": ("less_equal", "<="), "GreaterThan": ("greater", ">"),
    "GreaterThanEqual": ("greater_equal", ">="), "Equal": ("equal", "=="), "NotEqual": ("not_equal", "!="),
}
"""Python's comparisons (libcst's names) on a tensor: element-wise operations, as TF and Keras overload them."""
_OPERATORS = {
    "Add": ("add", "+"), "Subtract": ("subtract", "-"), "Multiply": ("multiply", "*"), "Divide": ("divide", "/"),
    "Power": ("power", "**"), "FloorDivide": ("floor_divide", "//"), "Modulo": ("mod", "%"), "MatrixMultiply": ("matmul", "@"),
    "BitAnd": ("logical_and", "&"), "BitOr": ("logical_or", "|"), "BitXor": ("logical_xor", "^"), **COMPARISONS,
}


def record(interp: Any, name: str, inputs: list[Tensor], shape: Shape | None, node: cst.CSTNode) -> Tensor:
    """The output tensor of an operation on one tensor (``-x``, ``x[:, 0]``, ``preprocess_input(x)``)."""
    return record_all(name, {"x": inputs[0]} if inputs else {}, inputs, [shape], node)[0]


def record_all(name: str, bound: dict, inputs: list[Tensor], shapes: list[Shape | None], node: cst.CSTNode) -> list[Tensor]:
    """One ``OpCall`` and its output tensors, with FLOPs per sample as the table counts them from the `bound` arguments.

    Shapes past the catalogue's limits are unknown (broadcasting can square a size). An operation outside
    the table (a slice, a backbone's ``preprocess_input``) counts one per output value.
    """
    shapes = [s if s is not None and within_limits(s) else None for s in shapes]
    op = OpCall(name, inputs, node)
    op.outputs = [Tensor(shape, op, i) for i, shape in enumerate(shapes)]
    count = OPERATIONS[name].flops if name in OPERATIONS else op_shapes.per_output(1)
    if all(s is not None for s in shapes) and all(t.shape is not None for t in inputs):
        try:
            flops = [count(bound, s) for s in shapes]
        except Unmodelled:  # an operand's size unknown: the shape was known without it (``tf.zeros_like``)
            flops = [None]
        op.flops = None if None in flops else sum(flops)
    return op.outputs


def binary(interp: Any, op_name: str, left: Any, right: Any, node: cst.CSTNode) -> Any:
    """``x + y``, ``x * 0.5``, ``3.0 + x``, ``x @ w``, ``x > 0``... (`op_name`: libcst's name of the operator)."""
    if op_name not in _OPERATORS:
        interp.explain(node, f"the operator `{op_name}` on a tensor is not modelled")
        return unmodelled(op_name.lower(), [left, right], node)
    name, symbol = _OPERATORS[op_name]
    return apply(interp, name, symbol, {"x": left, "y": right}, [left, right], node)


def call(interp: Any, path: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    """``keras.ops.mean(x, axis=1)``, ``tf.nn.relu(x)``, ``K.concatenate([a, b])``, ``tf.range(n)``..."""
    shown = path.replace("tensorflow.", "tf.", 1).replace("keras.backend.", "K.", 1)
    spelled = op_shapes.spelling(path)
    arguments = [*args, *kwargs.values()]
    if spelled is None:
        interp.explain(node, f"`{shown}` is not modelled")
        return unmodelled(path.rpartition(".")[2], arguments, node)
    return apply(interp, spelled.operation, shown, spelled.bind(args, kwargs), arguments, node)


def apply(interp: Any, name: str, shown: str, bound: dict, arguments: list, node: cst.CSTNode) -> Any:
    """The operation `name` on its bound arguments: a value it computes, or its output tensor(s) in the graph."""
    from kerlint.interpret.keras_api import tensors_in

    operation = OPERATIONS[name]
    if footprint(arguments) is None:  # a huge or self-containing argument: the shape functions would walk it
        return UNKNOWN
    tensors = tensors_in(arguments)
    if not tensors and any(isinstance(a, Data) for a in arguments):
        return _on_data(name, bound)
    try:
        value = None if operation.value is None else operation.value(bound)
        if value is not None:
            return value
        if operation.shape is None:
            raise Unmodelled("on a value that is not a tensor")
        shapes = operation.shape(bound)
        if any(d is not None and d < 0 for shape in (shapes if isinstance(shapes, list) else [shapes]) for d in shape):
            raise Unmodelled("with arguments that give a negative size")
    except UnknownInput:
        return record(interp, name, tensors, None, node) if tensors and operation.shape is not None else UNKNOWN
    except Unmodelled as reason:
        interp.explain(node, f"`{shown}` {reason}")
        return unmodelled(name, arguments, node)
    outputs = record_all(name, bound, tensors, shapes if isinstance(shapes, list) else [shapes], node)
    return outputs if isinstance(shapes, list) else outputs[0]


_CONVERSIONS = {"cast", "constant", "identity", "convert_to_tensor"}
"""Operations that hand an array back as a tensor of the same values."""


def _on_data(name: str, bound: dict) -> Any:
    """An operation on arrays, no symbolic tensor: ``tf.cast(x_train, "float32")`` is still the data (`arrays.Data`), else unknown."""
    value = bound.get("x")
    return value if name in _CONVERSIONS and isinstance(value, Data) else UNKNOWN


def unmodelled(name: str, arguments: list, node: cst.CSTNode) -> Any:
    """An operation kerlint does not model: UNKNOWN, but an ``OpCall`` without outputs still reads its tensors.

    ``keras.ops.top_k(h, 2)`` next to ``Dense(8)(h)`` gives ``h`` two readers (``Tensor.consumers``), as in Keras.
    """
    from kerlint.interpret.keras_api import tensors_in

    tensors = tensors_in(arguments)
    if tensors:
        OpCall(name, tensors, node)  # recorded as a reader by its inputs; it makes no tensor
    return UNKNOWN


def subscript(interp: Any, tensor: Tensor, key: Any, node: cst.CSTNode) -> Any:
    """``x[:, 0]``, ``x[..., :3]``, ``x[:, None]``: basic indexing with ints, slices, Ellipsis and new axes."""
    shape = tensor.shape
    keys = tuple(None if _is_new_axis(k) else k for k in (key if isinstance(key, tuple) else (key,)))
    if shape is None or keys.count(...) > 1 or not all(k is None or k is ... or _is_index(k) or _is_slice(k) for k in keys):
        return UNKNOWN
    taken = [k for k in keys if k is not None and k is not ...]
    if len(taken) > len(shape):
        return UNKNOWN
    if ... in keys:
        at = keys.index(...)
        keys = keys[:at] + (slice(None),) * (len(shape) - len(taken)) + keys[at + 1:]
    out: list = []
    dims = iter(shape)
    for k in keys:
        if k is None:
            out.append(1)
            continue
        dim = next(dims)
        if isinstance(k, slice):
            out.append(None if dim is None else len(range(*k.indices(dim))))
        elif dim is not None and not -dim <= k < dim:
            interp.explain(node, f"index {k} is out of range for an axis of size {dim}")
            return UNKNOWN
    out.extend(dims)
    return record(interp, "getitem", [tensor], tuple(out), node)


def _is_index(key: Any) -> bool:
    return isinstance(key, int) and not isinstance(key, bool)


def _is_slice(key: Any) -> bool:
    return isinstance(key, slice) and all(part is None or _is_index(part) for part in (key.start, key.stop, key.step)) and key.step != 0


def _is_new_axis(key: Any) -> bool:
    """``None``, ``tf.newaxis``, ``np.newaxis``."""
    return key is None or isinstance(key, ApiRef) and key.leaf == "newaxis"


def attribute(base: Tensor | StaticShape, name: str) -> Any:
    """``x.shape`` (a `StaticShape`), ``x.ndim``, ``x.get_shape``; a shape's ``rank``, ``ndims`` and ``as_list``."""
    shape = base.shape if isinstance(base, Tensor) else base
    if shape is None:
        return UNKNOWN
    if name == "shape" and isinstance(base, Tensor):
        return StaticShape(shape)
    if name in ("ndim", "rank", "ndims"):
        return len(shape)
    return BoundMethod(base, name) if name in ("get_shape", "as_list") else UNKNOWN


def method(receiver: Tensor | StaticShape, name: str, args: list, kwargs: dict) -> Any:
    """``x.get_shape()``, ``x.shape.as_list()``."""
    if args or kwargs:
        return UNKNOWN
    if name == "get_shape" and isinstance(receiver, Tensor):
        return attribute(receiver, "shape")
    return list(receiver) if name == "as_list" and isinstance(receiver, StaticShape) else UNKNOWN
