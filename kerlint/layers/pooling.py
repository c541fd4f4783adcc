"""Pooling layers (keras/src/layers/pooling): windowed, global and adaptive.

Windowed pooling shares the convolution arithmetic (a pool is a kernel with
``dilation=1`` and ``strides`` defaulting to ``pool_size``) but keeps the
channel count; global pooling drops the spatial axes (or keeps them as 1s).

FLOPs are the profiler's (docs/flops.md): ``MaxPool``/``AvgPool`` count the
window's area per output value (windows that overhang a "same" border
included), ``MaxPool3D``/``AvgPool3D`` have no statistic (0), a global
average is a ``Mean`` (1 per input value), a global max a ``Max`` (no
statistic: 0).
"""

from __future__ import annotations

from typing import Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import (
    channels_first,
    expect_rank,
    join_channels,
    ntuple,
    shown,
    single,
    split_channels,
    window_output_length,
)
from kerlint.layers.base import CannotInfer, Inference, LayerConfig, LayerSpec, ShapeTree


def _pool(cls: str, rank: int):
    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=rank + 2)
        first = channels_first(config)
        spatial, channels = split_channels(shape, first)
        pool = ntuple(config["pool_size"], rank, "pool_size")
        strides = config["strides"]
        strides = pool if strides is None else ntuple(strides, rank, "strides")
        padding = config["padding"]
        if padding not in ("valid", "same"):  # Keras does not lowercase pooling padding
            raise CannotInfer(f"`padding` must be 'valid' or 'same', got {shown(padding)}")
        out = (window_output_length(cls, shape, n, p, s, padding) for n, p, s in zip(spatial, pool, strides))
        output = join_channels(shape[0], out, channels, first)
        values = _flops.elements(output)
        flops = None if values is None else (_flops.product(pool) * values if rank < 3 else 0)
        return Inference(output, flops=flops)

    return LayerSpec(
        cls,
        signature=("pool_size", "strides", "padding", "data_format", "name"),
        defaults={
            # AveragePooling requires pool_size; MaxPooling defaults it to 2.
            **({"pool_size": 2 if rank == 1 else (2,) * rank} if cls.startswith("Max") else {}),
            "strides": None, "padding": "valid", "data_format": "channels_last", "name": None,
        },
        infer=infer,
        aliases={
            "border_mode": "padding",
            "dim_ordering": "data_format",
            **({"pool_length": "pool_size", "stride": "strides"} if rank == 1 else {}),
        },
    )


def _global_pool(cls: str, rank: int):
    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=rank + 2)
        first = channels_first(config)
        _, channels = split_channels(shape, first)
        flops = _flops.elements(shape) if cls.startswith("GlobalAverage") else 0
        if config["keepdims"]:
            return Inference(join_channels(shape[0], (1,) * rank, channels, first), flops=flops)
        return Inference((shape[0], channels), flops=flops)

    return LayerSpec(
        cls,
        signature=("data_format", "keepdims"),
        defaults={"data_format": "channels_last", "keepdims": False},
        infer=infer,
        aliases={"dim_ordering": "data_format"},
    )


def _adaptive_flops(spatial: tuple, size: tuple[int, ...], channels: int | None) -> int | None:
    """Keras's TF backend pools one axis at a time, each with two stride-1 windows.

    Along an axis of length L pooled to n: windows of ``ceil(L / n)`` and one
    more, both over every position, then a gather picks the right one for
    each output; sizing the gather costs 9 scalar ops per output. 3D pools
    (``MaxPool3D``/``AvgPool3D``) have no profiler statistic and count 0.
    """
    if None in spatial or channels is None or 0 in size:
        return None
    dims, flops = list(spatial), 0
    for axis, n in enumerate(size):
        length = dims[axis]
        if len(size) < 3:
            others = _flops.product(d for i, d in enumerate(dims) if i != axis) * channels
            small = -(-length // n)
            flops += sum(w * max(length - w + 1, 0) for w in (small, small + 1)) * others
        flops += 9 * n
        dims[axis] = n
    return flops


def _adaptive_pool(cls: str, rank: int):
    """Any input size pools to ``output_size`` on the spatial axes, channels kept."""

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=rank + 2)
        first = channels_first(config)
        spatial, channels = split_channels(shape, first)
        size = ntuple(config["output_size"], rank, "output_size")
        return Inference(join_channels(shape[0], size, channels, first), flops=_adaptive_flops(spatial, size, channels))

    return LayerSpec(
        cls,
        signature=("output_size", "data_format"),
        defaults={"data_format": "channels_last"},
        infer=infer,
    )


SPECS = (
    *(_pool(f"{kind}Pooling{rank}D", rank) for kind in ("Max", "Average") for rank in (1, 2, 3)),
    *(_global_pool(f"Global{kind}Pooling{rank}D", rank) for kind in ("Average", "Max") for rank in (1, 2, 3)),
    *(_adaptive_pool(f"Adaptive{kind}Pooling{rank}D", rank) for kind in ("Average", "Max") for rank in (1, 2, 3)),
)
