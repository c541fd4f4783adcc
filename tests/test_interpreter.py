"""The interpreter: which Python it evaluates, which Keras models it rebuilds, where it stops.

Model figures are asserted through ``summary()``, the tuple form of what
``model.summary()`` prints: every parameter count and shape below is the one
real Keras 3 gives for the same source (checked by running each source with
Keras when the expectation was written; ``test_examples_keras.py`` keeps
doing that for the examples).
"""

from __future__ import annotations

import textwrap
import time

import libcst as cst
import pytest

from kerlint.config import load_settings
from kerlint.engine import analyze_source
from kerlint.graph import ModelGraph
from kerlint.interpret.analysis import FileAnalysis, analyze_module
from kerlint.interpret.interpreter import Budget, Interpreter
from kerlint.interpret.values import Data, Opaque
from kerlint.unknown import UNKNOWN


def analyze(source: str) -> FileAnalysis:
    return analyze_module(cst.parse_module(textwrap.dedent(source)), "model.py")


def summary(source: str) -> list[tuple]:
    """Each model as ``(name, params, trainable params, [(layer, output shape, params), ...])``.

    A layer's shape is None unless every call of it in the model has the same single output shape.
    """
    return [_summary(model) for model in analyze(source).models]


def _summary(model: ModelGraph) -> tuple:
    rows = []
    for layer in model.layers:
        shapes = {call.output_shape for call in layer.calls if call in model.calls}
        rows.append((layer.name, shapes.pop() if len(shapes) == 1 else None, layer.params))
    return (model.name, model.params, model.trainable_params, rows)


def only_model(source: str) -> ModelGraph:
    [model] = analyze(source).models
    return model


def reasons(model: ModelGraph) -> str:
    return "\n".join(item.reason for item in model.unresolved)


def findings(source: str) -> list:
    return analyze_source(textwrap.dedent(source), "model.py", load_settings(None)).findings


# ----------------------------------------------------------------- imports

SMALL_MLP = [("sequential", 172, 172, [("dense", (None, 8), 136), ("head", (None, 4), 36)])]

IMPORT_FORMS = {
    "import keras": """
        import keras
        model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(8), keras.layers.Dense(4, name="head")])
    """,
    "from tensorflow import keras": """
        from tensorflow import keras
        model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(8), keras.layers.Dense(4, name="head")])
    """,
    "tf.keras": """
        import tensorflow as tf
        model = tf.keras.Sequential([tf.keras.Input((16,)), tf.keras.layers.Dense(8), tf.keras.layers.Dense(4, name="head")])
    """,
    "from tensorflow.keras.layers import Dense as D": """
        from tensorflow.keras import Input, Sequential
        from tensorflow.keras.layers import Dense as D
        model = Sequential([Input((16,)), D(8), D(4, name="head")])
    """,
    "from keras import layers as L": """
        import keras
        from keras import layers as L
        model = keras.models.Sequential([keras.layers.Input((16,)), L.Dense(8), L.Dense(4, name="head")])
    """,
    "tf.compat.v1.keras": """
        import tensorflow.compat.v1 as tf
        model = tf.keras.Sequential([tf.keras.Input((16,)), tf.keras.layers.Dense(8), tf.keras.layers.Dense(4, name="head")])
    """,
    "import tf_keras": """
        import tf_keras
        model = tf_keras.Sequential([tf_keras.Input((16,)), tf_keras.layers.Dense(8), tf_keras.layers.Dense(4, name="head")])
    """,
    "Keras 2 module paths": """
        from keras.layers.core import Dense
        from keras.models import Sequential
        model = Sequential()
        model.add(Dense(8, input_dim=16))
        model.add(Dense(4, name="head"))
    """,
    "module alias in a variable": """
        import keras
        K = keras.layers
        build = keras.Sequential
        model = build([K.Input((16,)), K.Dense(8), K.Dense(4, name="head")])
    """,
    "import keras.layers": """
        import keras.layers
        import keras.models
        model = keras.models.Sequential([keras.layers.Input((16,)), keras.layers.Dense(8), keras.layers.Dense(4, name="head")])
    """,
    "star import": """
        from keras.layers import *
        from keras.models import *
        model = Sequential([Input((16,)), Dense(8), Dense(4, name="head")])
    """,
}


@pytest.mark.parametrize("source", IMPORT_FORMS.values(), ids=IMPORT_FORMS.keys())
def test_every_import_spelling_reaches_keras(source):
    assert summary(source) == SMALL_MLP


