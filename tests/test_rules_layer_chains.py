"""Precision checks for KER105, KER207-KER210 and KER401 on patterns real architectures use on purpose."""

from __future__ import annotations

import textwrap

import pytest

from kerlint.config import load_settings
from kerlint.engine import analyze_source

from helpers import analyze, codes

SILENT = {
    "mobilenet_v2_linear_bottleneck": (
        "KER207",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(56, 56, 24))
x = layers.Conv2D(144, 1, use_bias=False)(inputs)
x = layers.BatchNormalization()(x)
x = layers.ReLU(6.0)(x)
x = layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
x = layers.BatchNormalization()(x)
x = layers.ReLU(6.0)(x)
x = layers.Conv2D(32, 1, use_bias=False)(x)
x = layers.BatchNormalization()(x)
x = layers.Conv2D(192, 1, use_bias=False)(x)
x = layers.BatchNormalization()(x)
x = layers.ReLU(6.0)(x)
model = keras.Model(inputs, x)
""",
    ),
    "low_rank_factorized_dense": (
        "KER207",
        """
import keras
inputs = keras.Input(shape=(1024,))
x = keras.layers.Dense(32, use_bias=False)(inputs)
x = keras.layers.Dense(1024, activation="relu")(x)
model = keras.Model(inputs, x)
""",
    ),
    "transformer_feed_forward": (
        "KER207",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(128, 256))
attn = layers.MultiHeadAttention(num_heads=4, key_dim=64)(inputs, inputs)
x = layers.Add()([inputs, attn])
x = layers.LayerNormalization()(x)
ffn = layers.Dense(1024, activation="relu")(x)
ffn = layers.Dense(256)(ffn)
ffn = layers.Dropout(0.1)(ffn)
x = layers.Add()([x, ffn])
model = keras.Model(inputs, x)
""",
    ),
    "linear_projection_then_layer_norm": (
        "KER207",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(64, 48))
x = layers.Dense(128)(inputs)
x = layers.LayerNormalization()(x)
x = layers.Dense(128, activation="gelu")(x)
model = keras.Model(inputs, x)
""",
    ),
    "seq2seq_dot_attention": (
        "KER208",
        """
import keras
from keras import layers
encoder = keras.Input(shape=(20, 64))
decoder = keras.Input(shape=(15, 64))
scores = layers.Dot(axes=[2, 2])([decoder, encoder])
weights = layers.Activation("softmax")(scores)
context = layers.Dot(axes=[2, 1])([weights, encoder])
merged = layers.Concatenate()([context, decoder])
outputs = layers.Dense(1000, activation="softmax")(merged)
model = keras.Model([encoder, decoder], outputs)
""",
    ),
    "softmax_gate_multiplied": (
        "KER208",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(32,))
gate = layers.Dense(32, activation="softmax")(inputs)
gated = layers.Multiply()([inputs, gate])
outputs = layers.Dense(1)(gated)
model = keras.Model(inputs, outputs)
""",
    ),
    "relu_then_batchnorm_then_relu": (
        "KER208",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(32, 3, activation="relu")(inputs)
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)
model = keras.Model(inputs, x)
""",
    ),
    "softmax_output_also_fed_onward": (
        "KER208",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(32,))
coarse = layers.Dense(5, activation="softmax", name="coarse")(inputs)
fine = layers.Dense(20, activation="softmax", name="fine")(layers.Concatenate()([inputs, coarse]))
model = keras.Model(inputs, [coarse, fine])
""",
    ),
    "bias_then_residual_add_and_batchnorm": (
        "KER105",
        """
import keras
from keras import layers
inputs = keras.Input(shape=(32, 32, 64))
x = layers.Conv2D(64, 3, padding="same")(inputs)
y = layers.BatchNormalization()(x)
z = layers.Add()([x, y])
model = keras.Model(inputs, z)
""",
    ),
    "batchnorm_axis_unknown": (
        "KER105",
        """
import keras
import settings
from keras import layers
bn_axis = settings.BN_AXIS
inputs = keras.Input(shape=(32, 32, 3))
x = layers.Conv2D(64, 3)(inputs)
x = layers.BatchNormalization(axis=bn_axis)(x)
model = keras.Model(inputs, x)
""",
    ),
    "batchnorm_without_center": (
        "KER105",
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(64)(inputs)
x = keras.layers.BatchNormalization(center=False)(x)
model = keras.Model(inputs, x)
""",
    ),
    "dropout_exactly_half": (
        "KER209",
        """
import keras
model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dropout(0.5), keras.layers.Dense(1)])
""",
    ),
    "dropout_rate_unknown": (
        "KER209",
        """
import keras
def build(rate):
    return keras.Sequential([keras.Input((100,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dropout(rate), keras.layers.Dense(1)])
model = build(read_config()["dropout"])
""",
    ),
    "adagrad_common_rate": (
        "KER210",
        """
import keras
model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adagrad(learning_rate=0.1), loss="mse")
""",
    ),
    "adam_rate_unknown": (
        "KER210",
        """
import keras
model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=args.lr), loss="mse")
""",
    ),
    "string_optimizer": (
        "KER210",
        """
