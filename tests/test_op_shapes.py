"""Operations on tensors, however they are spelled (``keras.ops``, ``tf``, ``K``, numpy), against TensorFlow itself.

Each case runs the same expression twice: through kerlint's interpreter on a
symbolic input, and through TensorFlow on a placeholder of the same shape
(``tf.function`` tracing, as Keras traces a layer's ``call``): the output
shapes must agree, a run-time dimension (None) included. The end-to-end
programs (a custom layer, Lambdas, Keras 2 functional code whose raw TF ops
tf_keras wraps as ``TFOpLambda`` layers) are built with real Keras, and their
parameter counts and output shapes compared with kerlint's.
"""

from __future__ import annotations

import os
import sys
import textwrap

import libcst as cst
import pytest

from kerlint.graph import OpCall, Tensor, topological
from kerlint.interpret.analysis import analyze_module
from kerlint.interpret.interpreter import Interpreter
from kerlint.interpret.op_shapes import RUNTIME
from kerlint.unknown import UNKNOWN

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

PRELUDE = """\
import numpy as np
import tensorflow as tf
import keras
from keras import ops
from tf_keras import backend as K
"""
SEQUENCE = [(None, 4, 6)]
IMAGE = [(None, 4, 4, 8)]

CASES = {
    # tf, tf.math, tf.nn, tf.linalg, tf.image, tf.random
    "tf.reshape(x, (-1, 24))": SEQUENCE,
    "tf.reshape(x, (tf.shape(x)[0], -1, 3))": SEQUENCE,
    "tf.reshape(x, (tf.shape(x)[0], 8, 3))": SEQUENCE,
    "tf.reshape(x, tf.concat([tf.shape(x)[:-1], [2, 3]], 0))": SEQUENCE,
    "tf.concat([x, x], axis=-1)": SEQUENCE,
    "tf.stack([x, x], axis=1)": SEQUENCE,
    "tf.expand_dims(x, 1)": SEQUENCE,
    "tf.squeeze(tf.expand_dims(x, 1), axis=1)": SEQUENCE,
    "tf.tile(x, [1, 2, 3])": SEQUENCE,
    "tf.transpose(x, perm=[0, 2, 1])": SEQUENCE,
    "tf.matmul(x, x, transpose_b=True)": SEQUENCE,
    "tf.linalg.matmul(x, y)": [(None, 4, 6), (6, 5)],
    "tf.einsum('bij,bkj->bik', x, x)": SEQUENCE,
    "tf.einsum('...j,jk->...k', x, y)": [(None, 4, 6), (6, 5)],
    "tf.tensordot(x, y, axes=1)": [(None, 4, 6), (6, 5)],
    "tf.tensordot(x, y, axes=[[1], [1]])": [(None, 4, 6), (6, 4)],
    "tf.gather(x, [0, 2], axis=1)": SEQUENCE,
    "tf.gather(x, 1, axis=-1)": SEQUENCE,
    "tf.gather(x, tf.cast(y, 'int32'), axis=1, batch_dims=1)": [(None, 4, 6), (None, 3)],
    "tf.nn.embedding_lookup(y, tf.cast(x, 'int32'))": [(None, 4, 6), (10, 3)],
    "tf.reduce_mean(x, axis=[1, 2])": SEQUENCE,
    "tf.reduce_sum(x, -1, keepdims=True)": SEQUENCE,
    "tf.reduce_max(x)": SEQUENCE,
    "tf.math.reduce_std(x, axis=1)": SEQUENCE,
    "tf.argmax(x)": SEQUENCE,
    "tf.math.square(x) + tf.sqrt(x) * tf.exp(0.5 * x)": SEQUENCE,
    "tf.math.maximum(x, y)": [(None, 4, 6), (6,)],
    "tf.where(x > 0, x, 0.0)": SEQUENCE,
    "tf.cast((x >= y) & (x != 1.0), 'float32')": [(None, 4, 6), (6,)],
    "tf.nn.depth_to_space(x, 2)": IMAGE,
    "tf.nn.space_to_depth(x, 2)": IMAGE,
    "tf.nn.relu(x) - tf.nn.gelu(x)": SEQUENCE,
    "tf.nn.softmax(x, axis=1)": SEQUENCE,
    "tf.nn.softmax(logits=x) + tf.nn.relu(features=x) + tf.math.cumsum(x)": SEQUENCE,
    "tf.nn.l2_normalize(x, axis=-1)": SEQUENCE,
    "tf.nn.moments(x, axes=[1])": SEQUENCE,
    "tf.image.resize(x, (8, 9))": IMAGE,
    "tf.image.flip_left_right(tf.image.per_image_standardization(x))": IMAGE,
    "tf.nn.conv2d(x, y, strides=2, padding='SAME')": [(None, 8, 8, 3), (3, 3, 3, 5)],
    "tf.nn.convolution(x, y, 2, 'SAME')": [(None, 8, 8, 3), (3, 3, 3, 5)],
    "tf.nn.conv1d(x, y, stride=1, padding='VALID', dilations=2)": [(None, 10, 4), (3, 4, 6)],
    "tf.nn.depthwise_conv2d(x, y, strides=[1, 1, 1, 1], padding='VALID')": [(None, 8, 8, 3), (3, 3, 3, 2)],
    "tf.nn.max_pool2d(x, ksize=2, strides=2, padding='VALID')": IMAGE,
    "tf.nn.avg_pool2d(x, 3, 1, 'SAME')": IMAGE,
    "tf.image.extract_patches(x, sizes=[1, 3, 3, 1], strides=[1, 2, 2, 1], rates=[1, 1, 1, 1], padding='VALID')": [(None, 9, 8, 3)],
    "tf.random.normal(shape=(tf.shape(x)[0], 5))": SEQUENCE,
    "tf.random.uniform(tf.shape(x))": SEQUENCE,
    "tf.zeros((tf.shape(x)[0], 3))": SEQUENCE,
    "tf.cast(x, 'int32')": SEQUENCE,
    "tf.one_hot(tf.cast(x[:, 0, 0], 'int32'), 5)": SEQUENCE,
    "tf.split(x, 2, axis=-1)": SEQUENCE,
    "tf.split(x, [2, -1], axis=-1)": SEQUENCE,
    "tf.unstack(x, axis=1)": SEQUENCE,
    "tf.pad(x, [[0, 0], [1, 2], [3, 3]])": SEQUENCE,
    "tf.range(tf.shape(x)[1])": SEQUENCE,
    "tf.range(tf.shape(x)[0])": SEQUENCE,
    "tf.constant([[1.0, 2.0], [3.0, 4.0]])": SEQUENCE,
    "x[:, None, ..., 1:4:2]": SEQUENCE,
    "x[..., tf.newaxis] * x[:, :, np.newaxis]": SEQUENCE,
    "x[:, -1]": SEQUENCE,
    # keras.ops (and its numpy / nn / image modules)
    "ops.reshape(x, (-1, 24))": SEQUENCE,
    "ops.transpose(x, (0, 2, 1))": SEQUENCE,
    "ops.matmul(x, ops.transpose(x, (0, 2, 1)))": SEQUENCE,
    "ops.einsum('bij,bkj->bik', x, x)": SEQUENCE,
    "ops.tensordot(x, y, 2)": [(None, 4, 6), (4, 6, 5)],
    "ops.take(x, [0, 2], axis=1)": SEQUENCE,
    "ops.split(x, 3, axis=-1)": SEQUENCE,
    "ops.split(x, [1, 4], axis=-1)": SEQUENCE,
    "ops.stack([x, x], axis=-1)": SEQUENCE,
    "ops.repeat(x, 2, axis=1)": SEQUENCE,
    "ops.tile(x, (2, 1))": SEQUENCE,
    "ops.pad(x, ((0, 0), (1, 1), (0, 2)))": SEQUENCE,
    "ops.image.resize(x, (8, 8))": IMAGE,
    "ops.image.extract_patches(x, 2)": IMAGE,
    "ops.conv(x, y, strides=2, padding='same')": [(None, 7, 7, 3), (3, 3, 3, 4)],
    "ops.depthwise_conv(x, y, 1, 'valid')": [(None, 8, 8, 3), (3, 3, 3, 2)],
    "ops.max_pool(x, 2)": IMAGE,
    "ops.average_pool(x, (2, 2), strides=1)": IMAGE,
    "ops.image.extract_patches(x, (3, 2), strides=(2, 2), padding='same')": [(None, 9, 8, 3)],
    "keras.random.normal(shape=(ops.shape(x)[0], 3)) * keras.backend.epsilon()": SEQUENCE,
    "ops.one_hot(ops.cast(x[:, 0, 0], 'int32'), 5)": SEQUENCE,
    "ops.arange(0, ops.shape(x)[1])": SEQUENCE,
    "ops.mean(x, axis=1) + ops.numpy.sum(x, axis=1)": SEQUENCE,
    "ops.expand_dims(x, -1)": SEQUENCE,
    "ops.squeeze(x[:, :1], 1)": SEQUENCE,
    "ops.concatenate([x, x], axis=1)": SEQUENCE,
    "ops.softmax(x) * ops.nn.relu(x)": SEQUENCE,
    "ops.zeros((ops.shape(x)[0], 3))": SEQUENCE,
    "ops.identity(3) + ops.eye(3)": SEQUENCE,
    "ops.ctc_loss(tf.cast(y, 'int32'), tf.nn.softmax(x), tf.ones((tf.shape(x)[0],), 'int32') * 2, tf.ones((tf.shape(x)[0],), 'int32') * 4)": [(None, 4, 6), (None, 2)],
    "ops.triu(x) + ops.tril(x, -1) + tf.linalg.band_part(x, -1, 0)": SEQUENCE,
    "ops.argmax(x, axis=-1)": SEQUENCE,
    "ops.argmax(x, axis=1, keepdims=True)": SEQUENCE,
    "ops.norm(x, 2, axis=-1)": SEQUENCE,
    "ops.cumsum(x)": SEQUENCE,
    "ops.cumsum(x, axis=1)": SEQUENCE,
    "ops.moments(x, axes=[1])": SEQUENCE,
    "keras.activations.swish(x)": SEQUENCE,
    # Keras 2's backend
    "K.mean(x, axis=-1, keepdims=True)": SEQUENCE,
    "K.sum(x, axis=1)": SEQUENCE,
    "K.concatenate([x, x])": SEQUENCE,
    "K.expand_dims(x)": SEQUENCE,
    "K.reshape(x, (-1, 24))": SEQUENCE,
    "K.square(x) + K.sqrt(x) + K.exp(x)": SEQUENCE,
    "K.batch_dot(x, x, axes=(2, 2))": SEQUENCE,
    "K.batch_dot(x, K.permute_dimensions(x, (0, 2, 1)))": SEQUENCE,
    "K.batch_dot(x[:, 0], x[:, 1], axes=1)": SEQUENCE,
    "K.permute_dimensions(x, (0, 2, 1))": SEQUENCE,
    "K.repeat_elements(x, 2, axis=1)": SEQUENCE,
    "K.flatten(x)": SEQUENCE,
    "K.batch_flatten(x)": SEQUENCE,
    "K.dot(x, y)": [(None, 4, 6), (6, 5)],
    "K.repeat(x[:, 0], 3)": SEQUENCE,
    "K.one_hot(K.cast(x[:, :, 0], 'int32'), 5)": SEQUENCE,
    "K.max(x, axis=1)": SEQUENCE,
    "K.argmax(x)": SEQUENCE,
    "K.tile(x, (1, 2, 1))": SEQUENCE,
    "K.stack([x, x], axis=1)": SEQUENCE,
    "K.ctc_batch_cost(tf.cast(y, 'int32'), tf.nn.softmax(x), tf.ones((tf.shape(x)[0], 1), 'int32') * 4, tf.ones((tf.shape(x)[0], 1), 'int32') * 2)": [(None, 4, 6), (None, 2)],
    "K.conv2d(x, y, padding='same')": [(None, 8, 8, 3), (3, 3, 3, 5)],
    "K.pool2d(x, (2, 2), strides=(2, 2))": IMAGE,
}
"""Expression -> the shapes of its inputs `x` (and `y`); None is the run-time batch axis."""