def test_star_import_leaves_builtins_alone():
    source = """
        from keras.layers import *
        from keras.models import Sequential
        model = Sequential([Input((4,))])
        for i in range(2):
            model.add(Dense(3, use_bias=True if i else False, name=str(i)))
    """
    assert summary(source) == [("sequential", 24, 24, [("0", (None, 3), 12), ("1", (None, 3), 12)])]


# ------------------------------------------------------------------ Python


def test_constants_and_arithmetic():
    source = """
        import keras
        units = 2 ** 5
        half = units // 2 + 1
        width = int(units * 0.5)
        side = (28, 28)
        model = keras.Sequential([
            keras.Input((side[0] * side[1],)),
            keras.layers.Dense(units),
            keras.layers.Dense(half),
            keras.layers.Dense(width - 6, name=f"out_{width:03d}"),
        ])
    """
    assert summary(source) == [("sequential", 25861, 25861, [
        ("dense", (None, 32), 25120),
        ("dense_1", (None, 17), 561),
        ("out_016", (None, 10), 180),
    ])]


def test_isinstance_decides_on_python_types_and_leaves_other_classes_unknown():
    """A custom layer that concatenates a list input (Keras: 33 parameters); ``isinstance(x, tf.Tensor)`` stays undecided."""
    source = """
        import keras
        import tensorflow as tf

        class Concat(keras.layers.Layer):
            def call(self, inputs):
                if isinstance(inputs, (list, tuple)):
                    return keras.ops.concatenate(inputs, axis=-1)
                return inputs

        a = keras.Input((4,))
        b = keras.Input((6,))
        model = keras.Model([a, b], keras.layers.Dense(3)(Concat()([a, b])))
        flags = [isinstance(3, int), isinstance("s", (list, dict)), isinstance(a, list), isinstance(a, tf.Tensor)]
    """
    [(_, params, _, _)] = summary(source)
    assert params == 33
    interpreter = Interpreter(cst.parse_module(textwrap.dedent(source)), "model.py")
    interpreter.run()
    assert interpreter.globals.vars["flags"][:3] == [True, False, False]
    assert interpreter.globals.vars["flags"][3] is UNKNOWN


def test_isinstance_against_keras_layer_classes_freezes_what_keras_freezes():
    """Every layer but the BatchNormalizations frozen by class, as fine-tuning guides do (Keras: 344 parameters, 32 trainable)."""
    source = """
        import keras
        from keras import layers

        model = keras.Sequential([keras.Input((8,)), layers.Dense(16), layers.BatchNormalization(), layers.Dense(8)])
        for layer in model.layers:
            if not isinstance(layer, layers.BatchNormalization):
                layer.trainable = False
        answers = [isinstance(model.layers[0], layers.Layer), isinstance(model.layers[1], layers.Dropout),
                     isinstance(layers.LSTM(4), layers.RNN)]
    """
    [(_, params, trainable, _)] = summary(source)
    assert (params, trainable) == (344, 32)
    interpreter = Interpreter(cst.parse_module(textwrap.dedent(source)), "model.py")
    interpreter.run()
    assert interpreter.globals.vars["answers"][0] is True
    assert interpreter.globals.vars["answers"][1] is False  # BatchNormalization subclasses no Dropout
    assert interpreter.globals.vars["answers"][2] is UNKNOWN  # a subclass pair (LSTM of RNN), left undecided as all are


@pytest.mark.parametrize("distribution", ["keras", "tf_keras"])
def test_isinstance_leaves_undecided_every_layer_class_that_another_public_class_subclasses(distribution):
    """``isinstance(conv_transpose, Conv2D)`` is True in Keras 2 and False in Keras 3: such pairs stay undecided."""
    import inspect

    from kerlint.interpret.builtins import KERAS_SUBCLASSES, _class_name

    keras = pytest.importorskip(distribution, reason=f"reading {distribution}'s class hierarchy needs it installed")
    public = [cls for cls in vars(keras.layers).values() if inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)]
    for base in public:
        subclasses = {_class_name(other.__name__) for other in public if issubclass(other, base)} - {_class_name(base.__name__)}
        if base is not keras.layers.Layer:
            assert subclasses <= KERAS_SUBCLASSES.get(_class_name(base.__name__), frozenset()), base