import keras
model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer="adam", loss="mse")
""",
    ),
    "simple_rnn_relu_has_no_cudnn_kernel": (
        "KER401",
        """
import keras
inputs = keras.Input(shape=(30, 8))
x = keras.layers.SimpleRNN(32, activation="relu")(inputs)
model = keras.Model(inputs, x)
""",
    ),
    "lstm_activation_unknown": (
        "KER401",
        """
import keras
def build(act):
    inputs = keras.Input(shape=(30, 8))
    return keras.Model(inputs, keras.layers.LSTM(32, activation=act)(inputs))
model = build(settings.activation)
""",
    ),
}

FLAGGED = {
    "conv_1x1_projection_then_conv": (
        "KER207",
        """
import keras
inputs = keras.Input(shape=(32, 32, 16))
x = keras.layers.Conv2D(64, 1)(inputs)
x = keras.layers.Conv2D(64, 3, activation="relu")(x)
model = keras.Model(inputs, x)
""",
    ),
    "dense_batchnorm_dense": (
        "KER207",
        """
import keras
inputs = keras.Input(shape=(100,))
x = keras.layers.Dense(64)(inputs)
x = keras.layers.BatchNormalization()(x)
x = keras.layers.Dense(32, activation="relu")(x)
model = keras.Model(inputs, x)
""",
    ),
    "relu_through_max_pooling": (
        "KER208",
        """
import keras
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
x = keras.layers.MaxPooling2D()(x)
x = keras.layers.Activation("relu")(x)
model = keras.Model(inputs, x)
""",
    ),
    "softmax_layer_after_softmax_activation": (
        "KER208",
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(5, activation="softmax")(inputs)
x = keras.layers.Softmax()(x)
model = keras.Model(inputs, x)
""",
    ),
    "keras1_dropout_p": (
        "KER209",
        """
from keras.models import Sequential
from keras.layers import Dense, Dropout
model = Sequential()
model.add(Dense(64, input_dim=20, activation="relu"))
model.add(Dropout(p=0.9))
model.add(Dense(1))
""",
    ),
    "spatial_dropout": (
        "KER209",
        """
import keras
inputs = keras.Input(shape=(100,), dtype="int32")
x = keras.layers.Embedding(5000, 64)(inputs)
x = keras.layers.SpatialDropout1D(0.7)(x)
model = keras.Model(inputs, x)
""",
    ),
    "lstm_unroll_and_no_bias": (
        "KER401",
        """
import keras
inputs = keras.Input(shape=(10, 8))
x = keras.layers.LSTM(16, unroll=True, use_bias=False)(inputs)
model = keras.Model(inputs, x)
""",
    ),
    "keras1_inner_activation": (
        "KER401",
        """
from keras.models import Sequential
from keras.layers import LSTM, Dense
model = Sequential()
model.add(LSTM(32, input_shape=(10, 8), inner_activation="hard_sigmoid"))
model.add(Dense(1))
""",
    ),
}


@pytest.mark.parametrize("code, source", SILENT.values(), ids=SILENT.keys())
def test_deliberate_pattern_is_not_flagged(code, source):
    assert code not in codes(source, extend_select=[code])


@pytest.mark.parametrize("code, source", FLAGGED.values(), ids=FLAGGED.keys())
def test_pattern_is_flagged(code, source):
    assert code in codes(source, extend_select=[code])


def test_builder_called_in_a_loop_reports_each_line_once():
    source = """
import keras
from keras import layers
def block(x, filters):
    x = layers.Conv2D(filters, 3, padding="same")(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)
inputs = keras.Input(shape=(64, 64, 3))
x = inputs
for filters in (32, 64, 128):
    x = block(x, filters)
model = keras.Model(inputs, x)
"""
    assert codes(source, extend_select=["KER105"]).count("KER105") == 1


def test_messages_carry_the_numbers():
    source = """
import keras
inputs = keras.Input(shape=(784,))
x = keras.layers.Dense(512)(inputs)
x = keras.layers.Dense(10, activation="softmax")(x)
x = keras.layers.Activation("softmax")(x)
model = keras.Model(inputs, x)
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.5), loss="categorical_crossentropy")
"""
    messages = {f.code: f.message for f in analyze(source, select=["ALL"]).findings}
    assert "401,920 parameters" in messages["KER207"]
    assert "no class can get more than 0.23" in messages["KER208"]
    assert "500x its default of 0.001" in messages["KER210"]


def test_options_move_the_thresholds(tmp_path):
    source = """
import keras
model = keras.Sequential([keras.Input((100,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dropout(0.6), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="mse")
"""
    assert "KER209" in codes(source, select=["ALL"]) and "KER210" not in codes(source, select=["ALL"])
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[tool.kerlint.options.high-dropout-rate]\nmax-rate = 0.7\n"
        "[tool.kerlint.options.KER210]\nmax-adaptive-lr = 0.01\n"
    )
    settings = load_settings(pyproject, select=["ALL"])
    found = [f.code for f in analyze_source(textwrap.dedent(source), "snippet.py", settings).findings]
    assert "KER209" not in found and "KER210" in found
