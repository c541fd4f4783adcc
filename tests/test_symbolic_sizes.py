"""Sizes that come from data stay symbolic (issue 16, item 6): totals as expressions in named unknowns, checked against Keras."""

from __future__ import annotations

import json
import textwrap

import pytest

from kerlint.cost import model_costs, run_time_flops, run_time_params
from kerlint.layers.base import CannotInfer
from kerlint.symbolic import Polynomial, Unknown

from helpers import analyze, kerlint

LISTDIR = (
    """
import os
import keras
from keras import layers
class_names = sorted(os.listdir(os.environ["DATA_DIR"]))
num_classes = len(class_names)
""",
    "num_classes = {num_classes}\n",
    """
model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.Conv2D(8, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(num_classes + 1, activation="relu"),
    layers.Dense(num_classes, activation="softmax"),
])
""",
)
CSV = (
    """
import pandas as pd
import keras
from keras import layers
df = pd.read_csv("train.csv")
x_train = df.drop(columns=["label"]).values
""",
    "import numpy as np\nx_train = np.zeros((2, {x_train.shape[1]}))\n",
    """
inputs = keras.Input(shape=(x_train.shape[1],))
x = layers.Dense(16, activation="relu", trainable=False)(inputs)
x = layers.BatchNormalization()(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)
""",
)
ARGPARSE = (
    """
import argparse
import keras
from keras import layers
parser = argparse.ArgumentParser()
parser.add_argument("--units", type=int, default=64)
parser.add_argument("--vocab", type=int, default=1000)
args = parser.parse_args()
""",
    "import types\nargs = types.SimpleNamespace(units={args.units}, vocab={args.vocab})\n",
    """
model = keras.Sequential([
    keras.Input(shape=(20,)),
    layers.Embedding(args.vocab + 1, 16),
    layers.LSTM(args.units),
    layers.Dense(2 * args.units, activation="relu"),
    layers.Dense(1, activation="sigmoid"),
])
""",
)
RESIDUAL = (
    """
import sys
import keras
from keras import layers
width = int(sys.argv[1])
""",
    "width = {width}\n",
    """
inputs = keras.Input((width,))
x = layers.Dense(width)(inputs)
x = layers.Add()([x, inputs])
model = keras.Model(inputs, layers.Dense(1)(x))
""",
)
PROGRAMS = {
    "listdir": (LISTDIR, [{"num_classes": 3}, {"num_classes": 10}]),
    "residual": (RESIDUAL, [{"width": 1}, {"width": 7}]),
    "csv": (CSV, [{"x_train.shape[1]": 5}, {"x_train.shape[1]": 13}]),
    "argparse": (ARGPARSE, [{"args.units": 4, "args.vocab": 50}, {"args.units": 9, "args.vocab": 7}]),
}


def _static(program: tuple[str, str, str]) -> str:
    loading, _, body = program
    return textwrap.dedent(loading) + textwrap.dedent(body)


def _with_values(program: tuple[str, str, str], values: dict[str, int]) -> str:
    """The same program with the data replaced by literal sizes (the Keras side of the comparison)."""
    loading, literal, body = program
    imports = "".join(line + "\n" for line in textwrap.dedent(loading).splitlines() if line.startswith(("import keras", "from keras")))
    text = literal
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return imports + text + textwrap.dedent(body)


