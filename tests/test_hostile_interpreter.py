"""Files built to exhaust the analyzer: every one is analyzed quickly, without KER000, and its model still found.

Each expression below costs the interpreter's own Python objects (not the
modelled network) time or memory out of all proportion to the file's size:
a value may only be computed with while it is small (`values.footprint`).
Absurd model sizes are reported with their numbers, never an OverflowError,
and ``kerlint graph`` stays near-linear in the number of layer calls.
"""

from __future__ import annotations

import io
import time

import pytest

from kerlint.cost import model_costs
from kerlint.interpret.builtins import BUILTINS, LIBRARY
from kerlint.interpret.interpreter import _safe_arith
from kerlint.interpret.values import MAX_ELEMENTS, MAX_INT_BITS, UNKNOWN, contains_unknown, footprint
from kerlint.report import cost_table, graph_render
from kerlint.units import exact_count, human_count, scientific

from helpers import analyze

MODEL = """
import copy
import math
import numpy as np
import keras

inputs = keras.Input((8,))
model = keras.Model(inputs, keras.layers.Dense(4)(inputs))
{}
"""
SECONDS = 10  # generous: each takes well under a second


def analyzed_in_time(code: str, **overrides):
    started = time.monotonic()
    result = analyze(MODEL.format(code), **overrides)
    assert time.monotonic() - started < SECONDS
    assert [f for f in result.findings if f.code == "KER000"] == []
    return result


@pytest.mark.parametrize(
    "code",
    [
        "a = [[0] * 100000] * 100000\nb = a == a",
        "p = math.prod(range(1, 1000000))",
        "z = zip(*[[0] * 100000] * 10000)",
        "a = [[0] * 100000] * 100000\nc = copy.deepcopy(a)",
        # the same shapes built without `*`, which the size of each repetition would refuse
        "row = [0] * 100000\na = [row for _ in range(1000)]\nb = a == a\nc = copy.deepcopy(a)\nd = sorted(a)\ne = str(a)",
        "row = [0] * 100000\nz = list(zip(*[row for _ in range(1000)]))",
        "row = tuple(range(100000))\nk = {tuple(row for _ in range(1000)): 1}\nh = (row, row, row, row) in [k]",
        "a = [[0] * 1000 for _ in range(100)]\nb = [a for _ in range(1000)]\nn = b.count(a) + b.index(0)",
        "p = math.prod(range(1, 50000))",
        "x = 3 ** 100000\ny = 10 ** 10 ** 8\nz = 1 << 10 ** 9\nw = (2 ** 500) ** 300",
        "s = '%0999999999d' % 1\nt = '%*d' % (999999999, 1)",
        "s = '{0:{1}}'.format(1, 999999999)\nt = '{:>{w}}'.format(1, w=10 ** 9)",
        "s = sum([[0]] * 50000, [])",
        "r = list(range(10 ** 9))\ns = np.linspace(0, 1, 10 ** 9)",
        "a = []\na.append(a)\nb = a == a\nc = copy.deepcopy(a)\nd = len(str(a))",
        "big = 2 ** 500\nd = str(big * big * big * big)",
        "shape = keras.Input((2 ** 500,) * 100000)\ny = keras.layers.Reshape((2 ** 500,) * 100000)(inputs)",
    ],
    ids=[
        "equality", "math-prod", "zip-star", "deepcopy", "shared-rows", "zip-shared-rows", "hash", "list-methods",
        "prod-of-50000", "power-and-shift", "percent-width", "format-width", "sum-of-lists", "materialized-ranges", "cycle",
        "big-int-products", "rank-100000",
    ],
)
def test_a_hostile_expression_is_unknown_and_the_model_is_found(code):
    result = analyzed_in_time(code)
    assert [cost.params for cost in model_costs(result.analysis) if cost.line == 8] == [36]