CONTAINER_CHANGES = """
    names = ["a", "b", "label", "c"]
    names.remove("label")
    chars = {c for text in ["hello", "help"] for c in text}
    vocab = sorted(set("abracadabra"))
    xs = [1, 2, 3, 4]
    del xs[0]
    cfg = {"a": 1, "b": 2}
    del cfg["a"]
    order = [3, 1, 2]
    order.sort()
    order.reverse()
    seen = set()
    seen.add(3)
    cols = ["x", "y"]
    cols[0:1] = []
    ys = [1, 2, 3]
    del ys[1:]
    unknown = undefined_name
    zs = [1, 2]
    zs.remove(unknown)
"""


def test_containers_changed_in_place_are_followed_or_become_unknown_never_stale():
    """What Python computes where kerlint can follow the change; UNKNOWN where it cannot (a stale list gave wrong totals)."""
    interpreter = Interpreter(cst.parse_module(textwrap.dedent(CONTAINER_CHANGES)), "model.py")
    interpreter.run()
    python: dict = {"undefined_name": 2}
    exec(textwrap.dedent(CONTAINER_CHANGES), python)
    found = interpreter.globals.vars
    for name in ("names", "vocab", "xs", "cfg", "order"):
        assert found[name] == python[name], name
    assert sorted(found["chars"]) == sorted(python["chars"])
    assert [found[name] for name in ("seen", "cols", "ys", "zs")] == [UNKNOWN] * 4


def test_sequential_pop_ends_the_model_where_it_ended_before_the_popped_layer():
    source = """
        import keras
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16), keras.layers.Dense(4), keras.layers.Dense(2)])
        model.pop()
        model.pop()
        model.add(keras.layers.Dense(3, name="new_head"))
    """
    keras = pytest.importorskip("keras", reason="comparing with Keras's own pop() needs keras")
    keras.backend.clear_session()  # automatic names start again from `dense`, as in kerlint
    namespace: dict = {}
    exec(textwrap.dedent(source), namespace)
    [(_, params, _, rows)] = summary(source)
    assert params == namespace["model"].count_params()
    assert [row[0] for row in rows] == [layer.name for layer in namespace["model"].layers]


def test_a_sequential_changed_under_a_condition_kerlint_cannot_decide_has_no_total():
    """Both paths of the `if` run: following the model would stack 16 and 4 units. One made inside a path is fine."""
    source = """
        import sys
        import keras
        big = len(sys.argv) > 1
        model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(8)])
        if big:
            model.add(keras.layers.Dense(16))
        model.add(keras.layers.Dense(2))
        if big:
            other = keras.Sequential([keras.Input((10,))])
            other.add(keras.layers.Dense(3))
    """
    model, other = analyze(source).models
    assert model.params is None
    assert [note.reason for note in model.notes][:1] == [
        "`sequential.add(...)` under a condition kerlint cannot decide: the layers from there on are not known"
    ]
    assert other.params == 33


def test_a_layer_built_on_an_arrays_shape_or_on_what_is_no_shape_is_no_internal_error():
    """Keras's own layer tests call ``layer.build(x.shape)`` of a numpy array (7 files gave KER000)."""
    source = """
        import numpy as np
        import keras
        x = np.ones((2, 5, 3))
        keras.layers.PReLU().build(x.shape)
        keras.layers.Dense(2).build("not a shape")
        keras.layers.Dense(2).build([[None, 3], "x"])
    """
    result = analyze_source(textwrap.dedent(source), "layer_test.py", load_settings(None))
    assert [f for f in result.findings if f.code == "KER000"] == []


def test_a_property_is_read_as_its_value_and_a_wrong_argument_is_named_shortly():
    source = """
        import keras

        class Config:
            def __init__(self, classes):
                self._classes = classes

            @property
            def num_classes(self):
                return len(self._classes)

            def units(self):
                return 4

        cfg = Config(["cat", "dog"])
        model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(cfg.num_classes)])
        broken = keras.Sequential([keras.Input((8,)), keras.layers.Dense(cfg.units)])
    """
    model, broken = analyze(source).models
    assert model.params == 18  # Dense(2) on 8 features, as Keras counts
    [reason] = [note.reason for note in broken.unresolved]
    assert "`units` must be an int, got a value that is not one" in reason and len(reason) < 200


def test_containers_and_unpacking():
    source = """
        import keras
        config = {"widths": [64, 32], "classes": 10}
        first, *middle, last = [8, 16, 24, 4]
        (rows, cols), channels = (6, 5), 1
        stack = []
        for width in config["widths"]:
            stack.append(keras.layers.Dense(width, activation="relu"))
        stack += [keras.layers.Dense(n) for n in middle]
        stack.append(keras.layers.Dense(config.get("classes", 2) + last))
        model = keras.Sequential([keras.Input((rows * cols * channels + first,)), *stack])
    """
    assert summary(source) == [("sequential", 5862, 5862, [
        ("dense", (None, 64), 2496),
        ("dense_1", (None, 32), 2080),
        ("dense_2", (None, 16), 528),
        ("dense_3", (None, 24), 408),
        ("dense_4", (None, 14), 350),
    ])]


