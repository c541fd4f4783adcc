"""Programs written the way tutorials write them, against the Keras they were written for.

Each file under ``tests/realistic/`` defines a global ``model``. kerlint analyzes
it as written; Keras runs it with ``weights=None`` for ``weights="imagenet"``
(nothing downloaded) and under a ``__name__`` other than ``"__main__"``, so the
downloads and training a script guards never run. The parameter total and the
trainable split must be equal, with nothing unresolved.

Programs named ``keras2_*`` are TensorFlow 2 code written for Keras 2 (raw tf
ops on symbolic tensors, ``super().__init__(self)``...): they run under tf_keras
(``TF_USE_LEGACY_KERAS=1``, as TensorFlow <= 2.15 ran them), all in one
subprocess, since a process picks its ``tf.keras`` once.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

keras = pytest.importorskip("keras", reason="comparing with real Keras needs keras (pip install kerlint[confirm])")

from kerlint import cli  # noqa: E402
from kerlint.config import load_settings  # noqa: E402
from kerlint.cost import ModelCost, model_costs, run_time_params  # noqa: E402
from kerlint.engine import analyze_source  # noqa: E402
from kerlint.symbolic import Polynomial  # noqa: E402
from helpers import ROOT  # noqa: E402

REALISTIC = Path(__file__).parent / "realistic"
KERAS_2_PREFIX = "keras2_"
PROGRAMS = sorted(path.stem for path in REALISTIC.glob("*.py"))

# Written as tutorials wrote them: `input_shape=` on a first layer, `Embedding(input_length=)`, as Keras 2 had them;
# keras.io's translation Transformer passes its decoder a mask the decoder model drops.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*`input_(shape|length)`:UserWarning"),
    pytest.mark.filterwarnings("ignore:.*does not support masking:UserWarning"),
]

# Sizes that come from data (class names read from a folder, an array stacked in a long loop, np.unique of labels,
# an adapted vocabulary, a dataset's first batch): kerlint's totals are expressions in them
# (test_run_time_totals_at_the_programs_own_sizes_equal_keras).
RUN_TIME_SIZED = {
    "flowers_augmentation_cnn", "synthetic_data_loop_mlp", "timeseries_fcn_classification", "pretrained_glove_embeddings",
    "weather_timeseries_dataset",
}

# What kerlint cannot do yet, program by program. Strict: a program that starts passing fails its test until its
# entry here is removed.
GAPS = {
    "vgg16_perceptual_features": "a model whose outputs are a dict, called on a tensor: its result indexed by key "
    "(`features[content_layer_name]`) is unknown",
    "keras2_feature_columns_heart": "`model.predict(batch)` builds the Sequential in Keras, not in kerlint (which says "
    "Keras cannot count it); its first layer, `DenseFeatures` over `tf.feature_column` columns, is opaque",
    "keras2_char_rnn_text_generation": "`StringLookup.get_vocabulary()` of a literal vocabulary is not answered (catalogue "
    "methods get no call arguments, so `include_special_tokens` could not be honoured): `vocab_size` is a run-time "
    "size, and the subclassed model gets no total in it",
}


def run_in_keras(path: str) -> dict:
    """The program's globals once Keras (whichever ``tf.keras`` is) has run it."""
    import tensorflow as tf

    tf.keras.backend.clear_session()
    namespace = {"__name__": "realistic_program"}
    source = Path(path).read_text().replace('weights="imagenet"', "weights=None")
    exec(compile(source, path, "exec"), namespace)
    return namespace


def keras_totals(model) -> list[int]:
    """[count_params(), trainable parameters]."""
    return [model.count_params(), sum(int(weight.numpy().size) for weight in model.trainable_weights)]


@pytest.fixture(scope="module")
def keras_2_totals() -> dict[str, list[int]]:
    pytest.importorskip("tf_keras", reason="Keras 2 programs are compared with tf_keras (pip install tf-keras)")
    paths = [str(REALISTIC / f"{name}.py") for name in PROGRAMS if name.startswith(KERAS_2_PREFIX)]
    run = subprocess.run(
        [sys.executable, __file__, *paths],
        env={**os.environ, "TF_USE_LEGACY_KERAS": "1"},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.splitlines()[-1])


def analyzed(path: Path) -> ModelCost:
    """kerlint's figures for the program's ``model``: by convention the last model the program builds."""
    result = analyze_source(path.read_text(), str(path), load_settings(None))
    assert not [finding for finding in result.findings if finding.code == "KER000"], result.findings
    return model_costs(result.analysis)[-1]