def test_values_below_the_bounds_are_still_computed():
    result = analyzed_in_time(
        "units = math.prod([2, 4]) + sum([[1], [2]], [])[1] + len(copy.deepcopy([[0] * 10] * 10)) + (3 ** 2 == 9)\n"
        "units += len('{{}}{:>3}'.format(1)) - 5\n"
        "wide = keras.Model(inputs, keras.layers.Dense(units)(inputs))"
    )
    assert sorted(cost.params for cost in model_costs(result.analysis)) == [36, 8 * 21 + 21]


# ---------------------------------------------------------------- the guard


def test_footprint_counts_items_through_nesting_each_reference_anew():
    row = [0] * 1000
    assert footprint(row) == 1000
    assert footprint([row] * 10) == 10 + 10 * 1000
    assert footprint({"a": (1, 2), "b": "xyz"}) == 2 + 1 + 2 + 1 + 3  # entries, then keys' and values' items
    assert footprint([row] * 100) is None  # 100,100 items: past MAX_ELEMENTS
    assert footprint("x" * MAX_ELEMENTS) == MAX_ELEMENTS
    assert footprint(range(MAX_ELEMENTS + 1)) is None


def test_footprint_refuses_cycles_big_ints_and_unknown_when_asked():
    cycle: list = []
    cycle.append(cycle)
    assert footprint(cycle) is None
    assert footprint(2**MAX_INT_BITS - 1) == 0
    assert footprint([1, 2**MAX_INT_BITS]) is None
    assert footprint([UNKNOWN, 1]) == 2
    assert footprint([UNKNOWN, 1], unknown_ok=False) is None
    assert contains_unknown([[[[[[[UNKNOWN]]]]]]])  # any depth
    assert not contains_unknown([[1, "a"], {"k": (2.0, None)}])