def test_for_loops_make_one_layer_per_iteration():
    source = """
        import keras
        inputs = keras.Input((10,))
        x = inputs
        for _ in range(3):
            x = keras.layers.Dense(10)(x)
        for units, name in zip([6, 2], ["a", "b"]):
            x = keras.layers.Dense(units, name=name)(x)
        for i, rate in enumerate((0.1, 0.2), start=1):
            x = keras.layers.Dropout(rate, name=f"drop_{i}")(x)
        model = keras.Model(inputs, x)
    """
    assert summary(source) == [("functional", 410, 410, [
        ("dense", (None, 10), 110),
        ("dense_1", (None, 10), 110),
        ("dense_2", (None, 10), 110),
        ("a", (None, 6), 66),
        ("b", (None, 2), 14),
        ("drop_1", (None, 2), 0),
        ("drop_2", (None, 2), 0),
    ])]


def test_break_and_continue_in_loops():
    source = """
        import keras
        model = keras.Sequential([keras.Input((4,))])
        for units in [1, 2, 3, 4, 5]:
            if units % 2 == 0:
                continue
            if units > 3:
                break
            model.add(keras.layers.Dense(units))
    """
    assert summary(source) == [("sequential", 11, 11, [("dense", (None, 1), 5), ("dense_1", (None, 3), 6)])]


def test_while_loop_with_a_known_condition_and_string_methods():
    source = """
        import keras
        model = keras.Sequential([keras.Input((4,))])
        i = 0
        while i < 3:
            model.add(keras.layers.Dense(4 + i))
            i += 1
        model.add(keras.layers.Dense(2, name="head_{}".format(i).upper()))
    """
    assert summary(source) == [("sequential", 95, 95, [
        ("dense", (None, 4), 20),
        ("dense_1", (None, 5), 25),
        ("dense_2", (None, 6), 36),
        ("HEAD_3", (None, 2), 14),
    ])]


def test_if_on_a_known_value_runs_one_branch():
    source = """
        import keras
        DEEP = True
        SIZE = "small"
        model = keras.Sequential([keras.Input((8,))])
        if DEEP and SIZE != "large":
            model.add(keras.layers.Dense(4))
        else:
            model.add(keras.layers.Dense(400))
        if SIZE == "large":
            model.add(keras.layers.Dense(400))
        elif SIZE == "small":
            model.add(keras.layers.Dense(2))
        if not DEEP:
            model.add(keras.layers.Dense(400))
    """
    # Only the branches taken construct layers: `dense_1` is the second layer built, not the third.
    assert summary(source) == [("sequential", 46, 46, [("dense", (None, 4), 36), ("dense_1", (None, 2), 10)])]


def test_if_on_an_unknown_value_keeps_what_both_branches_agree_on():
    source = """
        import sys
        import keras
        wide = sys.argv[1] == "wide"
        if wide:
            activation, units = "relu", 64
        else:
            activation, units = "relu", 8
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation=activation)])
    """
    model = only_model(source)
    assert model.params is None
    assert model.layers[0].activation == "relu"
    assert "argument `units` is not statically known" in reasons(model)


def test_tensors_from_an_unknown_branch_are_unknown():
    source = """
        import sys
        import keras
        inputs = keras.Input((4,))
        x = keras.layers.Dense(4)(inputs)
        if len(sys.argv) > 1:
            x = keras.layers.Dense(2)(x)
        model = keras.Model(inputs, x)
    """
    model = only_model(source)
    assert model.params is None
    assert "outputs could not be evaluated" in reasons(model)


def test_user_functions_positional_keyword_defaults_and_star_arguments():
    source = """
        import keras
        from keras import layers

        def dense_block(x, units, activation="relu", *, dropout=None, name=None):
            x = layers.Dense(units, activation=activation, name=name)(x)
            if dropout:
                x = layers.Dropout(dropout)(x)
            return x

        def stack(x, *widths, **options):
            for width in widths:
                x = dense_block(x, width, **options)
            return x

        inputs = keras.Input(shape=(20,))
        x = dense_block(inputs, 64)
        x = dense_block(x, units=32, dropout=0.5, name="middle")
        x = stack(x, 16, 8, activation="tanh")
        outputs = dense_block(x, 1, "sigmoid")
        model = keras.Model(inputs=inputs, outputs=outputs)
    """
    assert summary(source) == [("functional", 4097, 4097, [
        ("dense", (None, 64), 1344),
        ("middle", (None, 32), 2080),
        ("dropout", (None, 32), 0),
        ("dense_1", (None, 16), 528),
        ("dense_2", (None, 8), 136),
        ("dense_3", (None, 1), 9),
    ])]


