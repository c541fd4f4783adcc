"""Transfer learning as users write it: a keras.applications backbone in their own code, against real Keras.

Each program is analyzed by kerlint as written (``weights="imagenet"``) and run
by Keras with ``weights=None`` (the same architecture, nothing downloaded); the
parameter total and the trainable/non-trainable split of ``model`` must match.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

os.environ["KERAS_BACKEND"] = "tensorflow"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"

keras = pytest.importorskip("keras", reason="comparing with real Keras needs keras (pip install kerlint[confirm])")

from kerlint.config import load_settings  # noqa: E402
from kerlint.cost import model_costs  # noqa: E402
from kerlint.engine import analyze_source  # noqa: E402
from kerlint.followed import track_imports  # noqa: E402
from kerlint.interpret import applications  # noqa: E402

PROGRAMS = {
    # base(inputs, training=False), frozen as a whole (the Keras transfer-learning guide)
    "functional_frozen_mobilenet_v2": """
        import keras
        from keras import layers

        base = keras.applications.MobileNetV2(include_top=False, weights="imagenet", input_shape=(96, 96, 3))
        base.trainable = False
        inputs = keras.Input(shape=(96, 96, 3))
        x = base(inputs, training=False)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dropout(0.2)(x)
        outputs = layers.Dense(10, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
    """,
    # a from-import, the backbone trained too
    "functional_trainable_resnet50": """
        import keras
        from keras import layers
        from keras.applications import ResNet50

        inputs = keras.Input(shape=(64, 64, 3))
        base = ResNet50(include_top=False, weights="imagenet", input_shape=(64, 64, 3), pooling="avg")
        x = base(inputs)
        outputs = layers.Dense(3, activation="softmax")(x)
        model = keras.Model(inputs=inputs, outputs=outputs)
    """,
    # a head on base.output, every layer frozen by a loop
    "output_head_vgg16_frozen_layers": """
        import keras
        from keras import layers

        base = keras.applications.VGG16(weights="imagenet", include_top=False, input_shape=(64, 64, 3))
        for layer in base.layers:
            layer.trainable = False
        x = layers.Flatten()(base.output)
        x = layers.Dense(64, activation="relu")(x)
        predictions = layers.Dense(2, activation="softmax")(x)
        model = keras.Model(inputs=base.input, outputs=predictions)
    """,
    # the TensorFlow fine-tuning tutorial: unfreeze, then freeze the first layers (the InputLayer counts)
    "fine_tune_first_layers_frozen": """
        import keras
        from keras import layers

        base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights="imagenet")
        base.trainable = True
        fine_tune_at = 100
        for layer in base.layers[:fine_tune_at]:
            layer.trainable = False
        inputs = keras.Input(shape=(96, 96, 3))
        x = base(inputs, training=False)
        x = layers.GlobalAveragePooling2D()(x)
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
    """,
    # frozen as a whole, then the last layers unfrozen: those count as trainable in the model around it
    "frozen_then_last_layers_unfrozen": """
        import keras
        from keras import layers

        base = keras.applications.EfficientNetB0(include_top=False, weights="imagenet", input_shape=(96, 96, 3))
        base.trainable = False
        for layer in base.layers[-20:]:
            layer.trainable = True
        inputs = keras.Input(shape=(96, 96, 3))
        x = base(inputs, training=False)
        x = layers.GlobalAveragePooling2D()(x)
        outputs = layers.Dense(4, activation="softmax")(x)
        model = keras.Model(inputs, outputs)
    """,
    # the backbone as the first layer of a Sequential, frozen through model.layers[0]
    "sequential_efficientnet": """
        import keras
        from keras import layers

        model = keras.Sequential([
            keras.applications.EfficientNetB0(include_top=False, weights="imagenet", input_shape=(96, 96, 3), pooling="avg"),
            layers.Dropout(0.3),
            layers.Dense(5, activation="softmax"),
        ])
        model.layers[0].trainable = False
    """,
    "sequential_add_densenet": """
        import keras
        from keras import layers

        base = keras.applications.DenseNet121(include_top=False, weights="imagenet", input_shape=(64, 64, 3))
        base.trainable = False
        model = keras.Sequential()
        model.add(base)
        model.add(layers.GlobalMaxPooling2D())
        model.add(layers.Dense(7, activation="softmax"))
    """,
    # a feature extractor cut from the backbone by layer name
    "get_layer_submodel": """
        import keras

        base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False, weights="imagenet")
        features = base.get_layer("block_13_expand_relu").output
        model = keras.Model(inputs=base.input, outputs=features)
        model.trainable = False
    """,
    # tf.keras spelling, module path, input_tensor after augmentation layers
    "input_tensor_tf_keras_resnet50": """
        import tensorflow as tf
        from tensorflow.keras import layers

        inputs = tf.keras.Input(shape=(64, 64, 3))
        x = layers.RandomFlip("horizontal")(inputs)
        base = tf.keras.applications.resnet50.ResNet50(include_top=False, weights="imagenet", input_tensor=x)
        base.trainable = False
        x = layers.GlobalAveragePooling2D()(base.output)
        outputs = layers.Dense(2, activation="softmax")(x)
        model = tf.keras.Model(inputs, outputs)
    """,
    # the whole application as the model: its own top, classes and classifier activation
    "include_top_classes": """
        import keras

        model = keras.applications.DenseNet121(weights=None, classes=10, input_shape=(64, 64, 3), classifier_activation=None)
    """,
    "convnext_custom_layers_frozen": """
        import keras
        from keras import layers

        base = keras.applications.ConvNeXtTiny(include_top=False, weights="imagenet", input_shape=(64, 64, 3))
        base.trainable = False
        inputs = keras.Input((64, 64, 3))
        x = base(inputs, training=False)
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(6)(x))
    """,
    # TensorFlow's transfer-learning tutorial, fine-tuning stage: augmentation, preprocess_input, frozen first layers
    "tensorflow_tutorial_fine_tuning": """
        import tensorflow as tf

        IMG_SIZE = (160, 160)
        IMG_SHAPE = IMG_SIZE + (3,)
        data_augmentation = tf.keras.Sequential([
            tf.keras.layers.RandomFlip("horizontal"),
            tf.keras.layers.RandomRotation(0.2),
        ])
        preprocess_input = tf.keras.applications.mobilenet_v2.preprocess_input
        base_model = tf.keras.applications.MobileNetV2(input_shape=IMG_SHAPE, include_top=False, weights="imagenet")
        base_model.trainable = False
        global_average_layer = tf.keras.layers.GlobalAveragePooling2D()
        prediction_layer = tf.keras.layers.Dense(1)
        inputs = tf.keras.Input(shape=(160, 160, 3))
        x = data_augmentation(inputs)
        x = preprocess_input(x)
        x = base_model(x, training=False)
        x = global_average_layer(x)
        x = tf.keras.layers.Dropout(0.2)(x)
        outputs = prediction_layer(x)
        model = tf.keras.Model(inputs, outputs)
        base_model.trainable = True
        fine_tune_at = 100
        for layer in base_model.layers[:fine_tune_at]:
            layer.trainable = False
    """,
    # a head layer built frozen (a base-layer argument)
    "frozen_by_argument_mobilenet_v3": """
        import keras
        from keras import layers

        base = keras.applications.MobileNetV3Small(include_top=False, weights="imagenet", input_shape=(96, 96, 3), pooling="avg")
        inputs = keras.Input((96, 96, 3))
        x = layers.Dense(16, trainable=False)(base(inputs))
        model = keras.Model(inputs, layers.Dense(2)(x))
    """,
    "xception_preprocess_input": """
        import keras
        from keras import layers

        inputs = keras.Input((96, 96, 3))
        x = keras.applications.xception.preprocess_input(inputs)
        base = keras.applications.Xception(include_top=False, weights="imagenet", input_shape=(96, 96, 3))
        base.trainable = False
        x = base(x, training=False)
        x = layers.GlobalAveragePooling2D()(x)
        model = keras.Model(inputs, layers.Dense(2)(x))
    """,
}


def static_totals(source: str, path: str = "train.py"):
    result = analyze_source(source, path, load_settings(None))
    assert not [f for f in result.findings if f.code == "KER000"], result.findings
    costs = model_costs(result.analysis)
    return costs


def keras_totals(source: str) -> tuple[int, int]:
    keras.backend.clear_session()
    namespace: dict = {}
    exec(compile(source.replace('weights="imagenet"', "weights=None"), "<program>", "exec"), namespace)
    model = namespace["model"]
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    return model.count_params(), trainable


@pytest.mark.parametrize("program", sorted(PROGRAMS))
def test_totals_and_trainable_split_equal_keras(program):
    source = textwrap.dedent(PROGRAMS[program])
    model = static_totals(source)[-1]  # the program's `model` is the last one it builds
    params, trainable = keras_totals(source)
    assert model.unresolved == []
    assert (model.params, model.trainable_params) == (params, trainable)


@pytest.mark.parametrize("program", ["functional_frozen_mobilenet_v2", "input_tensor_tf_keras_resnet50"])
def test_layers_equal_keras_names_and_all(program):
    """``model.summary()``'s rows: the backbone as one layer, or its layers inline (``input_tensor``), named as Keras names them."""
    source = textwrap.dedent(PROGRAMS[program])
    model = static_totals(source)[-1]
    keras.backend.clear_session()
    namespace: dict = {}
    exec(compile(source.replace('weights="imagenet"', "weights=None"), "<program>", "exec"), namespace)
    layers = [layer for layer in namespace["model"].layers if type(layer).__name__ != "InputLayer"]
    expected = [(layer.name, type(layer).__name__, layer.count_params()) for layer in layers]
    assert [(row.name, row.class_name, row.params) for row in model.layers] == expected


