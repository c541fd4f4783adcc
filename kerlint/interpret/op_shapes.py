"""One shape semantics per tensor operation, however the program spells it.

``keras.ops.concatenate``, ``tf.concat``, ``K.concatenate`` and
``np.concatenate`` are one operation. `OPERATIONS` describes each canonical
operation once: its output shape from its arguments (and its FLOPs per
sample, following docs/flops.md); `KERAS_OPS`, `TF`, `BACKEND` and `NUMPY`
map each library's names to canonical operations with that library's
parameter order, names and defaults (``K.expand_dims`` appends an axis by
default, ``tf.argmax`` reduces axis 0, ``keras.ops.argmax`` the flattened
tensor), and `spelling` finds the one a dotted path means.

Shapes have the batch axis first; None is a dimension known only at run time.
Inside a layer's ``call``, ``tf.shape(x)[0]`` is such a dimension as a value:
`RUNTIME`, which arithmetic keeps and which becomes None again wherever it
builds a shape (``tf.random.normal((batch, dim))``).
"""

from __future__ import annotations

import math
import re
import functools
from dataclasses import dataclass, field
from typing import Any, Callable

from kerlint.layers.base import Shape
from kerlint.unknown import UNKNOWN


class RuntimeDim:
    """A size the program reads at run time (``tf.shape(x)[0]`` of the batch axis): never a number here."""

    def __repr__(self) -> str:
        return "RUNTIME"


RUNTIME = RuntimeDim()


class ShapeTensor(tuple):
    """``tf.shape(x)``, ``K.shape(x)``: its sizes (`RUNTIME` where unknown), as TF's shape inference reads them back.

    TF folds arithmetic on single sizes (``tf.shape(x)[1] * tf.shape(x)[2]`` builds a 24) and reads a slice
    whole (``tf.concat([tf.shape(x)[:-1], [4]], 0)`` builds ``(None, 4, 4)``), but not the items or the
    product of a slice (``tf.reduce_prod(tf.shape(x)[1:])`` builds a None): those are run-time sizes here.
    """

    sliced = False

    def __getitem__(self, key: Any) -> Any:
        item = tuple.__getitem__(self, key)
        if isinstance(key, slice):
            part = ShapeTensor(item)
            part.sliced = True
            return part
        return RUNTIME if self.sliced else item


class StaticShape(tuple):
    """``x.shape`` of a symbolic tensor: its static dimensions (None where unknown), answering ``as_list()`` and ``rank``."""


class Unmodelled(Exception):
    """The operation cannot be modelled on these arguments; the message says why (it completes "`tf.reshape` ...")."""


class UnknownInput(Unmodelled):
    """A tensor argument's shape is already unknown: the output's is too, and the cause lies upstream."""


# ------------------------------------------------------------------ values


def is_size(value: Any) -> bool:
    return value is RUNTIME or isinstance(value, int) and not isinstance(value, bool)


def runtime_arithmetic(left: Any, right: Any) -> Any:
    """``batch * 2``, ``h * w`` with a run-time size: still a run-time size; with anything else, unknown."""
    numbers = (int, float, RuntimeDim)
    if isinstance(left, numbers) and isinstance(right, numbers) and not isinstance(left, bool) and not isinstance(right, bool):
        return RUNTIME
    return UNKNOWN


LITERAL_RANK = 32
"""The deepest nesting of a literal read as a tensor (``tf.constant([[1, 2], [3, 4]])``)."""


def operand_shape(value: Any, depth: int = 0) -> Shape | None | Any:
    """The shape an operand has as a tensor: a tensor's or weight's own (None if unknown), ``()`` for a number, a literal's; else UNKNOWN."""
    shape = getattr(value, "shape", UNKNOWN)  # a Tensor (a layer weight too), an array's Data
    if shape is not UNKNOWN:
        return shape
    if value is RUNTIME or isinstance(value, (int, float)):
        return ()
    if isinstance(value, (list, tuple)) and value and depth < LITERAL_RANK:
        items = [operand_shape(v, depth + 1) for v in value]
        if all(isinstance(s, tuple) and s == items[0] for s in items):
            return (len(items), *items[0])
    return UNKNOWN


def target_shape(value: Any) -> tuple:
    """A shape argument (``(batch, 3)``, ``tf.shape(x)``, ``4``) as a tuple of ints, None for run-time sizes."""
    if is_size(value):
        value = (value,)
    if isinstance(value, (list, tuple)) and all(is_size(d) for d in value):
        if any(d is not RUNTIME and d < 0 for d in value):
            raise Unmodelled("with a negative size")
        return tuple(None if d is RUNTIME else d for d in value)
    if isinstance(value, (list, tuple)) and None in value:
        raise Unmodelled("with None in its shape (`x.shape[i]` of a run-time axis: `tf.shape(x)[i]` reads it at run time)")
    raise Unmodelled("with an unknown shape")


def _shape(value: Any) -> tuple:
    """An operand's shape, or `Unmodelled`."""
    shape = operand_shape(value)
    if shape is None:
        raise UnknownInput()
    if not isinstance(shape, tuple):
        raise Unmodelled("on an argument that is not a tensor kerlint knows")
    return shape


def _axis(axis: Any, rank: int) -> int:
    if not isinstance(axis, int) or isinstance(axis, bool) or not -rank <= axis < rank:
        raise Unmodelled("with an unknown or invalid axis")
    return axis % rank


def _axes(axis: Any, rank: int) -> list[int]:
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    return sorted({_axis(a, rank) for a in items})


def _product(dims: tuple) -> int | None:
    return None if None in dims else math.prod(dims)


def _times(size: int | None, factor: int | None) -> int | None:
    return None if size is None or factor is None else size * factor


def _over(size: int | None, divisor: int) -> int | None:
    return None if size is None else size // divisor


# ------------------------------------------------------------------ shape functions


def broadcast(*shapes: tuple) -> tuple:
    """NumPy's broadcasting, as Keras's ``broadcast_shapes`` and TF's static shapes do it."""
    rank = max(len(s) for s in shapes)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    result = []
    for dims in zip(*padded):
        sizes = {d for d in dims if d != 1}
        known = {d for d in sizes if d is not None}
        if len(known) > 1:
            raise Unmodelled(f"on shapes that do not broadcast: {', '.join(map(str, shapes))}")
        result.append(known.pop() if known else None if None in sizes else 1)
    return tuple(result)


def elementwise(b: dict) -> tuple:
    return _shape(b.get("x"))


def binary(b: dict) -> tuple:
    return broadcast(_shape(b.get("x")), _shape(b.get("y")))


def where(b: dict) -> tuple:
    if b.get("x") is None or b.get("y") is None:
        raise Unmodelled("with a condition only (its size is the number of true values)")
    return broadcast(_shape(b.get("condition")), _shape(b.get("x")), _shape(b.get("y")))


def add_n(b: dict) -> tuple:
    shapes = _known_list(b.get("values"))
    return broadcast(*shapes)


