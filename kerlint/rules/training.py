"""Shared facts about how a model is trained: what it is fit on, what regularizes it."""

from __future__ import annotations

from typing import Any, Iterator

from kerlint.graph import FitFacts, Layer, ModelGraph
from kerlint.interpret.values import Data, Opaque
from kerlint.unknown import UNKNOWN

NORMALIZING_LAYERS = {"Normalization", "Rescaling", "BatchNormalization", "LayerNormalization", "GroupNormalization", "UnitNormalization"}
REGULARIZING_LAYERS = {
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
    "AlphaDropout", "ActivityRegularization", "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "RandomFlip", "RandomRotation", "RandomZoom", "RandomTranslation", "RandomCrop", "RandomContrast",
}
REGULARIZER_ARGUMENTS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer", "recurrent_regularizer", "embeddings_regularizer")
DROPOUT_ARGUMENTS = ("dropout", "recurrent_dropout")


def fit_inputs(fit: FitFacts) -> list[Any]:
    """The arrays passed as ``x``: one, or several for a multi-input model."""
    x = fit.x
    if isinstance(x, (list, tuple)):
        return list(x)
    if isinstance(x, dict):
        return list(x.values())
    return [x]


def raw_inputs(fit: FitFacts) -> Iterator[Data]:
    """Loaded data passed to ``fit`` that the program never scaled."""
    for value in fit_inputs(fit):
        if isinstance(value, Data) and value.role == "data" and not value.scaled:
            yield value


def layers_before_first_weighted(model: ModelGraph) -> list[Layer] | None:
    """Layers from the inputs up to (excluding) the first weighted one; None if unknown."""
    order = [call.layer for call in model.calls] if model.calls else list(model.sequence or [])
    before: list[Layer] = []
    for layer in order:
        if layer.spec is None:
            return None  # a custom layer might scale its input: stay silent
        if layer.spec.weighted:
            return before
        before.append(layer)
    return None


def first_weighted(model: ModelGraph) -> Layer | None:
    order = [call.layer for call in model.calls] if model.calls else list(model.sequence or [])
    return next((layer for layer in order if layer.spec is not None and layer.spec.weighted), None)


def regularizes(layer: Layer) -> bool | None:
    """Whether a layer regularizes training; None when it cannot be told."""
    if layer.spec is None:
        return None
    if layer.class_name in REGULARIZING_LAYERS:
        return True
    for key in REGULARIZER_ARGUMENTS:
        value = layer.config.raw(key)
        if value is UNKNOWN:
            return None
        if value is not None:
            return True
    for key in DROPOUT_ARGUMENTS:
        value = layer.config.raw(key, 0)
        if value is UNKNOWN:
            return None
        if isinstance(value, (int, float)) and value > 0:
            return True
    inner = layer.config.raw("layer")
    if isinstance(inner, Layer):
        return regularizes(inner)
    return False


def early_stopping(fit: FitFacts) -> bool | None:
    callbacks = fit.kwargs.get("callbacks")
    if callbacks is None:
        return False
    if not isinstance(callbacks, (list, tuple)):
        return None
    if any(not isinstance(c, Opaque) for c in callbacks):
        return None
    return any(c.kind == "callbacks:EarlyStopping" for c in callbacks)
