"""Custom layers, subclasses and the other ways real code builds models, against real Keras.

Each program is analyzed by kerlint as written and run by Keras; the parameter
total, the trainable/non-trainable split and the output shapes of its `model`
must be the ones Keras gives.
"""

from __future__ import annotations

import os
import textwrap

import pytest

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

keras = pytest.importorskip("keras", reason="comparing with real Keras needs keras (pip install kerlint[confirm])")

from kerlint.config import load_settings  # noqa: E402
from kerlint.engine import analyze_source  # noqa: E402
from kerlint.graph import ModelGraph  # noqa: E402

PROGRAMS = {
    # subclasses of built-in layers: the catalogue's weights and shapes, whatever the class overrides
    "subclass_conv_no_override": """
        import keras
        from keras import layers

        class MyConv(layers.Conv2D):
            pass

        inputs = keras.Input((16, 16, 3))
        x = MyConv(8, 3, activation="relu")(inputs)
        model = keras.Model(inputs, layers.Flatten()(x))
    """,
    "subclass_dense_init_fixes_arguments": """
        import keras

        class Hidden(keras.layers.Dense):
            def __init__(self, **kwargs):
                super().__init__(16, activation="relu", **kwargs)

        model = keras.Sequential([keras.Input((10,)), Hidden(), Hidden(name="second"), keras.layers.Dense(3)])
    """,
    "subclass_conv_call_uses_super": """
        import keras
        from keras import layers, ops

        class MyConv(layers.Conv2D):
            def call(self, x):
                return ops.relu(super().call(x))

        inputs = keras.Input((16, 16, 3))
        x = MyConv(8, 3, padding="same")(inputs)
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(2)(x))
    """,
    "subclass_dense_build_adds_a_weight": """
        import keras
        from keras import layers

        class ScaledDense(layers.Dense):
            def build(self, input_shape):
                super().build(input_shape)
                self.scale = self.add_weight(shape=(self.units,), initializer="ones", trainable=False)

            def call(self, x):
                return super().call(x) * self.scale

        inputs = keras.Input((12,))
        model = keras.Model(inputs, ScaledDense(5)(inputs))
    """,
    # Keras 3 does not trace a call overriding a built-in layer's: the shapes are the catalogue's, evaluated or not
    "subclass_conv_call_uses_kernel": """
        import keras
        from keras import layers, ops

        class StandardizedConv2D(layers.Conv2D):
            def call(self, inputs):
                mean = ops.mean(self.kernel, axis=[0, 1, 2], keepdims=True)
                result = self.convolution_op(inputs, self.kernel - mean)
                if self.use_bias:
                    result = result + self.bias
                return result

        inputs = keras.Input(shape=(12, 12, 1))
        x = StandardizedConv2D(4, kernel_size=3, strides=2)(inputs)
        model = keras.Model(inputs, layers.Dense(3)(layers.Flatten()(x)))
    """,
    # custom layers computing with their own weights
    "weight_broadcast": """
        import keras
        from keras import layers

        class Scale(layers.Layer):
            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

            def call(self, x):
                return x * self.w

        inputs = keras.Input((16, 16, 3))
        x = layers.Conv2D(4, 3)(inputs)
        x = Scale()(x)
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(2)(x))
    """,
    "weight_added_with_get_config": """
        import keras
        from keras import layers

        class Bias(layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.units = units

            def build(self, input_shape):
                self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros")
                self.counter = self.add_weight(shape=(), initializer="zeros", trainable=False)

            def call(self, x):
                return x + self.b

            def get_config(self):
                return {**super().get_config(), "units": self.units}

        inputs = keras.Input((7,))
        model = keras.Model(inputs, Bias(7)(layers.Dense(7)(inputs)))
    """,
    "compute_output_shape_declared": """
        import keras
        from keras import layers

        class Pair(layers.Layer):
            def call(self, x):
                return keras.ops.concatenate([x, x], axis=-1)

            def compute_output_shape(self, input_shape):
                return input_shape[:-1] + (2 * input_shape[-1],)

        inputs = keras.Input((6,))
        model = keras.Model(inputs, layers.Dense(3)(Pair()(inputs)))
    """,
    # build and compute_output_shape both overridden: Keras 3 builds without tracing call, so the sub-layers
    # build does not build stay unbuilt; inside another layer's call, which Keras traces, they are built
    "untraced_call_leaves_sublayers_unbuilt": """
        import keras
        from keras import layers

        class Block(layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.dense = layers.Dense(4)
                self.proj = layers.Dense(4)

            def build(self, input_shape):
                self.scale = self.add_weight(shape=(4,), initializer="ones")
                self.proj.build(input_shape)

            def call(self, x):
                return self.dense(x) * self.scale + self.proj(x)

            def compute_output_shape(self, input_shape):
                return input_shape[:-1] + (4,)

        class Outer(layers.Layer):
            def __init__(self):
                super().__init__()
                self.block = Block()

            def build(self, input_shape):
                self.block.build(input_shape)

            def call(self, x):
                return self.block(x)

        inputs = keras.Input((6,))
        model = keras.Model(inputs, [Block()(inputs), Outer()(inputs)])
    """,
    # sub-layers: made in __init__ or build, in lists and dicts, a Sequential in an attribute
    "sublayers_made_in_build": """
        import keras
        from keras import layers

        class Projection(layers.Layer):
            def build(self, input_shape):
                self.inner = layers.Dense(input_shape[-1] * 2)
                self.outer = layers.Dense(input_shape[-1])

            def call(self, x):
                return self.outer(self.inner(x))

        inputs = keras.Input((5,))
        model = keras.Model(inputs, Projection()(inputs))
    """,
    "sublayers_in_list_and_dict": """
        import keras
        from keras import layers

        class Tower(layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.blocks = [layers.Dense(8, activation="relu") for _ in range(3)]
                self.heads = {"a": layers.Dense(2), "b": layers.Dense(4)}

            def call(self, x):
                for block in self.blocks:
                    x = block(x)
                return self.heads["b"](x)

        inputs = keras.Input((6,))
        model = keras.Model(inputs, Tower()(inputs))
    """,
    "transformer_block": """
        import keras
        from keras import layers

        class TransformerBlock(layers.Layer):
            def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
                super().__init__()
                self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
                self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
                self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
                self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
                self.dropout1 = layers.Dropout(rate)
                self.dropout2 = layers.Dropout(rate)

            def call(self, inputs, training=False):
                attn_output = self.att(inputs, inputs)
                attn_output = self.dropout1(attn_output, training=training)
                out1 = self.layernorm1(inputs + attn_output)
                ffn_output = self.ffn(out1)
                ffn_output = self.dropout2(ffn_output, training=training)
                return self.layernorm2(out1 + ffn_output)

        inputs = layers.Input(shape=(20, 16))
        x = TransformerBlock(16, 2, 32)(inputs)
        x = layers.GlobalAveragePooling1D()(x)
        model = keras.Model(inputs=inputs, outputs=layers.Dense(2, activation="softmax")(x))
    """,
    # trainable flags on custom layers, as Keras sets them on each variable
    "custom_layers_frozen": """
        import keras
        from keras import layers

        class Block(layers.Layer):
            def __init__(self, units, **kwargs):
                super().__init__(**kwargs)
                self.dense = layers.Dense(units)
                self.norm = layers.LayerNormalization()

            def build(self, input_shape):
                self.gate = self.add_weight(shape=(input_shape[-1],), initializer="ones")

            def call(self, x):
                return self.norm(self.dense(x * self.gate))

        class FrozenDense(layers.Dense):
            pass

        inputs = keras.Input((6,))
        first = Block(8, trainable=False)  # frozen before its sub-layers exist: only its own weight is
        second = Block(4, name="second")
        x = FrozenDense(5, trainable=False)(first(inputs))
        model = keras.Model(inputs, second(x))
        second.trainable = False
        second.trainable = True
        second.norm.trainable = False
    """,
    "subclassed_model_frozen_layer_by_layer": """
        import keras
        from keras import layers

        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.out = layers.Dense(2)
                self.hidden = layers.Dense(8, activation="relu")

            def call(self, x):
                return self.out(self.hidden(x))

        net = Net()
        inputs = keras.Input((3,))
        model = keras.Model(inputs, layers.Dense(1)(net(inputs)))
        for layer in net.layers[:1]:
            layer.trainable = False
    """,
    # Model subclasses constructed the functional way (the GAN and custom training-loop tutorials)
    "model_subclass_functional_train_step": """
        import keras
        from keras import layers

        class CustomModel(keras.Model):
            def train_step(self, data):
                x, y = data
                return {"loss": 0.0}

        inputs = keras.Input(shape=(32,))
        outputs = layers.Dense(1)(layers.Dense(16, activation="relu")(inputs))
        model = CustomModel(inputs, outputs)
    """,
    "model_subclass_functional_keywords_and_init": """
        import keras
        from keras import layers

        class Trainer(keras.Model):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.tracker = keras.metrics.Mean(name="loss")

            def test_step(self, data):
                return {"loss": self.tracker.result()}

        inputs = keras.Input(shape=(8,))
        model = Trainer(inputs=inputs, outputs=layers.Dense(4)(inputs), name="trainer")
    """,
    "model_subclass_functional_call_override_nested": """
        import keras
        from keras import layers

        class Wrapped(keras.Model):
            def call(self, x, training=False):
                return super().call(x, training=training)

        class Plain(keras.Model):
            def train_step(self, data):
                return {}

        inputs = keras.Input((4,))
        wrapped = Wrapped(inputs, layers.Dense(3)(inputs))
        plain = Plain(inputs, layers.Dense(5, activation="relu")(inputs))
        x = keras.Input((4,))
        joined = layers.Concatenate()([wrapped(x), plain(x)])
        model = keras.Sequential([keras.Model(x, joined), layers.Dense(2)])
    """,
    # layers called with several tensors
    "custom_layer_two_tensors": """
        import keras
        from keras import layers, ops

        class Join(layers.Layer):
            def call(self, labels, y_pred):
                return ops.concatenate([labels, y_pred], axis=-1)

        labels = keras.Input((3,))
        features = keras.Input((5,))
        y_pred = layers.Dense(4)(features)
        joined = Join()(labels, y_pred)
        model = keras.Model([labels, features], layers.Dense(2)(joined))
    """,
    "multi_head_attention_key_keyword": """
        import keras
        from keras import layers

        q = keras.Input((4, 8))
        v = keras.Input((6, 10))
        k = keras.Input((6, 12))
        out = layers.MultiHeadAttention(num_heads=2, key_dim=4)(q, v, key=k)
        model = keras.Model([q, v, k], out)
    """,
    "first_argument_by_keyword": """
        import keras
        from keras import layers

        class Encoder(layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.attention = layers.MultiHeadAttention(num_heads=2, key_dim=8)
                self.rnn = layers.GRU(4)

            def call(self, inputs):
                attended = self.attention(query=inputs, value=inputs, key=inputs)
                return self.rnn(sequences=attended)

        inputs = keras.Input((5, 6))
        model = keras.Model(inputs, Encoder()(inputs))
    """,
    "self_attention_in_custom_layer": """
        import keras
        from keras import layers

        class SelfAttention(layers.Layer):
            def __init__(self, **kwargs):
                super().__init__(**kwargs)
                self.att = layers.MultiHeadAttention(num_heads=2, key_dim=4)

            def call(self, x):
                return self.att(x, x)

        inputs = keras.Input((5, 8))
        model = keras.Model(inputs, SelfAttention()(inputs))
    """,
    "custom_layer_with_mask_keyword": """
        import keras
        from keras import layers, ops

        class Masked(layers.Layer):
            def call(self, x, mask=None):
                return x * ops.expand_dims(mask, -1)

        inputs = keras.Input((6, 4))
        mask = keras.Input((6,))
        x = Masked()(inputs, mask=mask)
        model = keras.Model([inputs, mask], layers.Dense(3)(x))
    """,
    # tutorial-style programs
    # the Keras guide's Linear/MLPBlock: weights made in __init__, matmul on them, add_loss
    "keras_io_mlp_block_of_linear_layers": """
        import keras
        from keras import layers, ops

        class Linear(layers.Layer):
            def __init__(self, units=32, input_dim=32):
                super().__init__()
                self.w = self.add_weight(shape=(input_dim, units), initializer="random_normal", trainable=True)
                self.b = self.add_weight(shape=(units,), initializer="zeros", trainable=True)

            def call(self, inputs):
                return ops.matmul(inputs, self.w) + self.b

        class ActivityRegularizationLayer(layers.Layer):
            def __init__(self, rate=1e-2):
                super().__init__()
                self.rate = rate

            def call(self, inputs):
                self.add_loss(self.rate * ops.mean(inputs))
                return inputs

        class MLPBlock(layers.Layer):
            def __init__(self):
                super().__init__()
                self.linear_1 = Linear(32, 16)
                self.linear_2 = Linear(32, 32)
                self.linear_3 = Linear(1, 32)
                self.reg = ActivityRegularizationLayer()

            def call(self, inputs):
                x = self.linear_1(inputs)
                x = ops.relu(x)
                x = self.reg(x)
                x = self.linear_2(x)
                x = ops.relu(x)
                return self.linear_3(x)

        inputs = keras.Input((16,))
        model = keras.Model(inputs, MLPBlock()(inputs))
    """,
    # a residual block whose shortcut depends on the input shape (made in build), BatchNormalization's split
    "residual_block_shortcut_made_in_build": """
        import keras
        from keras import layers

        class ResidualBlock(layers.Layer):
            def __init__(self, filters, **kwargs):
                super().__init__(**kwargs)
                self.filters = filters
                self.conv1 = layers.Conv2D(filters, 3, padding="same")
                self.bn1 = layers.BatchNormalization()
                self.conv2 = layers.Conv2D(filters, 3, padding="same")
                self.bn2 = layers.BatchNormalization()
                self.add = layers.Add()
                self.act = layers.Activation("relu")

            def build(self, input_shape):
                if input_shape[-1] != self.filters:
                    self.shortcut = layers.Conv2D(self.filters, 1)
                else:
                    self.shortcut = layers.Identity()

            def call(self, x, training=None):
                y = self.act(self.bn1(self.conv1(x), training=training))
                y = self.bn2(self.conv2(y), training=training)
                return self.act(self.add([y, self.shortcut(x)]))

            def get_config(self):
                config = super().get_config()
                config.update({"filters": self.filters})
                return config

        inputs = keras.Input((16, 16, 3))
        x = ResidualBlock(8)(inputs)
        x = ResidualBlock(8)(x)
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(3)(x))
    """,
    # model.layers, sub-models, nested Sequentials, subclassed models built by build()
    "sequential_layers_index_skips_input": """
        import keras
        from keras import layers

        model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(2)])
        model.layers[0].trainable = False
    """,
    "sequential_input_shape_layers_index": """
        import keras
        from keras import layers

        model = keras.Sequential([layers.Dense(8, input_shape=(4,)), layers.Dense(3), layers.Dense(2)])
        model.layers[1].trainable = False
    """,
    "functional_layers_index_counts_input": """
        import keras
        from keras import layers

        inputs = keras.Input((4,))
        x = layers.Dense(8)(inputs)
        model = keras.Model(inputs, layers.Dense(2)(x))
        model.layers[1].trainable = False
    """,
    "submodel_cut_at_a_named_layer": """
        import keras
        from keras import layers

        full = keras.Sequential([
            keras.Input((10,)),
            layers.Dense(16, name="hidden"),
            layers.Dense(8, name="features"),
            layers.Dense(2),
        ])
        model = keras.Model(full.inputs, full.get_layer("features").output)
    """,
    "sequential_nested_without_input": """
        import keras
        from keras import layers

        block = keras.Sequential([layers.Dense(6, activation="relu"), layers.Dense(6)])
        model = keras.Sequential([keras.Input((3,)), block, layers.Dense(1)])
    """,
    "sequential_nested_added": """
        import keras
        from keras import layers

        inner = keras.Sequential([keras.Input((3,)), layers.Dense(5)])
        model = keras.Sequential()
        model.add(keras.Input((3,)))
        model.add(inner)
        model.add(layers.Dense(2))
        model.layers[0].trainable = False
    """,
    "subclassed_model_build_makes_sublayers": """
        import keras
        from keras import layers

        class Net(keras.Model):
            def build(self, input_shape):
                self.second = layers.Dense(3)
                self.first = layers.Dense(input_shape[-1] * 4, activation="relu")

            def call(self, x):
                return self.second(self.first(x))

        model = Net()
        model(keras.Input((5,)))
    """,
    "subclassed_model_called_on_a_batch": """
        import keras
        import numpy as np
        from keras import layers

        class MyModel(keras.Model):
            def __init__(self):
                super().__init__()
                self.conv = layers.Conv2D(4, 3, activation="relu")
                self.flatten = layers.Flatten()
                self.out = layers.Dense(10)

            def call(self, x):
                return self.out(self.flatten(self.conv(x)))

        x_train = np.random.rand(64, 8, 8, 1).astype("float32")
        model = MyModel()
        model(x_train[:1])
    """,
    "sequential_built_as_first_layer": """
        import keras
        from keras import layers

        augmentation = keras.Sequential([layers.RandomFlip("horizontal", input_shape=(16, 16, 3)), layers.RandomZoom(0.1)])
        model = keras.Sequential([augmentation, layers.Conv2D(4, 3), layers.Flatten(), layers.Dense(2)])
    """,
    "named_by_super_init": """
        import keras
        from keras import layers

        class Block(layers.Layer):
            def __init__(self, units, tag=None):
                super().__init__(name=tag)
                self.dense = layers.Dense(units, name=f"{self.name}_dense")

            def call(self, x):
                return self.dense(x)

        class Frozen(layers.Dense):
            def __init__(self, units):
                super().__init__(units, name="frozen", trainable=False)

        inputs = keras.Input((3,))
        x = Block(4, tag="first")(inputs)
        x = Block(5)(x)
        model = keras.Model(inputs, Frozen(2)(x))
    """,
    "add_rejected_inside_raises_check": """
        import keras
        import pytest
        from keras import layers

        model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])
        with pytest.raises(ValueError):
            model.add(keras.Input((7,)))
        model.add(layers.Dense(2))
    """,
}


