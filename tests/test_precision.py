"""Precision (issue 15): findings a team keeps on in CI, each from a minimal program.

What Keras itself does with these programs is checked in test_severity_keras.py.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from kerlint.interpret.analysis import analyze_module
from kerlint.rules.duplicate_layers import UnsharedDuplicateLayer
from kerlint.rules.flatten_dense import FlattenIntoLargeDense
from kerlint.rules.missing_nonlinearity import MissingNonlinearity
from kerlint.rules.redundant_bias import RedundantBiasBeforeNormalization

from helpers import analyze

ALL = ["ALL"]


def findings(source: str, path: str = "model.py", select: list[str] = ALL) -> list:
    found = analyze(textwrap.dedent(source), path, select=select).findings
    assert "KER001" not in [f.code for f in found], "the program must parse"
    return found


def codes(source: str, path: str = "model.py") -> list[str]:
    return [f.code for f in findings(source, path)]


# ------------------------------------------------- Keras's behaviour, as checked


def test_a_model_on_an_intermediate_tensor_is_not_disconnected():
    source = """
        import keras
        inputs = keras.Input(shape=(8,))
        hidden = keras.layers.Dense(4, activation="relu")(inputs)
        head = keras.Model(hidden, keras.layers.Dense(2)(hidden))
    """
    assert "KER308" not in codes(source)


def test_an_input_missing_behind_an_intermediate_input_is_still_disconnected():
    source = """
        import keras
        inputs = keras.Input(shape=(8,))
        extra = keras.Input(shape=(4,))
        hidden = keras.layers.Dense(4, activation="relu")(inputs)
        merged = keras.layers.concatenate([hidden, extra])
        head = keras.Model(hidden, keras.layers.Dense(2)(merged))
    """
    [finding] = [f for f in findings(source) if f.code == "KER308"]
    assert "input `input_layer_1`" in finding.message


def test_repeated_layer_names_in_a_subclassed_model_are_not_flagged():
    source = """
        import keras

        class Tower(keras.Model):
            def __init__(self):
                super().__init__()
                self.first = keras.layers.Dense(4, activation="relu", name="hidden")
                self.second = keras.layers.Dense(4, activation="relu", name="hidden")

            def call(self, x):
                return self.second(self.first(x))

        Tower()(keras.Input(shape=(8,)))
    """
    assert "KER309" not in codes(source)


def test_repeated_layer_names_in_a_sequential_model_are_flagged():
    source = """
        import keras
        model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(4, name="h"), keras.layers.Dense(4, name="h")])
    """
    assert "KER309" in codes(source)


@pytest.mark.parametrize("groups", ["0", "None"])
def test_groups_that_only_keras_3_refuses_are_not_flagged(groups):
    source = f"""
        import tf_keras
        inputs = tf_keras.Input(shape=(56, 56, 80))
        x = tf_keras.layers.Conv2D(80, 3, groups={groups})(inputs)
    """
    assert "KER310" not in codes(source)


def test_groups_that_do_not_divide_the_channels_are_flagged_without_a_reshape_hint():
    source = """
        import keras
        inputs = keras.Input(shape=(32, 32, 3))
        x = keras.layers.Conv2D(8, 3, groups=2)(inputs)
    """
    [finding] = [f for f in findings(source) if f.code == "KER310"]
    assert "groups=2" in finding.message
    assert "Reshape" not in finding.help


def test_a_rank_error_keeps_its_reshape_hint():
    source = """
        import keras
        inputs = keras.Input(shape=(28, 28))
        x = keras.layers.Conv2D(8, 3)(inputs)
    """
    [finding] = [f for f in findings(source) if f.code == "KER310"]
    assert "Reshape((h, w, 1))" in finding.help


# ------------------------------------------------------ one finding per problem


def test_a_model_function_reached_from_several_places_reports_once():
    source = """
        import keras

        def build(width):
            inputs = keras.Input(shape=(8,))
            x = keras.layers.Dense(width, name="hidden")(inputs)
            x = keras.layers.Dense(width, name="hidden")(x)
            return keras.Model(inputs, x)

        small = build(4)
        large = build(4)
    """
    assert codes(source).count("KER309") == 1


def test_different_problems_on_one_line_are_all_reported():
    source = """
        import keras
        a = keras.Input(shape=(8,), name="a")
        b = keras.Input(shape=(8,), name="b")
        c = keras.Input(shape=(8,), name="c")
        model = keras.Model(a, keras.layers.concatenate([a, b, c]))
    """
    messages = [f.message for f in findings(source) if f.code == "KER308"]
    assert len(messages) == 2 and any("`b`" in m for m in messages) and any("`c`" in m for m in messages)


# ------------------------------------------------- weights that fix an architecture

BIAS_BEFORE_NORM = textwrap.dedent("""
    import keras
    import tensorflow as tf

    def build():
        inputs = keras.Input(shape=(32, 32, 3))
        x = keras.layers.Conv2D(16, 3, padding="same")(inputs)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        return keras.Model(inputs, x)

    model = build()
