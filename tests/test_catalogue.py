"""The layer catalogue against real Keras 3.

Every case builds the same layer twice: with Keras (symbolically, on
``keras.Input`` tensors) and with the catalogue entry. Output shapes and the
multiset of weight shapes (with their trainable flag) must agree, and so must
``count_params()`` and its trainable/non-trainable split. Error cases check
that the catalogue raises ``IncompatibleShape`` exactly where Keras raises.
"""

from __future__ import annotations

import inspect
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

keras = pytest.importorskip(
    "keras", reason="comparing the catalogue with Keras needs keras (and tensorflow) installed"
)

from kerlint.layers import CATALOGUE, LEGACY_CLASS_NAMES  # noqa: E402
from kerlint.layers.base import IncompatibleShape, LayerConfig, LayerSpec  # noqa: E402
from kerlint.unknown import UNKNOWN  # noqa: E402


# --------------------------------------------------------------------------
# One layer, described once, built both ways.


@dataclass(frozen=True)
class Layer:
    cls: str
    kwargs: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        args = ",".join(f"{k}={v!r}" for k, v in self.kwargs.items())
        return f"{self.cls}({args})".replace(" ", "")

    def keras(self) -> Any:
        kwargs = {k: v.keras() if isinstance(v, Layer) else v for k, v in self.kwargs.items()}
        return getattr(keras.layers, self.cls)(**kwargs)

    def catalogued(self) -> "Wrapped":
        spec = CATALOGUE[self.cls]
        kwargs = {k: v.catalogued() if isinstance(v, Layer) else v for k, v in self.kwargs.items()}
        return Wrapped(spec, LayerConfig({**spec.defaults, **kwargs}))


@dataclass(frozen=True)
class Wrapped:
    """What the interpreter puts in ``config["layer"]`` for wrappers."""

    spec: LayerSpec
    config: LayerConfig


@dataclass(frozen=True)
class Case:
    layer: Layer
    inputs: Any  # a shape, or a list of shapes for merge layers
    extra: dict = field(default_factory=dict)

    @property
    def id(self) -> str:
        shapes = [self.inputs, *self.extra.values()]
        return f"{self.layer!r}@{'+'.join(str(s).replace(' ', '') for s in shapes)}"


def case(cls: str, inputs: Any, extra: dict | None = None, **kwargs: Any) -> Any:
    c = Case(Layer(cls, kwargs), inputs, extra or {})
    return pytest.param(c, id=c.id)


def _normalize(out: Any) -> Any:
    if isinstance(out, (list, tuple)):
        return [_normalize(o) for o in out]
    return tuple(out.shape)


def _split(weights) -> tuple[int, int]:
    trainable = sum(math.prod(w.shape) for w in weights if w.trainable)
    return trainable, sum(math.prod(w.shape) for w in weights if not w.trainable)


