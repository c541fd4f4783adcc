"""Preprocessing layers (keras/src/layers/preprocessing): Rescaling, Normalization.

Neither has trainable weights. Normalization without a literal ``mean``
creates ``mean``/``variance`` (sized by the kept axes) and a scalar
``count`` as non-trainable variables, which ``count_params()`` includes;
given ``mean``/``variance`` it stores constants, not variables.
"""

from __future__ import annotations

from typing import Mapping

from kerlint.layers._shapes import axis_index, fmt, is_int, single, weight
from kerlint.layers.activations import same_shape
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
    if config.raw("mean") is not None:
        return Inference(shape)
    size = tuple(shape[d] for d in kept)
    weights = [
        weight(cls, "mean", size, trainable=False),
        weight(cls, "variance", size, trainable=False),
        weight(cls, "count", (), trainable=False),
    ]
    return Inference(shape, weights)


SPECS = (
    LayerSpec("Rescaling", signature=("scale", "offset"), defaults={"offset": 0.0}, infer=same_shape),
    LayerSpec(
        "Normalization",
        signature=("axis", "mean", "variance", "invert"),
        defaults={"axis": -1, "mean": None, "variance": None, "invert": False},
        infer=_normalization,
    ),
)