VALUES = {
    "tf.shape(x)[1] * tf.shape(x)[2]": SEQUENCE,
    "tf.reduce_prod(tf.shape(x)[1:])": SEQUENCE,
    "tf.reduce_prod([tf.shape(x)[1], tf.shape(x)[2]])": SEQUENCE,
    "tf.shape(x)[1:][0] + 1": SEQUENCE,
    "ops.shape(x)[-1]": SEQUENCE,
    "K.int_shape(x)": SEQUENCE,
    "x.shape[-1] // 2": SEQUENCE,
    "x.shape.as_list()": SEQUENCE,
    "x.get_shape().as_list()[1:]": SEQUENCE,
    "x.shape.rank + x.ndim": SEQUENCE,
    "tf.rank(x)": SEQUENCE,
    "int(np.prod(x.shape[1:]))": SEQUENCE,
    "np.sqrt(x.shape[-1] * 6)": SEQUENCE,
    "np.prod((7, 7, 512))": SEQUENCE,
    "2 * np.pi * x.shape[-1]": SEQUENCE,
}
"""Expressions whose value (a size, a shape) kerlint computes: ints where TensorFlow knows them statically."""


def kerlint_value(expression: str, shapes: list[tuple]) -> object:
    names = ["x", "y"][: len(shapes)]
    inputs = "".join(f"{name} = keras.Input(batch_shape={shape})\n" for name, shape in zip(names, shapes))
    interpreter = Interpreter(cst.parse_module(PRELUDE + inputs + f"out = {expression}\n"), "ops.py")
    interpreter.run()
    return interpreter.globals.vars["out"]


