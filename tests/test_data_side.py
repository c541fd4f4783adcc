"""The data side (issue 17): abstract arrays, and what fit/evaluate/predict receive checked against the model.

Each fault of the issue's list is a buggy program, flagged with both facts and
their lines, and its fixed version, clean.
"""

from __future__ import annotations

import json

import libcst as cst
import pytest

from helpers import analyze, kerlint
from kerlint.interpret.arrays import Data, DataShape
from kerlint.interpret.interpreter import Budget, Interpreter
from kerlint.unknown import UNKNOWN

ALL = ["ALL"]


def findings(source: str, code: str) -> list:
    return [f for f in analyze(source, select=ALL).findings if f.code == code]


def values(source: str) -> dict:
    interpreter = Interpreter(cst.parse_module(source), "snippet.py", Budget())
    interpreter.run()
    return interpreter.globals.vars


FAULTS = [
    pytest.param(
        "KER307",
        """\
import numpy as np
import keras
x = np.random.rand(500, 30, 8)
y = np.random.randint(0, 2, size=(500,))
model = keras.Sequential([
    keras.Input((30, 8)),
    keras.layers.LSTM(32, return_sequences=True),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y, epochs=5)
""",
        ("return_sequences=True", "return_sequences=False"),
        ["(line 4)", "(None, 30, 1)"], 7,
        id="recurrent-sequence-into-head-numpy-labels",
    ),
    pytest.param(
        "KER303",
        """\
import numpy as np
import keras
x = np.random.rand(200, 50, 4)
y = np.random.randint(0, 3, size=(200,))
model = keras.Sequential([
    keras.Input((50, 4)),
    keras.layers.Conv1D(16, 3, activation="relu"),
    keras.layers.Dense(3, activation="softmax"),
])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x, y)
""",
        ('keras.layers.Conv1D(16, 3, activation="relu"),', 'keras.layers.Conv1D(16, 3, activation="relu"), keras.layers.GlobalAveragePooling1D(),'),
        ["(line 4)", "(None, 48, 3)"], 8,
        id="convolutions-into-dense-head-numpy-labels",
    ),
    pytest.param(
        "KER311",
        """\
import numpy as np
import keras
x = np.random.rand(100, 64, 64)
y = np.random.randint(0, 2, size=(100,))
model = keras.Sequential([
    keras.Input((64, 64, 3)),
    keras.layers.Conv2D(8, 3, activation="relu"),
    keras.layers.GlobalAveragePooling2D(),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y)
""",
        ("x = np.random.rand(100, 64, 64)", "x = np.stack([np.random.rand(100, 64, 64)] * 3, axis=-1)"),
        ["(100, 64, 64)", "(line 3)", "(None, 64, 64, 3)", "(line 6)", "channel axis"], 12,
        id="images-without-channel-axis",
    ),
    pytest.param(
        "KER311",
        """\
import numpy as np
import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0
inputs = keras.Input((28, 28))
outputs = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(inputs))
model = keras.Model(inputs, outputs)
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
print(model.predict(x_test[0]))
""",
        ("model.predict(x_test[0])", "model.predict(x_test[:1])"),
        ["(28, 28)", "(line 3)", "(None, 28, 28)", "(line 5)", "batch axis"], 10,
        id="predict-on-one-indexed-sample",
    ),
    pytest.param(
        "KER211",
        """\
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train = x_train / 255.0
y_train = y_train / 255.0
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
        ("y_train = y_train / 255.0\n", ""),
        ["(line 2)", "line 4", "line 5"], 7,
        id="labels-scaled-like-pixels",
    ),
    pytest.param(
        "KER212",
        """\
import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train / 255.0
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
model.evaluate(x_test, y_test)
""",
        ("x_train = x_train / 255.0", "x_train, x_test = x_train / 255.0, x_test / 255.0"),
        ["(line 2)", "scaled at line 3", "fit (line 6)", "evaluate", "unscaled"], 7,
        id="train-scaled-test-not",
    ),
    pytest.param(
        "KER201",
        """\
import keras
(x_train, y_train), _ = keras.datasets.california_housing.load_data()
model = keras.Sequential([keras.Input((8,)), keras.layers.Normalization(), keras.layers.Dense(64, activation="relu"),
                          keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(x_train, y_train)
""",
        ("model.fit(x_train, y_train)", "model.fit(x_train, y_train / 100000.0)"),
        ["[14999, 500001]", "(line 2)", "`dense_1`"], 6,
        id="huge-regression-targets-unscaled",
    ),
    pytest.param(
        "KER211",
        """\
import keras
from sklearn.preprocessing import MinMaxScaler
(x_train, y_train), _ = keras.datasets.california_housing.load_data()
model = keras.Sequential([keras.Input((8,)), keras.layers.Normalization(), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="mse", optimizer="adam")
model.fit(x_train, y_train)
""",
        ("model.fit(x_train, y_train)", "model.fit(x_train, MinMaxScaler().fit_transform(y_train.reshape(-1, 1)))"),
        ["[14999, 500001]", "(line 3)", "sigmoid, line 4", "[0, 1]"], 6,
        id="bounded-activation-cannot-reach-targets",
    ),
    pytest.param(
        "KER211",
        """\
import numpy as np
import keras
x = np.random.rand(300, 12)
y = np.random.randint(0, 4, size=(300, 1))
model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(4, activation="softmax")])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y)
""",
        ('loss="mse"', 'loss="sparse_categorical_crossentropy"'),
        ["(line 4)", "softmax, line 5", "mean_squared_error"], 7,
        id="softmax-mse-on-class-labels",
    ),
    pytest.param(
        "KER211",
        """\
import numpy as np
import keras
x = np.random.rand(300, 12)
y = keras.utils.to_categorical(np.random.randint(0, 6, size=(300,)), 6)
model = keras.Sequential([keras.Input((12,)), keras.layers.Dense(6, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y)
""",
        ('activation="sigmoid")])\nmodel.compile(loss="binary_crossentropy"', 'activation="softmax")])\nmodel.compile(loss="categorical_crossentropy"'),
        ["(line 4)", "sigmoid, line 5", "6 exclusive classes"], 7,
        id="sigmoid-bce-on-one-hot-classes",
    ),
    pytest.param(
        "KER312",
        """\
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
        ('loss="categorical_crossentropy"', 'loss="sparse_categorical_crossentropy"'),
        ["(line 2)", "line 4", "(line 5)", "class ids"], 6,
        id="categorical-crossentropy-on-integer-labels",
    ),
    pytest.param(
        "KER312",
        """\
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
y_train = keras.utils.to_categorical(y_train, 10)
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
        ('loss="sparse_categorical_crossentropy"', 'loss="categorical_crossentropy"'),
        ["(line 2)", "line 5", "(line 6)", "width 10"], 7,
        id="sparse-crossentropy-on-one-hot-labels",
    ),
]


@pytest.mark.parametrize("code, buggy, change, facts, line", FAULTS)
def test_buggy_program_is_flagged_with_both_facts(code, buggy, change, facts, line):
    found = findings(buggy, code)
    assert found, f"{code} should flag:\n{buggy}"
    assert found[0].span.line == line
    for fact in facts:
        assert fact in found[0].message, (fact, found[0].message)
    assert found[0].help


@pytest.mark.parametrize("code, buggy, change, facts, line", FAULTS)
def test_fixed_program_is_clean(code, buggy, change, facts, line):
    old, new = change
    assert old in buggy
    fixed = buggy.replace(old, new)
    assert not findings(fixed, code), f"{code} should not flag:\n{fixed}"


DATA_RULES = {"KER201", "KER211", "KER212", "KER303", "KER307", "KER311", "KER312"}


@pytest.mark.parametrize("code, buggy, change, facts, line", FAULTS)
def test_data_from_an_unknown_function_is_silent(code, buggy, change, facts, line):
    """The same programs with every array coming from a function kerlint cannot see: no data finding."""
    unknown = "\n".join(
        f"{line.split(' = ')[0]} = load_somehow()" if " = " in line and ("np." in line or "datasets" in line or "utils" in line)
        and not line.startswith(("model", "inputs", "outputs")) else line
        for line in buggy.splitlines()
    )
    unknown = unknown.replace("import keras\n", "import keras\nfrom mydata import load_somehow\n", 1)
    assert "load_somehow()" in unknown
    assert not {f.code for f in analyze(unknown, select=ALL).findings} & DATA_RULES, unknown


# ---------------------------------------------------------------- datasets and call forms


DATASET_BUG = """\
import numpy as np
import tensorflow as tf
import keras
x = np.random.rand(256, 16).astype("float32")
y = np.random.randint(0, 3, size=(256,))
train = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(256).batch(32).map(lambda a, b: (a * 2.0, b))
model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(3, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(train, epochs=2)
"""


def test_a_batched_tf_data_dataset_yields_its_x_and_y():
    found = findings(DATASET_BUG, "KER312")
    assert found and "(line 5)" in found[0].message and "shape (None,)" in found[0].message
    assert not findings(DATASET_BUG.replace('"categorical_crossentropy"', '"sparse_categorical_crossentropy"'), "KER312")


def test_an_unbatched_dataset_is_not_compared():
    assert not findings(DATASET_BUG.replace(".batch(32)", ""), "KER312")


def test_image_directory_labels_follow_label_mode():
    source = """\
import keras
train = keras.utils.image_dataset_from_directory("photos", image_size=(64, 64), label_mode="int")
model = keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                          keras.layers.Dense(5, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(train)
"""
    assert findings(source, "KER312")
    assert not findings(source.replace('label_mode="int"', 'label_mode="categorical"'), "KER312")


def test_image_data_generator_that_rescales_scales_the_data():
    source = """\
import keras
from keras.preprocessing.image import ImageDataGenerator
(x_train, y_train), _ = keras.datasets.cifar10.load_data()
flow = ImageDataGenerator(rescale=1 / 255.0, horizontal_flip=True).flow(x_train, y_train, batch_size=64)
model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(8, 3), keras.layers.GlobalAveragePooling2D(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(flow)
"""
    assert not findings(source, "KER201")
    assert findings(source.replace("rescale=1 / 255.0, ", ""), "KER201")


def test_generators_from_directories_scaled_for_training_only():
    source = """\
import keras
from keras.preprocessing.image import ImageDataGenerator
train = ImageDataGenerator(rescale=1 / 255.0, zoom_range=0.2).flow_from_directory("data/train", target_size=(96, 96))
test = ImageDataGenerator().flow_from_directory("data/test", target_size=(96, 96))
model = keras.Sequential([keras.Input((96, 96, 3)), keras.layers.Conv2D(8, 3), keras.layers.GlobalAveragePooling2D(),
                          keras.layers.Dense(4, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(train, validation_data=test)
"""
    found = findings(source, "KER212")
    assert len(found) == 1 and "validation_data" in found[0].message and "scaled at line 3" in found[0].message
    assert "(line 4), unscaled" in found[0].message
    assert not findings(source.replace("ImageDataGenerator()", "ImageDataGenerator(rescale=1 / 255.0)"), "KER212")
    assert not findings(source, "KER312")  # one-hot batches of an unknown class count against 4 units: nothing to say


def test_inputs_by_name_and_validation_data():
    source = """\
import numpy as np
import keras
image = keras.Input((32,), name="image")
meta = keras.Input((4,), name="meta")
joined = keras.layers.Concatenate()([image, meta])
model = keras.Model([image, meta], keras.layers.Dense(1)(joined))
model.compile(loss="mse", optimizer="adam")
model.fit({"image": np.random.rand(10, 32), "meta": np.random.rand(10, 4)}, np.random.rand(10, 1),
          validation_data=({"image": np.random.rand(5, 32), "meta": np.random.rand(5, 5)}, np.random.rand(5, 1)))
"""
    found = findings(source, "KER311")
    assert len(found) == 1 and "validation_data" in found[0].message and "`meta`" in found[0].message


def test_a_sample_count_mismatch_between_inputs_and_targets():
    source = """\
import numpy as np
import keras
from sklearn.model_selection import train_test_split
x = np.random.rand(100, 8)
y = np.random.rand(100, 1)
x_train, x_test, y_train, y_test = train_test_split(x, y)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1)])
model.compile(loss="mse", optimizer="adam")
model.fit(x, y[:50])
model.fit(x_train, y_train)
"""
    found = findings(source, "KER312")
    assert [f.span.line for f in found] == [9]
    assert "100 input samples" in found[0].message and "50 targets" in found[0].message


# ---------------------------------------------------------------- the abstract arrays


def test_sources_and_transformations_carry_shape_dtype_range_and_encoding():
    env = values("""\
import numpy as np
import pandas as pd
import tensorflow as tf
import keras
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, StandardScaler
(x_train, y_train), _ = keras.datasets.mnist.load_data()
a = x_train.reshape(-1, 28, 28, 1).astype("float32") / 255.0
b = np.expand_dims(x_train, -1)
c = x_train[..., np.newaxis]
c2 = x_train[:, :, :, tf.newaxis]
d = x_train[0]
e = x_train[:1]
f = x_train[:, None]
onehot = keras.utils.to_categorical(y_train)
eye = np.eye(10)[y_train]
r = np.random.randn(64, 5) ** 4
i = np.random.randint(0, 7, size=(64,))
z = np.zeros((3, 4))
lit = np.array([[1, 2], [3, 250]])
cat = np.concatenate([a, a])
frame = pd.read_csv("data.csv")
cols = frame[["a", "b", "c"]].values
target = frame["y"].to_numpy()
x_tr, x_te, y_tr, y_te = train_test_split(cols, target, test_size=0.2)
std = StandardScaler().fit_transform(x_tr)
ids = LabelEncoder().fit_transform(target)
hot = OneHotEncoder().fit_transform(target.reshape(-1, 1))
tail = x_train.shape[1:]
whole = x_train.shape
""")
    facts = {name: (v.shape, v.dtype, v.bounds, v.encoding) for name, v in env.items() if isinstance(v, Data)}
    assert facts["x_train"] == ((None, 28, 28), "int", (0.0, 255.0), "pixels")
    assert facts["y_train"] == ((None,), "int", (0.0, 9.0), "classes")
    assert facts["a"] == ((None, 28, 28, 1), "float", (0.0, 1.0), "pixels") and env["a"].scaled
    assert facts["b"][0] == facts["c"][0] == facts["c2"][0] == (None, 28, 28, 1)
    assert facts["d"][0] == (28, 28) and facts["e"][0] == (1, 28, 28) and facts["f"][0] == (None, 1, 28, 28)
    assert facts["onehot"] == facts["eye"] == ((None, 10), "float", (0.0, 1.0), "onehot")
    assert env["onehot"].num_classes == 10
    assert facts["r"][:3] == ((64, 5), "float", None)
    assert facts["i"] == ((64,), "int", (0.0, 6.0), "classes")
    assert facts["z"][:3] == ((3, 4), "float", (0.0, 0.0))
    assert facts["lit"][:3] == ((2, 2), "int", (1.0, 250.0))
    assert facts["cat"][0] == (None, 28, 28, 1)
    assert facts["cols"][0] == facts["x_tr"][0] == facts["x_te"][0] == (None, 3)
    assert facts["target"][0] == facts["y_tr"][0] == (None,)
    assert env["std"].scaled and not env["x_te"].scaled and env["x_te"].node is env["frame"].node
    assert facts["ids"][3] == "classes" and facts["hot"][3] == "onehot"
    assert env["tail"] == (28, 28)
    assert isinstance(env["whole"], DataShape) and env["whole"].start == 0


def test_an_unknown_operation_forgets_the_shape_but_keeps_the_origin():
    env = values("""\
import numpy as np
import keras
(x_train, _), _ = keras.datasets.mnist.load_data()
odd = np.pad(x_train, 2)
""")
    assert env["odd"].shape is None and env["odd"].origin == "mnist.load_data()"


# ---------------------------------------------------------------- kerlint cost


COST_SOURCE = """\
import keras
(x_train, y_train), (x_test, y_test) = keras.datasets.mnist.load_data()
x_train = x_train / 255.0
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
model.predict(x_test[:1])
"""


def test_cost_json_has_a_data_object_per_model(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(COST_SOURCE, encoding="utf-8")
    result = kerlint("cost", "--isolated", "--no-cache", "--format", "json", str(path))
    data = json.loads(result.stdout)["models"][0]["data"]
    assert data["inputs"] == [{"shape": [None, 28, 28], "line": 4}] and data["outputs"] == [{"shape": [None, 10], "line": 4}]
    fit, predict = data["calls"]
    assert (fit["method"], fit["line"], predict["method"], predict["line"]) == ("fit", 6, "predict", 7)
    assert fit["x"] == {"shape": [None, 28, 28], "dtype": "float", "range": [0.0, 1.0], "encoding": "pixels", "scaled": True,
                        "origin": "mnist.load_data()", "line": 2}
    assert fit["y"]["shape"] == [None] and fit["y"]["encoding"] == "classes"
    assert predict["x"]["shape"] == [1, 28, 28] and predict["y"] is None


def test_cost_table_shows_what_fit_receives(tmp_path):
    path = tmp_path / "train.py"
    path.write_text(COST_SOURCE, encoding="utf-8")
    table = kerlint("cost", "--isolated", "--no-cache", str(path)).stdout
    assert "Data: fit (line 6): x (None, 28, 28) float from mnist.load_data() (line 2), y (None,) int" in table
    assert "Data: predict (line 7): x (1, 28, 28) int" in table


def test_a_model_never_trained_has_no_data(tmp_path):
    path = tmp_path / "model.py"
    path.write_text("import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n", encoding="utf-8")
    result = kerlint("cost", "--isolated", "--no-cache", "--format", "json", str(path))
    assert json.loads(result.stdout)["models"][0]["data"] is None


def test_timeseries_windows_and_padded_sequences():
    env = values("""\
import numpy as np
import keras
series = np.random.rand(1000, 5)
windows = keras.utils.timeseries_dataset_from_array(series, series[:, 0], sequence_length=24)
(tokens, labels), _ = keras.datasets.imdb.load_data(num_words=5000)
padded = keras.utils.pad_sequences(tokens, maxlen=100)
text = keras.utils.text_dataset_from_directory("reviews", label_mode="binary")
""")
    x, y = env["windows"].element
    assert env["windows"].batched and x.shape == (None, 24, 5) and y.shape == (None,)
    assert env["padded"].shape == (None, 100) and env["padded"].encoding == "tokens"
    assert [part.shape for part in env["text"].element] == [(None,), (None, 1)]


def test_a_sequence_head_on_timeseries_windows_with_one_target_per_window():
    source = """\
import numpy as np
import keras
series = np.random.rand(1000, 5)
windows = keras.utils.timeseries_dataset_from_array(series, series[:, 0], sequence_length=24)
model = keras.Sequential([keras.Input((24, 5)), keras.layers.LSTM(16, return_sequences=True), keras.layers.Dense(1)])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(windows)
"""
    found = findings(source, "KER307")
    assert found and "`np.random.rand()` (line 3)" in found[0].message
    assert not findings(source.replace("return_sequences=True", "return_sequences=False"), "KER307")


def test_cost_json_places_the_data_of_a_notebook_in_its_cells(tmp_path):
    cells = [
        "import keras\n(x_train, y_train), _ = keras.datasets.mnist.load_data()",
        "model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])\n"
        "model.fit(x_train, y_train)",
    ]
    notebook = {"cells": [{"cell_type": "code", "metadata": {}, "source": text, "outputs": [], "execution_count": None} for text in cells],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "train.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    result = kerlint("cost", "--isolated", "--no-cache", "--format", "json", "train.ipynb", cwd=tmp_path)
    [fit] = json.loads(result.stdout)["models"][0]["data"]["calls"]
    assert (fit["cell"], fit["line"]) == (2, 2)
    assert (fit["x"]["cell"], fit["x"]["line"]) == (1, 2)


def test_cost_markdown_lists_the_data():
    result = kerlint("cost", "--isolated", "--no-cache", "--format", "markdown", "-", "--stdin-filename", "train.py", stdin=COST_SOURCE)
    assert "Data:\n\n- fit (line 6): x (None, 28, 28) float from mnist.load_data() (line 2)" in result.stdout


def test_absurd_arrays_degrade_to_unknown_or_big_numbers_never_to_a_crash():
    source = """\
import numpy as np
import keras
a = np.random.randint(0, 10**400, size=(10**9, 10**9))
b = np.arange(float("inf"))
c = np.zeros((10**30,)) + 10**400
d = np.ones((3,)) ** 1e6 * 255.0 ** 1e3
x = 0
for i in range(1500):
    x = [x]
f = np.array(x)
g = np.array([[0] * 10000] * 10000)
h = np.full((4,), 10**400) ** 1000.0
m = np.arange(10**30).reshape(-1, 10**10, 0)
n = np.eye(0)[np.zeros(3)]
model = keras.Sequential([keras.Input((10,)), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(a, c)
model.predict(m)
model.fit(b, f)
model.fit(g, h)
"""
    reported = {f.code for f in analyze(source, select=ALL).findings}
    assert "KER000" not in reported and {"KER311", "KER312"} <= reported
    env = values(source)
    assert env["a"].bounds is None and env["h"].bounds is None and env["c"].shape == (10**30,)
    assert env["f"] is UNKNOWN and env["g"] is UNKNOWN  # 1,500 levels deep; 10**8 numbers


@pytest.mark.parametrize("arguments, rows", [
    ("", (750, 250)),
    (", test_size=0.2", (800, 200)),
    (", test_size=0.33", (670, 330)),
    (", test_size=100", (900, 100)),
    (", train_size=0.6", (600, 400)),
    (", test_size=split", (None, None)),
])
def test_train_test_split_splits_a_known_number_of_rows_as_scikit_learn_does(arguments, rows):
    env = values(f"""\
import numpy as np
from sklearn.model_selection import train_test_split
from somewhere import split
x_train, x_test, y_train, y_test = train_test_split(np.random.rand(1000, 8), np.random.rand(1000){arguments})
""")
    assert (env["x_train"].shape, env["x_test"].shape) == (((rows[0], 8)), (rows[1], 8))
    assert (env["y_train"].shape, env["y_test"].shape) == (((rows[0],)), (rows[1],))


def test_training_on_the_inputs_of_one_part_and_the_targets_of_the_other():
    source = """\
import numpy as np
import keras
from sklearn.model_selection import train_test_split
x = np.random.rand(1000, 8)
y = np.random.randint(0, 2, size=(1000,))
x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2)
model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x_train, y_test)
"""
    found = findings(source, "KER312")
    assert len(found) == 1 and "800 input samples" in found[0].message and "200 targets" in found[0].message
    assert not findings(source.replace("y_test)", "y_train)"), "KER312")