def _substituted(program: tuple[str, str, str], values: dict[str, int]) -> str:
    """The program with each unknown's text replaced by its value (the sizes kerlint then knows)."""
    loading, _, body = program
    imports = "".join(line + "\n" for line in textwrap.dedent(loading).splitlines() if line.startswith(("import keras", "from keras")))
    body = textwrap.dedent(body)
    for name, value in values.items():
        body = body.replace(name, str(value))
    return imports + body


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_parameter_expression_matches_keras_for_several_sizes(name: str) -> None:
    keras = pytest.importorskip("keras", reason="the expression is checked against Keras's count_params()")
    program, cases = PROGRAMS[name]
    [model] = analyze(_static(program)).analysis.models
    assert model.params is None  # never a number that depends on the data
    total, trainable = run_time_params(model)
    assert {u.name for u in total.unknowns} == set(cases[0])
    for values in cases:
        keras.backend.clear_session()
        namespace: dict = {}
        exec(_with_values(program, values), namespace)
        built = namespace["model"]
        expected_trainable = sum(int(w.numpy().size) for w in built.trainable_weights)
        assert (total.substitute(values), _value(trainable, values)) == (built.count_params(), expected_trainable)
    keras.backend.clear_session()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_flops_expression_is_what_kerlint_counts_once_the_sizes_are_known(name: str) -> None:
    """The same catalogue code runs on polynomials and on ints (its FLOPs are checked against TensorFlow's profiler in test_flops)."""
    program, cases = PROGRAMS[name]
    [model] = analyze(_static(program)).analysis.models
    flops = run_time_flops(model, batch_size=4)
    assert isinstance(flops, Polynomial)
    for values in cases:
        [known] = model_costs(analyze(_substituted(program, values)).analysis, batch_size=4)
        assert known.total_flops is not None and flops.substitute(values) == known.total_flops


def _value(size, values: dict[str, int]) -> int:
    return size.substitute(values) if isinstance(size, Polynomial) else size


def test_cost_json_gives_the_expression_and_where_each_unknown_comes_from(tmp_path) -> None:
    path = tmp_path / "model.py"
    path.write_text(_static(LISTDIR), encoding="utf-8")
    result = kerlint("cost", "--format", "json", str(path), cwd=tmp_path)
    [record] = json.loads(result.stdout)["models"]
    assert record["params"] is None
    # Conv2D 224; Dense(num_classes + 1) on 1,800 features: 1,801·(num_classes + 1); Dense(num_classes): (num_classes + 2)·num_classes
    assert record["params_expression"] == "num_classes² + 1,803·num_classes + 2,025"
    assert record["non_trainable_params_expression"] == "0"
    assert record["flops_expression"].startswith("2·num_classes² + ")
    assert record["unknowns"] == {"num_classes": {"line": 6, "source": "len(class_names)"}}


def test_cost_table_prints_the_expression_instead_of_a_question_mark(tmp_path) -> None:
    path = tmp_path / "model.py"
    path.write_text(_static(ARGPARSE), encoding="utf-8")
    output = kerlint("cost", "model.py", cwd=tmp_path).stdout
    assert "Total params: 6·args.units² + 16·args.vocab + 72·args.units + 17" in output
    assert "lstm (LSTM)            (None, args.units)    4·args.units² + 68·args.units" in output
    assert "Known at run time: args.vocab (model.py:12)" in output


def test_shape_rules_still_see_ranks_and_known_sizes() -> None:
    """KER303: the classifier's width is data-dependent, its rank is not."""
    source = """
import os
import keras
num_classes = len(os.listdir("data"))
inputs = keras.Input(shape=(28, 28, 1))
x = keras.layers.Conv2D(32, 3, activation="relu")(inputs)
outputs = keras.layers.Dense(num_classes, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
"""
    result = analyze(source, select=["KER303"])
    assert [f.code for f in result.findings] == ["KER303"]
    assert result.analysis.models[0].outputs[0].shape == (None, 26, 26, None)


def test_a_model_with_another_unknown_prints_no_expression() -> None:
    """A layer outside the catalogue next to a data-dependent size: the total would be a guess."""
    source = _static(LISTDIR).replace("layers.Flatten(),", "layers.Flatten(),\n    MyLayer(),")
    [cost] = model_costs(analyze("from mylib import MyLayer\n" + source).analysis)
    assert cost.params is None and cost.run_time is None


def test_a_name_bound_twice_is_not_one_unknown() -> None:
    source = """
import os
import keras
n = len(os.listdir("a"))
first = keras.layers.Dense(n)
n = len(os.listdir("b"))
model = keras.Sequential([keras.Input(shape=(4,)), first, keras.layers.Dense(n)])
"""
    [cost] = model_costs(analyze(source).analysis)
    assert cost.params is None and cost.run_time is None