def function_of(expression: str, arity: int, **extra: object):
    """The expression as a Python function of `x` (and `y`), with TensorFlow, keras.ops, tf_keras's backend and numpy."""
    tf = pytest.importorskip("tensorflow", reason="checking shapes against TensorFlow needs tensorflow")
    backend = pytest.importorskip("tf_keras.backend", reason="Keras 2's backend functions need tf_keras")
    import keras
    import numpy as np

    names = ", ".join(["x", "y"][:arity])
    return eval(f"lambda {names}: {expression}", {"tf": tf, "ops": keras.ops, "K": backend, "np": np, "keras": keras, **extra})


def tensorflow_value(expression: str, shapes: list[tuple], **extra: object) -> object:
    """What TensorFlow computes tracing the expression on placeholders of these shapes, as Keras traces ``call``."""
    import tensorflow as tf

    specs = [tf.TensorSpec(shape, tf.float32) for shape in shapes]
    return tf.function(function_of(expression, len(shapes), **extra)).get_concrete_function(*specs).structured_outputs


def shapes_of(value: object) -> object:
    if isinstance(value, (list, tuple)):
        return [shapes_of(v) for v in value]
    shape = value.shape
    return tuple(shape) if isinstance(value, Tensor) else tuple(shape.as_list())


@pytest.mark.parametrize("expression", CASES)
def test_output_shape_is_the_one_tensorflow_infers(expression):
    shapes = CASES[expression]
    ours = kerlint_value(expression, shapes)
    assert ours is not UNKNOWN, expression
    assert shapes_of(ours) == shapes_of(tensorflow_value(expression, shapes))


