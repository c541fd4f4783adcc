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
from kerlint.layers.base import CannotInfer, IncompatibleShape, LayerConfig, LayerSpec  # noqa: E402
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
        kwargs = {k: _layers(v, Layer.keras) for k, v in self.kwargs.items()}
        return getattr(keras.layers, self.cls)(**kwargs)

    def catalogued(self) -> "Wrapped":
        spec = CATALOGUE[self.cls]
        kwargs = {k: _layers(v, Layer.catalogued) for k, v in self.kwargs.items()}
        return Wrapped(spec, LayerConfig({**spec.defaults, **kwargs}))

    def classes(self) -> set[str]:
        """This class and every layer class given as an argument (a wrapper's layer, an RNN's cells)."""
        inner = [v for value in self.kwargs.values() for v in (value if isinstance(value, list) else [value])]
        return {self.cls}.union(*(v.classes() for v in inner if isinstance(v, Layer)))


def _layers(value: Any, build) -> Any:
    """``build`` applied to a layer argument, or to each layer of a list of them (cells, a Pipeline's layers)."""
    if isinstance(value, list) and value and all(isinstance(v, Layer) for v in value):
        return [build(v) for v in value]
    return build(value) if isinstance(value, Layer) else value


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
    dtype: str = "float32"  # of the Keras inputs: lookups and hashing take strings or ints

    @property
    def id(self) -> str:
        shapes = [self.inputs, *self.extra.values()]
        return f"{self.layer!r}@{'+'.join(str(s).replace(' ', '') for s in shapes)}"


