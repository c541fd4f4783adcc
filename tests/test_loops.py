"""Loops: those that build or touch Keras objects run in full; those over data are summarized, never hiding a model.

Each program defines ``model``; kerlint's parameter total and trainable split
must be what Keras itself counts when the program runs.
"""

from __future__ import annotations

import os
import textwrap

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from kerlint.cost import model_costs  # noqa: E402
from helpers import analyze  # noqa: E402

PROGRAMS = {
    # the data is prepared in a loop of thousands of iterations before the model is built
    "data_loop_before_the_model": """
        import numpy as np
        import keras
        from keras import layers
        class_names = ["a", "b", "c"]
        data = []
        for i in range(5000):
            data.append(np.random.rand(20))
        lines = [f"sample {i}" for i in range(3000)]
        step = 0
        while step < 20000:
            step += 1
        model = keras.Sequential([
            keras.Input(shape=(20,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(len(class_names), activation="softmax"),
        ])
    """,
    "deep_stack_built_in_a_loop": """
        import keras
        from keras import layers
        inputs = keras.Input((8,))
        x = inputs
        for i in range(50):
            x = layers.Dense(4 + i % 3)(x)
        model = keras.Model(inputs, x)
    """,
    "layers_appended_to_a_list": """
        import keras
        from keras import layers
        blocks = []
        for units in range(1, 40):
            blocks.append(layers.Dense(units))
        model = keras.Sequential([keras.Input((3,)), *blocks])
    """,
    # a long loop that reads layer names first and only changes the late layers' flags
    "freeze_by_name_late_in_the_loop": """
        import keras
        from keras import layers
        inputs = keras.Input((4,))
        x = inputs
        for i in range(30):
            x = layers.Dense(3, name=f"early_{i}" if i < 25 else f"late_{i}")(x)
        base = keras.Model(inputs, x)
        for layer in base.layers:
            if layer.name.startswith("late"):
                layer.trainable = False
        model = base
    """,
    "freeze_a_slice_of_the_layers": """
        import keras
        from keras import layers
        inputs = keras.Input((4,))
        x = inputs
        for i in range(40):
            x = layers.Dense(2)(x)
        model = keras.Model(inputs, x)
        for layer in model.layers[:30]:
            layer.trainable = False
    """,
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_model_figures_match_keras(name):
    keras = pytest.importorskip("keras", reason="comparing with real Keras needs keras (pip install kerlint[confirm])")
    source = textwrap.dedent(PROGRAMS[name])
    namespace: dict = {}
    exec(compile(source, name, "exec"), namespace)
    expected = namespace["model"]
    trainable = sum(keras.ops.size(w) for w in expected.trainable_weights)
    (cost,) = [c for c in model_costs(analyze(source).analysis) if c.line == _line_of_model(source, name)]
    assert (cost.params, cost.trainable_params) == (expected.count_params(), int(trainable))


def _line_of_model(source: str, name: str) -> int:
    """The line that constructs the program's last model (``keras.Model(`` or ``keras.Sequential(``)."""
    lines = source.splitlines()
    return max(number for number, text in enumerate(lines, 1) if "keras.Model(" in text or "keras.Sequential(" in text)


def test_a_data_loop_costs_a_few_iterations_and_says_it_was_summarized():
    result = analyze(textwrap.dedent(PROGRAMS["data_loop_before_the_model"]))
    assert [cost.params for cost in model_costs(result.analysis)] == [64 * 20 + 64 + 64 * 3 + 3]
    assert not result.analysis.unresolved or all("stopped" not in gap.reason for gap in result.analysis.unresolved)


def test_what_a_summarized_loop_assigns_or_fills_is_unknown_never_wrong():
    source = textwrap.dedent("""
        import keras
        from keras import layers
        sizes = []
        seen = sizes
        count = 0
        for i in range(3000):
            sizes.append(i)
            count += 1
        inputs = keras.Input((4,))
        a = layers.Dense(len(sizes))(inputs)
        b = layers.Dense(count)(inputs)
        c = layers.Dense(len(seen))(inputs)
        model = keras.Model(inputs, [a, b, c])
    """)
    (cost,) = model_costs(analyze(source).analysis)
    assert cost.params is None  # Keras counts 3000 units three times; kerlint never says 3 or 4
    assert [row.params for row in cost.layers] == [None, None, None]


def test_a_budget_that_stops_the_analysis_says_where_and_why():
    """Code that builds nothing without a loop (recursion) still runs out of budget: the file says so, at the statement."""
    source = textwrap.dedent("""
        import keras

        def spin(depth=17):
            return 0 if depth == 0 else spin(depth - 1) + spin(depth - 1)

        total = spin()
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    """)
    analysis = analyze(source).analysis
    gaps = [(analysis.locator.line(gap.node), gap.reason) for gap in analysis.unresolved]
    assert any(line == 7 and reason.startswith("analysis of the module's top level stopped early in `total = spin()`: abandoned after")
               for line, reason in gaps), gaps


def test_a_long_loop_that_changes_a_model_late_runs_in_full():
    """Its first iterations touch nothing, but it adds to a model in place: summarizing it would lose the layer."""
    keras = pytest.importorskip("keras", reason="comparing with real Keras needs keras (pip install kerlint[confirm])")
    source = textwrap.dedent("""
        import keras
        model = keras.Sequential([keras.Input((3,))])
        for step in range(1200):
            if step == 1000:
                model.add(keras.layers.Dense(5))
    """)
    namespace: dict = {}
    exec(compile(source, "late", "exec"), namespace)
    (cost,) = model_costs(analyze(source).analysis)
    assert cost.params == namespace["model"].count_params() == 20


def test_a_long_loop_that_hands_a_model_to_a_function_late_runs_in_full():
    keras = pytest.importorskip("keras", reason="comparing with real Keras needs keras (pip install kerlint[confirm])")
    source = textwrap.dedent("""
        import keras
        inputs = keras.Input((3,))
        model = keras.Model(inputs, keras.layers.Dense(5)(inputs))

        def freeze(layer):
            layer.trainable = False

        for step in range(1200):
            if step == 1000:
                freeze(model)
    """)
    namespace: dict = {}
    exec(compile(source, "late", "exec"), namespace)
    expected = namespace["model"]
    (cost,) = model_costs(analyze(source).analysis)
    assert (cost.params, cost.trainable_params) == (expected.count_params(), len(expected.trainable_weights)) == (20, 0)
