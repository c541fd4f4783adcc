"""Reshaping layers (keras/src/layers/reshaping): rearrange or resize, never own weights.

Moving values costs no FLOPs (Reshape, Transpose, Pad, StridedSlice and
Tile have no profiler statistic). Two layers emit a little shape
arithmetic the profiler does count (docs/flops.md): ``ops.repeat``
multiplies one size by the repeat count (RepeatVector and UpSampling1D: 1,
UpSampling3D: 1 per axis, UpSampling2D's "nearest": 2), and the lanczos
resize kernels compute a scale (2).
"""

from __future__ import annotations

import math
from typing import Mapping

from kerlint.layers._shapes import (
    amounts,
    expect_rank,
    fmt,
    int_arg,
    is_int,
    join_channels,
    ntuple,
    product,
    single,
    split_channels,
    times,
    channels_first,
)
from kerlint.layers.base import (
    MAX_RANK,
    CannotInfer,
    IncompatibleShape,
    SpatialCollapse,
    Inference,
    LayerConfig,
    LayerSpec,
    ShapeTree,
)


def _flatten(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """All non-batch axes collapse into one; ``data_format`` only reorders values."""
    shape = single("Flatten", inputs)
    expect_rank("Flatten", shape, min_ndim=1)
    rest = shape[1:]
    return Inference((shape[0], product(rest) if rest else 1), flops=0)


def _reshape(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """``compute_reshape_output_shape``: one ``-1`` is solved for when every size is known."""
    shape = single("Reshape", inputs)
    target = config["target_shape"]
    if not isinstance(target, (tuple, list)) or not all(map(is_int, target)):
        raise CannotInfer(f"`target_shape` must be a tuple of ints, got {target!r}")
    target = tuple(target)
    if len(target) > MAX_RANK:
        raise CannotInfer(f"`target_shape` has {len(target)} axes, more than the {MAX_RANK} kerlint computes with")
    if any(d < -1 for d in target) or target.count(-1) > 1:
        raise CannotInfer(f"`target_shape` {target} is invalid")
    rest = shape[1:]
    if None in rest:
        return Inference((shape[0], *(None if d == -1 else d for d in target)), flops=0)
    size = math.prod(rest)
    if -1 not in target:
        if size != math.prod(target):
            raise IncompatibleShape(
                f"Reshape cannot reshape input {fmt(shape)} ({size} values per sample) "
                f"into target_shape {target} ({math.prod(target)} values)"
            )
        return Inference((shape[0], *target), flops=0)
    known = math.prod(d for d in target if d != -1)
    if known == 0 or size % known:
        raise IncompatibleShape(
            f"Reshape cannot reshape input {fmt(shape)} ({size} values per sample) "
            f"into target_shape {target}: {size} is not a multiple of {known}"
        )
    return Inference((shape[0], *(size // known if d == -1 else d for d in target)), flops=0)


def _permute(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    shape = single("Permute", inputs)
    dims = config["dims"]
    if not isinstance(dims, (tuple, list)) or sorted(dims) != list(range(1, len(dims) + 1)):
        raise CannotInfer(f"`dims` must be a permutation of 1..n, got {dims!r}")
    expect_rank("Permute", shape, ndim=len(dims) + 1)
    return Inference((shape[0], *(shape[d] for d in dims)), flops=0)


def _repeat_vector(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    shape = single("RepeatVector", inputs)
    expect_rank("RepeatVector", shape, ndim=2)
    return Inference((shape[0], int_arg(config, "n"), shape[1]), flops=1)


def _zero_padding(rank: int):
    cls = f"ZeroPadding{rank}D"

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=rank + 2)
        first = channels_first(config)
        spatial, channels = split_channels(shape, first)
        pads = amounts(config["padding"], rank, "padding")
        out = (None if d is None else d + sum(p) for d, p in zip(spatial, pads))
        return Inference(join_channels(shape[0], out, channels, first), flops=0)

    return infer


_UPSAMPLING_FLOPS = {"nearest": 2, "bilinear": 0, "bicubic": 0, "area": 0, "lanczos3": 2, "lanczos5": 2}
"""What the profiler counts per call, by interpolation (resize kernels themselves count 0)."""


def _up_sampling(rank: int):
    """Repeats every spatial axis ``size`` times.

    1D and 3D repeat axis by axis (``ops.repeat``: 1 FLOP per repeated axis
    to size it); 2D resizes, costing what its interpolation emits.
    """
    cls = f"UpSampling{rank}D"

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=rank + 2)
        first = rank > 1 and channels_first(config)
        spatial, channels = split_channels(shape, first)
        size = ntuple(config["size"], rank, "size")
        if rank == 2:
            interpolation = config.raw("interpolation")
            flops = _UPSAMPLING_FLOPS.get(interpolation.lower()) if isinstance(interpolation, str) else None
        else:
            flops = rank
        return Inference(join_channels(shape[0], map(times, spatial, size), channels, first), flops=flops)

    return infer


def _cropping(rank: int):
    """Cropping must leave at least one position on every axis."""
    cls = f"Cropping{rank}D"

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=rank + 2)
        first = rank > 1 and channels_first(config)
        spatial, channels = split_channels(shape, first)
        crops = amounts(config["cropping"], rank, "cropping")
        for d, c in zip(spatial, crops):
            if d is not None and sum(c) >= d:
                raise SpatialCollapse(f"{cls} cropping {crops} removes all of input {fmt(shape)}")
        out = (None if d is None else d - sum(c) for d, c in zip(spatial, crops))
        return Inference(join_channels(shape[0], out, channels, first), flops=0)

    return infer


_FORMAT = {"data_format": "channels_last"}
_KERAS1_FORMAT = {"dim_ordering": "data_format"}

SPECS = (
    LayerSpec("Flatten", signature=("data_format",), defaults=dict(_FORMAT), infer=_flatten),
    LayerSpec("Reshape", signature=("target_shape",), defaults={}, infer=_reshape),
    LayerSpec("Permute", signature=("dims",), defaults={}, infer=_permute),
    LayerSpec("RepeatVector", signature=("n",), defaults={}, infer=_repeat_vector),
    LayerSpec(
        "ZeroPadding1D",
        signature=("padding", "data_format"),
        defaults={"padding": 1, **_FORMAT},
        infer=_zero_padding(1),
    ),
    LayerSpec(
        "ZeroPadding2D",
        signature=("padding", "data_format"),
        defaults={"padding": (1, 1), **_FORMAT},
        infer=_zero_padding(2),
        aliases=_KERAS1_FORMAT,
    ),
    LayerSpec(
        "ZeroPadding3D",
        signature=("padding", "data_format"),
        defaults={"padding": ((1, 1), (1, 1), (1, 1)), **_FORMAT},
        infer=_zero_padding(3),
        aliases=_KERAS1_FORMAT,
    ),
    LayerSpec(
        "UpSampling1D", signature=("size",), defaults={"size": 2}, infer=_up_sampling(1),
        aliases={"length": "size"},
    ),
    LayerSpec(
        "UpSampling2D",
        signature=("size", "data_format", "interpolation"),
        defaults={"size": (2, 2), **_FORMAT, "interpolation": "nearest"},
        infer=_up_sampling(2),
        aliases=_KERAS1_FORMAT,
    ),
    LayerSpec(
        "UpSampling3D",
        signature=("size", "data_format"),
        defaults={"size": (2, 2, 2), **_FORMAT},
        infer=_up_sampling(3),
        aliases=_KERAS1_FORMAT,
    ),
    LayerSpec("Cropping1D", signature=("cropping",), defaults={"cropping": (1, 1)}, infer=_cropping(1)),
    LayerSpec(
        "Cropping2D",
        signature=("cropping", "data_format"),
        defaults={"cropping": ((0, 0), (0, 0)), **_FORMAT},
        infer=_cropping(2),
        aliases=_KERAS1_FORMAT,
    ),
    LayerSpec(
        "Cropping3D",
        signature=("cropping", "data_format"),
        defaults={"cropping": ((1, 1), (1, 1), (1, 1)), **_FORMAT},
        infer=_cropping(3),
        aliases=_KERAS1_FORMAT,
    ),
)
