"""Preprocessing layers (keras/src/layers/preprocessing): Rescaling, Normalization.

Neither has trainable weights. Normalization without a literal ``mean``
creates ``mean``/``variance`` (sized by the kept axes) and a scalar
``count`` as non-trainable variables, which ``count_params()`` includes;
given ``mean``/``variance`` it stores constants, not variables.

FLOPs (docs/flops.md): Rescaling is ``x * scale + offset`` (2 per value,
offset 0 included); Normalization is ``(x - mean) / maximum(sqrt(var), eps)``
(2 per value, plus the ``Maximum`` over the statistics: 1 per kept value;
``Sqrt`` has no profiler statistic), the same count when inverted.
"""

from __future__ import annotations

import math
from typing import Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import axis_index, fmt, is_int, single, weight
from kerlint.layers.base import (
    CannotInfer,
    IncompatibleShape,
    Inference,
    LayerConfig,
    LayerSpec,
    ShapeTree,
)


def _normalization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    cls = "Normalization"
    shape = single(cls, inputs)
    axis = config["axis"]
    axes = () if axis is None else (axis,) if is_int(axis) else tuple(axis)
    if not all(map(is_int, axes)):
        raise CannotInfer(f"`axis` must be None, an int or ints, got {axis!r}")
    kept = sorted(axis_index(cls, a, shape) for a in axes)
    if any(shape[d] is None for d in kept):
        raise IncompatibleShape(f"{cls} needs known sizes on the kept axes {axis}, got input {fmt(shape)}")
    size = tuple(shape[d] for d in kept)
    n = _flops.elements(shape)
    flops = None if n is None else 2 * n + math.prod(size)
    if config.raw("mean") is not None:
        return Inference(shape, flops=flops)
    weights = [
        weight(cls, "mean", size, trainable=False),
        weight(cls, "variance", size, trainable=False),
        weight(cls, "count", (), trainable=False),
    ]
    return Inference(shape, weights, flops)


def _rescaling(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    n = _flops.elements(inputs) if isinstance(inputs, tuple) else None
    return Inference(inputs, flops=None if n is None else 2 * n)


SPECS = (
    LayerSpec("Rescaling", signature=("scale", "offset"), defaults={"offset": 0.0}, infer=_rescaling),
    LayerSpec(
        "Normalization",
        signature=("axis", "mean", "variance", "invert"),
        defaults={"axis": -1, "mean": None, "variance": None, "invert": False},
        infer=_normalization,
    ),
)