@pytest.fixture(autouse=True)
def fresh_keras_session():
    """Keras numbers automatic layer names per session: leave it fresh for the tests after these, which compare names too."""
    yield
    keras.backend.clear_session()


def static_model(source: str) -> ModelGraph:
    result = analyze_source(source, "model.py", load_settings(None))
    assert not [f for f in result.findings if f.code == "KER000"], result.findings
    return result.analysis.models[-1]  # the program's `model` is the last one it builds


def keras_model(source: str):
    keras.backend.clear_session()
    namespace: dict = {}
    exec(compile(source, "<program>", "exec"), namespace)
    return namespace["model"]


def output_shapes(model) -> list[tuple] | None:
    """The shapes of a functional or Sequential model's outputs; None for a subclassed one (Keras keeps none)."""
    try:
        return [tuple(tensor.shape) for tensor in model.outputs]
    except AttributeError:
        return None


def assert_equal_figures(model: ModelGraph, truth) -> None:
    """Totals, split, and for a functional or Sequential model its output shapes and layer names (Keras names a layer
    in its ``__init__``: the name given to ``super().__init__``, else the next of its class)."""
    trainable = sum(int(w.numpy().size) for w in truth.trainable_weights)
    assert [item.reason for item in model.unresolved] == []
    assert (model.params, model.trainable_params) == (truth.count_params(), trainable)
    expected_shapes = output_shapes(truth)
    if expected_shapes is not None:
        assert [t.shape for t in model.outputs] == expected_shapes
        assert [layer.name for layer in model.layers] == [layer.name for layer in truth.layers if type(layer).__name__ != "InputLayer"]


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_totals_split_and_shapes_equal_keras(program):
    source = textwrap.dedent(PROGRAMS[program])
    assert_equal_figures(static_model(source), keras_model(source))


