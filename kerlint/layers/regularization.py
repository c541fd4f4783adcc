"""Regularization layers (keras/src/layers/regularization): noise or penalties at training time only.

They never change shapes; the spatial dropouts only insist on the rank
their noise shape is written for. At inference they are the identity: 0 FLOPs
(ActivityRegularization's penalty is a loss, not part of the output).
"""

from __future__ import annotations

from typing import Mapping

from kerlint.layers._shapes import expect_rank, single
from kerlint.layers.activations import free
from kerlint.layers.base import Inference, LayerConfig, LayerSpec, ShapeTree


def _spatial_dropout(cls: str, ndim: int):
    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=ndim)
        return Inference(shape, flops=0)

    return infer


SPECS = (
    LayerSpec(
        "Dropout",
        signature=("rate", "noise_shape", "seed"),
        defaults={"noise_shape": None, "seed": None},
        infer=free,
        aliases={"p": "rate"},
    ),
    LayerSpec(
        "SpatialDropout1D",
        signature=("rate", "seed", "name", "dtype"),
        defaults={"seed": None, "name": None, "dtype": None},
        infer=_spatial_dropout("SpatialDropout1D", 3),
        aliases={"p": "rate"},
    ),
    LayerSpec(
        "SpatialDropout2D",
        signature=("rate", "data_format", "seed", "name", "dtype"),
        defaults={"data_format": "channels_last", "seed": None, "name": None, "dtype": None},
        infer=_spatial_dropout("SpatialDropout2D", 4),
        aliases={"p": "rate", "dim_ordering": "data_format"},
    ),
    LayerSpec(
        "SpatialDropout3D",
        signature=("rate", "data_format", "seed", "name", "dtype"),
        defaults={"data_format": "channels_last", "seed": None, "name": None, "dtype": None},
        infer=_spatial_dropout("SpatialDropout3D", 5),
        aliases={"p": "rate", "dim_ordering": "data_format"},
    ),
    LayerSpec(
        "AlphaDropout",
        signature=("rate", "noise_shape", "seed"),
        defaults={"noise_shape": None, "seed": None},
        infer=free,
    ),
    LayerSpec("GaussianDropout", signature=("rate", "seed"), defaults={"seed": None}, infer=free, aliases={"p": "rate"}),
    LayerSpec(
        "ActivityRegularization", signature=("l1", "l2"), defaults={"l1": 0.0, "l2": 0.0}, infer=free
    ),
    LayerSpec(
        "GaussianNoise",
        signature=("stddev", "seed"),
        defaults={"seed": None},
        infer=free,
        aliases={"sigma": "stddev"},
    ),
)