def cases(keras_2: bool) -> list:
    names = [name for name in PROGRAMS if name.startswith(KERAS_2_PREFIX) == keras_2 and name not in RUN_TIME_SIZED]
    gap = {name: pytest.mark.xfail(strict=True, reason=reason) for name, reason in GAPS.items()}
    return [pytest.param(name, marks=gap[name]) if name in gap else name for name in names]


def assert_equal_keras(name: str, truth: list[int]) -> None:
    model = analyzed(REALISTIC / f"{name}.py")
    assert model.unresolved == []
    assert [model.params, model.trainable_params] == truth


@pytest.mark.parametrize("name", cases(keras_2=False))
def test_keras_3_program_totals_equal_keras(name):
    assert_equal_keras(name, keras_totals(run_in_keras(str(REALISTIC / f"{name}.py"))["model"]))


@pytest.mark.parametrize("name", cases(keras_2=True))
def test_keras_2_program_totals_equal_tf_keras(name, keras_2_totals):
    assert_equal_keras(name, keras_2_totals[str(REALISTIC / f"{name}.py")])


@pytest.mark.parametrize("name", sorted(RUN_TIME_SIZED))
def test_run_time_totals_at_the_programs_own_sizes_equal_keras(name):
    """Totals in named unknowns, each unknown given the value its source has when Keras runs the program."""
    path = REALISTIC / f"{name}.py"
    namespace = run_in_keras(str(path))
    totals = run_time_params(analyzed(path).graph)
    assert totals is not None
    unknowns = {unknown for size in totals if isinstance(size, Polynomial) for unknown in size.unknowns}
    assert unknowns, "no size is known only at run time"
    sizes = {unknown.name: eval(unknown.source, namespace) for unknown in unknowns}
    at_run_time = [size if isinstance(size, int) else size.substitute(sizes) for size in totals]
    assert at_run_time == keras_totals(namespace["model"])


COSTED = ["examples", "tests/realistic", "tests/corpus", "tests/data"]


def printed_costs(capsys, *options: str) -> str:
    """What `kerlint cost` prints for the project's own programs (in this process: backbones are followed once)."""
    assert cli.main(["cost", "--no-cache", "--jobs", "1", *options, *COSTED]) == 0
    return capsys.readouterr().out


def test_kerlint_cost_prints_no_total_it_cannot_justify(capsys, monkeypatch):
    """A printed total has every layer known and nothing unresolved: never a partial sum shown as the total.

    The rows sum to at least the total: weights shared by two rows (a model and its encoder) count once in it,
    as in Keras's ``summary()``.

    (The totals of examples/ are checked against Keras in test_examples_keras, the realistic programs' above.)
    """
    monkeypatch.chdir(ROOT)
    report = json.loads(printed_costs(capsys, "--format", "json"))["models"]
    totalled = [model for model in report if model["params"] is not None]
    assert totalled
    for model in totalled:
        where = f"{model['path']}:{model['line']} {model['name']}"
        assert model["unresolved"] == [], where
        assert None not in [row["params"] for row in model["layers"]], where
        assert sum(row["params"] for row in model["layers"]) >= model["params"], where
        assert 0 <= model["trainable_params"] <= model["params"], where
    table = printed_costs(capsys)
    assert len(re.findall(r"^Total params: [\d,]+ \(", table, re.MULTILINE)) == len(totalled)


# Corpus programs whose model Keras refuses to build (duplicate layer names; an input left out of `inputs`).
REFUSED_BY_KERAS = ["13_copy_pasted_layer_names", "14_explicit_name_collides_with_auto", "25_forgotten_second_input"]


@pytest.mark.parametrize("program", REFUSED_BY_KERAS)
def test_keras_refuses_to_build_these_models(program):
    with pytest.raises(ValueError):
        run_in_keras(str(ROOT / "tests" / "corpus" / program / "buggy.py"))


@pytest.mark.parametrize("program", REFUSED_BY_KERAS)
def test_a_model_keras_refuses_to_build_has_no_total(program):
    model = analyzed(ROOT / "tests" / "corpus" / program / "buggy.py")
    assert model.params is None
    assert any(note["reason"].startswith("Keras refuses to build") for note in model.unresolved)


def test_there_are_enough_programs_of_each_keras():
    """The check the issue asks for: at least 30 programs, Keras 2 code among them."""
    assert len(PROGRAMS) >= 30
    assert sum(name.startswith(KERAS_2_PREFIX) for name in PROGRAMS) >= 5


if __name__ == "__main__":  # the subprocess of `keras_2_totals`
    print(json.dumps({path: keras_totals(run_in_keras(path)["model"]) for path in sys.argv[1:]}))
