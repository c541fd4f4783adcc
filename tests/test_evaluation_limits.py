"""What the interpreter reads and how long it runs: the choices that keep a repository-wide run fast.

Project modules are followed as Python would import them (and only their
definitions the file uses are evaluated); Keras's own internals never are; a
function that builds nothing is given up early, without losing the models
built elsewhere in the file.
"""

from __future__ import annotations

from pathlib import Path

from kerlint import followed as followed_modules
from kerlint.config import load_settings
from kerlint.cost import model_costs
from kerlint.engine import analyze_source

MODEL = """
import keras
from keras import layers


def build():
    inputs = keras.Input((8,))
    return keras.Model(inputs, layers.Dense({units})(inputs))
"""


def analyze_file(path: Path):
    """The analysis of `path` and {followed module path: digest} of the modules it read."""
    with followed_modules.track_imports() as followed:
        result = analyze_source(path.read_text(encoding="utf-8"), str(path), load_settings(None))
    return result, {Path(p).resolve() for p in followed}


def params(result) -> list[int | None]:
    return [cost.params for cost in model_costs(result.analysis)]


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def test_inside_a_package_import_numpy_is_numpy_not_a_sibling_module(tmp_path):
    write(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/numpy.py": "UNITS = 3\n",
        "pkg/model.py": "import numpy as np\n" + MODEL.format(units="np.UNITS"),
    })
    result, followed = analyze_file(tmp_path / "pkg" / "model.py")
    assert (tmp_path / "pkg" / "numpy.py").resolve() not in followed
    assert params(result) == [None]  # np.UNITS is unknown: numpy's, not the sibling's


def test_a_script_imports_its_siblings(tmp_path):
    write(tmp_path, {"sizes.py": "UNITS = 3\n", "train.py": "from sizes import UNITS\n" + MODEL.format(units="UNITS")})
    result, followed = analyze_file(tmp_path / "train.py")
    assert (tmp_path / "sizes.py").resolve() in followed
    assert params(result) == [8 * 3 + 3]


def test_keras_internals_are_never_followed_but_its_applications_are(tmp_path):
    """Linting Keras's own tree: the framework's modules are modelled, its model-building code is read."""
    write(tmp_path, {
        "keras/__init__.py": "",
        "keras/src/__init__.py": "",
        "keras/src/engine/__init__.py": "",
        "keras/src/engine/base.py": "UNITS = 3\n",
        "keras/src/applications/__init__.py": "",
        "keras/src/applications/sizes.py": "UNITS = 5\n",
        "keras/src/applications/app.py": (
            "from keras.src.engine import base\nfrom ..engine.base import UNITS as RELATIVE\n"
            "from keras.src.applications import sizes\n" + MODEL.format(units="sizes.UNITS")
        ),
    })
    result, followed = analyze_file(tmp_path / "keras" / "src" / "applications" / "app.py")
    root = tmp_path.resolve()
    assert root / "keras/src/applications/sizes.py" in followed
    assert root / "keras/src/engine/base.py" not in followed
    assert params(result) == [8 * 5 + 5]


def test_a_followed_module_evaluates_only_the_definitions_used(tmp_path):
    """`Unused`'s base class lives in a module that is never read: class bodies and bases run on first use."""
    write(tmp_path, {
        "heavy.py": "import keras\nclass Base(keras.layers.Layer):\n    pass\n",
        "helpers.py": "from heavy import Base\n\nclass Unused(Base):\n    pass\n\ndef units():\n    return 6\n",
        "train.py": "from helpers import units\n" + MODEL.format(units="units()"),
    })
    result, followed = analyze_file(tmp_path / "train.py")
    assert (tmp_path / "helpers.py").resolve() in followed
    assert (tmp_path / "heavy.py").resolve() not in followed
    assert params(result) == [8 * 6 + 6]


SPIN = "def spin{n}(depth=16):\n    return 0 if depth == 0 else spin{n}(depth - 1) + spin{n}(depth - 1)\n\n"
"""2**17 calls that build nothing (loops that build nothing are summarized, see tests/test_loops.py)."""


def test_a_function_that_builds_nothing_is_abandoned_and_the_next_one_runs(tmp_path):
    write(tmp_path, {"model.py": SPIN.format(n="") + MODEL.format(units=4)})
    result, _ = analyze_file(tmp_path / "model.py")
    assert params(result) == [8 * 4 + 4]
    gaps = [(result.analysis.locator.line(gap.node), gap.reason) for gap in result.analysis.unresolved]
    assert any(line == 2 and "`spin` stopped early" in reason and "abandoned after 10,000 steps" in reason for line, reason in gaps), gaps


def test_a_file_that_builds_nothing_stops_at_its_idle_budget(tmp_path):
    spins = "".join(SPIN.format(n=n) for n in range(10))
    write(tmp_path, {"busy.py": "import keras\n" + spins})
    result, _ = analyze_file(tmp_path / "busy.py")
    reasons = [gap.reason for gap in result.analysis.unresolved]
    assert any("evaluation budget of 40,000 steps exhausted (0 Keras layers built)" in reason for reason in reasons), reasons


def test_only_a_file_that_builds_a_backbone_looks_for_the_keras_source(tmp_path, monkeypatch):
    """Finding and reading Keras's applications is paid by the files that use them, not by every file."""
    from kerlint.interpret import applications

    looked: list[str] = []
    monkeypatch.setattr(applications, "entry_point_source", lambda dotted, analyzed: looked.append(dotted))
    write(tmp_path, {
        "plain.py": MODEL.format(units=4),
        "backbone.py": "import keras\nbase = keras.applications.ResNet50(include_top=False)\n",
    })
    result, _ = analyze_file(tmp_path / "plain.py")
    assert params(result) == [8 * 4 + 4] and looked == []
    analyze_file(tmp_path / "backbone.py")
    assert looked == ["keras.applications.ResNet50"]