def test_a_backbone_is_interpreted_once_per_process_and_each_use_is_its_own_copy(monkeypatch):
    """Two files with the same backbone: one interpretation; freezing it in one file leaves the other's trainable."""
    calls = []
    interpret = applications._interpret
    monkeypatch.setattr(applications, "_interpret", lambda *args: calls.append(args[1]) or interpret(*args))
    monkeypatch.setattr(applications, "_templates", type(applications._templates)())
    frozen = textwrap.dedent(PROGRAMS["functional_frozen_mobilenet_v2"])
    trainable = frozen.replace("base.trainable = False\n", "")
    first = static_totals(frozen, "first.py")[-1]
    with track_imports() as read:
        second = static_totals(trainable, "second.py")[-1]
    assert calls == ["MobileNetV2"]
    assert any(path.endswith("mobilenet_v2.py") for path in read)  # its cached result follows a change of Keras
    assert first.params == second.params
    assert first.trainable_params == 12_810
    assert second.trainable_params == second.params - 34_112  # BatchNormalization's moving statistics


def test_without_keras_source_the_reason_names_the_backbone_and_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(applications, "applications_directories", lambda *args: [])
    source = textwrap.dedent(PROGRAMS["functional_frozen_mobilenet_v2"])
    backbone, model = static_totals(source)
    assert backbone.params is None and model.params is None
    [reason] = backbone.unresolved
    assert reason["line"] == 5
    assert reason["reason"].startswith("`keras.applications.MobileNetV2`: Keras source not found")
    assert "additional_dependencies: [keras]" in reason["reason"]
    assert [note["line"] for note in model.unresolved if reason["reason"] in note["reason"]] == [8]  # `base(inputs)` says why


