"""Every example, run with real Keras, has the parameters and shapes kerlint computes statically.

Training, plotting and downloads are stubbed out: a data loader returns small
random arrays of the documented shapes. Every model the example file itself
constructs is captured, in order, and compared with kerlint's model of the
same construction, layer by layer.
"""

from __future__ import annotations

import os
import runpy
import sys
from pathlib import Path

import pytest

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

keras = pytest.importorskip("keras", reason="comparing with real Keras needs keras (pip install kerlint[confirm])")
np = pytest.importorskip("numpy")

from keras.src.models.functional import Functional  # noqa: E402
from keras.src.models.sequential import Sequential  # noqa: E402

from kerlint.config import load_settings  # noqa: E402
from kerlint.cost import model_costs  # noqa: E402
from kerlint.engine import analyze_source  # noqa: E402
from kerlint.units import shape_str  # noqa: E402

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DOES_NOT_RUN = "article_shared_layers.py"  # the KER301 example: Keras itself rejects it
LIBRARY_MODULES = {"cifar_resnet/blocks.py"}  # imported by another example, builds no model itself
RUNNABLE = sorted(
    str(p.relative_to(EXAMPLES))
    for p in EXAMPLES.rglob("*.py")
    if p.name != DOES_NOT_RUN and str(p.relative_to(EXAMPLES)) not in LIBRARY_MODULES
)
SAMPLES = 16

# Keras 2 style `input_shape=` on a Sequential's first layer is what some examples test.
pytestmark = pytest.mark.filterwarnings("ignore:Do not pass an `input_shape`")


def _images(shape: tuple[int, ...], label_shape: tuple[int, ...] = ()):
    """``load_data`` of an image set: uint8 pixels and class ids, as Keras documents them."""

    def load_data(*args, **kwargs):
        rng = np.random.default_rng(0)

        def split():
            images = rng.integers(0, 256, (SAMPLES, *shape), dtype=np.uint8)
            return images, rng.integers(0, 10, (SAMPLES, *label_shape), dtype=np.uint8)

        return split(), split()

    return load_data


def _sequences(*args, num_words: int = 1000, **kwargs):
    """``imdb.load_data``: lists of word ids of varying length, and 0/1 labels."""
    rng = np.random.default_rng(0)

    def split():
        reviews = [list(rng.integers(1, num_words, rng.integers(5, 50))) for _ in range(SAMPLES)]
        return reviews, rng.integers(0, 2, SAMPLES)

    return split(), split()


DATASETS = {
    "mnist": _images((28, 28)),
    "fashion_mnist": _images((28, 28)),
    "cifar10": _images((32, 32, 3), label_shape=(1,)),
    "imdb": _sequences,
}


def _no_op(*args, **kwargs):
    return None


def run_with_keras(path: Path, monkeypatch) -> list:
    """Execute the example; the models it constructs, in construction order."""
    for method in ("fit", "evaluate", "predict"):
        monkeypatch.setattr(keras.Model, method, _no_op)
    for name, loader in DATASETS.items():
        monkeypatch.setattr(getattr(keras.datasets, name), "load_data", loader)
    monkeypatch.setattr(np, "loadtxt", lambda *a, **k: np.random.default_rng(0).random((32, 14)))
    monkeypatch.setattr(keras.utils, "plot_model", _no_op)
    models: list = []
    for cls in (Functional, Sequential, keras.Model):
        monkeypatch.setattr(cls, "__init__", _capturing(cls.__init__, str(path), models))
    monkeypatch.syspath_prepend(str(path.parent))  # examples import their sibling modules
    keras.backend.clear_session()
    runpy.run_path(str(path), run_name="__main__")
    return models


def _capturing(init, filename: str, models: list):
    """Record models the example constructs itself (subclasses too), not those Keras builds inside."""

    def __init__(self, *args, **kwargs):
        caller = sys._getframe(1).f_code.co_filename
        if caller == filename and all(m is not self for m in models):
            models.append(self)
        init(self, *args, **kwargs)

    return __init__


def _count(weights) -> int:
    return sum(int(np.prod(w.shape)) for w in weights)


@pytest.mark.parametrize("name", RUNNABLE)
def test_example_matches_keras(name, monkeypatch):
    path = EXAMPLES / name
    real = run_with_keras(path, monkeypatch)
    result = analyze_source(path.read_text(), str(path), load_settings(None))
    assert not [f for f in result.findings if f.code == "KER000"]
    static = model_costs(result.analysis)
    assert real, "the example constructs no model"
    assert [m.name for m in static] == [m.name for m in real]
    for model, cost in zip(real, static):
        assert (cost.params, cost.trainable_params) == (model.count_params(), _count(model.trainable_weights)), cost.name
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        if not isinstance(model, (Functional, Sequential)):
            layers = model.layers  # a subclassed model lists its tracked sub-layers; no output shapes to compare
            assert [(row.name, row.class_name, row.params) for row in cost.layers] == [
                (layer.name, type(layer).__name__, layer.count_params()) for layer in layers
            ]
            continue
        assert [(row.name, row.class_name) for row in cost.layers] == [(layer.name, type(layer).__name__) for layer in layers]
        for layer, row in zip(layers, cost.layers):
            assert (row.params, row.output_shape) == (layer.count_params(), shape_str(tuple(layer.output.shape))), row.name


def test_shared_layer_example_fails_in_keras(monkeypatch):
    """The example kerlint flags with KER301 really cannot be built."""
    with pytest.raises(ValueError, match="expected axis -1 of input shape to have value 10"):
        run_with_keras(EXAMPLES / DOES_NOT_RUN, monkeypatch)