BUILT = {
    # the user's build makes the sub-layers; `call` decides their order
    "build_makes_sublayers": ("""
        import keras
        from keras import layers

        class Net(keras.Model):
            def build(self, input_shape):
                self.second = layers.Dense(3)
                self.first = layers.Dense(input_shape[-1] * 4, activation="relu")
                super().build(input_shape)

            def call(self, x):
                return self.second(self.first(x))

        model = Net()
        model.build((None, 5))
    """, "keras.ops.zeros((1, 5))"),
    "built_by_keyword": ("""
        import keras
        from keras import layers

        class Tagger(keras.Model):
            def __init__(self):
                super().__init__()
                self.embedding = layers.Embedding(50, 8)
                self.gru = layers.GRU(6, return_sequences=True)
                self.dense = layers.Dense(50)

            def call(self, inputs):
                return self.dense(self.gru(self.embedding(inputs)))

        model = Tagger()
        model.build(input_shape=(None, 12))
    """, "keras.ops.zeros((1, 12), dtype=\"int32\")"),
}


@pytest.mark.parametrize("program", sorted(BUILT))
def test_a_subclassed_model_built_by_build_counts_what_keras_counts_once_it_ran(program):
    """Keras 3's ``model.build(shape)`` runs the user's ``build`` only; kerlint follows ``call`` as the first batch will."""
    source, batch = BUILT[program]
    source = textwrap.dedent(source)
    model = static_model(source)
    truth = keras_model(f"{source}model({batch})\n")
    assert [layer.name for layer in model.tracked] == [layer.name for layer in truth.layers]  # attribute order
    assert_equal_figures(model, truth)