def test_recursion_with_a_base_case_and_closures():
    source = """
        import keras

        def tower(x, depth, units=8):
            def dense(t):
                return keras.layers.Dense(units)(t)
            return x if depth == 0 else tower(dense(x), depth - 1, units // 2)

        inputs = keras.Input((16,))
        model = keras.Model(inputs, tower(inputs, 3))
    """
    assert summary(source) == [("functional", 182, 182, [
        ("dense", (None, 8), 136),
        ("dense_1", (None, 4), 36),
        ("dense_2", (None, 2), 10),
    ])]


def test_comprehensions_and_lambdas():
    source = """
        import keras
        widths = {f"branch_{i}": 2 ** i for i in range(1, 4)}
        inputs = keras.Input((4,))
        make = lambda name, units: keras.layers.Dense(units, name=name)(inputs)
        branches = [make(name, units) for name, units in widths.items() if units > 2]
        model = keras.Model(inputs, keras.layers.concatenate(branches))
    """
    assert summary(source) == [("functional", 60, 60, [
        ("branch_2", (None, 4), 20),
        ("branch_3", (None, 8), 40),
        ("concatenate", (None, 12), 0),
    ])]


def test_layer_config_dicts_are_spread():
    source = """
        import keras
        base = {"units": 16, "activation": "relu"}
        head = {**base, "units": 3, "use_bias": False}
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(**base), keras.layers.Dense(**head)])
    """
    assert summary(source) == [("sequential", 144, 144, [("dense", (None, 16), 96), ("dense_1", (None, 3), 48)])]


def test_function_nobody_calls_is_evaluated_with_its_defaults():
    model = only_model("""
        import keras

        def build_model(features=12, classes=3):
            inputs = keras.Input((features,))
            outputs = keras.layers.Dense(classes, activation="softmax")(inputs)
            return keras.Model(inputs, outputs)
    """)
    assert (model.function, model.params, model.layers[0].calls[0].output_shape) == ("build_model", 39, (None, 3))


def test_called_function_is_not_evaluated_again():
    analysis = analyze("""
        import keras

        def build_model(features):
            inputs = keras.Input((features,))
            return keras.Model(inputs, keras.layers.Dense(1)(inputs))

        model = build_model(7)
    """)
    assert [(m.function, m.params) for m in analysis.models] == [("build_model", 8)]


# --------------------------------------------------------------- functional


def test_shared_layer_parameters_count_once():
    source = """
        import keras
        left, right = keras.Input((16,)), keras.Input((16,))
        shared = keras.layers.Dense(8, activation="relu")
        merged = keras.layers.concatenate([shared(left), shared(right)])
        model = keras.Model([left, right], keras.layers.Dense(1)(merged))
    """
    assert summary(source) == [("functional", 153, 153, [
        ("dense", (None, 8), 136),
        ("concatenate", (None, 16), 0),
        ("dense_1", (None, 1), 17),
    ])]


MERGES = {
    "concatenate([a, b])": ("concatenate", (None, 16), 17),
    "add([a, b])": ("add", (None, 8), 9),
    "subtract([a, b])": ("subtract", (None, 8), 9),
    "multiply([a, b])": ("multiply", (None, 8), 9),
    "average([a, b])": ("average", (None, 8), 9),
    "maximum([a, b])": ("maximum", (None, 8), 9),
    "minimum([a, b])": ("minimum", (None, 8), 9),
    "dot([a, b], axes=1)": ("dot", (None, 1), 2),
    "dot([a, b], 1, normalize=True)": ("dot", (None, 1), 2),
    "Concatenate(axis=-1)([a, b])": ("concatenate", (None, 16), 17),
    "Add()([a, b])": ("add", (None, 8), 9),
    "Dot(axes=1)([a, b])": ("dot", (None, 1), 2),
}


@pytest.mark.parametrize("merge", MERGES, ids=MERGES)
def test_merge_layers_and_their_functional_forms(merge):
    name, shape, params = MERGES[merge]
    source = f"""
        import keras
        from keras import layers
        a, b = keras.Input((8,)), keras.Input((8,))
        model = keras.Model(inputs=[a, b], outputs=layers.Dense(1)(layers.{merge}))
    """
    assert summary(source) == [("functional", params, params, [(name, shape, 0), ("dense", (None, 1), params)])]