def test_a_layer_frozen_under_a_condition_kerlint_cannot_decide_leaves_the_split_unknown():
    source = textwrap.dedent(PROGRAMS["frozen_then_last_layers_unfrozen"]).replace(
        "    layer.trainable = True", "    if layer.name.startswith(PREFIX):\n        layer.trainable = True"
    )
    model = static_totals("from settings import PREFIX\n" + source)[-1]
    assert model.params is None and model.trainable_params is None
    assert any("trainable/non-trainable split is unknown" in note["reason"] for note in model.unresolved)


TF_KERAS = sorted(Path(__file__).parent.parent.glob("benchmarks/.corpus/src/tf-keras-*/tf_keras/src/applications"))


@pytest.mark.skipif(not TF_KERAS, reason="tf_keras's source is unpacked into benchmarks/.corpus by benchmarks/speed.py")
@pytest.mark.parametrize("entry_point", ["MobileNetV2", "DenseNet121", "ResNet50"])
def test_keras_2_era_source_resolves_too(monkeypatch, entry_point):
    """tf_keras's applications (``global layers``, ``VersionAwareLayers()``) build the same architectures."""
    monkeypatch.setattr(applications, "applications_directories", lambda *args: [TF_KERAS[-1].resolve()])
    source = f"""
import tensorflow as tf
base = tf.keras.applications.{entry_point}(include_top=False, weights="imagenet", input_shape=(96, 96, 3))
"""
    [backbone] = static_totals(source)
    assert backbone.unresolved == []
    keras.backend.clear_session()
    reference = getattr(keras.applications, entry_point)(include_top=False, weights=None, input_shape=(96, 96, 3))
    trainable = sum(int(w.numpy().size) for w in reference.trainable_weights)
    assert (backbone.params, backbone.trainable_params) == (reference.count_params(), trainable)


