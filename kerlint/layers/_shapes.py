"""Shape arithmetic shared by the layer groups.

The same few computations recur across Keras's layers (``standardize_tuple``,
``compute_conv_output_shape``, the ``InputSpec`` rank check, "a weight shape
may not contain ``None``"); they live here once so each group module reads
like the Keras layer it describes.
"""

from __future__ import annotations

import math
import reprlib
from typing import Any, Iterable

from kerlint import symbolic
from kerlint.layers.base import (
    CannotInfer,
    Dim,
    IncompatibleShape,
    SpatialCollapse,
    LayerConfig,
    Shape,
    ShapeTree,
    Weight,
)


def fmt(shape: ShapeTree) -> str:
    """A shape as Keras prints it: ``(None, 32)``."""
    if isinstance(shape, list):
        return "[" + ", ".join(fmt(s) for s in shape) + "]"
    return repr(tuple(shape))


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def ntuple(value: Any, n: int, name: str) -> tuple[int, ...]:
    """Keras's ``standardize_tuple``: an int means the same value on every axis."""
    if is_int(value):
        return (value,) * n
    if isinstance(value, (tuple, list)) and len(value) == n and all(map(is_int, value)):
        return tuple(value)
    raise CannotInfer(f"`{name}` must be an int or {n} ints, got {value!r}")


def shown(value: Any) -> str:
    """A value in a message: short, and Python data only (an interpreter object would print its whole syntax tree)."""
    if isinstance(value, (int, float, str, bytes, tuple, list, dict, type(None))):
        return reprlib.repr(value)
    return "a value that is not one"


def int_arg(config: LayerConfig, name: str) -> int:
    """An argument Keras takes as an int only, or a size known only at run time there (a `kerlint.symbolic` polynomial).

    Only here may a named unknown stand for an int: an argument that takes an
    int or a tuple (``kernel_size``, ``padding``) could hold either at run time.
    """
    value = config[name]
    if not is_int(value) and not isinstance(value, symbolic.Polynomial):
        raise CannotInfer(f"`{name}` must be an int, got {shown(value)}")
    return value