def test_a_subclassed_model_follows_call_not_the_order_of_its_attributes():
    model = static_model(textwrap.dedent(BUILT["build_makes_sublayers"][0]))
    assert [call.layer.name for call in model.calls] == ["dense_1", "dense"]


# ------------------------------------------------------------------ reasons

UNRESOLVED = """
import keras
import mystery
from keras import layers

class Sampling(layers.Layer):
    def call(self, inputs):
        return inputs * mystery.noise()

class Gate(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(mystery.WIDTH,))

    def call(self, x):
        return x

class Tower(layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(4)

    def call(self, x):
        return self.dense(mystery.reshape(x))

class Empty(layers.Layer):
    pass

def transform(v):
    return mystery.transform(v)

inputs = keras.Input((8,))
outputs = [Sampling()(inputs), Gate()(inputs), Tower()(inputs), layers.Lambda(transform)(inputs), Empty()(inputs)]
model = keras.Model(inputs, outputs)
"""


def test_a_custom_layer_kerlint_cannot_follow_names_the_construct_and_the_line_of_the_cause():
    result = analyze_source(UNRESOLVED, "model.py", load_settings(None))
    [model] = result.analysis.models
    reasons = [item.reason for item in model.unresolved]
    expected = [
        ("`sampling` (Sampling): custom layer `Sampling.call` could not be evaluated: ", "(line 8)"),
        ("`gate` (Gate): its weights are not statically known: ", "(line 12)"),
        ("`tower` (Tower): custom layer `Tower.call` could not be evaluated: ", "(line 23)"),
        ("`lambda` (Lambda): the Lambda's function `transform` could not be evaluated: ", "(line 29)"),
        ("`empty` (Empty): custom layer `Empty`, which defines no `call`, could not be evaluated", ""),
    ]
    assert len(reasons) == len(expected), reasons
    for reason, (start, end) in zip(reasons, expected):
        assert reason.startswith(start) and reason.endswith(end), reason


