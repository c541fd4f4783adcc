"""The static memory model's conventions (docs/memory.md): what backprop keeps, what a recurrent layer holds."""

from __future__ import annotations

from kerlint.memory import estimate, optimizer_from_value

from helpers import analyze

SGD = optimizer_from_value("sgd")


def _memory(source: str, batch_size: int = 2):
    [model] = analyze(source).analysis.models
    return estimate(model, batch_size, optimizer=SGD)


def test_backprop_keeps_what_gradients_read_once():
    memory = _memory(
        """
import keras
from keras import layers
inputs = keras.Input(shape=(8, 8, 4))
x = layers.Conv2D(4, 3, padding="same", use_bias=False)(inputs)
x = layers.BatchNormalization()(x)
x = layers.Activation("relu")(x)
x = layers.add([x, inputs])
x = layers.Activation("relu")(x)
model = keras.Model(inputs, x)
"""
    )
    tensor = 2 * 8 * 8 * 4 * 4  # every tensor of this model: 2 samples of 8x8x4 float32
    # kept: the input (the convolution's kernel gradient reads it), the convolution's output (batch norm reads its
    # input), the first relu's output (relu's gradient reads its output), the model's output (the second relu's
    # and the loss's). Not the batch norm's output (read by nobody's gradient) nor the sum (an add reads nothing).
    assert memory.activations == 6 * tensor
    assert memory.saved_activations == 4 * tensor


def test_an_activation_read_from_its_input_keeps_the_pre_activation():
    relu, gelu = (
        _memory(
            f"""
import keras
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(32, activation="{name}"), keras.layers.Dense(4)])
"""
        )
        for name in ("relu", "gelu")
    )
    # relu: its output, which the next Dense reads anyway; gelu: its pre-activation as well, one more 2x32 buffer
    assert gelu.saved_activations - relu.saved_activations == 2 * 32 * 4


def test_a_dropout_keeps_a_one_byte_mask():
    memory = _memory("import keras\nmodel = keras.Sequential([keras.Input((10,)), keras.layers.Dropout(0.5), keras.layers.Dense(3)])\n")
    # the input (read by nobody), the dropout's output (the Dense reads it), its mask (bool), the model's output
    assert memory.saved_activations == 2 * 10 * 4 + 2 * 10 + 2 * 3 * 4


def test_a_recurrent_layer_holds_one_more_copy_of_its_input_while_it_runs():
    sequences, last = (
        _memory(
            f"""
import keras
model = keras.Sequential([keras.Input((20, 8)), keras.layers.GRU(16, return_sequences={flag})])
""",
            batch_size=4,
        )
        for flag in (True, False)
    )
    weights = 3 * 16 * (8 + 16 + 2) * 4
    inputs = 4 * 20 * 8 * 4
    # the input, its time-major copy unstacked into a TensorArray, and the output
    assert last.inference_peak == weights + inputs + inputs + 4 * 16 * 4
    # with return_sequences, the collected step outputs (20 x 4 x 16) beside the stacked output of the same size
    assert sequences.inference_peak == weights + 2 * inputs + 2 * (4 * 20 * 16 * 4)


def test_independent_branches_run_side_by_side_at_inference():
    memory = _memory(
        """
import keras
from keras import layers
a, b = keras.Input((100,)), keras.Input((100,))
x = layers.Dense(10)(layers.Dense(1000)(a))
y = layers.Dense(10)(layers.Dense(1000)(b))
model = keras.Model([a, b], layers.concatenate([x, y]))
""",
        batch_size=1,
    )
    # TensorFlow's executor runs both Dense(1000) before either Dense(10): input b and both 1000-wide outputs are
    # alive together (one branch after the other would peak at 1200 values)
    assert memory.inference_peak - memory.weights == 4 * (100 + 1000 + 1000)