@pytest.mark.parametrize("expression", VALUES)
def test_sizes_read_from_shapes_are_the_values_tensorflow_knows(expression):
    """A size tensor counts as the number TF's shape inference reads from it when it builds a shape (None if none)."""
    tf = pytest.importorskip("tensorflow", reason="checking values against TensorFlow needs tensorflow")

    def static(value):
        if isinstance(value, tf.Tensor):
            return tf.zeros(tf.stack([value])).shape[0]  # what `tf.zeros((size,))` gets: TF folds what it can
        return [static(v) for v in value] if isinstance(value, (list, tuple)) else value

    seen: list = []
    tensorflow_value(f"seen.append(static({expression})) or 0", VALUES[expression], seen=seen, static=static)
    ours = kerlint_value(expression, VALUES[expression])
    assert (None if ours is RUNTIME else static(ours)) == seen[0]


def test_a_run_time_size_builds_a_none_dimension_and_never_a_number():
    ours = kerlint_value("tf.reshape(x, (tf.shape(x)[0] * 2, tf.shape(x)[1] // 2, -1))", SEQUENCE)
    assert ours.shape == (None, 2, None)  # TF solves no -1 beside a run-time size
    assert kerlint_value("tf.shape(x)[0] + 1", SEQUENCE) is RUNTIME