def test_model_inputs_and_outputs_as_dicts_and_lists():
    source = """
        import keras
        inputs = {"title": keras.Input((12,), name="title"), "body": keras.Input((30,), name="body")}
        features = keras.layers.concatenate([inputs["title"], inputs["body"]])
        priority = keras.layers.Dense(1, name="priority")(features)
        department = keras.layers.Dense(4, name="department")(features)
        model = keras.Model(inputs=inputs, outputs=[priority, department], name="tickets")
    """
    assert summary(source) == [("tickets", 215, 215, [
        ("concatenate", (None, 42), 0),
        ("priority", (None, 1), 43),
        ("department", (None, 4), 172),
    ])]


def test_layers_are_listed_in_keras_order():
    """Keras sorts ``model.layers`` by depth, so parallel branches interleave."""
    source = """
        import keras
        from keras import layers
        left, right = keras.Input((3,)), keras.Input((5,))
        a = layers.Dense(2, name="a2")(layers.Dense(4, name="a1")(left))
        b = layers.Dense(2, name="b2")(layers.Dense(4, name="b1")(right))
        model = keras.Model([left, right], layers.add([a, b]))
    """
    assert summary(source) == [("functional", 60, 60, [
        ("a1", (None, 4), 16),
        ("b1", (None, 4), 24),
        ("a2", (None, 2), 10),
        ("b2", (None, 2), 10),
        ("add", (None, 2), 0),
    ])]


def test_layer_output_and_model_attributes():
    source = """
        import keras
        inputs = keras.Input((6,))
        hidden = keras.layers.Dense(4, name="hidden")
        hidden(inputs)
        base = keras.Model(inputs, hidden.output, name="base")
        head = keras.layers.Dense(base.output.shape[-1] * 2, name="head")(base.output)
        model = keras.Model(base.inputs, head, name="full")
    """
    assert summary(source) == [
        ("base", 28, 28, [("hidden", (None, 4), 28)]),
        ("full", 68, 68, [("hidden", (None, 4), 28), ("head", (None, 8), 40)]),
    ]


# --------------------------------------------------------------- sequential

MNIST_MLP = [("sequential", 7850, 7850, [("dense", (None, 10), 7850)])]

SEQUENTIAL_FORMS = {
    "keras.Input first": "keras.Sequential([keras.Input((784,)), keras.layers.Dense(10)])",
    "input_shape=": "keras.Sequential([keras.layers.Dense(10, input_shape=(784,))])",
    "input_dim=": "keras.Sequential([keras.layers.Dense(10, input_dim=784)])",
    "InputLayer(shape=)": "keras.Sequential([keras.layers.InputLayer(shape=(784,)), keras.layers.Dense(10)])",
    "InputLayer(input_shape=)": "keras.Sequential([keras.layers.InputLayer(input_shape=(784,)), keras.layers.Dense(10)])",
    "tuple of layers": "keras.Sequential((keras.Input(shape=(784,)), keras.layers.Dense(10)))",
}


@pytest.mark.parametrize("construction", SEQUENTIAL_FORMS.values(), ids=SEQUENTIAL_FORMS.keys())
def test_sequential_input_declarations(construction):
    assert summary(f"import keras\nmodel = {construction}\n") == MNIST_MLP


def test_sequential_add():
    source = """
        import keras
        model = keras.Sequential(name="mlp")
        model.add(keras.Input((28, 28)))
        model.add(keras.layers.Flatten())
        model.add(keras.layers.Dense(32, activation="relu"))
        model.add(keras.layers.Dropout(0.2))
        model.add(keras.layers.Dense(10, activation="softmax"))
    """
    assert summary(source) == [("mlp", 25450, 25450, [
        ("flatten", (None, 784), 0),
        ("dense", (None, 32), 25120),
        ("dropout", (None, 32), 0),
        ("dense_1", (None, 10), 330),
    ])]


def test_unbuilt_sequential_has_no_parameter_count_until_built():
    source = """
        import keras
        unbuilt = keras.Sequential([keras.layers.Dense(32), keras.layers.Dense(10)], name="unbuilt")
        built = keras.Sequential(name="built")
        built.add(keras.layers.Dense(32))
        built.add(keras.layers.Dense(10))
        built.build((None, 784))
    """
    assert summary(source) == [
        ("unbuilt", None, None, [("dense", None, None), ("dense_1", None, None)]),
        ("built", 25450, 25450, [("dense_2", (None, 32), 25120), ("dense_3", (None, 10), 330)]),
    ]
    unbuilt = analyze(source).models[0]
    assert "Sequential model has no input shape" in reasons(unbuilt)