""")


@pytest.mark.parametrize("loading", [
    'model.load_weights("resnet.weights.h5")',
    "model.set_weights(weights)",
    'tf.train.Checkpoint(model=model).restore("ckpt/model-10")',
    'tf.train.Checkpoint(net=model, step=1).read("ckpt/model-10")',
])
def test_architecture_advice_is_silent_on_a_model_whose_weights_are_loaded(loading):
    assert "KER105" in codes(BIAS_BEFORE_NORM)
    assert "KER105" not in codes(BIAS_BEFORE_NORM + loading + "\n")


def test_the_weights_loaded_fact_says_where():
    source = BIAS_BEFORE_NORM + 'model.load_weights("resnet.weights.h5")\n'
    analysis = analyze_module(cst.parse_module(source), "model.py")
    [loaded] = [m for m in analysis.models if m.weights_loaded is not None]
    assert analysis.locator.line(loaded.weights_loaded) == 13


def test_a_layer_given_its_weights_keeps_its_bias():
    source = """
        import keras
        inputs = keras.Input(shape=(20,))
        x = keras.layers.Dense(4, weights=pretrained)(inputs)
        x = keras.layers.BatchNormalization()(x)
        model = keras.Model(inputs, keras.layers.Activation("relu")(x))
    """
    assert "KER105" not in codes(source)


def test_sharing_is_not_suggested_between_a_token_input_and_a_mask_input():
    source = """
        import keras
        tokens = keras.Input(shape=(64,), name="token_ids")
        mask = keras.Input(shape=(64,), name="attention_mask")
        merged = keras.layers.add([keras.layers.Embedding(100, 8)(tokens), keras.layers.Embedding(100, 8)(mask)])
    """
    assert "KER101" not in codes(source)


def test_sharing_is_not_suggested_between_inputs_of_different_dtypes():
    source = """
        import keras
        ids = keras.Input(shape=(16,), dtype="int32")
        scores = keras.Input(shape=(16,))
        merged = keras.layers.concatenate([keras.layers.Dense(8)(ids), keras.layers.Dense(8)(scores)])
    """
    assert "KER101" not in codes(source)


def test_sharing_is_suggested_between_copies_of_one_kind_of_input():
    source = """
        import keras
        left = keras.Input(shape=(16,), name="left_input")
        right = keras.Input(shape=(16,), name="right_input")
        merged = keras.layers.concatenate([keras.layers.Dense(8)(left), keras.layers.Dense(8)(right)])
    """
    assert "KER101" in codes(source)


def test_pooling_is_not_suggested_for_a_head_whose_weights_are_loaded():
    source = textwrap.dedent("""
        import keras
        inputs = keras.Input(shape=(7, 7, 512))
        x = keras.layers.Flatten()(inputs)
        x = keras.layers.Dense(4096, activation="relu")(x)
        model = keras.Model(inputs, keras.layers.Dense(1000, activation="softmax")(x))
    """)
    assert "KER103" in codes(source)
    assert "KER103" not in codes(source + 'model.load_weights("vgg16_top.h5")\n')


# ------------------------------------------------------- KER207: bugs in practice


def test_a_linear_projection_before_the_output_layer_is_not_flagged():
    source = """
        import keras
        inputs = keras.Input(shape=(128,))
        x = keras.layers.Dense(64, activation="relu")(inputs)
        embedding = keras.layers.Dense(32)(x)
        model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(embedding))
    """
    assert "KER207" not in codes(source)


def test_attention_projections_are_not_flagged():
    source = """
        import keras
        inputs = keras.Input(shape=(16, 64))
        query = keras.layers.Dense(64)(inputs)
        value = keras.layers.Dense(64)(inputs)
        attended = keras.layers.Attention()([query, value])
        model = keras.Model(inputs, keras.layers.Dense(64, activation="relu")(attended))
    """
    assert "KER207" not in codes(source)


@pytest.mark.parametrize("rule", [UnsharedDuplicateLayer, FlattenIntoLargeDense, RedundantBiasBeforeNormalization, MissingNonlinearity])
def test_architecture_advice_is_silent_on_test_fixtures(rule):
    source = rule.invalid[0]
    assert rule.code in codes(source, "models.py")
    assert rule.code not in codes(source, "tests/test_models.py")
    assert rule.code not in codes(source, "keras/src/models/model_test.py")


def test_a_linear_model_in_a_test_file_is_a_fixture():
    source = """
        import keras
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8), keras.layers.Dense(2)])
    """
    assert "KER207" in codes(source, "model.py")
    assert "KER207" not in codes(source, "tests/test_model.py")
    assert "KER207" not in codes(source, "keras/src/layers/dense_test.py")


def test_a_model_with_no_nonlinearity_anywhere_is_flagged_once():
    source = """
        import keras
        model = keras.Sequential([
            keras.Input(shape=(100,)),
            keras.layers.Dense(64),
            keras.layers.Dense(64),
            keras.layers.Dense(64),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
    """
    [finding] = [f for f in findings(source) if f.code == "KER207"]
    assert finding.message.startswith("no layer of model `sequential` applies a non-linearity")


def test_a_max_pooling_makes_the_model_non_linear():
    source = """
        import keras
        inputs = keras.Input(shape=(32, 32, 3))
        x = keras.layers.Conv2D(16, 3)(inputs)
        x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Conv2D(16, 3)(x)
        model = keras.Model(inputs, keras.layers.Conv2D(16, 3)(x))
    """
    assert "KER207" not in codes(source)


def test_the_one_hidden_layer_without_the_activation_its_siblings_have_is_flagged():
    source = """
        import keras
        model = keras.Sequential([
            keras.Input(shape=(100,)),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(64),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ])
    """
    [finding] = [f for f in findings(source) if f.code == "KER207"]
    assert finding.span.line == 6
    assert "`dense_1` has no activation and feeds only Dense(64) `dense_2`" in finding.message


def test_a_sibling_activated_by_an_activation_layer_counts():
    source = """
        from keras.models import Sequential
        from keras.layers import Activation, Dense
        model = Sequential()
        model.add(Dense(64, input_dim=8))
        model.add(Dense(64))
        model.add(Activation("tanh"))
        model.add(Dense(1, activation="sigmoid"))
    """
    assert [f.span.line for f in findings(source) if f.code == "KER207"] == [5]


def test_a_linear_layer_before_a_normalization_is_the_bias_rules_alone():
    source = """
        import keras
        inputs = keras.Input(shape=(64,))
        x = keras.layers.Dense(128)(inputs)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Dense(128, activation="relu")(x)
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    """
    assert [f.code for f in findings(source) if f.code in ("KER105", "KER207")] == ["KER105"]


def test_bias_and_nonlinearity_advice_agree_on_one_layer():
    source = """
        import keras
        inputs = keras.Input(shape=(32, 32, 3))
        x = keras.layers.Conv2D(32, 3)(inputs)
        x = keras.layers.BatchNormalization()(x)
        model = keras.Model(inputs, keras.layers.Conv2D(64, 3)(x))
    """
    by_code = {f.code: f for f in findings(source) if f.code in ("KER105", "KER207")}
    assert by_code["KER105"].span == by_code["KER207"].span
    assert by_code["KER105"].help == "Pass use_bias=False"
    assert "after the BatchNormalization" in by_code["KER207"].help  # not on the layer, where the bias would matter


def test_an_output_also_read_by_an_operation_is_not_redundant_before_normalization():
    """Issue 15: `ops.stop_gradient(h) + c` reads `h` too, so its bias is not redundant (KER105 stays silent)."""
    source = """
        import keras
        from keras import ops
        inp = keras.Input(shape=(16,))
        c = keras.Input(shape=(8,))
        h = keras.layers.Dense(8)(inp)
        y = ops.stop_gradient(h) + c
        z = keras.layers.BatchNormalization()(h)
        model = keras.Model([inp, c], [y, z])
    """
    assert "KER105" not in codes(source)
    assert "KER105" in codes(source.replace("y = ops.stop_gradient(h) + c", "y = c"))


def test_the_shape_of_one_sample_taken_by_index_is_a_valid_input_shape():
    """Issue 15 study: `Input(batch[0].shape)` has no sample axis; `Input(batch.shape)` has one (KER306)."""
    source = """
        import numpy as np
        import keras
        batch = np.zeros((1, 200, 400, 3))
        inp = keras.layers.Input(batch[0].shape)
        model = keras.Model(inp, keras.layers.Conv2D(4, 3)(inp))
        model.predict(batch)
    """
    assert "KER306" not in codes(source)
    assert "KER306" in codes(source.replace("batch[0].shape", "batch.shape"))


def test_a_sequential_whose_chain_is_lost_has_no_stale_output():
    """Issue 15 study: after `model.add(<unknown>)`, the layers added later were lost and the old output kept (KER205)."""
    source = """
        from keras.models import Sequential
        from keras.layers import Dense, Activation
        model = Sequential()
        model.add(Dense(512, input_shape=(784,)))
        model.add(unknown_layer())
        model.add(Dense(10))
        model.add(Activation("softmax"))
        model.compile(loss="categorical_crossentropy", optimizer="adam")
    """
    assert codes(source) == []
    [model] = analyze(textwrap.dedent(source), "model.py").analysis.models
    assert model.outputs == [] and model.params is None  # unresolved, not the model as it stood before the lost layer


@pytest.mark.parametrize("code, source", [
    ("KER208", """
        import keras
        inputs = keras.Input(shape=(8,))
        x = keras.layers.Dense(4, activation="relu")(inputs)
        x = keras.layers.Activation("relu")(x)
        model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
    """),
    ("KER304", """
        import keras
        inputs = keras.Input(shape=(3, 64, 64))
        model = keras.Model(inputs, keras.layers.Conv2D(8, 3)(inputs))
    """),
])
def test_fixture_models_in_test_files_are_left_alone(code, source):
    """Issue 15 study: the default set's remaining noise was converter tests' fixtures, never trained."""
    assert code in codes(source)
    assert code not in codes(source, path="tests/test_converter.py")


def test_a_synthesized_array_counts_samples_only_when_the_model_is_fed_it():
    """Issue 15 study: Keras's own tests write `Input(shape=x.shape)` for one image `x` they predict on as `x[np.newaxis]`."""
    source = """
        import numpy as np
        import keras
        x = np.random.uniform(0, 255, (10, 10, 3))
        inputs = keras.layers.Input(shape=x.shape)
        model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
        model.predict(x[np.newaxis])
    """
    assert "KER306" not in codes(source)
    assert "KER306" in codes(source.replace("model.predict(x[np.newaxis])", "model.predict(x)"))