@pytest.mark.parametrize(
    "left, op, right",
    [([0], "mul", MAX_ELEMENTS + 1), ([[0] * 10], "mul", MAX_ELEMENTS // 10), ("ab", "mul", MAX_ELEMENTS), (10, "pow", 200),
     (1, "lshift", MAX_INT_BITS), ("%01000d", "mod", 1), ("%*d", "mod", (5, 1)), (2**300, "mul", 2**300)],
)
def test_operators_refuse_results_past_the_bounds_before_computing_them(left, op, right):
    import operator

    assert _safe_arith(getattr(operator, op), left, right) is UNKNOWN


def test_operators_below_the_bounds_compute():
    import operator

    assert _safe_arith(operator.mul, [0], MAX_ELEMENTS) == [0] * MAX_ELEMENTS
    assert _safe_arith(operator.pow, 2, MAX_INT_BITS - 1) == 2 ** (MAX_INT_BITS - 1)
    assert _safe_arith(operator.pow, 1, 10**9) == 1
    assert _safe_arith(operator.mod, "%3d|%s", (7, "x")) == "  7|x"


def test_builtins_refuse_huge_arguments_and_compute_small_ones():
    row = [0] * 1000
    assert BUILTINS["zip"].call(None, [row] * 200, {}) is UNKNOWN
    assert LIBRARY["copy.deepcopy"].call(None, [[row] * 200], {}) is UNKNOWN
    assert BUILTINS["sorted"].call(None, [[row] * 200], {}) is UNKNOWN
    assert LIBRARY["math.prod"].call(None, [list(range(1, 200))], {}) is UNKNOWN  # 1,300 bits
    assert LIBRARY["numpy.linspace"].call(None, [0, 1, MAX_ELEMENTS + 1], {}) is UNKNOWN
    assert BUILTINS["zip"].call(None, [[1, 2], [UNKNOWN, 4]], {}) == [(1, UNKNOWN), (2, 4)]
    assert LIBRARY["math.prod"].call(None, [[3, 4, 5]], {}) == 60
    assert BUILTINS["sum"].call(None, [[[1], [2, 3]], []], {}) == [1, 2, 3]
    assert BUILTINS["sum"].call(None, [[(1,), [2]], ()], {}) is UNKNOWN  # Python raises TypeError
    assert BUILTINS["sum"].call(None, [[1, 2.5]], {}) == 3.5


# ---------------------------------------------------------------- absurd sizes

ABSURD = """
import keras
from keras import layers

def wide():
    inputs = keras.Input(shape=(10**9, 10**9))
    return keras.Model(inputs, layers.Dense(10**12)(inputs))

def conv():
    inputs = keras.Input(shape=(10**6, 10**6, 3))
    return keras.Model(inputs, layers.Conv2D(10**6, (10**5, 10**5))(inputs))

def embedding():
    inputs = keras.Input(shape=(10**9,))
    x = layers.Embedding(10**15, 10**6)(inputs)
    x = layers.LSTM(10**12)(x)
    model = keras.Model(inputs, layers.Dense(10, activation="softmax")(x))
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    return model

def beyond():
    inputs = keras.Input(shape=(10**15, 10**15))
    return keras.Model(inputs, layers.Dense(10**150)(inputs))

def input_beyond():
    inputs = keras.Input(shape=(10**150,) * 60)
    return keras.Model(inputs, keras.ops.softmax(inputs * 2.0))

class Huge(layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(2**500,) * 60)

    def call(self, x):
        return x * 2.0

def weight_beyond():
    inputs = keras.Input(shape=(8,))
    return keras.Model(inputs, Huge()(inputs))

def broadcast_beyond():
    rows, columns = keras.Input(shape=(10**20, 1)), keras.Input(shape=(1, 10**20))
    return keras.Model([rows, columns], rows + columns)
"""


def test_absurd_sizes_are_reported_with_their_numbers_and_every_rule_runs():
    result = analyze(ABSURD, select=["ALL"])
    assert [f for f in result.findings if f.code == "KER000"] == []
    costs = {cost.function: cost for cost in model_costs(result.analysis)}
    assert costs["wide"].params == 10**9 * 10**12 + 10**12
    assert costs["conv"].params == 10**5 * 10**5 * 3 * 10**6 + 10**6
    assert costs["embedding"].params == 10**21 + 4 * ((10**6 + 10**12 + 1) * 10**12) + 10 * 10**12 + 10
    assert costs["wide"].summary() == "1.0e+21 params, 2.0e+30 FLOPs, 4.0e+21 B weights"
    assert costs["beyond"].params is None  # 10**180 values per sample: not a model to cost
    assert any("far beyond any model" in item["reason"] for item in costs["beyond"].unresolved)
    assert costs["input_beyond"].flops.total is None and costs["broadcast_beyond"].flops.total is None
    assert costs["weight_beyond"].params is None
    assert any("far beyond any model" in item.reason for item in result.analysis.unresolved)
    table = io.StringIO()
    cost_table.render("table", list(costs.values()), table)
    assert "Total params: 1.0e+21 (1.0e+21)" in table.getvalue()
    for format_name in ("markdown", "json"):
        cost_table.render(format_name, list(costs.values()), io.StringIO())


def test_numbers_read_in_scientific_notation_from_a_thousand_tera_on_whatever_their_size():
    assert human_count(999 * 10**12) == "999.0T"
    assert human_count(2 * 10**21) == "2.0e+21"
    assert exact_count(123_456) == "123,456"
    assert exact_count(10**15) == "1.0e+15"
    assert scientific(10**400) == "1.0e+400"  # no float holds it
    assert scientific(-25 * 10**5000) == "-2.5e+5001"  # nor a decimal string (4,300 digits at most)


# ---------------------------------------------------------------- graph


def test_graph_of_a_layer_shared_by_thousands_of_calls_is_fast():
    calls = "\n".join(["x = shared(x)"] * 3000)
    source = f"import keras\ninputs = keras.Input((8,))\nshared = keras.layers.Dense(8)\nx = inputs\n{calls}\nmodel = keras.Model(inputs, x)\n"
    result = analyze(source)
    started = time.monotonic()
    (picture,) = graph_render.pictures(result.analysis, result.findings, result.analysis.models)
    graph_render.render("mermaid", [picture], io.StringIO())
    assert time.monotonic() - started < 2  # was cubic: 97 s for 1,000 calls
    assert [node.lines[:2] for node in picture.nodes] == [["input_layer", "InputLayer"], ["dense", "Dense"]]
    assert picture.edges == [("n0", "n1"), ("n1", "n1")]
