"""Pooling layers (keras/src/layers/pooling).

Windowed pooling shares the convolution arithmetic (a pool is a kernel with
``dilation=1`` and ``strides`` defaulting to ``pool_size``) but keeps the
channel count; global pooling drops the spatial axes (or keeps them as 1s).

FLOPs are the profiler's (docs/flops.md): ``MaxPool``/``AvgPool`` count the
window's area per output value (windows that overhang a "same" border
included), a global average is a ``Mean`` (1 per input value), a global max
a ``Max`` (no statistic: 0).
"""

from __future__ import annotations

from typing import Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import (
    channels_first,
    expect_rank,
    join_channels,
    ntuple,
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
            raise CannotInfer(f"`padding` must be 'valid' or 'same', got {padding!r}")
        out = (window_output_length(cls, shape, n, p, s, padding) for n, p, s in zip(spatial, pool, strides))
        output = join_channels(shape[0], out, channels, first)
        values = _flops.elements(output)
        flops = None if values is None else _flops.product(pool) * values
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


SPECS = (
    _pool("MaxPooling1D", 1),
    _pool("MaxPooling2D", 2),
    _pool("AveragePooling1D", 1),
    _pool("AveragePooling2D", 2),
    _global_pool("GlobalAveragePooling1D", 1),
    _global_pool("GlobalAveragePooling2D", 2),
    _global_pool("GlobalMaxPooling1D", 1),
    _global_pool("GlobalMaxPooling2D", 2),
)
