"""Issue 15's graph causes, each from a minimal program, and what Keras does, checked against Keras.

1. every reader of a tensor is recorded, operations included;
2. a model used as a layer is one node of the model that uses it, with its own layers and parameters;
3. a subclassed model follows ``call()``; its attribute order is never an order of execution;
4. a layer whose output reaches no model output is not part of the model, and KER106 reports it;
5. code inside ``assertRaises``/``pytest.raises`` builds and changes no model;
6. a custom layer whose ``call`` applies a non-linearity says so (``Layer.nonlinear``).
"""

from __future__ import annotations

import os
import textwrap

import libcst as cst
import pytest

from helpers import analyze
from kerlint.graph import LayerCall, OpCall
from kerlint.interpret.analysis import FileAnalysis, analyze_module


def facts(source: str) -> FileAnalysis:
    return analyze_module(cst.parse_module(textwrap.dedent(source)), "snippet.py")


def only_model(analysis: FileAnalysis, name: str):
    (model,) = [m for m in analysis.models if m.name == name]
    return model


def run_keras(source: str) -> dict:
    """Execute `source` with real Keras; its names afterwards."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    pytest.importorskip("keras", reason="checking what Keras does needs keras (and tensorflow) installed")
    namespace: dict = {}
    exec(compile(textwrap.dedent(source), "<keras check>", "exec"), namespace)  # our own test program
    return namespace


def keras_layer_names(model) -> list[str]:
    """``model.layers`` without the InputLayers a functional model lists (kerlint lists inputs apart)."""
    return [layer.name for layer in model.layers if type(layer).__name__ != "InputLayer"]


# ------------------------------------------------------------- 1. every reader

READERS = {
    "stop_gradient": "y = keras.ops.stop_gradient(h) + c",
    "ops_add": "y = keras.ops.add(h, c)",
    "scalar": "y = h * 0.5",
}
UNMODELLED = "y = keras.ops.top_k(h, 8)[0] + c"  # an operation kerlint leaves unknown
TF_CONCAT = "y = tf.concat([h, c], -1)"  # Keras 2's TFOpLambda: Keras 3 refuses raw TF ops on symbolic tensors


def reader_program(expression: str) -> str:
    return f"""
import keras
import tensorflow as tf
inp = keras.Input(shape=(8,), name="inp")
c = keras.Input(shape=(8,), name="c")
h = keras.layers.Dense(8, name="h")(inp)
{expression}
z = keras.layers.Dense(8, name="z")(h)
model = keras.Model([inp, c], [y, z])
"""


@pytest.mark.parametrize("expression", [*READERS.values(), TF_CONCAT], ids=[*READERS, "tf_concat"])
def test_a_tensor_read_by_an_operation_and_a_layer_has_both_readers(expression):
    model = facts(reader_program(expression)).models[0]
    (dense_h,) = [c for c in model.calls if c.layer.name == "h"]
    readers = model.readers(dense_h)
    assert len(readers) == 2
    assert any(isinstance(r, OpCall) for r in readers) and any(isinstance(r, LayerCall) and r.layer.name == "z" for r in readers)
    assert [c.layer.name for c in model.consumers(dense_h)] == ["z"]  # layer calls only, as before


@pytest.mark.parametrize("expression", [*READERS.values(), UNMODELLED], ids=[*READERS, "unmodelled"])
def test_keras_records_the_operation_as_a_second_reader(expression):
    namespace = run_keras(reader_program(expression))
    assert len(namespace["h"]._keras_history.operation._outbound_nodes) == 2


def test_an_operation_kerlint_does_not_model_still_reads_the_tensor():
    analysis = facts(reader_program(UNMODELLED))
    (dense_h,) = [c for c in analysis.calls if c.layer.name == "h"]
    readers = dense_h.outputs[0].consumers
    assert [type(r).__name__ for r in readers] == ["OpCall", "LayerCall"] and readers[0].outputs == []


# ------------------------------------------------------- 2. models used as layers

NESTED = {
    "sequential_in_list": """
