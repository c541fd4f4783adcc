"""Reasons a user can act on: an unresolved model names the construct that stopped kerlint, and its line.

A value that becomes unknown records why (`Interpreter.explain`); a model
whose outputs, layers or arguments end unknown quotes the first such cause
recorded since its call began, with the cause's line.
"""

from __future__ import annotations

import textwrap

import pytest

from kerlint.cost import model_costs

from helpers import analyze, kerlint


def reasons(source: str) -> list[tuple[int, str]]:
    """(line, reason) of everything unresolved in the file's models."""
    return [(item["line"], item["reason"]) for cost in model_costs(analyze(source).analysis) for item in cost.unresolved]


CASES = {
    "a_function_from_a_module_kerlint_cannot_follow": (
        """
        import keras
        from keras import layers
        from mylib import build_backbone

        inputs = keras.Input((32, 32, 3))
        features = build_backbone(inputs)
        x = layers.GlobalAveragePooling2D()(features)
        model = keras.Model(inputs, layers.Dense(10)(x))
        """,
        [(9, "the model's outputs could not be evaluated (`layers.Dense(10)(x)`): `mylib.build_backbone` is neither Keras"
             " nor a module of the project: its result is only known at run time (line 7)")],
    ),
    "an_entry_point_parameter_without_a_value": (
        """
        import keras

        def build(make_head):
            inputs = keras.Input((3,))
            return keras.Model(inputs, make_head(inputs))
        """,
        [(6, "the model's outputs could not be evaluated (`make_head(inputs)`): `build` is analyzed without a value"
             " for its parameter `make_head` (line 4)")],
    ),
    "outputs_that_are_not_tensors": (
        """
        import keras
        inputs = keras.Input((4,))
        base = keras.Model(inputs, keras.layers.Dense(3)(inputs))
        model = keras.Model(base.input, base.bogus_output)
        """,
        [(5, "the model's outputs could not be evaluated (`base.bogus_output`): not a tensor or a structure of tensors")],
    ),
    "an_undecided_if": (
        """
        import sys
        import keras
        inputs = keras.Input((4,))
        x = keras.layers.Dense(4)(inputs)
        if len(sys.argv) > 1:
            x = keras.layers.Dense(2)(x)
        model = keras.Model(inputs, x)
        """,
        [(8, "the model's outputs could not be evaluated (`x`): `x` is set differently on the paths of an `if` kerlint"
             " cannot decide (line 6)")],
    ),
    "a_loop_over_unknown_items": (
        """
        import sys
        import keras
        inputs = keras.Input((4,))
        x = inputs
        for argument in sys.argv:
            x = keras.layers.Dense(2)(x)
        model = keras.Model(inputs, x)
        """,
        [(8, "the model's outputs could not be evaluated (`x`): `x` is set in a loop whose number of iterations kerlint"
             " does not know (line 6)")],
    ),
    "a_summarized_loop_in_a_layer_list": (
        """
        import keras
        from keras import layers
        depth = 0
        for line in range(3000):
            depth += 1
        model = keras.Sequential([keras.Input((4,)), *[layers.Dense(3) for _ in range(depth)]])
        """,
        [(7, "Sequential model contains a layer that could not be evaluated: loop `for line in range(3000)` summarized"
             " after 3 iterations that touched no Keras object (line 5)")],
    ),
    "a_summarized_loop_in_a_layer_argument": (
        """
        import keras
        count = 0
        for i in range(3000):
            count += 1
        inputs = keras.Input((4,))
        model = keras.Model(inputs, keras.layers.Dense(count)(inputs))
        """,
        [(7, "Dense(...) `dense`: argument `units` is not statically known: loop `for i in range(3000)` summarized"
             " after 3 iterations that touched no Keras object (line 4)")],
    ),
    "a_build_shape_kerlint_cannot_evaluate": (
        """
        import keras
        from mylib import read_features
        n = read_features("train.csv")
        model = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])
        model.build((None, n))
        """,
        [
            (5, "Sequential model has no input shape: Keras cannot count its parameters until it is built"),
            (6, "the input shape of `model.build((None, n))` could not be evaluated: `mylib.read_features` is neither Keras"
                " nor a module of the project: its result is only known at run time (line 4)"),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_reason_names_the_construct_and_its_cause_with_its_line(case):
    source, expected = CASES[case]
    assert reasons(source) == expected


STOPPED = textwrap.dedent("""
    import keras

    def spin(depth=17):
        return 0 if depth == 0 else spin(depth - 1) + spin(depth - 1)

    total = spin()
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
""")
STOP_NOTE = ("kerlint: note: train.py:7: analysis of the module's top level stopped early in `total = spin()`:"
             " abandoned after 10,000 steps that built too few Keras layers; what runs after it is not analyzed\n")


def test_cost_says_where_and_why_the_analysis_stopped_when_it_finds_no_model():
    for format_name in ("table", "json"):
        result = kerlint("cost", "--isolated", "--format", format_name, "-", "--stdin-filename", "train.py", stdin=STOPPED)
        assert result.returncode == 0 and result.stderr == STOP_NOTE, result.stderr


def test_check_verbose_says_where_the_analysis_stopped():
    quiet = kerlint("check", "--isolated", "-", "--stdin-filename", "train.py", stdin=STOPPED)
    verbose = kerlint("check", "--isolated", "--verbose", "-", "--stdin-filename", "train.py", stdin=STOPPED)
    assert quiet.stderr == "" and verbose.stderr == STOP_NOTE
    assert quiet.returncode == verbose.returncode == 0


def test_a_cause_is_located_only_when_its_reason_is_read():
    """Locating a node regenerates the file's code: a `check` run, which shows no gaps, must not pay for it."""
    source, [(_, expected)] = CASES["a_function_from_a_module_kerlint_cannot_follow"]
    result = analyze(source)
    assert result.findings == []  # nothing reported: nothing located
    assert result.analysis.locator._positions == {}
    [model] = result.analysis.models
    assert [item.reason for item in model.unresolved] == [expected]
    assert result.analysis.locator._positions != {}
