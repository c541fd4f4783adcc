"""Activation layers (keras/src/layers/activations): elementwise, shape-preserving, no weights."""

from __future__ import annotations

from typing import Mapping

from kerlint.layers.base import Inference, LayerConfig, LayerSpec, ShapeTree


def same_shape(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Elementwise layers return their input's shape and own no variables."""
    return Inference(inputs)


SPECS = (
    LayerSpec("Activation", signature=("activation",), defaults={}, infer=same_shape),
    LayerSpec(
        "ReLU",
        signature=("max_value", "negative_slope", "threshold"),
        defaults={"max_value": None, "negative_slope": 0.0, "threshold": 0.0},
        infer=same_shape,
    ),
    LayerSpec(
        "LeakyReLU",
        signature=("negative_slope",),
        defaults={"negative_slope": 0.3},
        infer=same_shape,
        # Keras 2's name; Keras 3 still pops it with a deprecation warning.
        aliases={"alpha": "negative_slope"},
    ),
    # Softmax's `axis` is not validated against the input rank when building.
    LayerSpec("Softmax", signature=("axis",), defaults={"axis": -1}, infer=same_shape),
)
