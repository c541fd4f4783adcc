"""Severity means something: every error-severity rule's invalid examples fail under real Keras.

An error fails a CI build, so it must be something Keras raises on (building,
compiling, calling or training the model) or a model that cannot learn. Each
invalid example runs here with Keras: data loaders give a few random samples
of the documented shapes, training runs one epoch on them. Where an example
stops before the failure would show (it builds a model but never trains it),
the rule's completion does the next thing a user would: trains it on labels
of the kind its loss takes, or feeds it the data its input shape came from.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

keras = pytest.importorskip("keras", reason="checking severities against real Keras needs keras (pip install kerlint[confirm])")
np = pytest.importorskip("numpy")
tf = pytest.importorskip("tensorflow")

from kerlint.findings import Severity  # noqa: E402
from kerlint.rules import ALL_RULES  # noqa: E402
from kerlint.rules.disconnected_input import DisconnectedInput  # noqa: E402
from kerlint.rules.duplicate_names import DuplicateLayerName  # noqa: E402

SAMPLES = 16
KERAS_FAILURES = (ValueError, tf.errors.InvalidArgumentError)
"""What Keras raises on a model it cannot build, call or train (a NameError in an example is not one)."""


def _random(shape: tuple) -> "np.ndarray":
    return np.random.default_rng(0).random((SAMPLES, *shape)).astype("float32")


def _train_on_class_ids(namespace: dict) -> None:
    """Train `model` one step on class ids, the labels a sparse or binary loss takes."""
    model = namespace["model"]
    labels = np.random.default_rng(0).integers(0, 2, SAMPLES)
    model.fit(_random(model.input_shape[1:]), labels, verbose=0)


def _feed_the_data(namespace: dict) -> None:
    """Call the model (or its input) on `x_train`, the array whose shape became the input shape."""
    model = namespace.get("model") or keras.Model(namespace["inputs"], namespace["inputs"])
    model.predict(namespace["x_train"], verbose=0)


def _outputs_constant_one(namespace: dict) -> None:
    """Softmax over one unit: the output is 1.0 for every input, so no gradient reaches the weights."""
    output = namespace["out"]
    model = keras.Model(_inputs_of(output), output)
    predictions = model.predict(_random(model.input_shape[1:]) * 100 - 50, verbose=0)
    assert np.all(predictions == 1.0), predictions


def _inputs_of(tensor) -> list:
    """The `keras.Input` tensors a symbolic tensor is computed from."""
    found, pending = [], [tensor]
    while pending:
        current = pending.pop()
        operation, node_index, _ = current._keras_history
        node = operation._inbound_nodes[node_index]
        if node.is_input:
            found.append(current)
        pending.extend(node.input_tensors)
    return found


RAISES = {
    "KER206": _train_on_class_ids,
    "KER301": None,
    "KER302": None,
    "KER303": _train_on_class_ids,
    "KER305": None,
    "KER306": _feed_the_data,
    "KER307": None,
    "KER308": None,
    "KER309": None,
    "KER310": None,
    "KER311": None,
    "KER312": None,
}
"""Rules whose examples Keras raises on; the completion (if any) runs after an example that did not raise yet."""
CANNOT_LEARN = {"KER204": _outputs_constant_one}
"""Rules whose examples build and run, with a check that the model cannot learn."""
NOT_KERAS = {"KER901": "a budget the user sets in [tool.kerlint.budgets]: failing the build is its purpose"}

ERROR_RULES = [r for r in ALL_RULES if r.severity is Severity.ERROR and not r.emitted_by_engine and not r.emitted_by_confirm]
EXAMPLES = [
    pytest.param(rule, source, id=f"{rule.code}-invalid-{index}")
    for rule in ERROR_RULES
    if rule.code not in NOT_KERAS
    for index, source in enumerate(rule.invalid)
]


@pytest.fixture
def small_data(monkeypatch):
    """Datasets and files the examples read, as a few random samples of their documented shapes."""
    rng = np.random.default_rng(0)
    images = ((rng.integers(0, 256, (SAMPLES, 28, 28), dtype=np.uint8), rng.integers(0, 10, SAMPLES)),) * 2
    reviews = (([list(rng.integers(1, 1000, 20)) for _ in range(SAMPLES)], rng.integers(0, 2, SAMPLES)),) * 2
    monkeypatch.setattr(keras.datasets.mnist, "load_data", lambda *a, **k: images)
    monkeypatch.setattr(keras.datasets.imdb, "load_data", lambda *a, **k: reviews)
    monkeypatch.setattr(np, "loadtxt", lambda *a, **k: rng.random((SAMPLES, 10)))


def test_every_error_rule_has_its_failure_checked():
    checked = RAISES.keys() | CANNOT_LEARN.keys() | NOT_KERAS.keys()
    assert {rule.code for rule in ERROR_RULES} == checked


@pytest.mark.usefixtures("small_data")
@pytest.mark.parametrize("rule, source", EXAMPLES)
def test_error_example_fails_under_keras(rule, source):
    namespace: dict = {"__name__": "example"}
    code = compile(textwrap.dedent(source), f"<{rule.code} invalid example>", "exec")
    if rule.code in CANNOT_LEARN:
        exec(code, namespace)
        CANNOT_LEARN[rule.code](namespace)
        return
    with pytest.raises(KERAS_FAILURES):
        exec(code, namespace)
        complete = RAISES[rule.code]
        if complete is not None:
            complete(namespace)


# ------------------------------------ what the rules stay silent on, because Keras accepts it


def _run(source: str) -> dict:
    namespace: dict = {"__name__": "example"}
    exec(compile(textwrap.dedent(source), "<example>", "exec"), namespace)
    return namespace


def test_keras_builds_a_model_on_an_intermediate_tensor():
    """KER308 is silent on `keras.Model(hidden, outputs)`: Keras computes it from `hidden`."""
    [source] = [s for s in DisconnectedInput.valid if "keras.Model(hidden, outputs)" in s]
    head = _run(source)["head"]
    assert head.predict(_random((4,)), verbose=0).shape == (SAMPLES, 2)


def test_keras_trains_a_subclassed_model_with_repeated_layer_names():
    """KER309 is silent on subclassed models: Keras tracks their layers by attribute."""
    [source] = [s for s in DuplicateLayerName.valid if "class Tower" in s]
    tower = _run(source)["tower"]
    tower.compile(optimizer="adam", loss="mse")
    tower.fit(_random((8,)), _random((4,)), verbose=0)
    assert [layer.name for layer in tower.layers] == ["hidden", "hidden"]


TF_KERAS_BASE_CONV = sorted(
    (Path(__file__).resolve().parent.parent / "benchmarks" / ".corpus" / "src").glob(
        "tf-keras-*/tf_keras/src/layers/convolutional/base_conv.py"
    )
)


def test_groups_0_is_refused_by_keras_3_and_read_as_one_group_by_tf_keras():
    """KER310 is silent on `groups=0`: which Keras runs the code decides, and the code does not say."""
    with pytest.raises(ValueError, match="groups must be a positive integer"):
        keras.layers.Conv2D(8, 3, groups=0)
    try:
        import tf_keras
    except ImportError:
        if not TF_KERAS_BASE_CONV:
            pytest.skip("tf_keras is neither installed nor in the benchmark corpus (benchmarks/speed.py downloads it)")
        # Not installed here: read its constructor in its published source.
        assert "self.groups = groups or 1" in TF_KERAS_BASE_CONV[-1].read_text(encoding="utf-8")
    else:
        layer = tf_keras.layers.Conv2D(8, 3, groups=0)
        assert layer.groups == 1 and layer(tf_keras.Input((8, 8, 3))).shape[-1] == 8