def case(cls: str, inputs: Any, extra: dict | None = None, dtype: str = "float32", **kwargs: Any) -> Any:
    c = Case(Layer(cls, kwargs), inputs, extra or {}, dtype)
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
                out = layer([keras.Input(batch_shape=s, dtype=c.dtype) for s in c.inputs])
            else:
                extra = {k: keras.Input(batch_shape=s) for k, s in c.extra.items()}
                out = layer(keras.Input(batch_shape=c.inputs, dtype=c.dtype), **extra)
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
    # core (Keras 3 additions)
    case("Identity", (None, 3, 4)),
    case("Identity", IMG),
    case("Masking", S3),
    case("Masking", (None, None, 4), mask_value=-1.0),
    case("ReversibleEmbedding", (None, 5), input_dim=10, output_dim=4),
    case("ReversibleEmbedding", (None, 5), input_dim=10, output_dim=4, tie_weights=False),
    case("ReversibleEmbedding", (None, 2, 3), input_dim=7, output_dim=2, mask_zero=True),
    # activations with parameters
    case("ELU", (None, 5)),
    case("ELU", (None, 3, 4), alpha=0.5),
    case("PReLU", (None, 4, 5)),
    case("PReLU", (None, 4, 5), shared_axes=[1]),
    case("PReLU", IMG, shared_axes=[1, 2]),
    case("PReLU", (None, 6)),
    # regularization
    case("SpatialDropout3D", (None, 4, 5, 6, 3), rate=0.2),
    case("SpatialDropout3D", (None, 3, 4, 5, 6), rate=0.2, data_format="channels_first"),
    case("AlphaDropout", (None, 5), rate=0.1),
    case("AlphaDropout", S3, rate=0.3, noise_shape=(None, 1, 4)),
    case("GaussianDropout", (None, 5), rate=0.1),
    case("GaussianDropout", IMG, rate=0.4),
    case("ActivityRegularization", (None, 5), l1=0.01),
    case("ActivityRegularization", S3, l2=0.1),
    # reshaping: 1D and 3D
    case("ZeroPadding1D", S3),
    case("ZeroPadding1D", S3, padding=(2, 3)),
    case("ZeroPadding1D", (None, 4, 5), padding=2, data_format="channels_first"),
    case("ZeroPadding3D", (None, 4, 5, 6, 2)),
    case("ZeroPadding3D", (None, 4, 5, 6, 2), padding=(1, 2, 3)),
    case("ZeroPadding3D", (None, 2, 4, None, 6), padding=((1, 0), (0, 2), (3, 1)), data_format="channels_first"),
    case("Cropping1D", (None, 6, 3)),
    case("Cropping1D", (None, 6, 3), cropping=(2, 0)),
    case("Cropping1D", (None, None, 3), cropping=2),
    case("Cropping3D", (None, 6, 7, 8, 2)),
    case("Cropping3D", (None, 6, 7, 8, 2), cropping=(1, 2, 3)),
    case("Cropping3D", (None, 2, 6, 7, 8), cropping=((0, 1), (2, 0), (1, 1)), data_format="channels_first"),
    case("UpSampling1D", S3),
    case("UpSampling1D", (None, None, 4), size=3),
    case("UpSampling3D", (None, 2, 3, 4, 2)),
    case("UpSampling3D", (None, 2, 2, 3, 4), size=(1, 2, 3), data_format="channels_first"),
    # convolutional: 1D and 3D variants
    case("Conv1DTranspose", (None, 5, 3), filters=4, kernel_size=3),
    case("Conv1DTranspose", (None, 5, 3), filters=4, kernel_size=3, strides=2, padding="same"),
    case("Conv1DTranspose", (None, 5, 3), filters=2, kernel_size=3, strides=2, output_padding=1, use_bias=False),
    case("Conv1DTranspose", (None, 3, 5), filters=2, kernel_size=2, data_format="channels_first"),
    case("Conv3DTranspose", (None, 3, 4, 5, 2), filters=3, kernel_size=2),
    case("Conv3DTranspose", (None, 3, 4, 5, 2), filters=3, kernel_size=3, strides=2, padding="same"),
    case("Conv3DTranspose", (None, 3, 4, 5, 2), filters=2, kernel_size=(1, 2, 3), strides=(1, 2, 1), use_bias=False),
    case("DepthwiseConv1D", (None, 10, 3), kernel_size=3),
    case("DepthwiseConv1D", (None, 10, 3), kernel_size=3, depth_multiplier=2, strides=2, padding="same"),
    case("DepthwiseConv1D", (None, 3, 10), kernel_size=2, data_format="channels_first", use_bias=False),
    case("SeparableConv1D", (None, 10, 3), filters=4, kernel_size=3),
    case("SeparableConv1D", (None, 10, 3), filters=4, kernel_size=3, depth_multiplier=2, padding="same"),
    case("SeparableConv1D", (None, 10, 3), filters=2, kernel_size=2, strides=2, use_bias=False),
    # pooling: 3D, global 3D, adaptive
    case("MaxPooling3D", (None, 4, 6, 6, 2)),
    case("MaxPooling3D", (None, 5, 6, 7, 2), pool_size=3, strides=2, padding="same"),
    case("AveragePooling3D", (None, 4, 6, 6, 2), pool_size=2),
    case("AveragePooling3D", (None, 2, 4, 6, 6), pool_size=(1, 2, 3), data_format="channels_first"),
    case("GlobalAveragePooling3D", (None, 4, 5, 6, 2)),
    case("GlobalAveragePooling3D", (None, 2, 4, 5, 6), data_format="channels_first", keepdims=True),
    case("GlobalMaxPooling3D", (None, 4, 5, 6, 2), keepdims=True),
    case("GlobalMaxPooling3D", (None, 2, 4, 5, 6), data_format="channels_first"),
    case("AdaptiveAveragePooling1D", (None, 8, 3), output_size=3),
    case("AdaptiveAveragePooling1D", (None, 3, 8), output_size=4, data_format="channels_first"),
    case("AdaptiveMaxPooling1D", (None, 8, 3), output_size=2),
    case("AdaptiveAveragePooling2D", IMG, output_size=3),
    case("AdaptiveAveragePooling2D", IMG_CF, output_size=(2, 4), data_format="channels_first"),
    case("AdaptiveMaxPooling2D", IMG, output_size=(4, 2)),
    case("AdaptiveAveragePooling3D", (None, 4, 6, 8, 2), output_size=2),
    case("AdaptiveMaxPooling3D", (None, 2, 4, 6, 8), output_size=(2, 2, 3), data_format="channels_first"),
    # normalization
    case("GroupNormalization", (None, 4, 6), groups=2),
    case("GroupNormalization", (None, 4, 6), groups=-1, center=False),
    case("GroupNormalization", IMG_CF, groups=3, axis=1, scale=False),
    case("GroupNormalization", (None, 8, 8, 32)),
    case("RMSNormalization", (None, 4, 6)),
    case("RMSNormalization", (None, 4, 6), axis=[1, 2]),
    case("RMSNormalization", IMG, axis=-1),
    case("UnitNormalization", (None, 4, 6)),
    case("UnitNormalization", (None, 4, 6), axis=[1, 2]),
    case("SpectralNormalization", (None, 5), layer=Layer("Dense", {"units": 3})),
    case("SpectralNormalization", (None, 5, 5, 2), layer=Layer("Conv2D", {"filters": 3, "kernel_size": 2})),
    case("SpectralNormalization", (None, 4), layer=Layer("Embedding", {"input_dim": 10, "output_dim": 3}), power_iterations=2),
    # attention
    case("Attention", [(None, 5, 4), (None, 7, 4)]),
    case("Attention", [(None, 5, 4), (None, 7, 3), (None, 7, 4)], use_scale=True),
    case("Attention", [(None, 5, 4), (None, 7, 4)], score_mode="concat"),
    case("Attention", [(None, 5, 4), (None, 7, 4)], use_scale=True, score_mode="concat"),
    case("AdditiveAttention", [(None, 5, 4), (None, 7, 4)]),
    case("AdditiveAttention", [(None, 5, 4), (None, 7, 2), (None, 7, 4)], use_scale=False),
    case("GroupQueryAttention", (None, 5, 6), {"value": (None, 7, 6)}, head_dim=4, num_query_heads=4, num_key_value_heads=2),
    case(
        "GroupQueryAttention", (None, 5, 6), {"value": (None, 7, 6), "key": (None, 7, 3)},
        head_dim=2, num_query_heads=3, num_key_value_heads=1, use_bias=False,
    ),
    case("GroupQueryAttention", (None, 5, 6), {"value": (None, 5, 6)}, head_dim=3, num_query_heads=2, num_key_value_heads=2, use_gate=True),
    # recurrent: cells, RNN, ConvLSTM
    case("RNN", S3, cell=Layer("SimpleRNNCell", {"units": 3})),
    case("RNN", S3, cell=Layer("LSTMCell", {"units": 3}), return_sequences=True),
    case("RNN", S3, cell=Layer("GRUCell", {"units": 3}), return_state=True),
    case("RNN", S3, cell=Layer("GRUCell", {"units": 2, "reset_after": False, "use_bias": False})),
    case("RNN", S3, cell=Layer("LSTMCell", {"units": 2}), return_sequences=True, return_state=True),
    case("RNN", S3, cell=[Layer("LSTMCell", {"units": 3}), Layer("SimpleRNNCell", {"units": 2})]),
    case(
        "RNN", S3, cell=Layer("StackedRNNCells", {"cells": [Layer("LSTMCell", {"units": 3}), Layer("GRUCell", {"units": 2})]}),
        return_sequences=True,
    ),
    case(
        "RNN", S3, cell=Layer("StackedRNNCells", {"cells": [Layer("GRUCell", {"units": 3}), Layer("SimpleRNNCell", {"units": 2})]}),
        return_state=True,
    ),
    case("Bidirectional", S3, layer=Layer("RNN", {"cell": Layer("GRUCell", {"units": 3})})),
    case("ConvLSTM1D", (None, 4, 6, 2), filters=3, kernel_size=2),
    case("ConvLSTM1D", (None, 4, 6, 2), filters=3, kernel_size=2, return_sequences=True, return_state=True),
    case("ConvLSTM2D", (None, 4, 6, 6, 2), filters=3, kernel_size=2),
    case("ConvLSTM2D", (None, 4, 6, 6, 2), filters=2, kernel_size=3, padding="same", strides=2, use_bias=False),
    case("ConvLSTM2D", (None, None, 2, 6, 6), filters=2, kernel_size=3, data_format="channels_first", return_sequences=True),
    case("ConvLSTM3D", (None, 3, 4, 4, 4, 2), filters=2, kernel_size=2),
    case("ConvLSTM3D", (None, 3, 2, 5, 5, 5), filters=3, kernel_size=2, padding="same", data_format="channels_first", return_state=True),
    # preprocessing: lookups, text, encodings
    case("StringLookup", (None, 4), dtype="string", vocabulary=["a", "b", "c"]),
    case("StringLookup", (None,), dtype="string", vocabulary=["a", "b", "c"], output_mode="one_hot"),
    case("StringLookup", (None, 4), dtype="string", vocabulary=["a", "b", "c"], output_mode="multi_hot", num_oov_indices=2, mask_token=""),
    case("StringLookup", (None, 4), dtype="string", vocabulary=["a", "b", "c"], output_mode="tf_idf", idf_weights=[1.0, 2.0, 3.0]),
    case("StringLookup", (None, 4), dtype="string", max_tokens=10, output_mode="count", pad_to_max_tokens=True),
    case("StringLookup", (None, 4), dtype="string"),
    case("StringLookup", (None, 4), dtype="int64", vocabulary=["a", "b"], invert=True),
    case("StringLookup", (None, 1), dtype="string", vocabulary=["[UNK]", "a", "b"], output_mode="one_hot"),
    case("IntegerLookup", (None, 4), dtype="int64", vocabulary=[1, 2, 3]),
    case("IntegerLookup", (None, 4), dtype="int64", vocabulary=[1, 2, 3], output_mode="one_hot"),
    case("IntegerLookup", (None, 3), dtype="int64", vocabulary=[4, 5], mask_token=0, output_mode="count"),
    case("TextVectorization", (None,), dtype="string", vocabulary=["a", "b"]),
    case("TextVectorization", (None, 1), dtype="string", vocabulary=["a", "b"], output_sequence_length=7),
    case("TextVectorization", (None,), dtype="string", max_tokens=20, output_mode="multi_hot"),
    case("TextVectorization", (None, 1), dtype="string", vocabulary=["a", "b", "c"], output_mode="count"),
    case("TextVectorization", (None,), dtype="string", max_tokens=20, output_mode="tf_idf", pad_to_max_tokens=True),
    case("CategoryEncoding", (None, 3), dtype="int64", num_tokens=5),
    case("CategoryEncoding", (None,), dtype="int64", num_tokens=5, output_mode="one_hot"),
    case("CategoryEncoding", (None, 3), dtype="int64", num_tokens=5, output_mode="one_hot"),
    case("CategoryEncoding", (None, 1), dtype="int64", num_tokens=4, output_mode="one_hot"),
    case("CategoryEncoding", (None, 2, 3), dtype="int64", num_tokens=5, output_mode="count"),
    case("Discretization", (None, 3), bin_boundaries=[0.0, 1.0]),
    case("Discretization", (None,), bin_boundaries=[0.0, 1.0], output_mode="one_hot"),
    case("Discretization", (None, 3), bin_boundaries=[0.0, 1.0, 2.0], output_mode="multi_hot"),
    case("Discretization", (None, 3), num_bins=4),
    case("Hashing", (None, 3), num_bins=4),
    case("Hashing", (None, 3), dtype="string", num_bins=4, output_mode="multi_hot"),
    case("Hashing", (None, 1), dtype="string", num_bins=6, output_mode="one_hot", salt=7),
    case("HashedCrossing", [(None,), (None,)], dtype="int64", num_bins=4),
    case("HashedCrossing", [(None,), (None,)], dtype="int64", num_bins=4, output_mode="one_hot"),
    case("HashedCrossing", [(None, 1), (None, 1)], dtype="string", num_bins=5, output_mode="one_hot"),
    # preprocessing: audio
    case("MelSpectrogram", (None, 16000)),
    case("MelSpectrogram", (None, 1000), fft_length=512, sequence_stride=256, num_mel_bins=40),
    case("MelSpectrogram", (16000,)),
    case("STFTSpectrogram", (None, 1000, 1), window=None),
    case("STFTSpectrogram", (None, 1000, 2), window=None, mode="stft", frame_length=64, frame_step=32, padding="same"),
    case("STFTSpectrogram", (None, 1000, 1), window=None, expand_dims=True, mode="real"),
    case("STFTSpectrogram", (None, 2, 1000), window=None, fft_length=512, data_format="channels_first", trainable=False),
    case("STFTSpectrogram", (None, 2, 1000), window=None, mode="imag", expand_dims=True, data_format="channels_first"),
    case("Pipeline", IMG, layers=[Layer("RandomFlip"), Layer("Resizing", {"height": 4, "width": 4})]),
    case("Pipeline", (None, 5), layers=[Layer("Rescaling", {"scale": 2.0}), Layer("Identity")]),
    # image preprocessing: identity at inference, except the three that resize
    case("Resizing", IMG, height=5, width=7),
    case("Resizing", IMG_CF, height=5, width=7, data_format="channels_first"),
    case("Resizing", (8, 8, 3), height=5, width=7),
    case("Resizing", (None, None, None, 3), height=4, width=4, crop_to_aspect_ratio=True),
    case("CenterCrop", IMG, height=5, width=7),
    case("CenterCrop", IMG, height=10, width=10),
    case("CenterCrop", IMG_CF, height=4, width=4, data_format="channels_first"),
    case("RandomCrop", IMG, height=5, width=7),
    case("RandomCrop", (None, None, None, 3), height=5, width=7),
    case("RandomCrop", (3, 8, 8), height=2, width=3, data_format="channels_first"),
    *(
        case(cls, shape, **kwargs)
        for cls, kwargs in [
            ("AugMix", {}),
            ("AutoContrast", {}),
            ("ContrastLimitedAdaptiveHistogramEqualization", {}),
            ("CutMix", {}),
            ("Equalization", {}),
            ("MaxNumBoundingBoxes", {"max_number": 3}),
            ("MixUp", {}),
            ("RandAugment", {}),
            ("RandomBrightness", {"factor": 0.2}),
            ("RandomColorDegeneration", {"factor": 0.5}),
            ("RandomColorJitter", {"brightness_factor": 0.2}),
            ("RandomContrast", {"factor": 0.2}),
            ("RandomElasticTransform", {}),
            ("RandomErasing", {}),
            ("RandomFlip", {}),
            ("RandomFlip", {"mode": "horizontal"}),
            ("RandomGaussianBlur", {}),
            ("RandomGrayscale", {}),
            ("RandomHue", {"factor": 0.2}),
            ("RandomInvert", {}),
            ("RandomPerspective", {}),
            ("RandomPosterization", {"factor": (1, 4)}),
            ("RandomRotation", {"factor": 0.1}),
            ("RandomSaturation", {"factor": 0.2}),
            ("RandomSharpness", {"factor": 0.2}),
            ("RandomShear", {"x_factor": 0.1}),
            ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.1}),
            ("RandomZoom", {"height_factor": 0.1}),
            ("Solarization", {}),
        ]
        for shape in (IMG, (8, 8, 3))
    ),
    case("RandomFlip", IMG_CF, data_format="channels_first"),
    case("RandomRotation", (None, None, None, 3), factor=0.2, fill_mode="constant"),
    case("RandomZoom", IMG_CF, height_factor=0.2, width_factor=0.3, data_format="channels_first"),
]


