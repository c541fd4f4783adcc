"""Catalogue FLOPs against TensorFlow's profiler (the convention: docs/flops.md).

Every case builds a one-layer Keras model, freezes its inference graph at
batch size 1 and profiles it (``flops_profiler``); the catalogue entry's
per-sample ``flops`` must equal the profiler's total exactly. The cases are
test_catalogue's (with unknown sizes made concrete, since the profiler
needs static shapes) plus configurations that only matter for FLOPs.

Where the profiler cannot count a layer as it runs, the Keras side is an
equivalent "twin", and the test says why:

* recurrent layers are profiled unrolled (``unroll=True``; ConvLSTM, which
  takes no such argument, gets the attribute set on the built layer): the
  while loop of the default implementation hides all steps but a part of
  the first (``test_rnn_while_loop_is_undercounted`` pins that down);
* a channels-first Conv1D/2DTranspose is profiled channels-last: the profiler
  refuses NCHW ``Conv2DBackpropInput`` and counts it as 0.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import pytest

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

pytest.importorskip("tensorflow", reason="profiling FLOPs needs tensorflow installed")
keras = pytest.importorskip("keras", reason="comparing FLOPs with Keras needs keras installed")

from flops_profiler import profile_model  # noqa: E402
from kerlint.confirm.measure import einsum_flops  # noqa: E402
from test_catalogue import CASES, FOREIGN, KERAS2_ONLY, Case, Layer, case  # noqa: E402

from kerlint.layers import CATALOGUE  # noqa: E402
from kerlint.layers.base import LayerConfig  # noqa: E402

FILL = 6
"""The size given to a dimension test_catalogue leaves unknown."""

EXCLUDED = {
    "EinsumDense(equation='ab,bc->ac',output_shape=4)@(None,4,3)":
        "Keras builds it symbolically but cannot call it on a tensor",
    "MultiHeadAttention(num_heads=2,key_dim=4)@(None,5,6,3)+(None,7,8)":
        "Keras builds it symbolically but cannot call it on a tensor",
    "Add()@[(None,None),(None,3)]": "made concrete, the sizes clash",
    "Concatenate()@[(None,None,3),(None,4,2)]": "made concrete, the sizes clash",
    "StringLookup(vocabulary=['a','b','c'],output_mode='multi_hot',num_oov_indices=2,mask_token='')@(None,4)":
        "table lookups: the profiler skips the ops whose shapes come out of the string table",
    "StringLookup(vocabulary=['a','b','c'],output_mode='tf_idf',idf_weights=[1.0,2.0,3.0])@(None,4)":
        "table lookups: the profiler skips the ops whose shapes come out of the string table",
    "StringLookup(max_tokens=10,output_mode='count',pad_to_max_tokens=True)@(None,4)":
        "table lookups: the profiler skips the ops whose shapes come out of the string table",
    "IntegerLookup(vocabulary=[4,5],mask_token=0,output_mode='count')@(None,3)":
        "table lookups: the profiler skips the ops whose shapes come out of the string table",
    "TextVectorization(vocabulary=['a','b'])@(None,)":
        "table lookups: the profiler skips the ops whose shapes come out of the string table",
    "TextVectorization(vocabulary=['a','b'],output_sequence_length=7)@(None,1)":
        "table lookups: the profiler skips the ops whose shapes come out of the string table",
    "TextVectorization(vocabulary=['a','b','c'],output_mode='count')@(None,1)":
        "table lookups: the profiler skips the ops whose shapes come out of the string table",
    "TextVectorization(max_tokens=20,output_mode='multi_hot')@(None,)":
        "Keras cannot call it before adapt()",
    "TextVectorization(max_tokens=20,output_mode='tf_idf',pad_to_max_tokens=True)@(None,)":
        "Keras cannot call it before adapt()",
    'Discretization(num_bins=4)@(None,3)':
        "Keras cannot call it before adapt()",
    'HashedCrossing(num_bins=4)@[(None,),(None,)]':
        "it crosses int or string features; the profiled model takes floats",
    "HashedCrossing(num_bins=4,output_mode='one_hot')@[(None,),(None,)]":
        "it crosses int or string features; the profiled model takes floats",
    "HashedCrossing(num_bins=5,output_mode='one_hot')@[(None,1),(None,1)]":
        "it crosses int or string features; the profiled model takes floats",
    'Equalization()@(None,8,8,3)':
        "Keras cannot call it on a tensor of batch 1",
    'Equalization()@(8,8,3)':
        "Keras cannot call it on a tensor of batch 1",
    'MixUp()@(None,8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'MixUp()@(8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomColorDegeneration(factor=0.5)@(None,8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomColorDegeneration(factor=0.5)@(8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomGrayscale()@(None,8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomGrayscale()@(8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomHue(factor=0.2)@(None,8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomHue(factor=0.2)@(8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomPosterization(factor=(1,4))@(None,8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomPosterization(factor=(1,4))@(8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomSaturation(factor=0.2)@(None,8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomSaturation(factor=0.2)@(8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomSharpness(factor=0.2)@(None,8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    'RandomSharpness(factor=0.2)@(8,8,3)':
        "it draws from a seed generator at inference: the generator's int64 state cannot be frozen",
    "ConvLSTM3D(filters=3,kernel_size=2,padding='same',data_format='channels_first',return_state=True)@(None,3,2,5,5,5)":
        "channels-first Conv3D in the loop body is an XLA call whose adds the profiler skips",
    'MelSpectrogram()@(None,16000)':
        "kerlint does not model its FLOPs (None)",
    'MelSpectrogram(fft_length=512,sequence_stride=256,num_mel_bins=40)@(None,1000)':
        "kerlint does not model its FLOPs (None)",
    'MelSpectrogram()@(16000,)':
        "kerlint does not model its FLOPs (None)",
    'ContrastLimitedAdaptiveHistogramEqualization()@(None,8,8,3)':
        "kerlint does not model its FLOPs (None)",
    'ContrastLimitedAdaptiveHistogramEqualization()@(8,8,3)':
        "kerlint does not model its FLOPs (None)",
}
"""test_catalogue cases with no runnable batch-1 model, and why."""

S3 = (None, 5, 4)
IMG = (None, 8, 8, 3)
ODD = (None, 7, 7, 3)  # not a multiple of a dilation rate of 2
Q, V = (None, 5, 6), {"value": (None, 7, 8)}

EXTRA = [
    # activations folded into weighted layers, and the activation layers
    case("Dense", (None, 5), units=3, activation="softmax"),
    case("Dense", (None, 2, 5), units=4, activation="gelu"),
    case("Dense", (None, 5), units=3, activation="hard_sigmoid", use_bias=False),
    case("EinsumDense", (None, 3, 5), equation="abc,cd->abd", output_shape=(None, 6), activation="swish"),
    case("Conv2D", IMG, filters=4, kernel_size=3, activation="silu"),
    case("Conv2DTranspose", (None, 5, 5, 3), filters=2, kernel_size=3, activation="hard_tanh"),
    case("Activation", (None, 3, 4), activation="softmax"),
    case("Activation", (None, 5), activation="gelu"),
    case("Activation", (None, 3, 4), activation="celu"),
    case("Activation", (None, 3, 4), activation="sigmoid"),
    case("Activation", (None, 3, 4), activation="hard_swish"),
    case("Activation", (None, 3, 4), activation="mish"),
    case("Activation", (None, 3, 4), activation="squareplus"),
    case("Activation", (None, 3, 4), activation=None),
    case("ReLU", (None, 3, 4)),
    case("ReLU", (None, 3, 4), negative_slope=0.1),
    case("ReLU", (None, 3, 4), threshold=0.5),
    case("ReLU", (None, 3, 4), max_value=4.0),
    case("ReLU", (None, 3, 4), max_value=4.0, negative_slope=0.1),
    case("ReLU", (None, 3, 4), max_value=6.0, negative_slope=0.1),
    case("ReLU", (None, 3, 4), negative_slope=0.1, threshold=0.5),
    case("ReLU", (None, 3, 4), max_value=6.0, negative_slope=0.1, threshold=0.5),
    case("Softmax", (None, 3, 4)),
    case("Softmax", (None, 3, 4, 5), axis=-2),
    case("Softmax", (None, 3, 4, 5), axis=(1, 2)),
    case("Softmax", (None, 3, 4, 5), axis=[2]),
    case("Softmax", (None, 3), axis=1),
    # dilation: the conv op computes on inputs padded to a multiple of the rate
    case("Conv2D", ODD, filters=4, kernel_size=3, dilation_rate=2, padding="same"),
    case("Conv2D", (None, 7, 8, 3), filters=4, kernel_size=3, dilation_rate=(2, 3), padding="same"),
    case("Conv2D", (None, 9, 9, 3), filters=4, kernel_size=3, dilation_rate=2),
    case("Conv2D", ODD, filters=6, kernel_size=3, dilation_rate=2, padding="same", groups=3),
    case("Conv1D", (None, 9, 3), filters=4, kernel_size=3, dilation_rate=2, padding="causal"),
    case("Conv1D", (None, 10, 3), filters=4, kernel_size=3, dilation_rate=3, padding="same"),
    case("Conv3D", (None, 5, 6, 7, 3), filters=2, kernel_size=3, dilation_rate=2, padding="same"),
    case("DepthwiseConv2D", ODD, kernel_size=3, dilation_rate=2, padding="same"),
    case("DepthwiseConv2D", ODD, kernel_size=3, dilation_rate=2, strides=2, padding="same"),
    case("DepthwiseConv2D", (None, 9, 9, 3), kernel_size=3, dilation_rate=2, strides=2),
    case("SeparableConv2D", ODD, filters=4, kernel_size=3, dilation_rate=2, padding="same"),
    case("SeparableConv2D", ODD, filters=4, kernel_size=3, dilation_rate=2, strides=2, padding="same"),
    case("Conv2DTranspose", (None, 5, 5, 3), filters=4, kernel_size=3, strides=(2, 3), padding="same"),
    # reshaping and preprocessing details
    case("RepeatVector", (None, 7), n=5),
    case("UpSampling2D", (None, 4, 5, 3), interpolation="bilinear"),
    case("UpSampling2D", (None, 4, 5, 3), interpolation="lanczos3", size=(2, 3)),
    case("UpSampling2D", (None, 4, 5, 3), interpolation="area"),
    case("Rescaling", (None, 4, 5), scale=2.0, offset=1.0),
    case("Normalization", (None, 4, 5), invert=True),
    case("Normalization", (None, 4, 5), mean=[1.0, 2.0, 3.0, 4.0, 5.0], variance=[1.0] * 5),
    case("LayerNormalization", (None, 3, 4), center=False, scale=False),
    case("LayerNormalization", (None, 3, 4, 2), axis=[1, 3]),
    case("BatchNormalization", IMG, center=False, scale=False),
    # merges with broadcasting: each fold costs its own result's values
    case("Add", [(None, 1, 3), (None, 1, 3), (None, 4, 3)]),
    case("Average", [(None, 1, 3), (None, 4, 3)]),
    case("Multiply", [(None, 4, 3), (None, 4, 3), (None, 4, 3)]),
    case("Maximum", [(None, 2, 3), (None, 2, 3), (None, 1, 3)]),
    case("Dot", [(None, 4, 3, 2), (None, 5, 3)], axes=(2, 2)),
    # recurrent variants
    case("SimpleRNN", S3, units=3, activation="relu"),
    case("LSTM", S3, units=3, use_bias=False),
    case("LSTM", (None, 2, 4), units=3, recurrent_activation="hard_sigmoid", activation="gelu"),
    case("GRU", S3, units=3, use_bias=False),
    case("GRU", S3, units=3, use_bias=False, reset_after=False),
    case("GRU", S3, units=2, recurrent_activation="hard_sigmoid"),
    case(
        "Bidirectional", S3,
        layer=Layer("SimpleRNN", {"units": 3, "return_sequences": True}), merge_mode="ave",
    ),
    case("Bidirectional", S3, layer=Layer("GRU", {"units": 2, "return_sequences": True}), merge_mode="sum"),
    case("TimeDistributed", (None, 4, 6), layer=Layer("BatchNormalization")),
    case("TimeDistributed", (None, 3, 6, 6, 2), layer=Layer("MaxPooling2D")),
    # attention paths
    case("MultiHeadAttention", Q, V, num_heads=2, key_dim=4, dropout=0.1),
    case("MultiHeadAttention", Q, V, num_heads=2, key_dim=4, attention_axes=(1,)),
    case(
        "MultiHeadAttention", (None, 2, 5, 6), {"value": (None, 2, 7, 6)},
        num_heads=2, key_dim=3, attention_axes=(2,),
    ),
    case(
        "MultiHeadAttention", (None, 2, 5, 6), {"value": (None, 3, 7, 6)},
        num_heads=2, key_dim=3, value_dim=2,
    ),
]


def _concrete(shape: Any) -> Any:
    if isinstance(shape, list):
        return [_concrete(s) for s in shape]
    return (shape[0], *(FILL if d is None else d for d in shape[1:]))


def _batch1(shape: Any) -> Any:
    if isinstance(shape, list):
        return [_batch1(s) for s in shape]
    return (1, *shape[1:])


def _flops_case(c: Case) -> Case:
    return Case(c.layer, _concrete(c.inputs), {k: _concrete(v) for k, v in c.extra.items()})


def _params():
    for p in CASES:
        c = p.values[0]
        if c.id in EXCLUDED:
            continue
        c = _flops_case(c)
        yield pytest.param(c, id=c.id)
    yield from EXTRA


FLOPS_CASES = list(_params())

_RNN = {"SimpleRNN", "LSTM", "GRU", "RNN"}
_CONV_LSTM = {"ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}
"""Loops with no ``unroll`` argument: the built layer's ``unroll`` attribute is set instead."""