def run_keras(c: Case):
    """(output shapes, sorted (weight shape, trainable), count_params, split) from Keras."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated kwargs (input_length, rms_scaling)
        if c.layer.cls == "InputLayer":
            layer = keras.layers.InputLayer(batch_shape=c.inputs)
            out = layer.output
        else:
            layer = c.layer.keras()
            if isinstance(c.inputs, list):
                out = layer([keras.Input(batch_shape=s) for s in c.inputs])
            else:
                extra = {k: keras.Input(batch_shape=s) for k, s in c.extra.items()}
                out = layer(keras.Input(batch_shape=c.inputs), **extra)
    variables = sorted((tuple(w.shape), bool(w.trainable)) for w in layer.weights)
    trainable = sum(math.prod(w.shape) for w in layer.trainable_weights)
    frozen = sum(math.prod(w.shape) for w in layer.non_trainable_weights)
    return _normalize(out), variables, layer.count_params(), (trainable, frozen)


def run_catalogue(c: Case):
    inner = c.layer.catalogued()
    result = inner.spec.infer(inner.config, c.inputs, c.extra)
    variables = sorted((w.shape, w.trainable) for w in result.weights)
    split = _split(result.weights)
    return result.outputs, variables, sum(split), split


# --------------------------------------------------------------------------
# Cases: several configurations per catalogue class.

S3 = (None, 5, 4)  # (batch, time, features)
IMG = (None, 8, 8, 3)
IMG_CF = (None, 3, 8, 8)
Q, V = (None, 5, 6), {"value": (None, 7, 8)}  # attention query and value

CASES = [
    # core
    case("InputLayer", (None, 4)),
    case("InputLayer", (None, None, 3)),
    case("Dense", (None, 5), units=3),
    case("Dense", (None, 4, 5), units=3, use_bias=False),
    case("Dense", (None, 2, 4, 5), units=7, activation="relu"),
    case("Dense", (None, 5), units=3, lora_rank=2),
    case("EinsumDense", (None, 5), equation="ab,bc->ac", output_shape=4, bias_axes="c"),
    case("EinsumDense", (None, 5), equation="ab,bc->ac", output_shape=4),
    case("EinsumDense", (None, 3, 5), equation="abc,cde->abde", output_shape=(3, 2, 4), bias_axes="de"),
    case("EinsumDense", (None, 3, 5), equation="abc,cd->abd", output_shape=(None, 6), bias_axes="d"),
    case("EinsumDense", (None, 2, 3, 5), equation="...b,bc->...c", output_shape=4, bias_axes="c"),
    case("EinsumDense", (None, 4, 3), equation="ab...,bc->ac...", output_shape=6, bias_axes="c"),
    case("EinsumDense", (None, 4, 3), equation="ab,bc->ac", output_shape=4),
    case("EinsumDense", (None, 5), equation="ab,bc->ac", output_shape=4, lora_rank=2),
    case("Embedding", (None, 5), input_dim=10, output_dim=4),
    case("Embedding", (None,), input_dim=10, output_dim=4),
    case("Embedding", (None, 3, 2), input_dim=7, output_dim=3, mask_zero=True),
    case("Embedding", (None, 5), input_dim=10, output_dim=4, input_length=5),
    case("Embedding", (None, 5), input_dim=10, output_dim=4, lora_rank=2),
    # activations
    case("Activation", (None, 3, 4), activation="relu"),
    case("ReLU", (None, 3), max_value=6.0),
    case("LeakyReLU", (None, 3, 4), negative_slope=0.1),
    case("Softmax", (None, 3, 4), axis=1),
    # regularization
    case("Dropout", (None, 5), rate=0.5),
    case("SpatialDropout1D", S3, rate=0.2),
    case("SpatialDropout2D", IMG, rate=0.2),
    case("SpatialDropout2D", IMG_CF, rate=0.2, data_format="channels_first"),
    case("GaussianNoise", (None, 5), stddev=0.1),
    # reshaping
    case("Flatten", (None, 3, 4, 5)),
    case("Flatten", (None, None, 4)),
    case("Flatten", (None,)),
    case("Flatten", IMG_CF, data_format="channels_first"),
    case("Reshape", (None, 12), target_shape=(4, 3)),
    case("Reshape", (None, 4, 3), target_shape=(-1, 2)),
    case("Reshape", (None, None, 4), target_shape=(2, -1)),
    case("Reshape", (None, 6), target_shape=[2, 3, 1]),
    case("Permute", (None, 3, 4), dims=(2, 1)),
    case("Permute", (None, 3, 4, 5), dims=(3, 1, 2)),
    case("RepeatVector", (None, 4), n=3),
    case("ZeroPadding2D", (None, 4, 5, 3)),
    case("ZeroPadding2D", (None, 4, 5, 3), padding=(1, 2)),
    case("ZeroPadding2D", (None, 4, None, 3), padding=((1, 2), (3, 4))),
    case("ZeroPadding2D", IMG_CF, padding=2, data_format="channels_first"),
    case("UpSampling2D", (None, 4, 5, 3)),
    case("UpSampling2D", IMG_CF, size=(2, 3), data_format="channels_first"),
    case("UpSampling2D", (None, None, 5, 3), size=3),
    case("Cropping2D", (None, 6, 7, 3), cropping=((1, 0), (2, 1))),
    case("Cropping2D", IMG_CF, cropping=1, data_format="channels_first"),
    case("Cropping2D", (None, None, 7, 3), cropping=(2, 3)),
    # convolutional
    case("Conv1D", (None, 10, 3), filters=4, kernel_size=3),
    case("Conv1D", (None, 10, 3), filters=4, kernel_size=3, strides=2, padding="same"),
    case("Conv1D", (None, 10, 3), filters=4, kernel_size=3, padding="causal", dilation_rate=2),
    case("Conv1D", (None, 10, 3), filters=6, kernel_size=3, groups=3, use_bias=False),
    case("Conv1D", (None, 3, 10), filters=4, kernel_size=(3,), data_format="channels_first"),
    case("Conv1D", (None, None, 3), filters=4, kernel_size=5, strides=3),
    case("Conv2D", IMG, filters=4, kernel_size=3),
    case("Conv2D", IMG, filters=4, kernel_size=3, strides=2, padding="same"),
    case("Conv2D", (None, 9, 9, 3), filters=4, kernel_size=3, strides=2),
    case("Conv2D", IMG, filters=4, kernel_size=3, dilation_rate=2),
    case("Conv2D", (None, 8, 8, 4), filters=6, kernel_size=3, groups=2),
    case("Conv2D", IMG_CF, filters=4, kernel_size=3, data_format="channels_first"),
    case("Conv2D", IMG, filters=5, kernel_size=(3, 1), strides=(2, 1), use_bias=False),
    case("Conv2D", (None, None, None, 3), filters=4, kernel_size=3, padding="same"),
    case("Conv2D", IMG, filters=4, kernel_size=3, lora_rank=2),
    case("Conv3D", (None, 5, 6, 7, 3), filters=2, kernel_size=3),
    case("Conv3D", (None, 5, 6, 7, 3), filters=2, kernel_size=3, strides=2, padding="same"),
    case("Conv3D", (None, 3, 5, 6, 7), filters=2, kernel_size=(1, 2, 3), data_format="channels_first"),
    case("Conv3D", (None, 5, 6, 7, 4), filters=2, kernel_size=2, dilation_rate=(1, 2, 1), groups=2),
    case("DepthwiseConv2D", IMG, kernel_size=3),
    case("DepthwiseConv2D", IMG, kernel_size=3, depth_multiplier=2, strides=2, padding="same"),
    case("DepthwiseConv2D", IMG_CF, kernel_size=3, depth_multiplier=3, data_format="channels_first"),
    case("DepthwiseConv2D", IMG, kernel_size=(3, 2), dilation_rate=2, use_bias=False),
    case("SeparableConv2D", IMG, filters=8, kernel_size=3),
    case("SeparableConv2D", IMG, filters=8, kernel_size=3, depth_multiplier=2, padding="same"),
    case("SeparableConv2D", IMG, filters=4, kernel_size=3, strides=2, use_bias=False),
    case("SeparableConv2D", IMG_CF, filters=4, kernel_size=3, data_format="channels_first"),
    case("Conv2DTranspose", (None, 5, 5, 3), filters=4, kernel_size=3),
    case("Conv2DTranspose", (None, 5, 5, 3), filters=4, kernel_size=3, strides=2, padding="same"),
    case("Conv2DTranspose", (None, 5, 5, 3), filters=4, kernel_size=3, strides=2),
    case("Conv2DTranspose", (None, 5, 5, 3), filters=4, kernel_size=2, strides=3),
    case("Conv2DTranspose", (None, 5, 5, 3), filters=4, kernel_size=3, strides=2, output_padding=1),
    case(
        "Conv2DTranspose", (None, 5, 6, 3),
        filters=4, kernel_size=4, strides=2, padding="same", output_padding=(1, 0),
    ),
    case("Conv2DTranspose", (None, 5, 5, 3), filters=2, kernel_size=3, dilation_rate=2, use_bias=False),
    case(
        "Conv2DTranspose", (None, 3, 5, 5),
        filters=4, kernel_size=3, strides=2, data_format="channels_first",
    ),
    case("Conv2DTranspose", (None, None, 5, 3), filters=4, kernel_size=3, strides=2),
    # pooling
    case("MaxPooling1D", (None, 9, 3)),
    case("MaxPooling1D", (None, 9, 3), pool_size=3, strides=2, padding="same"),
    case("MaxPooling1D", (None, 3, 9), pool_size=4, data_format="channels_first"),
    case("MaxPooling2D", IMG),
    case("MaxPooling2D", (None, 9, 9, 3), pool_size=(3, 3), strides=2),
    case("MaxPooling2D", (None, 7, 7, 3), pool_size=2, strides=1, padding="same"),
    case("MaxPooling2D", IMG_CF, data_format="channels_first"),
    case("AveragePooling1D", (None, 9, 3), pool_size=2),
    case("AveragePooling1D", (None, None, 3), pool_size=2, padding="same"),
    case("AveragePooling2D", (None, 9, 9, 3), pool_size=(2, 3), strides=(1, 2)),
    case("AveragePooling2D", IMG_CF, pool_size=3, data_format="channels_first"),
    case("GlobalAveragePooling1D", S3),
    case("GlobalAveragePooling1D", S3, keepdims=True),
    case("GlobalAveragePooling1D", (None, 4, 5), data_format="channels_first"),
    case("GlobalAveragePooling2D", IMG),
    case("GlobalAveragePooling2D", IMG_CF, data_format="channels_first", keepdims=True),
    case("GlobalMaxPooling1D", S3),
    case("GlobalMaxPooling1D", (None, 4, 5), data_format="channels_first", keepdims=True),
    case("GlobalMaxPooling2D", IMG, keepdims=True),
    case("GlobalMaxPooling2D", IMG_CF, data_format="channels_first"),
    # normalization
    case("BatchNormalization", (None, 4)),
    case("BatchNormalization", (None, 3, 5), axis=1),
    case("BatchNormalization", IMG, center=False),
    case("BatchNormalization", IMG_CF, axis=1, scale=False),
    case("BatchNormalization", (None, 6), renorm=True),
    case("LayerNormalization", (None, 4)),
    case("LayerNormalization", (None, 3, 4), axis=[1, 2]),
    case("LayerNormalization", (None, 3, 4), axis=1, center=False),
    case("LayerNormalization", (None, 3, 4), scale=False),
    case("LayerNormalization", (None, 3, 4), rms_scaling=True),
    # preprocessing
    case("Rescaling", IMG, scale=1 / 255),
    case("Normalization", (None, 5)),
    case("Normalization", (None, 5), axis=None),
    case("Normalization", (None, 3, 4), axis=(1, 2)),
    case("Normalization", (None, None, 4)),
    case("Normalization", (None, 5), mean=0.0, variance=1.0),
    # rnn
    case("SimpleRNN", S3, units=3),
    case("SimpleRNN", S3, units=3, return_sequences=True, use_bias=False),
    case("SimpleRNN", (None, None, 4), units=3, return_state=True),
    case("LSTM", S3, units=3),
    case("LSTM", S3, units=3, return_sequences=True),
    case("LSTM", S3, units=3, return_state=True),
    case("LSTM", S3, units=2, return_sequences=True, return_state=True, use_bias=False),
    case("LSTM", (4, 5, 2), units=3, stateful=True),
    case("GRU", S3, units=3),
    case("GRU", S3, units=3, reset_after=False),
    case("GRU", S3, units=3, return_sequences=True, return_state=True),
    case("GRU", S3, units=3, use_bias=False, go_backwards=True),
    case("Bidirectional", S3, layer=Layer("LSTM", {"units": 3})),
    case("Bidirectional", S3, layer=Layer("LSTM", {"units": 3}), merge_mode="sum"),
    case("Bidirectional", S3, layer=Layer("GRU", {"units": 3, "return_sequences": True}), merge_mode="mul"),
    case("Bidirectional", S3, layer=Layer("SimpleRNN", {"units": 3}), merge_mode="ave"),
    case("Bidirectional", S3, layer=Layer("LSTM", {"units": 3}), merge_mode=None),
    case("Bidirectional", S3, layer=Layer("LSTM", {"units": 3, "return_state": True})),
    case("Bidirectional", S3, layer=Layer("GRU", {"units": 3, "return_state": True}), merge_mode=None),
    case(
        "Bidirectional", S3,
        layer=Layer("LSTM", {"units": 3, "return_sequences": True}),
        backward_layer=Layer("LSTM", {"units": 5, "return_sequences": True, "go_backwards": True}),
    ),
    case("TimeDistributed", S3, layer=Layer("Dense", {"units": 3})),
    case("TimeDistributed", (None, 5, 8, 8, 3), layer=Layer("Conv2D", {"filters": 2, "kernel_size": 3})),
    case("TimeDistributed", (None, 5, 2, 3), layer=Layer("Flatten")),
    case("TimeDistributed", (None, 5, 2, 3), layer=Layer("Dense", {"units": 4, "use_bias": False})),
    # attention
    case("MultiHeadAttention", Q, V, num_heads=2, key_dim=4),
    case("MultiHeadAttention", Q, {"value": Q}, num_heads=3, key_dim=2),
    case("MultiHeadAttention", Q, {**V, "key": (None, 7, 3)}, num_heads=2, key_dim=4, value_dim=3),
    case("MultiHeadAttention", Q, V, num_heads=2, key_dim=4, output_shape=10),
    case("MultiHeadAttention", Q, V, num_heads=2, key_dim=4, output_shape=(2, 5)),
    case("MultiHeadAttention", Q, V, num_heads=2, key_dim=4, use_bias=False),
    case(
        "MultiHeadAttention", (None, 2, 5, 6), {"value": (None, 2, 7, 6)},
        num_heads=2, key_dim=3, attention_axes=(1, 2),
    ),
    case("MultiHeadAttention", (None, 5, 6, 3), V, num_heads=2, key_dim=4),
    case("MultiHeadAttention", Q, V, num_heads=2, key_dim=4, use_gate=True),
    # merging
    case("Add", [(None, 3), (None, 3)]),
    case("Add", [(None, 4, 3), (None, 4, 3), (None, 4, 3)]),
    case("Add", [(None, 3), (None, 1)]),
    case("Add", [(None, 4, 3), (None, 3)]),
    case("Add", [(None, None), (None, 3)]),
    case("Subtract", [(None, 3), (None, 3)]),
    case("Multiply", [(None, 2, 3), (None, 1, 3)]),
    case("Average", [(None, 3), (None, 3), (None, 3)]),
    case("Maximum", [(4, 3), (None, 3)]),
    case("Minimum", [(None, 5, 3), (None, 5, 3)]),
    case("Concatenate", [(None, 4, 5), (None, 4, 3)]),
    case("Concatenate", [(None, 4, 3), (None, 2, 3), (None, 1, 3)], axis=1),
    case("Concatenate", [(None, 4, 3), (None, None, 3)], axis=1),
    case("Concatenate", [(None, None, 3), (None, 4, 2)]),
    case("Concatenate", [(None, 3), (None, 5)], axis=1),
    case("Dot", [(None, 5), (None, 5)], axes=1),
    case("Dot", [(None, 5, 3), (None, 4, 3)], axes=(2, 2)),
    case("Dot", [(None, 5, 3), (None, 4, 3)], axes=-1),
    case("Dot", [(None, 3, 4), (None, 5, 3)], axes=(1, 2), normalize=True),
]


@pytest.mark.parametrize("c", CASES)
def test_matches_keras(c: Case):
    k_out, k_vars, k_count, k_split = run_keras(c)
    out, variables, count, split = run_catalogue(c)
    assert out == k_out, "output shape"
    assert variables == k_vars, "weight shapes"
    assert count == k_count, "count_params()"
    assert split == k_split, "(trainable, non-trainable)"


def test_every_class_has_a_case():
    covered = {p.values[0].layer.cls for p in CASES}
    assert covered == set(CATALOGUE)


# --------------------------------------------------------------------------
# Where Keras raises, the catalogue raises IncompatibleShape.

ERRORS = [
    case("Add", [(None, 32), (None, 64)]),
    case("Add", [(None, 4, 3), (None, 5, 3)]),
    case("Add", [(2, 3), (4, 3)]),
    case("Multiply", [(None, 4, 5), (None, 4, 6)]),
    case("Subtract", [(None, 3), (None, 3), (None, 3)]),
    case("Concatenate", [(None, 4, 5), (None, 3, 5)]),
    case("Concatenate", [(None, 4, 3), (None, 3)]),
    case("Concatenate", [(None, 4, 3), (None, 2, 5)], axis=1),
    case("Dot", [(None, 5), (None, 6)], axes=1),
    case("Dot", [(None, None), (None, 3)], axes=1),
    case("Dot", [(None, 3, 4), (None, 3, 5)], axes=(2, 2)),
    case("Dense", (None,), units=3),
    case("Dense", (None, None), units=3),
    case("EinsumDense", (None, 4, 3), equation="abc,cd->abd", output_shape=(5, 4)),
    case("Conv1D", (None, 5, 4, 2), filters=3, kernel_size=2),
    case("Conv2D", (None, 5, 4), filters=3, kernel_size=2),
    case("Conv2D", (None, 4, 4, 2), filters=3, kernel_size=5),
    case("Conv2D", (None, 5, 5, 2), filters=3, kernel_size=3, dilation_rate=3),
    case("Conv2D", (None, 6, 6, 3), filters=4, kernel_size=3, groups=2),
    case("Conv2D", (None, 5, 4, None), filters=3, kernel_size=2),
    case("Conv3D", (None, 5, 4, 3), filters=3, kernel_size=2),
    case("Conv2DTranspose", (None, 5, 4), filters=3, kernel_size=2),
    case("Conv2DTranspose", (None, 5, 4, 3, 3), filters=3, kernel_size=2),
    case("DepthwiseConv2D", (None, 2, 2, 3), kernel_size=3),
    case("SeparableConv2D", (None, 8, 2, 3), filters=4, kernel_size=3),
    case("MaxPooling2D", (None, 4, 4, 2), pool_size=5),
    case("MaxPooling1D", (None, 4, 4, 2)),
    case("AveragePooling1D", (None, 1, 2), pool_size=2),
    case("GlobalAveragePooling1D", (None, 3, 3, 3)),
    case("GlobalMaxPooling2D", (None, 3, 3)),
    case("Reshape", (None, 5, 3), target_shape=(4, 4)),
    case("Reshape", (None, 5, 3), target_shape=(-1, 4)),
    case("Permute", (None, 5, 2, 3), dims=(2, 1)),
    case("RepeatVector", (None, 4, 3), n=3),
    case("ZeroPadding2D", (None, 4, 3)),
    case("UpSampling2D", (None, 4, 4, 4, 3)),
    case("Cropping2D", (None, 4, 6, 3), cropping=((2, 2), (0, 0))),
    case("SpatialDropout1D", (None, 4), rate=0.5),
    case("SpatialDropout2D", (None, 4, 3), rate=0.5),
    case("BatchNormalization", (None, 4, 3), axis=3),
    case("BatchNormalization", (None, 4, None)),
    case("LayerNormalization", (None, 4, None)),
    case("Normalization", (None, None, 4), axis=1),
    case("Normalization", (None, 4), axis=2),
    case("LSTM", (None, 5), units=3),
    case("GRU", (None, 5, 4, 2), units=3),
    case("SimpleRNN", (None, 5, None), units=3),
    case("Bidirectional", (None, 5), layer=Layer("LSTM", {"units": 3})),
    case("TimeDistributed", (None, 5), layer=Layer("Dense", {"units": 3})),
    case("TimeDistributed", (None, 5, 4, 3), layer=Layer("LSTM", {"units": 3, "return_state": True})),
    case("MultiHeadAttention", Q, {**V, "key": (None, 6, 8)}, num_heads=2, key_dim=4),
    case("MultiHeadAttention", (None, 5, None), V, num_heads=2, key_dim=4),
]


@pytest.mark.parametrize("c", ERRORS)
def test_raises_where_keras_raises(c: Case):
    with pytest.raises(Exception):
        run_keras(c)
    with pytest.raises(IncompatibleShape):
        run_catalogue(c)


def test_messages_name_the_layer_and_the_shapes():
    spec = CATALOGUE["Add"]
    with pytest.raises(IncompatibleShape, match=r"Add .*\(None, 32\) and \(None, 64\)"):
        spec.infer(LayerConfig({}), [(None, 32), (None, 64)], {})
    spec = CATALOGUE["Concatenate"]
    with pytest.raises(IncompatibleShape, match=r"Concatenate .*\(None, 4, 5\) and \(None, 3, 5\)"):
        spec.infer(LayerConfig({"axis": -1}), [(None, 4, 5), (None, 3, 5)], {})


# --------------------------------------------------------------------------
# Unknown configuration never turns into a guess.


def test_unknown_argument_is_cannot_infer():
    from kerlint.layers.base import CannotInfer

    spec = CATALOGUE["Conv2D"]
    config = LayerConfig({**spec.defaults, "filters": 4, "kernel_size": UNKNOWN})
    with pytest.raises(CannotInfer):
        spec.infer(config, IMG, {})
    config = LayerConfig({**spec.defaults, "filters": 4, "kernel_size": (3, UNKNOWN)})
    with pytest.raises(CannotInfer):
        spec.infer(config, IMG, {})
    spec = CATALOGUE["MultiHeadAttention"]
    config = LayerConfig({**spec.defaults, "num_heads": 2, "key_dim": 4})
    with pytest.raises(CannotInfer):  # `value` is a required call argument
        spec.infer(config, (None, 5, 6), {})


# --------------------------------------------------------------------------
# Signatures, defaults, aliases and legacy names.

# Keyword arguments Keras accepts through **kwargs that entries read.
_EXTRA_KWARGS = {"input_length", "lora_rank", "lora_alpha", "rms_scaling"}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_signature_and_defaults_match_keras(name: str):
    spec = CATALOGUE[name]
    params = [
        p
        for p in inspect.signature(getattr(keras.layers, name).__init__).parameters.values()
        if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    assert spec.signature == tuple(p.name for p in params)
    keras_defaults = {p.name: p.default for p in params if p.default is not p.empty}
    for key, value in spec.defaults.items():
        if key not in keras_defaults:
            assert key in _EXTRA_KWARGS, f"{name} default for unknown argument {key}"
        elif key == "data_format":
            assert keras_defaults[key] is None and value == "channels_last"
        else:
            assert value == keras_defaults[key], key
    # Every optional positional parameter has its default recorded.
    assert set(keras_defaults) <= set(spec.defaults)
    for old, new in spec.aliases.items():
        assert new in spec.signature or new in spec.defaults, f"alias {old} -> {new}"
        assert old not in spec.signature


def test_legacy_class_names():
    assert set(LEGACY_CLASS_NAMES.values()) <= set(CATALOGUE)
    assert not set(LEGACY_CLASS_NAMES) & set(CATALOGUE)
    for old, new in LEGACY_CLASS_NAMES.items():
        if hasattr(keras.layers, old):  # Keras 3 still exports most of them
            assert getattr(keras.layers, old) is getattr(keras.layers, new)


def test_weighted_means_has_a_kernel():
    weighted = {name for name, spec in CATALOGUE.items() if spec.weighted}
    assert weighted == {
        "Dense", "EinsumDense", "Embedding", "Conv1D", "Conv2D", "Conv3D",
        "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "SimpleRNN",
        "LSTM", "GRU", "Bidirectional", "MultiHeadAttention",
    }


# --------------------------------------------------------------------------
# Window arithmetic, property-tested against Keras's compute_output_shape.

try:
    from hypothesis import assume, given, settings, strategies as st
except ImportError:  # pragma: no cover - hypothesis is a dev dependency
    given = None

needs_hypothesis = pytest.mark.skipif(given is None, reason="needs hypothesis")


def _keras_shape(make, shape):
    """Keras's output shape, or IncompatibleShape where Keras refuses the input."""
    try:
        return tuple(make().compute_output_shape(shape))
    except ValueError:
        return IncompatibleShape