def reduce(b: dict) -> tuple:
    shape, keepdims = _shape(b.get("x")), b.get("keepdims", False)
    if not isinstance(keepdims, bool):
        raise Unmodelled("with an unknown `keepdims`")
    axis = b.get("axis")
    axes = range(len(shape)) if axis is None else _axes(axis, len(shape))
    return tuple(1 if i in axes else d for i, d in enumerate(shape) if keepdims or i not in axes)


def arg_reduce(b: dict) -> tuple:
    return reduce({"x": b.get("x"), "axis": b.get("axis"), "keepdims": b.get("keepdims", False)})


def cumulative(b: dict) -> tuple:
    """``cumsum``/``cumprod``: the same shape along an axis; NumPy's (``keras.ops``) flatten when no axis is given."""
    shape = _shape(b.get("x"))
    return (_product(shape),) if b.get("axis") is None else shape


def moments(b: dict) -> list:
    shape = reduce({"x": b.get("x"), "axis": b.get("axis"), "keepdims": b.get("keepdims", False)})
    return [shape, shape]


def expand_dims(b: dict) -> tuple:
    shape = _shape(b.get("x"))
    position = _axis(b.get("axis"), len(shape) + 1)
    return shape[:position] + (1,) + shape[position:]


def squeeze(b: dict) -> tuple:
    shape, axis = _shape(b.get("x")), b.get("axis")
    if axis is None:
        if None in shape:
            raise Unmodelled("without an axis on a tensor with run-time dimensions (its rank is then unknown)")
        return tuple(d for d in shape if d != 1)
    axes = _axes(axis, len(shape))
    if any(shape[a] not in (1, None) for a in axes):
        raise Unmodelled("on an axis whose size is not 1")
    return tuple(d for i, d in enumerate(shape) if i not in axes)


def reshape(b: dict) -> tuple:
    """TF's static shape inference: a -1 is solved only when every other size, and the input's, is known."""
    shape, target = _shape(b.get("x")), b.get("shape")
    if isinstance(target, (list, tuple)) and target.count(-1) == 1:
        rest = target_shape([RUNTIME if d == -1 else d for d in target])
        at = list(target).index(-1)
        others = _product(rest[:at] + rest[at + 1:])
        total = _product(shape)
        solved = None if others is None or total is None or others == 0 else total // others
        return rest[:at] + (solved,) + rest[at + 1:]
    result = target_shape(target)
    if None not in shape and None not in result and _product(shape) != _product(result):
        raise Unmodelled(f"of {_product(shape)} values to {result}, which holds {_product(result)} (TensorFlow raises)")
    return result


def transpose(b: dict) -> tuple:
    shape, axes = _shape(b.get("x")), b.get("axes")
    if axes is None:
        return shape[::-1]
    order = [_axis(a, len(shape)) for a in axes] if isinstance(axes, (list, tuple)) else None
    if order is None or sorted(order) != list(range(len(shape))):
        raise Unmodelled("with an unknown or invalid permutation")
    return tuple(shape[a] for a in order)


def _known_list(values: Any) -> list[tuple]:
    if not isinstance(values, (list, tuple)) or not values:
        raise Unmodelled("on an unknown list of tensors")
    return [_shape(v) for v in values]


def merge(shapes: list[tuple]) -> tuple:
    """The one shape tensors of equal rank share, run-time sizes taking the known one's (concatenation, stacking)."""
    if len({len(s) for s in shapes}) != 1:
        raise Unmodelled("on tensors of different ranks")
    result = []
    for dims in zip(*shapes):
        known = {d for d in dims if d is not None}
        if len(known) > 1:
            raise Unmodelled(f"on shapes that differ: {', '.join(map(str, shapes))}")
        result.append(known.pop() if known else None)
    return tuple(result)


def concatenate(b: dict) -> tuple:
    shapes = _known_list(b.get("values"))
    axis = _axis(b.get("axis"), len(shapes[0]))
    sizes = [s[axis] for s in shapes]
    shared = merge([s[:axis] + s[axis + 1:] for s in shapes])
    return shared[:axis] + (None if None in sizes else sum(sizes),) + shared[axis:]


def stack(b: dict) -> tuple:
    shapes = _known_list(b.get("values"))
    shape = merge(shapes)
    position = _axis(b.get("axis", 0), len(shape) + 1)
    return shape[:position] + (len(shapes),) + shape[position:]


MOST_OUTPUTS = 1024
"""The most tensors one split or unstack is followed into (a model's code splits into a few)."""


def unstack(b: dict) -> list:
    shape = _shape(b.get("x"))
    axis = _axis(b.get("axis", 0), len(shape))
    if shape[axis] is None or shape[axis] > MOST_OUTPUTS:
        raise Unmodelled("along a run-time or very long dimension (the number of outputs is unknown here)")
    return [shape[:axis] + shape[axis + 1:]] * shape[axis]


def tile(b: dict) -> tuple:
    """``tf.tile`` wants one multiple per axis; ``keras.ops.tile`` and ``K.tile`` pad either side with 1s, as NumPy."""
    shape, multiples = _shape(b.get("x")), b.get("multiples")
    multiples = target_shape(multiples)
    rank = max(len(shape), len(multiples))
    shape = (1,) * (rank - len(shape)) + shape
    multiples = (1,) * (rank - len(multiples)) + multiples
    return tuple(_times(d, m) for d, m in zip(shape, multiples))


def repeat(b: dict) -> tuple:
    shape, repeats, axis = _shape(b.get("x")), b.get("repeats"), b.get("axis")
    if not is_size(repeats):
        raise Unmodelled("with per-element repeats")
    count = None if repeats is RUNTIME else repeats
    if axis is None:
        return (_times(_product(shape), count),)
    axis = _axis(axis, len(shape))
    return shape[:axis] + (_times(shape[axis], count),) + shape[axis + 1:]


def repeat_vector(b: dict) -> tuple:
    shape = _shape(b.get("x"))
    if len(shape) != 2:
        raise Unmodelled("on a tensor that is not 2D")
    if not is_size(b.get("n")):
        _unknown_argument("n")
    return (shape[0], None if b.get("n") is RUNTIME else b.get("n"), shape[1])


def flatten(b: dict) -> tuple:
    return (_product(_shape(b.get("x"))),)


def batch_flatten(b: dict) -> tuple:
    """``K.batch_flatten``: TF reshapes to ``stack([-1, prod(shape(x)[1:])])``, a product its static shapes do not fold."""
    shape = _shape(b.get("x"))
    if not shape:
        raise Unmodelled("on a scalar")
    return (shape[0], None)


def split(b: dict) -> list:
    """``tf.split``: a count or the sizes of the parts (one may be -1)."""
    shape, sections = _shape(b.get("x")), b.get("sections")
    axis = _axis(b.get("axis", 0), len(shape))
    size = shape[axis]
    if isinstance(sections, int) and 0 < sections <= MOST_OUTPUTS:
        parts = [_over(size, sections)] * sections
    elif isinstance(sections, (list, tuple)) and all(isinstance(s, int) for s in sections) and list(sections).count(-1) <= 1:
        parts = list(sections)
        if -1 in parts:
            rest = sum(p for p in parts if p != -1)
            parts[parts.index(-1)] = None if size is None else size - rest
    else:
        raise Unmodelled("with unknown sections")
    return [shape[:axis] + (p,) + shape[axis + 1:] for p in parts]