def pair(value: Any, name: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """ZeroPadding2D/Cropping2D amounts: ``int``, ``(h, w)`` or ``((t, b), (l, r))``."""
    return amounts(value, 2, name)  # type: ignore[return-value]


def amounts(value: Any, rank: int, name: str) -> tuple[tuple[int, int], ...]:
    """(before, after) per spatial axis of ZeroPadding/Cropping 1D-3D.

    An int pads (crops) every side; 1D takes one ``(before, after)`` pair,
    2D and 3D one int or one pair per axis.
    """
    if is_int(value):
        return ((value, value),) * rank
    if rank == 1:
        return (ntuple(value, 2, name),)  # type: ignore[return-value]
    if isinstance(value, (tuple, list)) and len(value) == rank:
        return tuple(ntuple(v, 2, name) for v in value)  # type: ignore[misc]
    raise CannotInfer(f"`{name}` must be an int, {rank} ints or {rank} pairs, got {value!r}")


def channels_first(config: LayerConfig) -> bool:
    """``data_format``; ``None`` is Keras's default (channels_last), "th"/"tf" are Keras 1's."""
    value = config["data_format"]
    value = {None: "channels_last", "tf": "channels_last", "th": "channels_first"}.get(
        value, value
    )
    if value not in ("channels_last", "channels_first"):
        raise CannotInfer(f"unknown data_format {value!r}")
    return value == "channels_first"


def split_channels(shape: Shape, first: bool) -> tuple[Shape, Dim]:
    """(spatial dims, channels) of a batch-first image/sequence shape."""
    return (shape[2:], shape[1]) if first else (shape[1:-1], shape[-1])


def join_channels(batch: Dim, spatial: Iterable[Dim], channels: Dim, first: bool) -> Shape:
    spatial = tuple(spatial)
    return (batch, channels, *spatial) if first else (batch, *spatial, channels)


def single(cls: str, inputs: ShapeTree) -> Shape:
    """The one tensor a non-merge layer is called on."""
    if isinstance(inputs, list):
        if len(inputs) == 1 and isinstance(inputs[0], tuple):
            return inputs[0]
        raise IncompatibleShape(f"{cls} expects 1 input, got {len(inputs)}: {fmt(inputs)}")
    return tuple(inputs)


def expect_rank(cls: str, shape: Shape, ndim: int | None = None, min_ndim: int | None = None) -> None:
    """Keras's ``InputSpec`` rank check (the batch axis counts)."""
    if ndim is not None and len(shape) != ndim:
        raise IncompatibleShape(
            f"{cls} expects an input of rank {ndim}, got {fmt(shape)} (rank {len(shape)})"
        )
    if min_ndim is not None and len(shape) < min_ndim:
        raise IncompatibleShape(
            f"{cls} expects an input of rank >= {min_ndim}, got {fmt(shape)} (rank {len(shape)})"
        )


def axis_index(cls: str, axis: Any, shape: Shape) -> int:
    """A (possibly negative) axis as an index into ``shape``; out of range is an error."""
    if not is_int(axis):
        raise CannotInfer(f"axis must be an int, got {shown(axis)}")
    if not -len(shape) <= axis < len(shape):
        raise IncompatibleShape(f"{cls} axis {axis} is out of range for input {fmt(shape)}")
    return axis % len(shape)


def weight(cls: str, name: str, shape: Iterable[Dim], trainable: bool = True) -> Weight:
    """A variable ``build`` creates; Keras refuses variables with ``None`` dimensions."""
    shape = tuple(shape)
    if any(d is None for d in shape):
        raise IncompatibleShape(
            f"{cls} cannot create weight `{name}` of shape {fmt(shape)}: "
            "the input dimension it depends on is unknown"
        )
    return Weight(name, shape, trainable)  # type: ignore[arg-type]


def with_lora(weights: list[Weight], rank: Any, kernel: str = "kernel") -> list[Weight]:
    """``lora_rank`` freezes the kernel and adds two trainable low-rank factors.

    Mirrors ``enable_lora`` of Dense/EinsumDense/Embedding/Conv: ``a`` is the
    kernel shape with its last axis replaced by ``rank``, ``b`` is
    ``(rank, kernel.shape[-1])``.
    """
    if rank is None or rank == 0:
        return weights
    if not is_int(rank):
        raise CannotInfer(f"`lora_rank` must be an int, got {shown(rank)}")
    out = []
    for w in weights:
        if w.name != kernel:
            out.append(w)
            continue
        out.append(Weight(w.name, w.shape, trainable=False))
        out.append(Weight(f"lora_{kernel}_a", w.shape[:-1] + (rank,)))
        out.append(Weight(f"lora_{kernel}_b", (rank, w.shape[-1])))
    return out


def catalogued(value: Any, name: str) -> Any:
    """A layer given as an argument (a wrapper's ``layer``, an RNN's ``cell``), as its entry and config.

    The interpreter passes a layer (``.spec`` and ``.config``), or the value
    holding one in ``.layer`` where it stores the argument as it found it
    (a list of cells, ``Pipeline``'s layers).
    """
    inner = value if hasattr(value, "spec") else getattr(value, "layer", None)
    if getattr(inner, "spec", None) is None or not hasattr(inner, "config"):
        raise CannotInfer(f"`{name}` is not a catalogued layer")
    return inner


def prefixed(prefix: str, weights: Iterable[Weight]) -> list[Weight]:
    """Inner layer weights as a wrapper owns them (``forward_lstm/kernel``)."""
    return [Weight(f"{prefix}/{w.name}", w.shape, w.trainable) for w in weights]


def window_output_length(
    cls: str,
    shape: Shape,
    size: Dim,
    window: int,
    stride: int,
    padding: str,
    dilation: int = 1,
) -> Dim:
    """Output length of a sliding window (conv kernel or pool) along one axis.

    The formula of ``compute_conv_output_shape``/``compute_pooling_output_shape``:
    "valid" drops windows that would overhang and raises when none fits,
    "same"/"causal" keep ``ceil(size / stride)`` positions.
    """
    if size is None:
        return None
    if padding == "valid":
        out = (size - dilation * (window - 1) - 1) // stride + 1
        if out <= 0:
            raise SpatialCollapse(
                f"{cls} window {window} (dilation {dilation}, stride {stride}) does not fit "
                f"the 'valid' input {fmt(shape)}: output size would be {out}"
            )
        return out
    if padding in ("same", "causal"):
        return (size - 1) // stride + 1
    raise CannotInfer(f"unknown padding {padding!r}")


def transpose_output_length(
    size: Dim, kernel: int, stride: int, padding: str, output_padding: int | None, dilation: int
) -> Dim:
    """``Conv*Transpose`` output length, from keras's ``_get_output_shape_given_tf_padding``."""
    if size is None:
        return None
    kernel = (kernel - 1) * dilation + 1
    if padding == "valid":
        if output_padding is None:
            output_padding = max(kernel, stride) - kernel
        return (size - 1) * stride + kernel + output_padding
    if padding == "same":
        if output_padding is None:
            return size * stride
        return (size - 1) * stride + kernel % 2 + output_padding
    raise CannotInfer(f"unknown padding {padding!r}")


def times(a: Dim, b: Dim) -> Dim:
    return None if a is None or b is None else a * b


def product(dims: Iterable[Dim]) -> Dim:
    dims = tuple(dims)
    return None if None in dims else math.prod(dims)  # type: ignore[arg-type]