def test_weights_a_sub_layer_could_not_infer_quote_that_sub_layer():
    source = UNRESOLVED.replace("self.dense(mystery.reshape(x))", "x + self.dense(x)")
    source = source.replace("layers.Dense(4)", "layers.Dense(mystery.units(), name='inner')")
    result = analyze_source(source, "model.py", load_settings(None))
    [model] = result.analysis.models
    [tower] = [item.reason for item in model.unresolved if "(Tower)" in item.reason]
    assert tower.startswith("`tower` (Tower): its weights are not statically known: its `inner`: Dense("), tower
    assert tower.endswith("(line 23)"), tower


def test_a_subclassed_model_with_weights_of_its_own_is_unresolved_not_undercounted():
    source = textwrap.dedent("""
        import keras
        from keras import layers

        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense = layers.Dense(3)

            def build(self, input_shape):
                self.temperature = self.add_weight(shape=(), initializer="ones")

            def call(self, x):
                return self.dense(x) / self.temperature

        model = Net()
        model(keras.Input((4,)))
        outer = keras.Input((4,))
        wrapper = keras.Model(outer, model(outer))
    """)
    result = analyze_source(source, "model.py", load_settings(None))
    net, wrapper = result.analysis.models
    assert net.params is None
    assert [item.reason for item in net.unresolved] == [
        "subclassed model `Net` makes weights of its own (add_weight), which kerlint does not count in a model's totals"
    ]
    keras.backend.clear_session()
    namespace: dict = {}
    exec(compile(source, "<program>", "exec"), namespace)
    assert (wrapper.params, wrapper.trainable_params) == (namespace["wrapper"].count_params(), 16)