@pytest.mark.parametrize("c", CASES)
def test_matches_keras(c: Case):
    k_out, k_vars, k_count, k_split = run_keras(c)
    out, variables, count, split = run_catalogue(c)
    assert out == k_out, "output shape"
    assert variables == k_vars, "weight shapes"
    assert count == k_count, "count_params()"
    assert split == k_split, "(trainable, non-trainable)"


FOREIGN = {"TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}
"""Wrappers of other frameworks: opaque by design (test_foreign_frameworks_are_opaque)."""

KERAS2_ONLY = {
    "LocallyConnected1D", "LocallyConnected2D", "ThresholdedReLU", "CuDNNLSTM", "CuDNNGRU",
    "RandomHeight", "RandomWidth", "RandomFourierFeatures", "DenseFeatures",
}
"""Keras 2 classes Keras 3 dropped: checked against tf_keras's formulas (test_keras2_classes)."""

NOT_LAYERS = {
    "Layer": "the base class every layer subclasses: a custom layer's body is followed by the interpreter",
    "Wrapper": "the abstract base of Bidirectional/TimeDistributed/SpectralNormalization: never built itself",
    "Lambda": "its shapes are those of the function it wraps: the interpreter follows the function",
}
"""Public classes of ``keras.layers`` that are deliberately not catalogue entries, and why."""


def _keras_layer_classes() -> dict[str, type]:
    """Every public layer class ``keras.layers`` exports, by exported name (aliases included)."""
    names = (getattr(keras.layers, n) for n in dir(keras.layers))
    return {
        n: c for n, c in zip(dir(keras.layers), names)
        if isinstance(c, type) and issubclass(c, keras.layers.Layer)
    }


def test_every_public_keras_layer_is_catalogued():
    """A new Keras release that adds a layer fails here until the catalogue (or NOT_LAYERS) follows."""
    exported = _keras_layer_classes()
    known = set(CATALOGUE) | set(LEGACY_CLASS_NAMES) | set(NOT_LAYERS)
    assert sorted(set(exported) - known) == []
    assert set(NOT_LAYERS) <= set(exported)
    assert set(CATALOGUE) - set(exported) == KERAS2_ONLY


def test_every_class_has_a_case():
    covered = set().union(*(p.values[0].layer.classes() for p in CASES))
    assert covered == set(CATALOGUE) - FOREIGN - KERAS2_ONLY


def test_foreign_frameworks_are_opaque():
    """Their shapes live in another framework's model: the reason says which, never a guess."""
    for name, framework in [
        ("TFSMLayer", "SavedModel"), ("TorchModuleWrapper", "PyTorch"), ("JaxLayer", "JAX"), ("FlaxLayer", "Flax"),
    ]:
        spec = CATALOGUE[name]
        with pytest.raises(CannotInfer, match=framework):
            spec.infer(LayerConfig(dict(spec.defaults)), (None, 4), {})


def _infer(name: str, inputs: Any, **kwargs: Any):
    spec = CATALOGUE[name]
    return spec.infer(LayerConfig({**spec.defaults, **kwargs}), inputs, {})


def _summary(result) -> tuple:
    return result.outputs, sorted((w.shape, w.trainable) for w in result.weights)


def test_keras2_classes():
    """Keras 2 classes, against the shapes tf_keras's ``build``/``compute_output_shape`` give."""
    # LocallyConnected2D(4, 3) on 8x8x3: 6x6 positions, a 27x4 kernel and a 4-bias at each.
    assert _summary(_infer("LocallyConnected2D", IMG, filters=4, kernel_size=3)) == (
        (None, 6, 6, 4), [((6, 6, 4), True), ((36, 27, 4), True)]
    )
    assert _summary(_infer("LocallyConnected2D", IMG, filters=4, kernel_size=3, implementation=2, use_bias=False)) == (
        (None, 6, 6, 4), [((8, 8, 3, 6, 6, 4), True)]
    )
    assert _summary(_infer("LocallyConnected1D", (None, 10, 3), filters=2, kernel_size=3, strides=2)) == (
        (None, 4, 2), [((4, 2), True), ((4, 9, 2), True)]
    )
    with pytest.raises(IncompatibleShape):  # spatial sizes must be known
        _infer("LocallyConnected1D", (None, None, 3), filters=2, kernel_size=3)
    # cuDNN keeps separate input and recurrent biases: 8u (LSTM), 6u (GRU).
    assert _summary(_infer("CuDNNLSTM", S3, units=3)) == (
        (None, 3), [((3, 12), True), ((4, 12), True), ((24,), True)]
    )
    gru = _infer("CuDNNGRU", S3, units=2, return_sequences=True, return_state=True)
    assert _summary(gru) == ([(None, 5, 2), (None, 2)], [((2, 6), True), ((4, 6), True), ((12,), True)])
    assert _summary(_infer("ThresholdedReLU", (None, 3), theta=0.5)) == ((None, 3), [])
    assert _infer("RandomHeight", IMG, factor=0.2).outputs == (None, None, 8, 3)
    assert _infer("RandomWidth", (8, 8, 3), factor=0.2).outputs == (8, None, 3)
    # RandomFourierFeatures is frozen by default; trainable=True trains only kernel_scale.
    assert _summary(_infer("RandomFourierFeatures", (None, 5), output_dim=7)) == (
        (None, 7), [((1,), False), ((5, 7), False), ((7,), False)]
    )
    assert _summary(_infer("RandomFourierFeatures", (None, 5), output_dim=7, trainable=True))[1][0] == ((1,), True)
    with pytest.raises(CannotInfer, match="feature_column"):
        _infer("DenseFeatures", (None, 4), feature_columns=[])
    # Keras 2's CategoryEncoding spelling: output_mode="binary" is "multi_hot".
    assert _infer("CategoryEncoding", (None, 3), num_tokens=5, output_mode="binary").outputs == (None, 5)
    assert CATALOGUE["CategoryEncoding"].aliases["max_tokens"] == "num_tokens"


@pytest.mark.parametrize(
    "layer",
    [
        Layer("StringLookup", {"vocabulary": ["a", "b", "c"]}),
        Layer("StringLookup", {"vocabulary": ["a", "b"], "mask_token": "", "num_oov_indices": 2}),
        Layer("StringLookup", {"vocabulary": ["[UNK]", "a", "b"]}),
        Layer("StringLookup", {"vocabulary": ["a", "b"], "mask_token": "", "output_mode": "multi_hot"}),
        Layer("IntegerLookup", {"vocabulary": [3, 5, 7], "mask_token": 0}),
        Layer("IntegerLookup", {"vocabulary": [-1, 3, 5]}),
        Layer("TextVectorization", {"vocabulary": ["a", "b", "c"]}),
        Layer("TextVectorization", {"vocabulary": ["", "[UNK]", "a"]}),
        Layer("TextVectorization", {"vocabulary": ["a", "b"], "output_mode": "count"}),
    ],
    ids=repr,
)
def test_vocabulary_size_matches_keras(layer: Layer):
    """``lookup.vocabulary_size()`` from a literal vocabulary, as Keras counts the mask and OOV indices."""
    inner = layer.catalogued()
    assert inner.spec.methods["vocabulary_size"](inner.config) == layer.keras().vocabulary_size()


def test_vocabulary_size_needs_a_literal_vocabulary():
    spec = CATALOGUE["StringLookup"]
    with pytest.raises(CannotInfer, match="statically known"):
        spec.methods["vocabulary_size"](LayerConfig({**spec.defaults, "vocabulary": UNKNOWN}))
    with pytest.raises(CannotInfer, match="adapt"):  # a file path
        spec.methods["vocabulary_size"](LayerConfig({**spec.defaults, "vocabulary": "vocab.txt"}))


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
    case("PReLU", (None, 4, None)),
    case("SpatialDropout3D", IMG, rate=0.5),
    case("ZeroPadding1D", IMG),
    case("ZeroPadding3D", IMG),
    case("Cropping1D", (None, 4, 3), cropping=(2, 2)),
    case("Cropping3D", (None, 4, 4, 4, 2), cropping=(1, 2, 1)),
    case("UpSampling1D", IMG),
    case("UpSampling3D", IMG),
    case("Conv1DTranspose", IMG, filters=2, kernel_size=2),
    case("Conv3DTranspose", (None, 3, 4, 5, None), filters=2, kernel_size=2),
    case("DepthwiseConv1D", (None, 2, 3), kernel_size=3),
    case("SeparableConv1D", (None, 10, None), filters=2, kernel_size=3),
    case("MaxPooling3D", IMG),
    case("AveragePooling3D", (None, 1, 4, 4, 2), pool_size=2),
    case("GlobalMaxPooling3D", IMG),
    case("GroupNormalization", (None, 4, 6), groups=4),
    case("GroupNormalization", (None, 4, None), groups=2),
    case("GroupNormalization", (None, 4, 6), groups=8),
    case("SpectralNormalization", (None, 5), layer=Layer("Dropout", {"rate": 0.5})),
    case("Attention", [(None, 5, 4)]),
    case("GroupQueryAttention", (None, 5, 6), {"value": (None, 7, 8)}, head_dim=4, num_query_heads=4, num_key_value_heads=2),
    case("GroupQueryAttention", (None, 5, 6), {"value": (None, 7, 6), "key": (None, 6, 6)}, head_dim=4, num_query_heads=2, num_key_value_heads=2),
    case("RNN", (None, 5), cell=Layer("LSTMCell", {"units": 3})),
    case("RNN", (None, 5, None), cell=Layer("GRUCell", {"units": 3})),
    case("ConvLSTM2D", (None, 4, 6, 6), filters=2, kernel_size=2),
    case("ConvLSTM2D", (None, 4, None, 6, 2), filters=2, kernel_size=2),
    case("ConvLSTM1D", (None, 4, 1, 2), filters=2, kernel_size=2),
    case("HashedCrossing", [(None, 2), (None, 3)], dtype="int64", num_bins=4),
    case("STFTSpectrogram", (None, 1000), window=None),
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


@pytest.mark.parametrize("name", sorted(set(CATALOGUE) - KERAS2_ONLY))
def test_signature_and_defaults_match_keras(name: str):
    spec = CATALOGUE[name]
    params = [
        p
        for p in inspect.signature(_keras_layer_classes()[name].__init__).parameters.values()
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
    assert keras.layers.GroupQueryAttention.__name__ == "GroupedQueryAttention"


def test_weighted_means_has_a_kernel():
    weighted = {name for name, spec in CATALOGUE.items() if spec.weighted}
    assert weighted == {
        "Dense", "EinsumDense", "Embedding", "ReversibleEmbedding",
        "Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D",
        "SeparableConv1D", "SeparableConv2D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
        "SimpleRNN", "LSTM", "GRU", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN",
        "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "Bidirectional", "SpectralNormalization",
        "MultiHeadAttention", "GroupQueryAttention",
        "LocallyConnected1D", "LocallyConnected2D", "CuDNNLSTM", "CuDNNGRU", "RandomFourierFeatures",
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