def split_at(b: dict) -> list:
    """``keras.ops.split``/``np.split``: a count, or the indices where parts begin."""
    sections = b.get("sections")
    if not isinstance(sections, (list, tuple)):
        return split(b)
    shape = _shape(b.get("x"))
    axis = _axis(b.get("axis", 0), len(shape))
    size = shape[axis]
    if size is None or not all(isinstance(i, int) for i in sections):
        raise Unmodelled("at indices along a run-time dimension")
    bounds = [0, *sections, size]
    return [shape[:axis] + (max(0, min(end, size) - min(start, size)),) + shape[axis + 1:] for start, end in zip(bounds, bounds[1:])]


def pad(b: dict) -> tuple:
    shape, paddings = _shape(b.get("x")), b.get("paddings")
    if isinstance(paddings, int):
        paddings = [(paddings, paddings)] * len(shape)
    if not isinstance(paddings, (list, tuple)) or len(paddings) != len(shape):
        raise Unmodelled("with unknown paddings")
    pairs = [p if isinstance(p, (list, tuple)) else (p, p) for p in paddings]
    if not all(len(p) == 2 and all(isinstance(v, int) for v in p) for p in pairs):
        raise Unmodelled("with unknown paddings")
    return tuple(None if d is None else d + before + after for d, (before, after) in zip(shape, pairs))


def one_hot(b: dict) -> tuple:
    shape, depth = _shape(b.get("x")), b.get("depth")
    if not is_size(depth):
        _unknown_argument("depth")
    position = _axis(b.get("axis", -1), len(shape) + 1)
    return shape[:position] + (None if depth is RUNTIME else depth,) + shape[position:]


def gather(b: dict) -> tuple:
    """The axis is replaced by the indices' shape, past the ``batch_dims`` leading axes both share; no axis: flat."""
    shape, indices, batch_dims = _shape(b.get("x")), _shape(b.get("indices")), b.get("batch_dims", 0)
    axis = b.get("axis")
    if axis is None:
        return indices
    axis = _axis(axis, len(shape))
    if not isinstance(batch_dims, int) or not 0 <= batch_dims % max(len(indices), 1) <= axis:
        raise Unmodelled("with unknown or invalid `batch_dims`")
    return shape[:axis] + indices[batch_dims % max(len(indices), 1):] + shape[axis + 1:]


def resize(b: dict) -> tuple:
    shape, size = _shape(b.get("x")), target_shape(b.get("size"))
    if len(size) != 2 or len(shape) not in (3, 4):
        raise Unmodelled("with a size that is not (height, width) or on a tensor that is not an image")
    if b.get("data_format", "channels_last") == "channels_first":
        return shape[:-2] + size
    return shape[:-3] + size + shape[-1:]


def extract_patches(b: dict) -> tuple:
    """Each ``size`` window (every ``strides``, ``dilation`` apart) flattened into channels: ``(n, rows, columns, kh·kw·c)``."""
    shape = _shape(b.get("x"))
    if len(shape) not in (3, 4):
        raise Unmodelled("on a tensor that is not an image")
    size = _per_axis(b.get("size"), 2, None)
    spatial = _windowed(shape[-3:-1], size, _per_axis(b.get("strides"), 2, size), _per_axis(b.get("dilation"), 2, 1), b.get("padding", "valid"))
    return shape[:-3] + spatial + (_times(shape[-1], size[0] * size[1]),)


def conv(b: dict) -> tuple:
    """``tf.nn.conv2d``, ``keras.ops.conv``...: channels last, a kernel of shape ``(*window, in / groups, out)``."""
    shape, kernel, rank = _spatial(b)
    if len(kernel) != rank + 2:
        raise Unmodelled(f"with a kernel of rank {len(kernel)} on {rank} spatial axes")
    return _slid(b, shape, kernel[:rank], rank) + (kernel[-1],)


def depthwise_conv(b: dict) -> tuple:
    """A kernel of shape ``(*window, in, multiplier)``: ``in × multiplier`` channels out."""
    shape, kernel, rank = _spatial(b)
    if len(kernel) != rank + 2:
        raise Unmodelled(f"with a kernel of rank {len(kernel)} on {rank} spatial axes")
    return _slid(b, shape, kernel[:rank], rank) + (_times(kernel[-2], kernel[-1]),)


def pool(b: dict) -> tuple:
    """Max or average pooling: the window slides every ``strides`` (the window itself by default); channels stay."""
    shape, _, rank = _spatial(b, kernel=False)
    window = _per_axis(b.get("window"), rank, None)
    return _slid(b, shape, window, rank) + shape[-1:]


def _spatial(b: dict, kernel: bool = True) -> tuple[tuple, tuple, int]:
    shape = _shape(b.get("x"))
    if b.get("data_format") not in (None, "channels_last", "NWC", "NHWC", "NDHWC") or len(shape) < 3:
        raise Unmodelled("on a tensor that is not channels-last with spatial axes")
    return shape, _shape(b.get("kernel")) if kernel else (), len(shape) - 2


def _slid(b: dict, shape: tuple, window: tuple, rank: int) -> tuple:
    if None in window:
        raise Unmodelled("with a kernel of unknown size")
    strides = _per_axis(b.get("strides"), rank, window)
    return shape[:1] + _windowed(shape[1:-1], window, strides, _per_axis(b.get("dilation"), rank, 1), b.get("padding", "valid"))


def _per_axis(value: Any, rank: int, default: Any) -> tuple:
    """A window, stride or rate for each spatial axis: ``3``, ``(3, 3)``, or TF's ``[1, 3, 3, 1]`` (1 for batch and channels)."""
    value = default if value is None else value
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,) * rank
    if isinstance(value, (list, tuple)) and len(value) == rank + 2:
        value = tuple(value[1:-1])
    if not (isinstance(value, (list, tuple)) and len(value) == rank and all(isinstance(v, int) and v > 0 for v in value)):
        raise Unmodelled("with an unknown window, stride or rate")
    return tuple(value)