def test_the_same_operation_spelled_four_ways_is_one_operation():
    spellings = ["tf.concat([x, x], -1)", "ops.concatenate([x, x], axis=-1)", "K.concatenate([x, x])", "keras.ops.numpy.concatenate([x, x], -1)"]
    outputs = [kerlint_value(s, SEQUENCE) for s in spellings]
    assert {o.shape for o in outputs} == {(None, 4, 12)}
    assert {o.producer.name for o in outputs} == {"concatenate"}


def test_arrays_handed_to_tf_stay_data_the_data_rules_read():
    source = PRELUDE + "(x_train, y_train), _ = keras.datasets.mnist.load_data()\nx = tf.cast(x_train, tf.float32) / 255.0\n"
    interpreter = Interpreter(cst.parse_module(source), "data.py")
    interpreter.run()
    x = interpreter.globals.vars["x"]
    assert x.shape == (None, 28, 28) and x.scaled
    assert kerlint_value("tf.reduce_mean(np.zeros((3, 4)))", SEQUENCE) is UNKNOWN  # the data side's, not a tensor


# ------------------------------------------------------------------ why an operation is unknown


@pytest.mark.parametrize("expression, reason", [
    ("tf.random.normal(shape=(unknown_size, 3))", "`tf.random.normal` with an unknown shape"),
    ("tf.random.normal(shape=(x.shape[0], 3))", "`tf.random.normal` with None in its shape"),
    ("tf.signal.fft(x)", "`tf.signal.fft` is not modelled"),
    ("ops.top_k(x, 2)", "`keras.ops.top_k` is not modelled"),
    ("x << 2", "the operator `LeftShift` on a tensor is not modelled"),
    ("tf.reshape(x[0], (5, 7))", "`tf.reshape` of 24 values to (5, 7), which holds 35"),
])
def test_an_operation_it_cannot_model_is_unknown_and_says_why(expression, reason):
    source = PRELUDE + "unknown_size = int(input())\nx = keras.Input((4, 6))\nout = " + expression + "\n"
    interpreter = Interpreter(cst.parse_module(source), "ops.py")
    interpreter.run()
    causes = [cause.reason for cause in interpreter.causes]
    assert interpreter.globals.vars["out"] is UNKNOWN
    assert any(cause.startswith(reason) for cause in causes), causes


# ------------------------------------------------------------------ whole programs against Keras


def analyzed_model(source: str):
    analysis = analyze_module(cst.parse_module(textwrap.dedent(source)), "program.py")
    return analysis.models[-1]


@pytest.fixture
def keras_session():
    """Real Keras runs in a session of its own: the layer names it generates here do not shift other tests' names."""
    yield
    for module in ("keras", "tf_keras"):
        if module in sys.modules:
            sys.modules[module].backend.clear_session()


def run_program(source: str, keras_module: str = "keras") -> dict:
    pytest.importorskip(keras_module, reason=f"checking the program against Keras needs {keras_module}")
    namespace: dict = {}
    exec(compile(textwrap.dedent(source), "<program>", "exec"), namespace)  # our own test program
    return namespace


