"""Layers that wrap a model of another framework (keras/src/export, keras/src/utils).

``TFSMLayer`` loads a TensorFlow SavedModel from disk, ``TorchModuleWrapper``
runs a ``torch.nn.Module``, ``JaxLayer`` and ``FlaxLayer`` run JAX
functions or Flax modules. Their shapes and weights live in that other
model, not in the Keras source kerlint reads: each entry says so instead of
guessing, and the model is reported unresolved with that reason.
"""

from __future__ import annotations

from typing import Mapping

from kerlint.layers.base import CannotInfer, Inference, LayerConfig, LayerSpec, ShapeTree


def _opaque(what: str):
    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        raise CannotInfer(f"it wraps {what}, whose shapes and weights are not in the Keras code")

    return infer


SPECS = (
    LayerSpec(
        "TFSMLayer",
        signature=("filepath", "call_endpoint", "call_training_endpoint", "trainable", "name", "dtype"),
        defaults={
            "call_endpoint": "serve", "call_training_endpoint": None, "trainable": True, "name": None,
            "dtype": None,
        },
        infer=_opaque("a TensorFlow SavedModel loaded from disk"),
    ),
    LayerSpec(
        "TorchModuleWrapper",
        signature=("module", "name", "output_shape"),
        defaults={"name": None, "output_shape": None},
        infer=_opaque("a PyTorch module"),
    ),
    LayerSpec(
        "JaxLayer",
        signature=("call_fn", "init_fn", "params", "state", "seed", "native_serialization_platforms"),
        defaults={
            "init_fn": None, "params": None, "state": None, "seed": None,
            "native_serialization_platforms": None,
        },
        infer=_opaque("JAX functions"),
    ),
    LayerSpec(
        "FlaxLayer",
        signature=("module", "method", "variables"),
        defaults={"method": None, "variables": None},
        infer=_opaque("a Flax module"),
    ),
)