def _windowed(sizes: tuple, window: tuple, strides: tuple, rates: tuple, padding: Any) -> tuple:
    """The sizes a window slid over `sizes` gives: TF's and Keras's ``valid`` and ``same`` padding."""
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise Unmodelled("with an unknown padding")
    out = []
    for size, extent, stride, rate in zip(sizes, window, strides, rates):
        kept = size if padding.lower() == "same" or size is None else size - (extent - 1) * rate
        out.append(None if kept is None else max(0, -(-kept // stride)))
    return tuple(out)


def depth_to_space(b: dict) -> tuple:
    return _blocks_moved(b, to_depth=False)


def space_to_depth(b: dict) -> tuple:
    return _blocks_moved(b, to_depth=True)


def _blocks_moved(b: dict, to_depth: bool) -> tuple:
    """Blocks of ``block_size``² pixels become channels (or channels blocks of pixels); NHWC, as TF's default."""
    shape, block = _shape(b.get("x")), b.get("block_size")
    if len(shape) != 4 or not isinstance(block, int) or block < 2:
        raise Unmodelled("on a tensor that is not NHWC or with an unknown block size")
    n, h, w, c = shape
    if to_depth:
        return (n, _over(h, block), _over(w, block), _times(c, block * block))
    return (n, _times(h, block), _times(w, block), _over(c, block * block))


def matmul(b: dict) -> tuple:
    """``a @ b`` with NumPy's rules: 1D operands gain and lose an axis, leading axes broadcast."""
    left, right = _shape(b.get("x")), _shape(b.get("y"))
    if not left or not right:
        raise Unmodelled("on a scalar")
    if _flag(b, "transpose_a"):
        left = left[:-2] + left[-1:] + left[-2:-1]
    if _flag(b, "transpose_b"):
        right = right[:-2] + right[-1:] + right[-2:-1]
    a = (1,) + left if len(left) == 1 else left
    c = right + (1,) if len(right) == 1 else right
    if a[-1] is not None and c[-2] is not None and a[-1] != c[-2]:
        raise Unmodelled(f"on shapes that do not multiply: {left} and {right}")
    out = broadcast(a[:-2], c[:-2]) + (a[-2], c[-1])
    if len(left) == 1:
        out = out[:-2] + out[-1:]
    if len(right) == 1:
        out = out[:-1]
    return out


def _flag(b: dict, name: str) -> bool:
    value = b.get(name, False)
    if not isinstance(value, bool):
        raise Unmodelled(f"with an unknown `{name}`")
    return value


def dot(b: dict) -> tuple:
    """``K.dot``: a matrix product along the last axis of x and the second-to-last of y."""
    left, right = _shape(b.get("x")), _shape(b.get("y"))
    if not left or not right or len(right) > 2 and len(left) > 2:
        raise Unmodelled("on a scalar or on two tensors of rank above 2")
    return matmul(b) if len(right) <= 2 else left[:-1] + right[:-2] + right[-1:]


def tensordot(b: dict) -> tuple:
    """The axes of x and y that ``axes`` names are summed over: the rest of x, then the rest of y."""
    left, right, (kept_left, kept_right), _ = _tensordot_axes(b)
    return tuple(left[i] for i in kept_left) + tuple(right[i] for i in kept_right)


def _tensordot_axes(b: dict) -> tuple[tuple, tuple, tuple[list[int], list[int]], list]:
    """Both shapes, the axes of each kept, and the contracted sizes; ``axes=N``: x's last N with y's first N."""
    left, right, axes = _shape(b.get("x")), _shape(b.get("y")), b.get("axes", 2)
    if isinstance(axes, int) and not isinstance(axes, bool) and 0 <= axes <= min(len(left), len(right)):
        summed = (list(range(len(left) - axes, len(left))), list(range(axes)))
    elif isinstance(axes, (list, tuple)) and len(axes) == 2:
        summed = tuple(_axes_in_order(a, rank) for a, rank in zip(axes, (len(left), len(right))))
    else:
        raise Unmodelled("with unknown axes")
    if len(summed[0]) != len(summed[1]):
        raise Unmodelled("with different numbers of axes for x and y")
    sizes = []
    for i, j in zip(*summed):
        if left[i] is not None and right[j] is not None and left[i] != right[j]:
            raise Unmodelled(f"summing an axis of size {left[i]} with one of size {right[j]}")
        sizes.append(left[i] if left[i] is not None else right[j])
    kept = tuple([i for i in range(len(shape)) if i not in axes] for shape, axes in zip((left, right), summed))
    return left, right, kept, sizes


def _axes_in_order(axes: Any, rank: int) -> list[int]:
    return [_axis(a, rank) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]


def batch_dot(b: dict) -> tuple:
    """Keras 2's ``K.batch_dot``: contract one axis of each per sample; a result of rank 1 gains an axis."""
    left, right = _shape(b.get("x")), _shape(b.get("y"))
    axes = b.get("axes")
    if axes is None:
        axes = (len(left) - 1, len(right) - 2 if len(right) > 2 else len(right) - 1)
    if isinstance(axes, int):
        axes = (axes, axes)
    if not isinstance(axes, (list, tuple)) or len(axes) != 2:
        raise Unmodelled("with unknown axes")
    a, c = _axis(axes[0], len(left)), _axis(axes[1], len(right))
    out = left[:a] + left[a + 1:] + right[1:c] + right[c + 1:]
    return out + (1,) if len(out) == 1 else out


_EINSUM = re.compile(r"^[a-zA-Z.,]*(->[a-zA-Z.]*)?$")


def einsum(b: dict) -> tuple:
    sizes, output, ellipsis = _einsum_indices(b)
    head = output.index("...") if "..." in output else len(output)
    dims = tuple(sizes[letter] for letter in output.replace("...", ""))
    return dims[:head] + (ellipsis if "..." in output else ()) + dims[head:]


def _einsum_indices(b: dict) -> tuple[dict[str, Any], str, tuple]:
    """Each index letter's size (None at run time), the output's term, and the shape ``...`` broadcasts to."""
    equation, operands = b.get("equation"), b.get("operands", ())
    if not isinstance(equation, str) or not _EINSUM.match(equation.replace(" ", "")):
        raise Unmodelled("with an unknown equation")
    inputs, arrow, output = equation.replace(" ", "").partition("->")
    terms = inputs.split(",")
    shapes = [_shape(o) for o in operands]
    if len(terms) != len(shapes):
        raise Unmodelled("with a different number of terms and operands")
    sizes: dict[str, Any] = {}
    ellipses = []
    for term, shape in zip(terms, shapes):
        letters = term.replace("...", "")
        spread = len(shape) - len(letters)
        if spread < 0 or spread and "..." not in term:
            raise Unmodelled(f"where `{term}` does not match a tensor of rank {len(shape)}")
        head = term.index("...") if "..." in term else len(letters)
        ellipses.append(shape[head:head + spread])
        for letter, size in zip(letters, shape[:head] + shape[head + spread:]):
            sizes[letter] = size if sizes.get(letter) is None else sizes[letter]
    if not arrow:
        output = ("..." if "..." in inputs else "") + "".join(sorted(k for k in sizes if inputs.count(k) == 1))
    if any(letter not in sizes for letter in output.replace("...", "")):
        raise Unmodelled("with an output index that no operand has")
    return sizes, output, broadcast(*ellipses)


def ctc_loss(b: dict) -> tuple:
    """``keras.ops.ctc_loss``: one loss per sample of the ``(batch, steps, classes)`` predictions."""
    predictions = _shape(b.get("x"))
    if len(predictions) != 3:
        raise Unmodelled("on predictions that are not (batch, steps, classes)")
    return predictions[:1]


def ctc_batch_cost(b: dict) -> tuple:
    """Keras 2's ``K.ctc_batch_cost``: the losses as a column, ``(batch, 1)``."""
    return ctc_loss(b) + (1,)


def created(b: dict) -> tuple:
    """``tf.zeros``, ``tf.random.normal``, ``keras.ops.ones``...: a tensor of the shape given."""
    return target_shape(b.get("shape"))


def constant(b: dict) -> tuple:
    return _shape(b.get("x"))


def arange(b: dict) -> tuple:
    start, stop, step = b.get("start"), b.get("stop"), b.get("step", 1)
    if stop is None:
        start, stop = 0, start
    if start is None:
        start = 0
    values = (start, stop, step)
    if not all(v is RUNTIME or isinstance(v, (int, float)) and not isinstance(v, bool) for v in values) or step == 0:
        raise Unmodelled("with unknown bounds")
    if RUNTIME in values:
        return (None,)
    count = (stop - start) / step
    if not math.isfinite(count):
        raise Unmodelled("with bounds past any tensor's size")
    return (max(0, math.ceil(count)),)


def linspace(b: dict) -> tuple:
    num = b.get("num", 50)
    if not is_size(num):
        _unknown_argument("num")
    return (None if num is RUNTIME else num,)


def eye(b: dict) -> tuple:
    rows, columns = b.get("n"), b.get("m")
    columns = rows if columns is None else columns
    return target_shape((rows, columns))


def _unknown_argument(name: str) -> None:
    raise Unmodelled(f"with an unknown `{name}`")


# ------------------------------------------------------------------ values computed, not tensors made

_MOST_FACTORS = 64
"""The most sizes a product is computed of (a shape has a few; a product of more could pass any int bound)."""


def sizes(b: dict) -> Any:
    """``keras.ops.shape(x)``: static sizes as ints, the others read at run time."""
    return tuple(RUNTIME if d is None else d for d in _shape(b.get("x")))


def shape_tensor(b: dict) -> Any:
    """``tf.shape(x)``, ``K.shape(x)``: a tensor of the sizes (see `ShapeTensor`)."""
    return ShapeTensor(sizes(b))


def static_shape(b: dict) -> Any:
    """``K.int_shape(x)``: the static shape, None where unknown."""
    return StaticShape(_shape(b.get("x")))


def rank_value(b: dict) -> Any:
    return len(_shape(b.get("x")))


def sizes_joined(b: dict) -> Any:
    """``tf.concat([tf.shape(x)[:-1], [4]], 0)``: sizes joined into a shape value; None when they are tensors."""
    values = b.get("values")
    if isinstance(values, (list, tuple)) and all(isinstance(v, (list, tuple)) and all(map(is_size, v)) for v in values):
        return tuple(d for v in values for d in v)
    return None


def sizes_stacked(b: dict) -> Any:
    """``tf.stack([batch, -1, 4])``: sizes stacked into a shape value."""
    values = b.get("values")
    if isinstance(values, (list, tuple)) and values and all(is_size(v) for v in values):
        return tuple(values)
    return None


def size_product(b: dict) -> Any:
    """``tf.reduce_prod([h, w])``: the product of sizes; run-time if one is, or if TF sees a slice of a shape tensor."""
    values = b.get("x")
    if isinstance(values, (list, tuple)) and len(values) <= _MOST_FACTORS and all(map(is_size, values)) and b.get("axis") is None:
        return RUNTIME if RUNTIME in values or getattr(values, "sliced", False) else math.prod(values)
    return None


def size_cast(b: dict) -> Any:
    """``tf.cast(batch, "int32")``: a size stays the size (a float of it still builds no shape)."""
    value = b.get("x")
    return value if is_size(value) else None


# ------------------------------------------------------------------ FLOPs (docs/flops.md: TensorFlow's profiler)
# Per sample: each function counts the values of one output, and of its operands, past their first (batch) axis.

Flops = Callable[[dict, Shape], "int | None"]


def _values(shape: Shape) -> int | None:
    return _product(tuple(shape[1:]))


def per_output(factor: int) -> Flops:
    return lambda b, output: None if _values(output) is None else factor * _values(output)


def per_input(factor: int) -> Flops:
    return lambda b, output: None if _values(_shape(b.get("x"))) is None else factor * _values(_shape(b.get("x")))


def no_flops(b: dict, output: Shape) -> int:
    return 0


def sum_flops(b: dict, output: Shape) -> int | None:
    before, after = _values(_shape(b.get("x"))), _values(output)
    return None if before is None or after is None else before - after


def matmul_flops(b: dict, output: Shape) -> int | None:
    """2 per multiply-accumulate: the contracted size times the output's values."""
    left = _shape(b.get("x"))
    if not left:
        return None
    contracted = left[-2] if _flag(b, "transpose_a") and len(left) > 1 else left[-1]
    values = _values(output)
    return None if contracted is None or values is None else 2 * contracted * values


def tensordot_flops(b: dict, output: Shape) -> int | None:
    summed = _product(tuple(_tensordot_axes(b)[3]))
    values = _values(output)
    return None if summed is None or values is None else 2 * summed * values


def conv_flops(b: dict, output: Shape) -> int | None:
    """The profiler's Conv2D and Conv3D: 2 x output values x kernel volume x input channels per group."""
    kernel = _shape(b.get("kernel"))
    return _scaled(output, 2 * math.prod(kernel[:-1]) if None not in kernel else None)


def depthwise_flops(b: dict, output: Shape) -> int | None:
    """DepthwiseConv2dNative: 2 x output values x kernel area."""
    kernel = _shape(b.get("kernel"))
    return _scaled(output, 2 * math.prod(kernel[:-2]) if None not in kernel else None)


def pool_flops(b: dict, output: Shape) -> int | None:
    """MaxPool and AvgPool: window area x output values."""
    return _scaled(output, math.prod(_per_axis(b.get("window"), len(output) - 2, None)))


def _scaled(output: Shape, factor: int | None) -> int | None:
    values = _values(output)
    return None if values is None or factor is None else factor * values


def einsum_flops(b: dict, output: Shape) -> int | None:
    """MatMul's convention, as kerlint counts MultiHeadAttention's einsums: 2 x the output's values x the summed-over sizes."""
    sizes, kept, _ = _einsum_indices(b)
    summed = _product(tuple(size for letter, size in sizes.items() if letter not in kept))
    values = _values(output)
    return None if summed is None or values is None else 2 * summed * values


# ------------------------------------------------------------------ the table


@dataclass(frozen=True)
class Operation:
    """A canonical operation: its output shape(s) from bound arguments, its FLOPs per sample, and what it computes on sizes."""

    shape: Callable[[dict], Any] | None  # None: the operation computes a value, never a tensor (``tf.shape``)
    flops: Flops = no_flops
    value: Callable[[dict], Any] | None = None  # its value on plain sizes (``tf.concat`` of shapes), None otherwise


KERAS_UNARY = (
    "relu", "relu6", "sigmoid", "hard_sigmoid", "tanh", "log_softmax", "exp", "expm1", "log1p", "sqrt", "abs", "absolute",
    "gelu", "silu", "swish", "hard_swish", "hard_silu", "elu", "selu", "softplus", "softsign", "leaky_relu", "mish", "sin",
    "cos", "tan", "floor", "ceil", "round", "sign", "erf", "stop_gradient", "clip", "normalize", "sort", "argsort",
    "zeros_like", "ones_like", "full_like", "logical_not", "isnan", "isfinite", "nan_to_num", "roll", "flip",
    "convert_to_tensor", "exponential", "linear", "hard_tanh", "log_sigmoid", "tanh_shrink", "soft_shrink", "hard_shrink",
    "celu", "squareplus", "sparse_plus", "real", "imag", "conj", "log2", "log10", "triu", "tril",
)
TF_UNARY = (
    "relu", "relu6", "sigmoid", "tanh", "log_softmax", "exp", "expm1", "log1p", "sqrt", "abs", "gelu", "silu", "swish", "elu",
    "selu", "softplus", "softsign", "leaky_relu", "sin", "cos", "tan", "floor", "ceil", "round", "sign", "erf",
    "stop_gradient", "identity", "l2_normalize", "dropout", "sort", "argsort", "zeros_like", "ones_like", "logical_not",
    "is_nan", "is_finite", "roll", "reverse", "convert_to_tensor", "log_sigmoid", "local_response_normalization", "real",
    "imag", "conj", "band_part",
)
BACKEND_UNARY = (
    "relu", "sigmoid", "hard_sigmoid", "tanh", "exp", "sqrt", "abs", "elu", "softplus", "softsign", "sin", "cos", "round",
    "sign", "stop_gradient", "clip", "l2_normalize", "dropout", "zeros_like", "ones_like", "reverse",
)
"""Element-wise functions of one tensor, as each library names them (`tests/test_op_shapes.py` checks they exist)."""
UNARY = tuple(dict.fromkeys(KERAS_UNARY + TF_UNARY + BACKEND_UNARY))
COSTED_UNARY = ("negative", "square", "log", "reciprocal", "rsqrt", "softmax", "cast")
"""Element-wise functions with FLOPs of their own in the table (``cast`` for its value on sizes): in keras.ops and tf."""
KERAS_BINARY = (
    "add", "subtract", "multiply", "divide", "true_divide", "floor_divide", "mod", "maximum", "minimum", "power",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
)
TF_BINARY = (
    "add", "subtract", "multiply", "divide", "mod", "maximum", "minimum", "equal", "not_equal", "less", "less_equal",
    "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
)
BINARY = KERAS_BINARY + ("bias_add",)
IMAGE_PIXELWISE = (
    "flip_left_right", "flip_up_down", "random_flip_left_right", "random_flip_up_down", "per_image_standardization",
    "adjust_brightness", "adjust_contrast", "adjust_saturation", "adjust_hue", "adjust_gamma", "random_brightness",
    "random_contrast", "random_saturation", "random_hue", "convert_image_dtype",
)
"""``tf.image`` functions that keep an image's shape."""
REDUCTIONS = ("mean", "sum", "max", "min", "prod", "std", "var", "logsumexp", "all", "any", "norm", "count_nonzero")

OPERATIONS: dict[str, Operation] = {
    **{name: Operation(elementwise) for name in UNARY + IMAGE_PIXELWISE},
    "negative": Operation(elementwise, per_input(1)), "square": Operation(elementwise, per_input(1)),
    "log": Operation(elementwise, per_input(1)), "reciprocal": Operation(elementwise, per_input(1)),
    "rsqrt": Operation(elementwise, per_input(2)), "softmax": Operation(elementwise, per_input(5)),
    "cast": Operation(elementwise, value=size_cast),
    **{name: Operation(binary, per_output(1)) for name in BINARY},
    "squared_difference": Operation(binary, per_output(2)),
    "where": Operation(where), "add_n": Operation(add_n, per_output(1)),
    **{name: Operation(reduce) for name in REDUCTIONS},
    "mean": Operation(reduce, per_input(1)), "sum": Operation(reduce, sum_flops),
    "prod": Operation(reduce, value=size_product),
    "argmax": Operation(arg_reduce), "argmin": Operation(arg_reduce), "moments": Operation(moments),
    "cumsum": Operation(cumulative), "cumprod": Operation(cumulative),
    "expand_dims": Operation(expand_dims), "squeeze": Operation(squeeze), "reshape": Operation(reshape),
    "transpose": Operation(transpose),
    "concatenate": Operation(concatenate, value=sizes_joined), "stack": Operation(stack, value=sizes_stacked),
    "unstack": Operation(unstack),
    "tile": Operation(tile), "repeat": Operation(repeat), "repeat_vector": Operation(repeat_vector),
    "flatten": Operation(flatten), "batch_flatten": Operation(batch_flatten),
    "split": Operation(split), "split_at": Operation(split_at), "pad": Operation(pad), "one_hot": Operation(one_hot),
    "gather": Operation(gather), "resize": Operation(resize),
    "depth_to_space": Operation(depth_to_space), "space_to_depth": Operation(space_to_depth),
    "extract_patches": Operation(extract_patches),
    "conv": Operation(conv, conv_flops), "depthwise_conv": Operation(depthwise_conv, depthwise_flops),
    "max_pool": Operation(pool, pool_flops), "average_pool": Operation(pool, pool_flops),
    "matmul": Operation(matmul, matmul_flops), "dot": Operation(dot, matmul_flops), "batch_dot": Operation(batch_dot),
    "einsum": Operation(einsum, einsum_flops), "tensordot": Operation(tensordot, tensordot_flops),
    "ctc_loss": Operation(ctc_loss), "ctc_batch_cost": Operation(ctc_batch_cost),
    "shape": Operation(None, value=shape_tensor), "sizes": Operation(None, value=sizes), "int_shape": Operation(None, value=static_shape),
    "rank": Operation(None, value=rank_value),
    "created": Operation(created), "constant": Operation(constant), "arange": Operation(arange),
    "linspace": Operation(linspace), "eye": Operation(eye),
}


@dataclass(frozen=True)
class Spelling:
    """How one library spells an operation: its parameters in order (``own=canonical`` where the names differ), and defaults."""

    operation: str
    parameters: tuple[str, ...]
    defaults: dict[str, Any] = field(default_factory=dict)

    def bind(self, args: list, kwargs: dict) -> dict:
        """The arguments under canonical names; ``*name`` collects the rest of the positionals. Others are ignored."""
        bound = dict(self.defaults)
        names = [p.partition("=") for p in self.parameters]
        for index, (own, _, canonical) in enumerate(names):
            key = canonical or own
            if own.startswith("*"):
                bound[key.lstrip("*")] = tuple(args[index:])
                break
            if index < len(args):
                bound[key] = args[index]
            elif own in kwargs:
                bound[key] = kwargs[own]
        return bound


def _spell(operation: str, parameters: str, **defaults: Any) -> Spelling:
    return Spelling(operation, tuple(parameters.split()), defaults)


def _unary(parameter: str, names: tuple[str, ...]) -> dict[str, Spelling]:
    return {name: _spell(name, f"{parameter}=x") for name in names}


def _binary(first: str, second: str, names: tuple[str, ...]) -> dict[str, Spelling]:
    return {name: _spell(name, f"{first}=x {second}=y") for name in names}


KERAS_OPS: dict[str, Spelling] = {
    **_unary("x", KERAS_UNARY + COSTED_UNARY), **_binary("x1", "x2", KERAS_BINARY),
    **{name: _spell(name, "x axis keepdims") for name in REDUCTIONS}, "norm": _spell("norm", "x ord axis keepdims"),
    "count_nonzero": _spell("count_nonzero", "x axis"),
    "argmax": _spell("argmax", "x axis keepdims"), "argmin": _spell("argmin", "x axis keepdims"),
    "cumsum": _spell("cumsum", "x axis"), "cumprod": _spell("cumprod", "x axis"),
    "where": _spell("where", "condition x1=x x2=y"), "moments": _spell("moments", "x axes=axis keepdims"),
    "expand_dims": _spell("expand_dims", "x axis"), "squeeze": _spell("squeeze", "x axis"),
    "reshape": _spell("reshape", "x newshape=shape"), "transpose": _spell("transpose", "x axes"),
    "concatenate": _spell("concatenate", "xs=values axis", axis=0), "stack": _spell("stack", "x=values axis", axis=0),
    "unstack": _spell("unstack", "x num axis", axis=0),
    "tile": _spell("tile", "x repeats=multiples"), "repeat": _spell("repeat", "x repeats axis"),
    "ravel": _spell("flatten", "x"), "split": _spell("split_at", "x indices_or_sections=sections axis", axis=0),
    "pad": _spell("pad", "x pad_width=paddings"), "one_hot": _spell("one_hot", "x num_classes=depth axis"),
    "take": _spell("gather", "x indices axis"), "image.resize": _spell("resize", "images=x size", data_format="channels_last"),
    "image.extract_patches": _spell("extract_patches", "images=x size strides dilation_rate=dilation padding"),
    "matmul": _spell("matmul", "x1=x x2=y"), "einsum": _spell("einsum", "subscripts=equation *operands"),
    "tensordot": _spell("tensordot", "x1=x x2=y axes", axes=2),
    "ctc_loss": _spell("ctc_loss", "target output=x target_length output_length"),
    **{name: _spell(name, "inputs=x kernel strides padding data_format dilation_rate=dilation", strides=1) for name in ("conv", "depthwise_conv")},
    **{name: _spell(name, "inputs=x pool_size=window strides padding data_format") for name in ("max_pool", "average_pool")},
    "shape": _spell("sizes", "x"), "ndim": _spell("rank", "x"),
    **{name: _spell("created", "shape") for name in ("zeros", "ones", "empty", "full")},
    **{f"random.{name}": _spell("created", "shape") for name in ("normal", "uniform", "truncated_normal")},
    "arange": _spell("arange", "start stop step"), "linspace": _spell("linspace", "start stop num"),
    "eye": _spell("eye", "N=n M=m"), "identity": _spell("eye", "n"),
}
"""``keras.ops`` (and ``keras.ops.numpy``, ``.nn``, ``.math``, ``.core``, ``.linalg``, ``.image``), ``keras.activations``, ``keras.random``."""

TF: dict[str, Spelling] = {
    **_unary("x", TF_UNARY + COSTED_UNARY), "softmax": _spell("softmax", "logits=x"), "log_softmax": _spell("log_softmax", "logits=x"),
    **{name: _spell(name, "features=x") for name in ("relu", "relu6", "elu", "selu", "softplus", "softsign", "leaky_relu")},
    "cumsum": _spell("cumsum", "x axis", axis=0), "cumprod": _spell("cumprod", "x axis", axis=0),
    "clip_by_value": _spell("clip", "t=x"), "clip_by_norm": _spell("clip", "t=x"),
    **_binary("x", "y", TF_BINARY), "bias_add": _spell("bias_add", "value=x bias=y"), "truediv": _spell("true_divide", "x y"),
    "floordiv": _spell("floor_divide", "x y"), "floormod": _spell("mod", "x y"), "pow": _spell("power", "x y"),
    "squared_difference": _spell("squared_difference", "x y"), "add_n": _spell("add_n", "inputs=values"),
    "where": _spell("where", "condition x y"),
    **{f"reduce_{name}": _spell(name, "input_tensor=x axis keepdims") for name in ("mean", "sum", "max", "min", "prod", "std", "logsumexp", "all", "any")},
    "reduce_variance": _spell("var", "input_tensor=x axis keepdims"),
    "norm": _spell("norm", "tensor=x ord axis keepdims"), "count_nonzero": _spell("count_nonzero", "input=x axis keepdims"),
    "argmax": _spell("argmax", "input=x axis", axis=0), "argmin": _spell("argmin", "input=x axis", axis=0),
    "moments": _spell("moments", "x axes=axis shift keepdims"),
    "expand_dims": _spell("expand_dims", "input=x axis"), "squeeze": _spell("squeeze", "input=x axis"),
    "reshape": _spell("reshape", "tensor=x shape"), "transpose": _spell("transpose", "a=x perm=axes"),
    "concat": _spell("concatenate", "values axis"), "stack": _spell("stack", "values axis", axis=0),
    "unstack": _spell("unstack", "value=x num axis", axis=0),
    "tile": _spell("tile", "input=x multiples"), "repeat": _spell("repeat", "input=x repeats axis"),
    "split": _spell("split", "value=x num_or_size_splits=sections axis", axis=0),
    "pad": _spell("pad", "tensor=x paddings"), "one_hot": _spell("one_hot", "indices=x depth on_value off_value axis"),
    "gather": _spell("gather", "params=x indices validate_indices axis batch_dims", axis=0),
    "embedding_lookup": _spell("gather", "params=x ids=indices", axis=0),
    "image.resize": _spell("resize", "images=x size"),
    **{f"image.{name}": _spell(name, "image=x") for name in IMAGE_PIXELWISE},
    "image.extract_patches": _spell("extract_patches", "images=x sizes=size strides rates=dilation padding"),
    "depth_to_space": _spell("depth_to_space", "input=x block_size"), "space_to_depth": _spell("space_to_depth", "input=x block_size"),
    "matmul": _spell("matmul", "a=x b=y transpose_a transpose_b"), "einsum": _spell("einsum", "equation *inputs=operands"),
    "tensordot": _spell("tensordot", "a=x b=y axes"),
    **{name: _spell("conv", "input=x filters=kernel strides padding data_format dilations=dilation") for name in ("conv2d", "conv3d")},
    "conv1d": _spell("conv", "input=x filters=kernel stride=strides padding data_format dilations=dilation"),
    "convolution": _spell("conv", "input=x filters=kernel strides padding data_format dilations=dilation"),
    "depthwise_conv2d": _spell("depthwise_conv", "input=x filter=kernel strides padding data_format dilations=dilation"),
    **{f"max_pool{n}": _spell("max_pool", "input=x ksize=window strides padding data_format") for n in ("", "1d", "2d", "3d")},
    **{f"avg_pool{n}": _spell("average_pool", "input=x ksize=window strides padding data_format") for n in ("", "1d", "2d", "3d")},
    "shape": _spell("shape", "input=x"), "rank": _spell("rank", "input=x"),
    "zeros": _spell("created", "shape"), "ones": _spell("created", "shape"), "fill": _spell("created", "dims=shape"),
    **{f"random.{name}": _spell("created", "shape") for name in ("normal", "uniform", "truncated_normal")},
    "constant": _spell("constant", "value=x"), "convert_to_tensor": _spell("constant", "value=x"),
    "range": _spell("arange", "start limit=stop delta=step"), "linspace": _spell("linspace", "start stop num"),
    "eye": _spell("eye", "num_rows=n num_columns=m"),
}
"""``tf.X``, ``tf.math.X``, ``tf.nn.X`` and ``tf.linalg.X`` (one namespace: TF exports each op under several), ``tf.random``, ``tf.image``."""

BACKEND: dict[str, Spelling] = {
    **_unary("x", BACKEND_UNARY + ("square", "log", "softmax", "cast")),
    **_binary("x", "y", ("maximum", "minimum", "equal", "not_equal", "less", "less_equal", "greater", "greater_equal")),
    "pow": _spell("power", "x a=y"), "bias_add": _spell("bias_add", "x bias=y"),
    **{name: _spell(name, "x axis keepdims") for name in ("mean", "sum", "max", "min", "prod", "std", "var", "all", "any")},
    "argmax": _spell("argmax", "x axis", axis=-1), "argmin": _spell("argmin", "x axis", axis=-1),
    "cumsum": _spell("cumsum", "x axis", axis=0), "cumprod": _spell("cumprod", "x axis", axis=0),
    "switch": _spell("where", "condition then_expression=x else_expression=y"),
    "expand_dims": _spell("expand_dims", "x axis", axis=-1), "squeeze": _spell("squeeze", "x axis"),
    "reshape": _spell("reshape", "x shape"), "permute_dimensions": _spell("transpose", "x pattern=axes"),
    "transpose": _spell("transpose", "x"),
    "concatenate": _spell("concatenate", "tensors=values axis", axis=-1), "stack": _spell("stack", "x=values axis", axis=0),
    "tile": _spell("tile", "x n=multiples"), "repeat_elements": _spell("repeat", "x rep=repeats axis"),
    "repeat": _spell("repeat_vector", "x n"), "flatten": _spell("flatten", "x"), "batch_flatten": _spell("batch_flatten", "x"),
    "one_hot": _spell("one_hot", "indices=x num_classes=depth"), "gather": _spell("gather", "reference=x indices", axis=0),
    "dot": _spell("dot", "x y"), "batch_dot": _spell("batch_dot", "x y axes"),
    "ctc_batch_cost": _spell("ctc_batch_cost", "y_true y_pred=x input_length label_length"),
    **{f"conv{n}d": _spell("conv", "x kernel strides padding data_format dilation_rate=dilation", strides=1) for n in (1, 2, 3)},
    "depthwise_conv2d": _spell("depthwise_conv", "x depthwise_kernel=kernel strides padding data_format dilation_rate=dilation", strides=1),
    "pool2d": _spell("max_pool", "x pool_size=window strides padding data_format", strides=1),
    "shape": _spell("shape", "x"), "int_shape": _spell("int_shape", "x"), "ndim": _spell("rank", "x"),
    "zeros": _spell("created", "shape"), "ones": _spell("created", "shape"),
    "random_normal": _spell("created", "shape"), "random_uniform": _spell("created", "shape"),
    "constant": _spell("constant", "value=x"), "arange": _spell("arange", "start stop step"),
}
"""Keras 2's backend functions, ``K.X`` (``keras.backend``, ``tf.keras.backend``)."""

NUMPY: dict[str, Spelling] = {
    **_unary("x", ("sqrt", "exp", "log", "abs", "floor", "ceil", "round", "square", "sin", "cos", "tan", "tanh", "log1p", "expm1")),
    **_binary("x1", "x2", ("add", "subtract", "multiply", "divide", "maximum", "minimum")),
    **{name: _spell(name, "a=x axis") for name in ("prod", "sum", "max", "min", "mean")},
}
"""numpy on static values (``np.prod(shape)``, ``np.sqrt(d)``); on arrays (`kerlint.interpret.arrays`), which keep their shape."""

_KERAS_OPS_MODULES = re.compile(r"^keras\.(?:ops\.(?:numpy\.|nn\.|math\.|core\.|linalg\.)?|activations\.|(?=random\.))")
_TF_MODULES = re.compile(r"^tensorflow\.(?:math\.|nn\.|linalg\.)?")


@functools.lru_cache(maxsize=4096)
def spelling(path: str) -> Spelling | None:
    """How `path` (canonical: ``keras.ops.mean``, ``tensorflow.nn.relu``, ``keras.backend.sum``) spells an operation."""
    if path.startswith("keras.backend."):
        return BACKEND.get(path[len("keras.backend."):])
    if path.startswith(("keras.ops.", "keras.activations.", "keras.random.")):
        return KERAS_OPS.get(_KERAS_OPS_MODULES.sub("", path))
    if path.startswith("tensorflow."):
        return TF.get(_TF_MODULES.sub("", path))
    return None


_NUMPY_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": math.sqrt, "exp": math.exp, "log": math.log, "abs": abs, "floor": math.floor, "ceil": math.ceil,
    "round": round, "square": lambda x: x * x, "sin": math.sin, "cos": math.cos, "tan": math.tan, "tanh": math.tanh,
    "log1p": math.log1p, "expm1": math.expm1, "add": lambda a, b: a + b, "subtract": lambda a, b: a - b,
    "multiply": lambda a, b: a * b, "divide": lambda a, b: a / b, "maximum": max, "minimum": min,
}
_NUMPY_REDUCTIONS: dict[str, Callable[[list], Any]] = {
    "prod": math.prod, "sum": sum, "max": max, "min": min, "mean": lambda values: sum(values) / len(values),
}
_SMALL = 1 << 64
"""numpy's int64 range: what numpy would compute on (and a bound on what Python computes here)."""


def numpy_value(path: str, args: list, kwargs: dict) -> Any:
    """numpy on static numbers: ``np.prod((7, 7, 512))`` is 25088; UNKNOWN unless every argument is a plain number."""
    spelled = NUMPY.get(path[len("numpy."):]) if path.startswith("numpy.") else None
    if spelled is None:
        return UNKNOWN
    bound = spelled.bind(args, kwargs)
    if spelled.operation in _NUMPY_REDUCTIONS:
        values = bound.get("x")
        values = list(values) if isinstance(values, (list, tuple)) else [values]
        if bound.get("axis") is not None or not 0 < len(values) <= _MOST_FACTORS or not all(_small_number(v) for v in values):
            return UNKNOWN
        return _NUMPY_REDUCTIONS[spelled.operation](values)
    operands = [bound[key] for key in ("x", "y") if key in bound]
    if not all(_small_number(v) for v in operands):
        return UNKNOWN
    try:
        return _NUMPY_FUNCTIONS[spelled.operation](*operands)
    except (ArithmeticError, ValueError):
        return UNKNOWN


def keeps_shape(path: str) -> bool:
    """Whether numpy's function `path` maps an array to one of the same shape (``np.sin(angles)``)."""
    spelled = NUMPY.get(path[len("numpy."):]) if path.startswith("numpy.") else None
    return spelled is not None and OPERATIONS[spelled.operation].shape is elementwise


def _small_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < _SMALL