TINY_BACKBONE = '''
from keras.src import layers
from keras.src.api_export import keras_export
from keras.src.models import Functional


@keras_export(["keras.applications.tiny.Tiny", "keras.applications.Tiny"])
def Tiny(input_shape=(8,), weights="imagenet"):
    inputs = layers.Input(shape=input_shape)
    return Functional(inputs, layers.Dense({units})(inputs), name="tiny")
'''


def fake_keras(venv, units: int) -> None:
    applications_source = venv / "lib" / "python3.11" / "site-packages" / "keras" / "src" / "applications"
    applications_source.mkdir(parents=True)
    (applications_source / "__init__.py").write_text("")
    (applications_source / "tiny.py").write_text(TINY_BACKBONE.format(units=units))


def test_the_source_is_read_from_the_virtualenv_then_the_projects_dot_venv(tmp_path, monkeypatch):
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    fake_keras(project / ".venv", units=3)
    fake_keras(tmp_path / "active", units=5)
    source = "import keras\nmodel = keras.applications.tiny.Tiny(input_shape=(4,))\n"
    path = str(project / "src" / "train.py")
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    assert [cost.params for cost in static_totals(source, path)] == [4 * 3 + 3]
    monkeypatch.setenv("VIRTUAL_ENV", str(tmp_path / "active"))
    assert [cost.params for cost in static_totals(source, path)] == [4 * 5 + 5]


def test_every_entry_point_keras_exports_resolves():
    """ResNet152, EfficientNetB7, EfficientNetV2L, ConvNeXtXLarge, NASNetLarge...: all of them, in one file.

    (Each matches Keras's count_params() too; comparing all 40 with Keras takes minutes, so CI compares those above.)
    """
    [directory] = applications.applications_directories(None, None)[:1]
    names = sorted({leaf for leaf in (name.rpartition(".")[2] for name in applications.exported(directory)) if leaf[:1].isupper()})
    assert {"ResNet152", "EfficientNetB7", "EfficientNetV2L", "ConvNeXtXLarge", "NASNetLarge", "DenseNet201"} <= set(names)
    source = "import keras\n" + "".join(f"base = keras.applications.{name}(include_top=False)\n" for name in names)
    costs = static_totals(source)
    assert [(cost.name, cost.unresolved) for cost in costs if cost.unresolved] == []
    assert len(costs) == len(names) and all(cost.params for cost in costs)