import keras
inner = keras.Sequential([keras.layers.Dense(16, activation="relu", name="i1"), keras.layers.Dense(8, name="i2")], name="inner")
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(32, name="a"), inner, keras.layers.Dense(1, name="b")], name="outer")
""",
    "sequential_added": """
import keras
inner = keras.Sequential(name="inner")
inner.add(keras.layers.Dense(16, name="i1"))
model = keras.Sequential(name="outer")
model.add(keras.Input(shape=(4,)))
model.add(keras.layers.Dense(32, name="a"))
model.add(inner)
model.add(keras.layers.Dense(1, name="b"))
""",
    "built_later": """
import keras
inner = keras.Sequential([keras.layers.Dense(16, name="i1")], name="inner")
model = keras.Sequential([keras.layers.Dense(32, name="a"), inner, keras.layers.Dense(1, name="b")], name="outer")
model.build((None, 4))
""",
    "functional_in_sequential": """
import keras
x = keras.Input(shape=(32,))
inner = keras.Model(x, keras.layers.Dense(16, name="i1")(x), name="inner")
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(32, name="a"), inner, keras.layers.Dense(1, name="b")], name="outer")
""",
    "custom_layer_in_sequential": """
import keras
class Block(keras.layers.Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(units, name="i1")
    def call(self, x):
        return keras.ops.relu(self.dense(x))
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(32, name="a"), Block(16, name="inner"), keras.layers.Dense(1, name="b")], name="outer")
""",
    "subclassed_model_added": """