def _unrolled(layer: Layer) -> Layer:
    """The layer as the profiler can count it: the recurrent loop unrolled.

    ``stateful`` keeps its state in variables a frozen graph cannot assign;
    it does not change the arithmetic of a step.
    """
    if layer.cls in _RNN:
        return Layer(layer.cls, {**layer.kwargs, "unroll": True, "stateful": False})
    kwargs = {k: _unrolled(v) if isinstance(v, Layer) else v for k, v in layer.kwargs.items()}
    return Layer(layer.cls, kwargs)


def twin(c: Case) -> Case:
    """The Keras model profiled for ``c``: ``c`` itself unless the profiler cannot count it."""
    layer = _unrolled(c.layer)
    inputs = c.inputs
    if layer.cls in ("Conv1DTranspose", "Conv2DTranspose") and layer.kwargs.get("data_format") == "channels_first":
        layer = Layer(layer.cls, {**layer.kwargs, "data_format": "channels_last"})
        inputs = (inputs[0], *inputs[2:], inputs[1])
    return Case(layer, inputs, c.extra)


def profiler_flops(c: Case):
    """Profile ``c``'s one-layer Keras model at batch size 1."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        inputs = _batch1(c.inputs)
        if c.layer.cls == "InputLayer":
            tensors = [keras.Input(batch_shape=inputs)]
            model = keras.Model(tensors, tensors[0])
        else:
            layer = c.layer.keras()
            if c.layer.cls in _CONV_LSTM:
                layer.unroll = True  # RNN.call reads the attribute
            if isinstance(inputs, list):
                tensors = [keras.Input(batch_shape=s) for s in inputs]
                out = layer(tensors)
            else:
                tensors = [keras.Input(batch_shape=inputs)]
                extra = {k: keras.Input(batch_shape=_batch1(s)) for k, s in c.extra.items()}
                out = layer(tensors[0], **extra)
                tensors += list(extra.values())
            model = keras.Model(tensors, out)
    return profile_model(model, [tuple(t.shape) for t in tensors])


def catalogue_flops(c: Case) -> int | None:
    inner = c.layer.catalogued()
    return inner.spec.infer(inner.config, c.inputs, c.extra).flops


@pytest.mark.parametrize("c", FLOPS_CASES)
def test_flops_match_the_profiler(c: Case):
    profile = profiler_flops(twin(c))
    assert not profile.skipped, f"the profiler could not count: {profile.skipped}"
    ops = "\n".join(f"  {kind:<22} {count:>8}  {name}" for kind, name, count in profile.ops)
    assert catalogue_flops(c) == profile.flops, f"profiler ops:\n{ops}"


NOT_MODELLED = {"MelSpectrogram", "ContrastLimitedAdaptiveHistogramEqualization"}
"""Catalogue classes whose FLOPs kerlint does not model (docs/flops.md)."""


def test_every_class_has_a_flops_case():
    """Profiled, or excluded with the reason the profiler cannot count it."""
    profiled = set().union(*(p.values[0].layer.classes() for p in FLOPS_CASES))
    excluded = {p.values[0].layer.cls for p in CASES if p.values[0].id in EXCLUDED}
    assert profiled | excluded == set(CATALOGUE) - FOREIGN - KERAS2_ONLY


@pytest.mark.parametrize("cls", sorted(NOT_MODELLED))
def test_unmodelled_classes_give_no_figure(cls: str):
    cases = [p.values[0] for p in CASES if p.values[0].layer.cls == cls]
    assert cases and all(catalogue_flops(c) is None for c in cases)


def test_exclusions_name_real_cases():
    assert set(EXCLUDED) <= {p.values[0].id for p in CASES}


def test_rnn_while_loop_is_undercounted():
    """Not unrolled, an LSTM is a ``tf.while_loop``: the profiler sees part of one step.

    It counts the loop body once and skips every op whose shape depends on
    the loop state (the recurrent MatMul among them), so its figure is below
    a single step's cost; kerlint reports timesteps x step instead.
    """
    c = Case(Layer("LSTM", {"units": 3}), (None, 5, 4))
    looped = profiler_flops(c)
    unrolled = profiler_flops(twin(c))
    assert any(op.startswith("MatMul ") for op in looped.skipped)
    assert 0 < looped.flops < unrolled.flops / 5
    assert catalogue_flops(c) == unrolled.flops


def _flops_of(cls: str, inputs: Any, **kwargs: Any) -> int | None:
    spec = CATALOGUE[cls]
    return spec.infer(LayerConfig({**spec.defaults, **kwargs}), inputs, {}).flops


def test_unknown_sizes_and_unmodelled_activations_give_no_figure():
    assert _flops_of("Dense", (None, None, 5), units=3) is None
    assert _flops_of("Conv2D", (None, None, None, 3), filters=4, kernel_size=3, padding="same") is None
    assert _flops_of("LSTM", (None, None, 4), units=3) is None
    assert _flops_of("Dense", (None, 5), units=3, activation="sparsemax") is None
    assert _flops_of("Dense", (None, 5), units=3, activation=object()) is None
    # The batch size never matters: figures are per sample.
    assert _flops_of("Dense", (32, 5), units=3) == _flops_of("Dense", (None, 5), units=3) == 33


def test_einsum_statistic():
    assert einsum_flops("ab,bc->ac", [(2, 3), (3, 4)]) == 2 * 2 * 3 * 4
    assert einsum_flops("...b,bc->...c", [(1, 2, 3, 5), (5, 4)]) == 2 * 2 * 3 * 5 * 4
    assert einsum_flops("aecd,abcd->acbe", [(1, 7, 2, 4), (1, 5, 2, 4)]) == 2 * 7 * 2 * 4 * 5
