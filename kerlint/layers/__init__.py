"""The layer catalogue: every Keras layer class kerlint can reason about.

``CATALOGUE`` maps a Keras 3 class name to its ``LayerSpec``; one module per
group, as keras/src/layers is organised, plus ``foreign`` (wrappers of other
frameworks, opaque) and ``legacy`` (Keras 2 classes Keras 3 dropped).
``LEGACY_CLASS_NAMES`` maps names other Keras versions (or Keras 3's own
aliases) use for the same classes. ``keras.layers.experimental.preprocessing.X``
is looked up by its class name ``X`` like any other spelling.
"""

from __future__ import annotations

from kerlint.layers import (
    activations,
    attention,
    convolutional,
    core,
    foreign,
    image_preprocessing,
    legacy,
    merging,
    normalization,
    pooling,
    preprocessing,
    regularization,
    reshaping,
    rnn,
)
from kerlint.layers.base import LayerSpec

_GROUPS = (
    core, activations, regularization, reshaping, convolutional, pooling,
    normalization, preprocessing, image_preprocessing, rnn, merging, attention,
    foreign, legacy,
)

CATALOGUE: dict[str, LayerSpec] = {spec.class_name: spec for group in _GROUPS for spec in group.SPECS}

LEGACY_CLASS_NAMES: dict[str, str] = {
    # Keras 1 names, still exported as aliases by Keras 2 and 3.
    "Convolution1D": "Conv1D",
    "Convolution2D": "Conv2D",
    "Convolution3D": "Conv3D",
    "SeparableConvolution2D": "SeparableConv2D",
    # Keras 2/3 alias; Keras 1 called it Deconvolution2D, Keras 2 kept that and Deconv2D.
    "Convolution2DTranspose": "Conv2DTranspose",
    "Deconvolution2D": "Conv2DTranspose",
    "Deconv2D": "Conv2DTranspose",
    # Short pooling names (Keras 2 and 3 aliases).
    "MaxPool1D": "MaxPooling1D",
    "MaxPool2D": "MaxPooling2D",
    "AvgPool1D": "AveragePooling1D",
    "AvgPool2D": "AveragePooling2D",
    "GlobalAvgPool1D": "GlobalAveragePooling1D",
    "GlobalAvgPool2D": "GlobalAveragePooling2D",
    "GlobalMaxPool1D": "GlobalMaxPooling1D",
    "GlobalMaxPool2D": "GlobalMaxPooling2D",
    "MaxPool3D": "MaxPooling3D",
    "AvgPool3D": "AveragePooling3D",
    "GlobalAvgPool3D": "GlobalAveragePooling3D",
    "GlobalMaxPool3D": "GlobalMaxPooling3D",
    "Convolution1DTranspose": "Conv1DTranspose",
    "Convolution3DTranspose": "Conv3DTranspose",
    "SeparableConvolution1D": "SeparableConv1D",
    # Keras 3's class is GroupedQueryAttention, exported as GroupQueryAttention.
    "GroupedQueryAttention": "GroupQueryAttention",
    # Keras 2's experimental synchronized BatchNormalization: the same weights.
    "SyncBatchNormalization": "BatchNormalization",
}

