"""KER312: the targets given to fit or evaluate do not have the shape the compiled loss needs."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.interpret.arrays import Data
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.data_use import Feed, data_fact, feeds, inputs_fed, line_of, targets_fed
from kerlint.rules.heads import BINARY_LOSSES, Head
from kerlint.units import shape_str

ONE_HOT_LOSSES = {"categorical_crossentropy", "categorical_focal_crossentropy"}


class TargetShapeMismatch(Rule):
    """## What it does
    Compares the targets a program passes to `fit`, `evaluate`,
    `train_on_batch` or `validation_data` with the model's output and the
    loss it was compiled with, and flags what Keras rejects:
    - integer class ids (`(n,)` or `(n, 1)`) trained with
      `categorical_crossentropy`, which wants one-hot rows;
    - one-hot rows trained with `sparse_categorical_crossentropy`, which
      wants class ids;
    - targets of another width than a binary cross-entropy output;
    - inputs and targets with different numbers of samples.

    Outputs with more axes than `(batch, units)` are KER303's and KER307's;
    one-hot labels of a known class count against the output's units are
    KER206's. Targets whose shape is not known in the file: no finding.

    ## Why is this bad?
    Keras raises a `ValueError` at the first training step ("Arguments
    `target` and `output` must have the same rank", "Argument `output` must
    have rank (ndim) `target.ndim - 1`", "Data cardinality is ambiguous").

    ## Example
    ```python
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    model.compile(loss="categorical_crossentropy", optimizer="adam")
    model.fit(x_train, y_train)
    ```

    Use instead:
    ```python
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
    ```
    or `model.fit(x_train, keras.utils.to_categorical(y_train, 10))`.

    ## References
    - [Keras: probabilistic losses](https://keras.io/api/losses/probabilistic_losses/)
    """

    code, name, severity = "KER312", "target-shape-mismatch", Severity.ERROR
    summary = "targets passed to fit/evaluate do not have the shape the loss needs"
    valid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, keras.utils.to_categorical(y_train, 10))
""",
        # Targets from a function kerlint cannot see: silence.
        """
import keras
from mydata import load_labels
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(load_labels("x"), load_labels("y"))
""",
    ]
    invalid = [
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
model = keras.Sequential([keras.Input((28, 28)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                          keras.layers.Dense(10, activation="softmax")])
model.compile(loss="categorical_crossentropy", optimizer="adam")
model.fit(x_train, y_train)
""",
        """
import numpy as np
import keras
x = np.random.rand(200, 20)
y = keras.utils.to_categorical(np.random.randint(0, 4, size=(200,)), 4)
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(4, activation="softmax")])
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
model.fit(x, y)
""",
        """
import numpy as np
import keras
x = np.random.rand(200, 20)
y = np.random.randint(0, 2, size=(100, 1))
model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(1, activation="sigmoid")])
model.compile(loss="binary_crossentropy", optimizer="adam")
model.fit(x, y)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for feed in feeds(ctx):
            if feed.y is None:
                continue
            found = _cardinality(ctx, feed)
            if found is not None:
                yield found
                continue
            for head, target in targets_fed(feed):
                problem = mismatch(head, target)
                if problem is None:
                    continue
                message, advice = problem
                layer = head.output.producer.layer
                compiled = head.model.compiles[-1].node
                yield Report(
                    ctx.analysis.locator.span(feed.use.node),
                    f"{feed.what} trains output `{layer.name}` ({shape_str(head.output.shape)}, line "
                    f"{line_of(ctx, head.output.producer.node)}) with {head.loss.name} (line {line_of(ctx, compiled)}) on "
                    f"{data_fact(ctx, target)}: {message}; Keras raises at the first step",
                    help=advice,
                )


def mismatch(head: Head, target: Data) -> tuple[str, str] | None:
    """What is wrong with `target` for this head's loss (message, advice), or None."""
    loss, units, shape = head.loss, head.units, target.shape
    if loss is None or units is None or head.rank != 2 or shape is None or not shape:
        return None
    width = shape[-1] if len(shape) == 2 else 1 if len(shape) == 1 else None
    if len(shape) > 2 or width is None:
        return None
    if loss.name in ONE_HOT_LOSSES and units > 1 and width == 1 and target.encoding != "onehot":
        return (
            f"these are class ids, one per sample, not one-hot rows of width {units}",
            "Use sparse_categorical_crossentropy, or one-hot encode the targets (keras.utils.to_categorical)",
        )
    if loss.name == "sparse_categorical_crossentropy" and len(shape) == 2 and width > 1:
        return (
            f"rows of width {width} (one-hot?) where the loss wants one class id per sample",
            "Use categorical_crossentropy for one-hot targets, or pass class ids (np.argmax(y, axis=1))",
        )
    if loss.name in BINARY_LOSSES and len(shape) == 2 and width != units and width != 1:
        return (
            f"rows of width {width} for {units} output units",
            f"Give the output {width} units, or pass targets of width {units}",
        )
    return None


def _cardinality(ctx: RuleContext, feed: Feed) -> Report | None:
    """Inputs and targets with different known numbers of samples."""
    inputs = [data for _, data in inputs_fed(feed)]
    targets = [data for _, data in targets_fed(feed)]
    for x in inputs:
        for y in targets:
            if x.shape and y.shape and x.shape[0] is not None and y.shape[0] is not None and x.shape[0] != y.shape[0]:
                return Report(
                    ctx.analysis.locator.span(feed.use.node),
                    f"{feed.what} receives {x.shape[0]} input samples ({data_fact(ctx, x)}) and {y.shape[0]} targets "
                    f"({data_fact(ctx, y)}): Keras raises 'Data cardinality is ambiguous'",
                    help="Pass inputs and targets with one row per sample, split the same way",
                )
    return None
