"""KER311: the arrays given to fit, evaluate or predict do not have the shape of the model's inputs."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import Tensor
from kerlint.interpret.arrays import Data
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.data_use import data_fact, feeds, inputs_fed, line_of
from kerlint.units import shape_str


class DataInputMismatch(Rule):
    """## What it does
    Compares the arrays a program passes to `fit`, `evaluate`, `predict` (and
    `train_on_batch`, `validation_data`, batched `tf.data` datasets) with the
    shape of the model's inputs, and flags a rank or a size Keras rejects:
    - a single sample taken by indexing (`x[0]`), which has lost its batch axis;
    - images without a channel axis fed to a model declared with 3 channels;
    - a feature axis of another size than the input declares.

    Keras 3 adds a missing trailing axis of size 1 itself (grayscale images of
    shape `(n, 28, 28)` into `Input((28, 28, 1))`), and drops an extra one;
    neither is flagged. Sizes other than the last axis are compared for
    functional models only: a Sequential model checks nothing but what its
    layers' weights depend on. Data whose shape is not known in the file: no
    finding.

    ## Why is this bad?
    Keras raises a `ValueError` at the call ("Invalid input shape for input",
    "expected axis -1 of input shape to have value 3"), after everything
    before it (loading, preprocessing, earlier epochs) has run.

    ## Example
    ```python
    x = np.random.rand(100, 28, 28, 1)
    inputs = keras.Input((28, 28, 1))
    ...
    model.predict(x[0])
    ```

    Use instead:
    ```python
    model.predict(x[:1])  # or x[None], np.expand_dims(x[0], 0)
    ```

    ## References
    - [Keras: Model training APIs](https://keras.io/api/models/model_training_apis/)
    """

    code, name, severity = "KER311", "data-input-mismatch", Severity.ERROR
    summary = "array passed to fit/evaluate/predict does not match the model's input shape"
    valid = [
        """
import numpy as np
import keras
x = np.random.rand(100, 28, 28, 1)
inputs = keras.Input((28, 28, 1))
h = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
h = keras.layers.GlobalAveragePooling2D()(h)
model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
model.compile("adam", "sparse_categorical_crossentropy")
model.predict(x[:1])
model.predict(x[None, 0])
model.predict(np.expand_dims(x[0], 0))
""",
        # Keras 3 adds the trailing channel axis of size 1 itself.
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Rescaling(1 / 255), keras.layers.Conv2D(8, 3),
                          keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x_train, y_train)
""",
        # Data of unknown shape: silence.
        """
import keras
from mydata import load
x, y = load()
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(x[0], y)
""",
    ]
    invalid = [
        """
import numpy as np
import keras
x = np.random.rand(100, 28, 28, 1)
inputs = keras.Input((28, 28, 1))
h = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
h = keras.layers.GlobalAveragePooling2D()(h)
model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(h))
model.compile("adam", "sparse_categorical_crossentropy")
model.predict(x[0])
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Conv2D(8, 3),
                          keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
model.compile("adam", "sparse_categorical_crossentropy")
model.fit(x_train, y_train)
""",
        """
import numpy as np
import keras
x = np.random.rand(64, 30)
y = np.random.rand(64, 1)
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1)])
model.compile("adam", "mse")
model.fit(x, y, epochs=3)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for feed in feeds(ctx):
            for tensor, data in inputs_fed(feed):
                problem = mismatch(tensor, data, functional=feed.use.model.kind == "functional")
                if problem is None:
                    continue
                name = tensor.producer.name
                yield Report(
                    ctx.analysis.locator.span(feed.use.node),
                    f"{feed.what} receives {data_fact(ctx, data)} for input `{name}`, which expects "
                    f"{shape_str(tensor.shape)} (line {line_of(ctx, tensor.producer.node)}): {problem}",
                    help=_help(problem),
                )


def mismatch(tensor: Tensor, data: Data, functional: bool) -> str | None:
    """Why Keras rejects `data` for the input `tensor`, or None when it accepts it (or that cannot be told)."""
    expected, shape = tensor.shape, data.shape
    if expected is None or shape is None or not expected:
        return None
    if len(shape) == len(expected) - 1 and shape and shape[0] is not None and _matches(shape, expected[1:]):
        return "the batch axis is missing (a single sample taken by indexing?)"
    if len(shape) == len(expected) - 1 and expected[-1] == 1:
        shape = (*shape, 1)  # Keras 3 adds the trailing axis of size 1
    elif len(shape) == len(expected) + 1 and shape[-1] == 1:
        shape = shape[:-1]  # and drops an extra one
    if len(shape) != len(expected):
        if len(shape) == len(expected) - 1 > 1 and _matches(shape[1:], expected[1:-1]):
            return f"the channel axis (of size {expected[-1]}) is missing"
        return f"rank {len(data.shape)} where the model expects rank {len(expected)}"
    axes = range(1, len(expected)) if functional else (len(expected) - 1,)
    for axis in axes:
        if shape[axis] is not None and expected[axis] is not None and shape[axis] != expected[axis]:
            return f"axis {axis} has size {shape[axis]}, not {expected[axis]}"
    return None


def _matches(shape: tuple, expected: tuple) -> bool:
    return len(shape) == len(expected) and all(a is None or b is None or a == b for a, b in zip(shape, expected))


def _help(problem: str) -> str:
    if problem.startswith("the batch axis"):
        return "Keep the batch axis: pass x[:1] or x[None] (np.expand_dims(x, 0)) instead of x[0]"
    if problem.startswith("the channel axis"):
        return "Add the channel axis (x[..., None] or x.reshape(...)), or declare the input with the channels the data has"
    return "Reshape the data to the model's input shape, or declare the input with the data's shape"