@pytest.mark.parametrize(("budget", "verdict"), [
    ('max-params = "1K"', "has num_classes² + 1,803·num_classes + 2,025 parameters, at least 3,829 for any value of"
                          " `num_classes` (line 6), over the budget of 1K"),
    ('max-params = "1M"', "has num_classes² + 1,803·num_classes + 2,025 parameters, with `num_classes` (line 6) known"
                          " only at run time: the budget of 1M (max-params in pyproject.toml) cannot be checked"),
    ('max-flops = "1G"', "needs 2·num_classes² + 3,609·num_classes + 406,801 FLOPs per forward pass at batch 1, with"
                         " `num_classes` (line 6) known only at run time: the budget of 1G (max-flops in pyproject.toml) cannot be checked"),
    ('max-memory = "1 GB"', "'s memory depends on `num_classes` (line 6), known only at run time: the budget of 1 GB"),
])
def test_budget_on_a_data_dependent_model(tmp_path, budget: str, verdict: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.kerlint.budgets]\n{budget}\n", encoding="utf-8")
    (tmp_path / "model.py").write_text(_static(LISTDIR), encoding="utf-8")
    result = kerlint("check", "model.py", "--select", "KER901", "--output-format", "concise", cwd=tmp_path)
    [finding] = [line for line in result.stdout.splitlines() if "KER901" in line]
    assert verdict in finding


