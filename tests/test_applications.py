"""keras.applications, reconstructed statically from the installed Keras source, against real Keras.

The moonshot of kerlint: parameter counts equal to ``count_params()`` for the
models below, without running their code, and per-layer output shapes equal
to Keras's for three of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

keras = pytest.importorskip("keras", reason="comparing with real Keras needs keras (pip install kerlint[confirm])")

from kerlint.config import load_settings  # noqa: E402
from kerlint.cost import model_costs  # noqa: E402
from kerlint.engine import analyze_source  # noqa: E402
from kerlint.units import shape_str  # noqa: E402

APPLICATIONS = Path(keras.__file__).parent / "src" / "applications"

MODELS = {
    "VGG16": "vgg16.py",
    "ResNet50": "resnet.py",
    "ResNet50V2": "resnet_v2.py",
    "MobileNet": "mobilenet.py",
    "MobileNetV2": "mobilenet_v2.py",
    "MobileNetV3Small": "mobilenet_v3.py",
    "DenseNet121": "densenet.py",
    "Xception": "xception.py",
    "InceptionV3": "inception_v3.py",
    "InceptionResNetV2": "inception_resnet_v2.py",
    "EfficientNetB0": "efficientnet.py",
    "EfficientNetV2B0": "efficientnet_v2.py",
    "ConvNeXtTiny": "convnext.py",
    "NASNetMobile": "nasnet.py",
}
LAYER_BY_LAYER = ["MobileNetV2", "ResNet50V2", "DenseNet121", "ConvNeXtTiny"]
# (EfficientNet adds an ImageNet-statistics Rescaling only for weights="imagenet", the static default:
# its layers differ from the weights=None model by that parameter-free layer.)

_static_cache: dict[str, dict] = {}


def static_model(entry_point: str):
    """kerlint's model of ``entry_point``, analyzed from the installed source with default arguments."""
    filename = MODELS[entry_point]
    if filename not in _static_cache:
        path = APPLICATIONS / filename
        result = analyze_source(path.read_text(encoding="utf-8"), str(path), load_settings(None))
        assert not [f for f in result.findings if f.code == "KER000"], result.findings
        _static_cache[filename] = {cost.function: cost for cost in model_costs(result.analysis)}
    return _static_cache[filename][entry_point]


def keras_model(entry_point: str):
    keras.backend.clear_session()
    return getattr(keras.applications, entry_point)(weights=None)


@pytest.mark.parametrize("entry_point", sorted(MODELS))
def test_parameters_equal_keras(entry_point):
    cost = static_model(entry_point)
    model = keras_model(entry_point)
    assert cost.unresolved == []
    assert cost.params == model.count_params()
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert cost.trainable_params == trainable


@pytest.mark.parametrize("entry_point", LAYER_BY_LAYER)
def test_layer_shapes_equal_keras(entry_point):
    cost = static_model(entry_point)
    model = keras_model(entry_point)
    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    expected = [(layer.name, type(layer).__name__, shape_str(tuple(layer.output.shape)), layer.count_params()) for layer in layers]
    actual = [(row.name, row.class_name, row.output_shape, row.params) for row in cost.layers]
    assert actual == expected