import keras
class Tower(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = keras.layers.Dense(16, activation="relu", name="i1")
        self.second = keras.layers.Dense(8, name="i2")
    def call(self, x):
        return self.second(self.first(x))
model = keras.Sequential(name="outer")
model.add(keras.layers.Dense(32, name="a", input_shape=(4,)))
model.add(Tower(name="inner"))
model.add(keras.layers.Dense(1, name="b"))
""",
    "sequential_in_functional": """
import keras
inner = keras.Sequential([keras.layers.Dense(16, name="i1"), keras.layers.Dense(8, name="i2")], name="inner")
inputs = keras.Input(shape=(4,))
outputs = keras.layers.Dense(1, name="b")(inner(keras.layers.Dense(32, name="a")(inputs)))
model = keras.Model(inputs, outputs, name="outer")
""",
}


@pytest.mark.parametrize("source", NESTED.values(), ids=NESTED)
def test_a_nested_model_is_one_layer_between_its_neighbours(source):
    outer = only_model(facts(source), "outer")
    assert [layer.name for layer in outer.layers if layer.class_name != "InputLayer"] == ["a", "inner", "b"]
    (nested,) = [c for c in outer.calls if c.layer.name == "inner"]
    assert nested.layer.nested is not None and [c.layer.name for c in outer.consumers(nested)] == ["b"]
    assert outer.outputs[0].shape == (None, 1)


@pytest.mark.parametrize("source", NESTED.values(), ids=NESTED)
def test_nested_model_parameters_are_counted_as_keras_counts_them(source):
    outer = only_model(facts(source), "outer")
    model = run_keras(source)["model"]
    assert outer.params == model.count_params()
    assert [layer.name for layer in outer.layers] == keras_layer_names(model)


# ------------------------------------------------------------ 3. follow call()

OWN_BUILD = """
import keras
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.out = keras.layers.Dense(10, activation="softmax")
        self.hidden = keras.layers.Dense(64)
    def build(self, input_shape):
        super().build(input_shape)
    def call(self, x):
        return self.out(self.hidden(x))
model = Net()
"""


def test_a_subclassed_model_with_its_own_build_follows_call():
    model = facts(OWN_BUILD + "model.build((None, 32))\n").models[0]
    assert [c.layer.class_name + str(c.layer.config.raw("units")) for c in model.calls] == ["Dense64", "Dense10"]
    assert model.outputs[0].producer.layer.config.raw("activation") == "softmax"
    assert model.sequence is None and [layer.config.raw("units") for layer in model.tracked] == [10, 64]


def test_a_subclassed_model_whose_call_is_not_followed_is_unresolved_not_chained():
    model = facts(OWN_BUILD).models[0]  # never built nor called: call() cannot be followed
    assert not model.calls and model.sequence is None
    assert any("is not built" in note.reason for note in model.notes)
    assert not [f for f in analyze(OWN_BUILD, select=["ALL"]).findings if f.code in ("KER105", "KER207", "KER208")]


def test_following_call_gives_the_parameters_keras_counts_once_the_model_ran():
    source = OWN_BUILD + "model.build((None, 32))\n"
    model = run_keras(source + "model(keras.ops.zeros((1, 32)))\n")["model"]
    assert facts(source).models[0].params == model.count_params()


# ------------------------------------------------------------- 4. dead layers

DEAD = """
import keras

def build():
    inputs = keras.Input(shape=(16,))
    x = keras.layers.Dense(64, activation="relu", name="x")(inputs)
    branch = keras.layers.Dense(32, name="lost")(x)
    branch = keras.layers.Dense(32, name="branch")(inputs)
    unused = keras.layers.Dense(8, name="unused")(keras.layers.Dense(8, name="feeds_unused")(x))
    keras.layers.Dense(4, name="discarded")(x)
    outputs = keras.layers.Dense(1, name="out")(keras.layers.concatenate([x, branch], name="cat"))
    return keras.Model(inputs, outputs)

model = build()
"""


def test_dead_branches_are_reported_with_where_their_output_was_lost():
    findings = [f for f in analyze(DEAD).findings if f.code == "KER106"]
    assert [(f.span.line, f.message) for f in findings] == [
        (7, "the output of Dense(32) `lost` never reaches a model output: `branch` is assigned again on line 8 before "
            "anything reads it"),
        (9, "the output of Dense(8) `unused` never reaches a model output: `unused` is never read before `build` ends "
            "(line 12) (nor does what fed only it: Dense(8) `feeds_unused`)"),
        (10, "the output of Dense(4) `discarded` never reaches a model output: the result of the call on line 10 is discarded"),
    ]


def test_dead_calls_are_not_analysed_as_part_of_the_file():
    analysis = facts(DEAD)
    assert {c.layer.name for c in analysis.calls} == {"x", "branch", "cat", "out"}


def test_keras_leaves_the_dead_branch_out_of_the_model():
    model = run_keras(DEAD)["model"]
    assert keras_layer_names(model) == [layer.name for layer in facts(DEAD).models[0].layers]
    assert facts(DEAD).models[0].params == model.count_params()


ALIVE = {
    "returned": "    return keras.Model(inputs, outputs), hidden",
    "stored": "    keep.append(hidden)\n    return keras.Model(inputs, outputs)",
    "passed_on": "    log(hidden)\n    return keras.Model(inputs, outputs)",
    "add_loss": "    model = keras.Model(inputs, outputs)\n    model.add_loss(keras.ops.mean(hidden))\n    return model",
    "second_model": "    return keras.Model(inputs, outputs), keras.Model(inputs, hidden)",
    "closure": "    def probe():\n        return hidden\n    return keras.Model(inputs, outputs), probe",
    "except_body": "    try:\n        pass\n    except ValueError:\n        print(hidden)\n    return keras.Model(inputs, outputs)",
    "unknown_outputs": "    return keras.Model(inputs, make_outputs(outputs))",
    "layer_output": "    probe = keras.Model(inputs, keras.layers.Dense(1)(inputs))\n    keep.append(probe.layers[-1].output)\n"
                    "    keep.append(layer.output)\n    return keras.Model(inputs, outputs)",
}


def unused_hidden(ending: str) -> str:
    return (
        "import keras\nkeep = []\n\ndef build(log, make_outputs):\n"
        "    inputs = keras.Input(shape=(16,))\n"
        "    layer = keras.layers.Dense(8)\n"
        "    hidden = layer(inputs)\n"
        "    outputs = keras.layers.Dense(1)(inputs)\n"
        f"{ending}\n"
    )


def test_the_unused_hidden_layer_alone_is_dead():
    assert [f.code for f in analyze(unused_hidden("    return keras.Model(inputs, outputs)")).findings].count("KER106") == 1


@pytest.mark.parametrize("ending", ALIVE.values(), ids=ALIVE)
def test_no_dead_layer_when_the_output_may_be_used(ending):
    assert "KER106" not in [f.code for f in analyze(unused_hidden(ending)).findings]


def test_a_layer_overwritten_in_a_loop_without_being_read_is_dead():
    source = """
    import keras
    inputs = keras.Input(shape=(16,))
    for _ in range(3):
        h = keras.layers.Dense(8)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1)(h))
    """
    findings = [f for f in analyze(source).findings if f.code == "KER106"]
    assert len(findings) == 1 and "assigned again on line 5" in findings[0].message


# ---------------------------------------------------------- 5. expected raises

RAISES = """
import unittest
import keras
import pytest