def test_embedding_input_dim_is_not_an_input_shape():
    source = """
        import keras
        model = keras.Sequential([keras.layers.Embedding(1000, 8), keras.layers.Dense(1)])
    """
    assert summary(source) == [("sequential", None, None, [("embedding", None, None), ("dense", None, None)])]


def test_batch_normalization_has_non_trainable_parameters():
    source = """
        import keras
        model = keras.Sequential([keras.Input((10,)), keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    """
    assert summary(source) == [("sequential", 62, 42, [("batch_normalization", (None, 10), 40), ("dense", (None, 2), 22)])]


# --------------------------------------------------------- training setup


def test_compile_and_fit_facts():
    [model] = analyze("""
        import keras
        (x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
        x_train = x_train.reshape(-1, 784).astype("float32") / 255.0
        y_train = keras.utils.to_categorical(y_train, 10)
        model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(10, activation="softmax")])
        model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
        model.fit(x_train, y_train, batch_size=64, epochs=3)
    """).models
    [compiled] = model.compiles
    assert (compiled.loss, compiled.metrics) == ("categorical_crossentropy", ["accuracy"])
    assert isinstance(compiled.optimizer, Opaque) and compiled.optimizer.kind == "optimizers:Adam"
    [fit] = model.fits
    assert isinstance(fit.x, Data) and (fit.x.origin, fit.x.scaled, fit.x.role) == ("mnist.load_data()", True, "data")
    assert isinstance(fit.y, Data) and (fit.y.role, fit.y.num_classes) == ("labels", 10)
    assert fit.kwargs == {"batch_size": 64, "epochs": 3}


def test_unscaled_data_and_default_optimizer():
    analysis = analyze("""
        from keras.datasets import mnist
        from keras.models import Sequential
        from keras.layers import Dense, Flatten
        (x_train, y_train), _ = mnist.load_data()
        model = Sequential([Flatten(input_shape=(28, 28)), Dense(10)])
        model.compile(loss="sparse_categorical_crossentropy")
        model.fit(x=x_train, y=y_train)
    """)
    [model] = analysis.models
    assert model.compiles[0].optimizer == "rmsprop"
    [fit] = model.fits
    assert (fit.x.origin, fit.x.scaled) == ("mnist.load_data()", False)
    assert [d.origin for d in analysis.data_loads] == ["mnist.load_data()", "mnist.load_data()"]


# ----------------------------------------------------- what stays unknown


def test_unknown_function_result_makes_the_layer_unresolved():
    model = only_model("""
        import keras
        from myproject import choose_width
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(choose_width())])
    """)
    assert model.params is None
    assert "argument `units` is not statically known" in reasons(model)


def test_custom_layer_call_is_evaluated():
    model = only_model("""
        import keras

        class Scale(keras.layers.Layer):
            def call(self, x):
                return x * 2

        inputs = keras.Input((4,))
        x = Scale(name="scale")(inputs)
        model = keras.Model(inputs, keras.layers.Dense(3)(x))
    """)
    assert [layer.class_name for layer in model.layers] == ["Scale", "Dense"]
    assert model.params == 15


def test_custom_layer_class_is_named_in_the_reason():
    source = """
        import keras
        import mystery

        class Scale(keras.layers.Layer):
            def call(self, x):
                return mystery.transform(x)

        inputs = keras.Input((4,))
        x = Scale(name="scale")(inputs)
        model = keras.Model(inputs, keras.layers.Dense(3)(x))
    """
    model = only_model(source)
    assert model.params is None
    assert [layer.class_name for layer in model.layers] == ["Scale", "Dense"]
    assert "(Scale)" in reasons(model)


def test_catalogue_gap_is_named_in_the_reason():
    model = only_model("""
        import keras
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.FancyNewLayer(3)(inputs))
    """)
    assert model.params is None
    assert "`FancyNewLayer` is not in kerlint's layer catalogue" in reasons(model)