def test_polynomial_arithmetic_and_refusals() -> None:
    n, m = Polynomial.of(Unknown("n", "n", None)), Polynomial.of(Unknown("m", "m", None))
    assert str(12544 * n + 1180672) == "12,544·n + 1,180,672"
    assert str((n + 1) * (m - 1)) == "n·m - n + m - 1"
    assert (2 * n) // 2 == n and (6 * n * n) // (3 * n) == 2 * n and n - n == 0
    assert (n == -1) is False and bool(4 * n) and n >= 1  # every unknown is a size of at least 1
    assert (6 * n * m) // (2 * n) == 3 * m and 0 // n == 0
    for undecidable in (lambda: n == 2, lambda: n // 2, lambda: 12 // n, lambda: n > m, lambda: int(n), lambda: n / 2, lambda: n % 2):
        with pytest.raises(CannotInfer):
            undecidable()


HELPER = """
import keras
from keras import layers

def conv_block(x, filters):
    return layers.Conv2D(filters, 3, padding="same", activation="relu")(x)

def build(n1, n2):
    inputs = keras.Input(shape=(16, 16, 3))
    x = conv_block(inputs, n1)
    x = conv_block(x, n2)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(10)(x))
"""


def test_a_helper_called_with_two_unknowns_keeps_them_apart() -> None:
    """``filters`` of two calls are two sizes: the product of the second convolution's kernel needs both."""
    keras = pytest.importorskip("keras", reason="the expression is checked against Keras's count_params()")
    [model] = [m for m in analyze(HELPER).analysis.models if m.function == "build"]
    total, _ = run_time_params(model)
    first, second = total.unknowns
    assert (first.label, second.label, first.source) == ("filters", "filters#2", "parameter `filters`")
    assert str(total) == "9·filters·filters#2 + 28·filters + 11·filters#2 + 10"
    namespace: dict = {}
    exec(textwrap.dedent(HELPER), namespace)
    for n1, n2 in ((4, 6), (7, 2)):
        keras.backend.clear_session()
        assert total.substitute({"filters": n1, "filters#2": n2}) == namespace["build"](n1, n2).count_params()
    keras.backend.clear_session()  # Keras names the next test's layers from zero again


def test_a_size_bound_in_a_loop_is_not_named() -> None:
    source = """
import os
import keras
for folder in ("a", "b"):
    n = len(os.listdir(folder))
model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(n)])
"""
    [cost] = model_costs(analyze(source).analysis)
    assert cost.params is None and cost.run_time is None


def test_a_none_that_stands_for_a_run_time_size_is_no_shape_error() -> None:
    """A custom layer's body sees the width as None: Keras would not raise there, so neither does kerlint."""
    source = """
import pandas as pd
import keras
from keras import layers

class Block(layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = layers.Dense(8)

    def call(self, x):
        return self.dense(x) * 2.0

x_train = pd.read_csv("train.csv").values
inputs = keras.Input(shape=(x_train.shape[1],))
model = keras.Model(inputs, layers.Dense(1)(Block()(inputs)))
"""
    result = analyze(source)
    assert not [call.error for call in result.analysis.calls if call.error]
    assert not [f for f in result.findings if f.severity.value == "error"]


def test_messages_describe_a_layer_by_its_run_time_size() -> None:
    """``ZeroPadding1D(padding=n)``: its default is 1, which ``n`` may or may not be; messages show ``n``."""
    source = """
import os
import keras
n = len(os.listdir("data"))
model = keras.Sequential([keras.Input(shape=(8, 3)), keras.layers.ZeroPadding1D(padding=n), keras.layers.Flatten(),
                          keras.layers.Dense(n)])
"""
    [model] = analyze(source, select=["ALL"]).analysis.models
    assert [layer.describe() for layer in model.layers] == ["ZeroPadding1D(n)", "Flatten()", "Dense(n)"]
    assert run_time_params(model) is None  # `padding` takes an int or a pair: n is not known to be an int there


def test_a_name_that_may_hold_a_tuple_is_no_size() -> None:
    """``shape=input_size`` may be a whole shape, ``kernel_size=k`` a pair: only where Keras takes an int is an unknown one."""
    source = """
import keras
from keras import layers

def build(input_size, k, filters):
    inputs = keras.Input(shape=input_size)
    x = layers.Conv2D(filters, k, activation="relu")(inputs)
    return keras.Model(inputs, x)
"""
    result = analyze(source, select=["ALL"])
    [model] = result.analysis.models
    assert model.inputs[0].shape is None and not [f.code for f in result.findings if f.code.startswith("KER3")]
    assert model.calls[0].layer.symbolic_arguments.keys() == {"filters", "kernel_size"}
    assert run_time_params(model) is None  # the kernel's size depends on whether k is an int or a pair


def test_any_expression_evaluated_once_names_its_value() -> None:
    """``len(np.unique(y))`` or ``int(args.units * 2)`` outside a loop is one value in each run of its code."""
    source = """
import argparse
import numpy as np
import keras
args = argparse.ArgumentParser().parse_args()
y = np.load("labels.npy")
model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(int(args.units * 2)), keras.layers.Dense(len(np.unique(y)))])
"""
    [model] = analyze(source).analysis.models
    total, _ = run_time_params(model)
    assert str(total) == "int(args.units * 2)·len(np.unique(y)) + 9·int(args.units * 2) + len(np.unique(y))"


def test_a_sub_layer_built_on_a_shape_written_as_a_list() -> None:
    """``self.dense.build([None, 16])`` (keras_hub's encoders build so): one shape, as Keras reads it, never a crash.

    Shapes that used to be unknown now reach such calls with None where a size is known only at run time."""
    keras = pytest.importorskip("keras", reason="the total is checked against Keras's count_params()")
    source = """
import keras

class Block(keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(8)

    def build(self, input_shape):
        self.dense.build([None, 16])

    def call(self, x):
        return self.dense(x)

inputs = keras.Input(shape=(16,))
model = keras.Model(inputs, Block()(inputs))
"""
    result = analyze(source, select=["ALL"])
    assert not [f for f in result.findings if f.code == "KER000"]
    namespace: dict = {}
    exec(textwrap.dedent(source), namespace)
    assert result.analysis.models[0].params == namespace["model"].count_params()
    keras.backend.clear_session()