def _catalogue_shape(name, kwargs, shape):
    spec = CATALOGUE[name]
    try:
        return spec.infer(LayerConfig({**spec.defaults, **kwargs}), shape, {}).outputs
    except IncompatibleShape:
        return IncompatibleShape


if given is not None:
    sizes = st.one_of(st.none(), st.integers(1, 12))

    @needs_hypothesis
    @settings(max_examples=60, deadline=None)
    @given(
        size=sizes,
        kernel=st.integers(1, 5),
        stride=st.integers(1, 3),
        dilation=st.integers(1, 3),
        padding=st.sampled_from(["valid", "same", "causal"]),
    )
    def test_conv1d_arithmetic(size, kernel, stride, dilation, padding):
        assume(stride == 1 or dilation == 1)  # Keras rejects both > 1 in the constructor
        kwargs = dict(filters=2, kernel_size=kernel, strides=stride, dilation_rate=dilation, padding=padding)
        shape = (None, size, 3)
        expected = _keras_shape(lambda: keras.layers.Conv1D(**kwargs), shape)
        assert _catalogue_shape("Conv1D", kwargs, shape) == expected

    @needs_hypothesis
    @settings(max_examples=60, deadline=None)
    @given(
        size=sizes,
        pool=st.integers(1, 5),
        stride=st.one_of(st.none(), st.integers(1, 4)),
        padding=st.sampled_from(["valid", "same"]),
    )
    def test_pooling_arithmetic(size, pool, stride, padding):
        kwargs = dict(pool_size=pool, strides=stride, padding=padding)
        shape = (None, size, 3)
        expected = _keras_shape(lambda: keras.layers.AveragePooling1D(**kwargs), shape)
        assert _catalogue_shape("AveragePooling1D", kwargs, shape) == expected

    @needs_hypothesis
    @settings(max_examples=60, deadline=None)
    @given(
        size=sizes,
        kernel=st.integers(1, 5),
        stride=st.integers(1, 4),
        dilation=st.integers(1, 2),
        padding=st.sampled_from(["valid", "same"]),
        output_padding=st.one_of(st.none(), st.integers(0, 3)),
    )
    def test_conv_transpose_arithmetic(size, kernel, stride, dilation, padding, output_padding):
        assume(output_padding is None or output_padding < stride)  # constructor rule
        assume(stride == 1 or dilation == 1)
        kwargs = dict(
            filters=2, kernel_size=kernel, strides=stride, dilation_rate=dilation,
            padding=padding, output_padding=output_padding,
        )
        shape = (None, size, 4, 3)
        expected = _keras_shape(lambda: keras.layers.Conv2DTranspose(**kwargs), shape)
        assert _catalogue_shape("Conv2DTranspose", kwargs, shape) == expected