PATHOLOGICAL = {
    "while True": "while True:\n    x = 1\n",
    "infinite recursion": "def f(n):\n    return f(n + 1)\nf(0)\n",
    "mutual recursion": "def f(n):\n    return g(n)\ndef g(n):\n    return f(n)\n",
    "300-deep expression": "x = " + "(1 + " * 300 + "1" + ")" * 300 + "\n",
    "300-deep list": "x = " + "[" * 300 + "]" * 300 + "\n",
    "300-deep calls": "x = " + "keras.layers.Dense(1)(" * 300 + "keras.Input((1,))" + ")" * 300 + "\n",
    "huge range": "for i in range(10**9):\n    keras.layers.Dense(i)\n",
    "huge power": "x = 10**10**10\ny = x + 1\n",
    "huge repetition": "x = [0] * 10**9\ny = 'ab' * 10**9\n",
    "huge shift": "x = 1 << 10**9\n",
    "unknown calls": "import numpy as np\nx = np.random.rand(3)\ny = foo(x)(x)[x].bar(**x)\n",
    "user class": "class Net:\n    def __init__(self):\n        self.d = keras.layers.Dense(3)\nnet = Net()\nnet.d(keras.Input((2,)))\n",
    "try and with": "try:\n    import missing\nexcept ImportError:\n    raise\nwith open('x') as f:\n    data = f.read()\n",
    "unknown model args": "model = keras.Model(*inputs, **outputs)\n",
}


@pytest.mark.parametrize("body", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_pathological_code_degrades_to_unknown(body):
    started = time.monotonic()
    result = findings("import keras\n" + body)
    assert [f for f in result if f.code == "KER000"] == []
    assert time.monotonic() - started < 30


def test_infinite_loops_and_recursion_leave_a_note():
    analysis = analyze("""
        import keras

        def forever(n):
            return forever(n + 1)

        forever(0)
        while True:
            pass
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    """)
    notes = [item.reason for item in analysis.unresolved]
    assert any("call depth limit" in note for note in notes)
    assert any("while loop still running" in note for note in notes)
    assert [m.params for m in analysis.models] == [3]


def test_huge_values_are_unknown_not_computed():
    model = only_model("""
        import keras
        n = 10**10**10
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(n)])
    """)
    assert model.params is None


AMPLIFIERS = ['text.replace("a", text)', "text.join([text] * 1000)", 'f"{1:>5000}"', '"{:>5000}".format(1)']


@pytest.mark.parametrize("expression", AMPLIFIERS)
def test_values_that_could_fill_memory_are_unknown(expression):
    """Small enough to compute if a guard regresses; the guards refuse them as they would a billion."""
    source = f"""
        import keras
        text = "a" * 1000
        model = keras.Sequential([keras.Input((len({expression}),)), keras.layers.Dense(1)])
    """
    assert only_model(source).params is None


def test_elements_built_in_total_are_bounded():
    source = "import keras\nx = [0] * 600\ny = [0] * 600\nmodel = keras.Sequential([keras.Input((len(x) + len(y),)), keras.layers.Dense(1)])\n"
    assert [m.params for m in analyze(source).models] == [1201]
    analysis = analyze_module(cst.parse_module(source), "model.py", Budget(elements=1000))
    assert [m.params for m in analysis.models] == [None]


def test_deep_nesting_skips_the_statement_not_the_file():
    analysis = analyze("import keras\nx = " + "[" * 700 + "]" * 700 + "\nmodel = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])\n")
    assert [m.params for m in analysis.models] == [3]


def test_lambda_layers_from_their_function_or_declared_output_shape():
    model = only_model("""
        import keras
        import mystery
        inputs = keras.Input((10, 8))
        x = keras.layers.Lambda(lambda t: keras.ops.mean(t, axis=1))(inputs)
        y = keras.layers.Lambda(lambda t: mystery.reduce(t), output_shape=(8,))(inputs)
        z = keras.layers.concatenate([x, y])
        model = keras.Model(inputs, keras.layers.Dense(3)(z))
    """)
    # Checked with Keras 3.15: 51 parameters; both Lambdas output (None, 8).
    assert model.params == 51
    assert [call.output_shape for call in model.calls][:2] == [(None, 8), (None, 8)]


def test_a_lookup_with_a_literal_vocabulary_knows_its_size():
    """Issue 16: `Embedding(lookup.vocabulary_size(), 4)` is 4 rows per token plus the OOV row, as Keras counts it."""
    [(_, params, _, _)] = summary("""
        import keras
        lookup = keras.layers.StringLookup(vocabulary=["a", "b", "c"])
        inp = keras.Input(shape=(1,), dtype="string")
        x = keras.layers.Embedding(lookup.vocabulary_size(), 4)(lookup(inp))
        model = keras.Model(inp, x)
    """)
    assert params == (3 + 1) * 4