PROGRAMS = {
    "sampling_layer": """
        import tensorflow as tf
        import keras
        from keras import layers

        class Sampling(layers.Layer):
            def call(self, inputs):
                z_mean, z_log_var = inputs
                batch = tf.shape(z_mean)[0]
                dim = tf.shape(z_mean)[1]
                epsilon = tf.random.normal(shape=(batch, dim))
                return z_mean + tf.exp(0.5 * z_log_var) * epsilon

        inputs = keras.Input(shape=(28, 28, 1))
        x = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inputs)
        x = layers.Flatten()(x)
        z_mean = layers.Dense(2)(x)
        z_log_var = layers.Dense(2)(x)
        z = Sampling()([z_mean, z_log_var])
        model = keras.Model(inputs, [z_mean, z_log_var, z])
    """,
    "lambdas": """
        import tensorflow as tf
        import keras
        from keras import layers
        from tensorflow.keras import backend as K

        inp = keras.Input(shape=(16, 16, 3))
        x = layers.Conv2D(16, 3, padding="same")(inp)
        x = layers.Lambda(lambda t: tf.nn.depth_to_space(t, 2))(x)
        x = layers.Lambda(lambda t: K.mean(t, axis=-1, keepdims=True))(x)
        x = layers.Lambda(lambda t: tf.image.resize(t, (8, 8)))(x)
        x = layers.Flatten()(x)
        out = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inp, out)
    """,
    "position_embedding": """
        import keras
        from keras import layers, ops

        class AddPositions(layers.Layer):
            def __init__(self, longest, width):
                super().__init__()
                self.table = layers.Embedding(longest, width)

            def call(self, tokens):
                steps = ops.arange(ops.shape(tokens)[1])
                return tokens + ops.expand_dims(self.table(steps), 0)

        inputs = layers.Input(shape=(20,))
        x = layers.Embedding(100, 8)(inputs)
        x = AddPositions(20, 8)(x)
        x = layers.GlobalAveragePooling1D()(x)
        outputs = layers.Dense(2, activation="softmax")(x)
        model = keras.Model(inputs=inputs, outputs=outputs)
    """,
    "conv_with_tf_nn": """
        import tensorflow as tf
        import keras
        from keras import layers

        class ConvPool(layers.Layer):
            def __init__(self, filters):
                super().__init__()
                self.filters = filters

            def build(self, input_shape):
                self.kernel = self.add_weight(shape=(3, 3, input_shape[-1], self.filters), initializer="glorot_uniform")
                self.bias = self.add_weight(shape=(self.filters,), initializer="zeros")

            def call(self, x):
                y = tf.nn.conv2d(x, self.kernel, strides=1, padding="SAME") + self.bias
                return tf.nn.max_pool2d(tf.nn.relu(y), ksize=2, strides=2, padding="VALID")

        inputs = keras.Input((16, 16, 3))
        x = layers.Flatten()(ConvPool(8)(inputs))
        model = keras.Model(inputs, layers.Dense(2)(x))
    """,
    "numpy_positional_encoding": """
        import numpy as np
        import tensorflow as tf
        import keras

        def positional_encoding(length, depth):
            depth = depth / 2
            positions = np.arange(length)[:, np.newaxis]
            angle_rads = positions / (10000 ** (np.arange(depth)[np.newaxis, :] / depth))
            return tf.cast(np.concatenate([np.sin(angle_rads), np.cos(angle_rads)], axis=-1), dtype=tf.float32)

        class PositionalEmbedding(keras.layers.Layer):
            def __init__(self, vocab_size, d_model):
                super().__init__()
                self.d_model = d_model
                self.embedding = keras.layers.Embedding(vocab_size, d_model)
                self.pos_encoding = positional_encoding(length=64, depth=d_model)

            def call(self, x):
                length = tf.shape(x)[1]
                x = self.embedding(x) * tf.math.sqrt(tf.cast(self.d_model, tf.float32))
                return x + self.pos_encoding[tf.newaxis, :length, :]

        inputs = keras.Input((20,))
        x = keras.layers.GlobalAveragePooling1D()(PositionalEmbedding(100, 16)(inputs))
        model = keras.Model(inputs, keras.layers.Dense(2)(x))
    """,
    "heads_with_ops": """
        import keras
        from keras import layers, ops

        class SplitHeads(layers.Layer):
            def __init__(self, heads):
                super().__init__()
                self.heads = heads

            def call(self, x):
                batch, length, width = ops.shape(x)[0], x.shape[1], x.shape[-1]
                x = ops.reshape(x, (batch, length, self.heads, width // self.heads))
                x = ops.transpose(x, (0, 2, 1, 3))
                scores = ops.softmax(ops.matmul(x, ops.transpose(x, (0, 1, 3, 2))) / ops.sqrt(float(width)))
                mixed = ops.transpose(ops.matmul(scores, x), (0, 2, 1, 3))
                return ops.reshape(mixed, (batch, length, width))

        inputs = keras.Input(shape=(10, 16))
        x = layers.Dense(16)(inputs)
        x = SplitHeads(4)(x)
        x = layers.Flatten()(x)
        outputs = layers.Dense(3)(x)
        model = keras.Model(inputs, outputs)
    """,
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_programs_computing_with_ops_match_keras(name, keras_session):
    source = PROGRAMS[name]
    ours = analyzed_model(source)
    model = run_program(source)["model"]
    assert (ours.params, ours.trainable_params) == (model.count_params(), sum(int(w.numpy().size) for w in model.trainable_weights))
    assert [t.shape for t in ours.outputs] == [tuple(o.shape) for o in model.outputs]


TF_OP_LAMBDA = """
    import tensorflow as tf
    import tf_keras as keras

    inp = keras.Input(shape=(10, 8))
    x = keras.layers.Dense(16)(inp)
    x = tf.reshape(x, (-1, 160))
    x = tf.concat([x, x], axis=-1)
    x = tf.nn.relu(x)
    x = tf.expand_dims(x, 1)
    x = tf.squeeze(x, axis=1)
    x = tf.split(x, 2, axis=-1)[0]
    x = tf.math.reduce_mean(tf.reshape(x, (-1, 16, 10)), axis=-1)
    out = keras.layers.Dense(3)(x)
    model = keras.Model(inp, out)
"""


def test_raw_tf_ops_on_keras_2_symbolic_tensors_are_the_graph_tf_keras_builds(keras_session):
    """tf_keras wraps each raw TF op as a ``TFOpLambda`` layer: kerlint's operations have their output shapes."""
    model = run_program(TF_OP_LAMBDA, "tf_keras")["model"]
    ours = analyzed_model(TF_OP_LAMBDA)
    assert ours.params == model.count_params()
    import tensorflow as tf

    wrapped = [[tuple(t.shape) for t in tf.nest.flatten(layer.output)] for layer in model.layers if type(layer).__name__ == "TFOpLambda"]
    operations = [node for node in topological(ours.outputs)[0] if isinstance(node, OpCall)]
    assert [[t.shape for t in op.outputs] for op in operations] == wrapped
    assert [t.shape for t in ours.outputs] == [tuple(model.output.shape)]


# ------------------------------------------------------------------ FLOPs against TensorFlow's profiler

FLOPS = {
    **{e: e for e in (
        "x + x", "x * 0.5", "tf.square(x)", "-x", "tf.math.rsqrt(x)", "tf.nn.softmax(x)", "tf.nn.relu(x)", "tf.exp(x)",
        "tf.reduce_mean(x, axis=-1)", "tf.reduce_sum(x, axis=1)", "tf.matmul(x, x, transpose_b=True)",
        "tf.math.squared_difference(x, x)", "tf.einsum('bij,bkj->bik', x, x)", "tf.reshape(x, (-1, 24))",
        "tf.transpose(x, (0, 2, 1))", "tf.nn.conv1d(x, tf.ones((3, 6, 2)), 1, 'VALID')", "tf.nn.max_pool1d(x, 2, 2, 'VALID')",
        "tf.nn.avg_pool1d(x, 3, 1, 'SAME')",
    )},
    # The profiler's BatchMatMul statistic reads `transpose_a`, which BatchMatMulV2 calls `adj_x`: it counts the
    # untransposed contraction. kerlint counts the one TF runs, as the profiler does for an explicit transpose.
    "tf.matmul(x, x, transpose_a=True)": "tf.matmul(tf.transpose(x, (0, 2, 1)), x)",
}
"""Expression -> the expression whose profile gives its FLOPs."""


@pytest.mark.parametrize("expression", FLOPS)
def test_operation_flops_per_sample_are_the_profilers(expression):
    """One sample's FLOPs as docs/flops.md counts them: the profiler's on a batch of one (an einsum as MatMul's)."""
    flops_profiler = pytest.importorskip("flops_profiler", reason="profiling needs tensorflow")
    import tensorflow as tf

    profiled = tf.function(function_of(FLOPS[expression], 1)).get_concrete_function(tf.TensorSpec((1, 4, 6), tf.float32))
    operations = topological([kerlint_value(expression, SEQUENCE)])[0]
    assert sum(op.flops for op in operations) == flops_profiler.profile_graph(profiled.graph).flops


# ------------------------------------------------------------------ robustness


def test_any_arguments_give_a_shape_or_a_reason_never_an_error():
    """Every spelling on arbitrary arguments: sizes that are ints or None, or `Unmodelled`; nothing else escapes."""
    import random

    from kerlint.graph import InputNode
    from kerlint.interpret.op_shapes import BACKEND, KERAS_OPS, NUMPY, OPERATIONS, TF, Unmodelled

    tensors = [Tensor(shape, InputNode("x", None, shape)) for shape in [(None, 4, 6), (None, 4, 4, 8), None, ()]]
    values = [*tensors, 3, -1, 0, None, (2, -3), "a", tensors[:2], 0.5, RUNTIME, UNKNOWN, (), [[1, 2], [3]], True,
              (1, 1, 1, 1), [0, 2], 10**30, "same", "bij,bjk->bik", [[0, 0], [1, 1]]]
    chance = random.Random(16)
    for table in (KERAS_OPS, TF, BACKEND, NUMPY):
        for spelled in table.values():
            operation = OPERATIONS[spelled.operation]
            for _ in range(100):
                keyword = chance.choice(spelled.parameters).partition("=")[0].lstrip("*")
                bound = spelled.bind([chance.choice(values) for _ in range(chance.randint(0, 4))], {keyword: chance.choice(values)})
                try:
                    if operation.value is not None:
                        operation.value(bound)
                    outputs = operation.shape(bound) if operation.shape is not None else []
                    for shape in outputs if isinstance(outputs, list) else [outputs]:
                        assert all(d is None or type(d) is int for d in shape), (spelled, shape)
                        operation.flops(bound, shape)
                except Unmodelled:
                    pass


def library_functions() -> list[tuple[str, str, object]]:
    """(table name, spelling key, the library's function, None if the library has none) for every spelling."""
    tf = pytest.importorskip("tensorflow", reason="reading the libraries' signatures needs tensorflow")
    backend = pytest.importorskip("tf_keras.backend", reason="Keras 2's backend functions need tf_keras")
    import keras

    from kerlint.interpret.op_shapes import BACKEND, KERAS_OPS, TF

    namespaces = {"keras": (KERAS_OPS, [keras.ops, keras.activations, keras]), "tf": (TF, [tf, tf.math, tf.nn, tf.linalg]),
                  "K": (BACKEND, [backend])}
    found = []
    for label, (table, roots) in namespaces.items():
        for key in table:
            candidates = []
            for root in roots:
                function = root
                for part in key.split("."):
                    function = getattr(function, part, None)
                candidates.append(function)
            found.append((label, key, next((c for c in candidates if c is not None), None)))
    return found


def test_each_spelling_is_a_function_of_its_library():
    assert [f"{label}.{key}" for label, key, function in library_functions() if function is None] == []


def test_each_spelling_takes_its_arguments_in_the_librarys_order():
    """Past the first (tensor) argument, the parameters a spelling binds are the library's, in its order."""
    import inspect

    from kerlint.interpret.op_shapes import BACKEND, KERAS_OPS, TF

    tables = {"keras": KERAS_OPS, "tf": TF, "K": BACKEND}
    wrong = []
    for label, key, function in library_functions():
        if function is None:
            continue
        real = list(inspect.signature(function).parameters.values())
        own = [p.partition("=")[0] for p in tables[label][key].parameters]
        for index, name in enumerate(own[1:], 1):
            expected = real[index].name if index < len(real) else None
            if name.lstrip("*") != expected or name.startswith("*") != (real[index].kind is real[index].VAR_POSITIONAL):
                wrong.append(f"{label}.{key}: {own} vs {[p.name for p in real]}")
                break
    assert not wrong