class TestAdd(unittest.TestCase):
    def test_duplicate_name(self):
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, name="a")], name="kept")
        with self.assertRaises(ValueError):
            model.add(keras.layers.Dense(1, name="a"))
            other = keras.Sequential([keras.layers.Dense(3, activation="softmax")], name="never")
        model.compile(loss="mse")

def test_pytest_raises():
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(8, name="a")], name="kept_too")
    with pytest.raises(ValueError, match="unique"):
        model.add(keras.layers.Dense(1, name="a"))
"""


def test_code_expected_to_raise_builds_and_changes_no_model():
    analysis = facts(RAISES)
    assert sorted(m.name for m in analysis.models) == ["kept", "kept_too"]
    assert all([layer.name for layer in m.layers] == ["a"] for m in analysis.models)
    assert {c.layer.name for c in analysis.calls} == {"a"}


def test_keras_rejects_the_add_inside_the_expected_raise():
    program = RAISES + "\nTestAdd('test_duplicate_name').test_duplicate_name()\ntest_pytest_raises()\n"
    run_keras(program)  # each `with` block would fail the test if Keras accepted the add


# ---------------------------------------------------------- 6. non-linear calls

CUSTOM = """
import keras
import tensorflow as tf
from keras import ops

class Custom(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(4)
        self.act = keras.layers.Activation("relu")
        self.relu_dense = keras.layers.Dense(4, activation="relu")
    def call(self, x):
        return {body}

inputs = keras.Input(shape=(4,))
layer = Custom()
model = keras.Model(inputs, layer(inputs))
"""
NONLINEAR = {
    "tf_nn_gelu": ("tf.nn.gelu(self.dense(x))", True),
    "tf_math_tanh": ("tf.math.tanh(self.dense(x))", True),
    "ops_sigmoid": ("ops.sigmoid(self.dense(x))", True),
    "activations": ("keras.activations.softmax(self.dense(x))", True),
    "activation_layer": ("self.act(self.dense(x))", True),
    "activated_dense": ("self.relu_dense(x)", True),
    "gating": ("self.dense(x) * ops.sigmoid(x)", True),
    "scaled": ("self.dense(x) * 0.5", False),
    "residual": ("self.dense(x) + x", False),
}


@pytest.mark.parametrize("body, expected", NONLINEAR.values(), ids=NONLINEAR)
def test_a_custom_layer_records_whether_its_call_is_nonlinear(body, expected):
    (layer,) = [c.layer for c in facts(CUSTOM.format(body=body)).calls if c.layer.class_name == "Custom"]
    assert layer.nonlinear is expected


@pytest.mark.parametrize("body, expected", [NONLINEAR[k] for k in ("ops_sigmoid", "activation_layer", "scaled", "residual")])
def test_keras_computes_an_affine_function_exactly_when_nonlinear_is_false(body, expected):
    import numpy as np

    layer = run_keras(CUSTOM.format(body=body))["layer"]
    x = np.linspace(-2.0, 3.0, 8, dtype="float32").reshape(2, 4)
    f = lambda v: np.asarray(layer(v))  # noqa: E731
    zero = f(np.zeros_like(x))
    # An affine f keeps both: doubling (relu does too) and symmetry about f(0) (sigmoid does too).
    doubles = np.allclose(f(2 * x) - zero, 2 * (f(x) - zero), atol=1e-5)
    symmetric = np.allclose(f(x) + f(-x), 2 * zero, atol=1e-5)
    assert (doubles and symmetric) is not expected
