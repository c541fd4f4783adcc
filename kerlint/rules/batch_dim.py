"""KER306: the number of samples written into an input shape (``input_shape=x.shape``)."""

from __future__ import annotations

from typing import Any, Iterator

from kerlint.findings import Severity
from kerlint.fix.edit import Applicability, Availability, Fix, make_fix
from kerlint.graph import InputNode
from kerlint.rules.base import Report, Rule, RuleContext


class BatchDimInInputShape(Rule):
    """## What it does
    Flags an input shape taken from the whole `.shape` of the training data,
    `input_shape=x_train.shape` or `keras.Input(shape=x.shape)`, instead of
    `x_train.shape[1:]`: the number of samples ends up as the first axis of
    every sample.

    A literal shape whose first size happens to equal the batch size is not
    flagged: `Input(shape=(32, 32, 3))` with `batch_size=32` is ordinary
    CIFAR-10 code. Nor is the shape of an array the program makes itself
    (`np.random.uniform(0, 255, (10, 10, 3))`, `np.zeros(...)`), which is as
    often one sample as many, unless that array is what the model is trained,
    evaluated or run on; the shape of loaded data (a file, a `keras.datasets`
    loader) always counts its samples first.

    ## Why is this bad?
    Keras adds the batch axis itself: `shape` describes one sample. With the
    sample count written in, the model expects each sample to be the whole
    data set; `fit` fails with an incompatible-shape error.

    ## Example
    ```python
    model.add(Dense(64, activation="relu", input_shape=x_train.shape))
    ```

    Use instead:
    ```python
    model.add(Dense(64, activation="relu", input_shape=x_train.shape[1:]))
    ```

    ## Fix safety
    The fix appends `[1:]` to the `.shape` written as the input shape. It is
    safe: it is what the shape had to be, and the model could not be fitted
    before. A shape passed through a variable is left to you.
    """

    code, name, severity = "KER306", "batch-dim-in-input-shape", Severity.ERROR
    summary = "input shape includes the sample axis"
    fix_availability = Availability.SOMETIMES
    valid = [
        """
import numpy as np
import keras
x_train = np.loadtxt("features.csv", delimiter=",")
model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=x_train.shape[1:]), keras.layers.Dense(1)])
""",
    ]
    invalid = [
        """
import numpy as np
import keras
x_train = np.loadtxt("features.csv", delimiter=",")
model = keras.Sequential([keras.layers.Dense(8, activation="relu", input_shape=x_train.shape), keras.layers.Dense(1)])
""",
        """
import keras
(x_train, y_train), _ = keras.datasets.mnist.load_data()
inputs = keras.Input(shape=x_train.shape)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        seen: set[int] = set()
        for node in _input_nodes(ctx):
            if node.shape_from_data is None or id(node) in seen or not _samples_first(ctx, node.shape_from_data):
                continue
            seen.add(id(node))
            yield Report(
                ctx.analysis.locator.span(node.node),
                f"the input shape is the whole `.shape` of the data from `{node.shape_from_data.origin}`, which "
                "starts with the number of samples; Keras adds the batch axis itself",
                help="Use `.shape[1:]`",
                fix=_slice_fix(ctx, node),
            )


def _samples_first(ctx: RuleContext, data: Any) -> bool:
    """Whether the first axis of `data` is known to count samples: it was loaded (a file, a dataset), or the
    program made it itself (`samples_first` None) and it is what the model is trained, evaluated or run on."""
    return data.samples_first is True or any(use.x is data for use in ctx.analysis.data_uses)


def _slice_fix(ctx: RuleContext, input_node: InputNode) -> Fix | None:
    """`[1:]` after the `something.shape` written as the shape (`shape=`, `input_shape=`, or `Input`'s first argument)."""
    # Imported here: rule modules load with every run, the parser only with a file to analyze.
    import libcst as cst

    from kerlint.fix.codemod import Editor

    node = input_node.node
    if not isinstance(node, cst.Call):
        return None
    keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
    value = keywords.get("shape", keywords.get("input_shape"))
    callee = node.func.attr if isinstance(node.func, cst.Attribute) else node.func
    if value is None and isinstance(callee, cst.Name) and callee.value == "Input" and node.args and node.args[0].keyword is None:
        value = node.args[0].value
    if not (isinstance(value, cst.Attribute) and value.attr.value == "shape"):
        return None
    return make_fix("Drop the sample axis with `[1:]`", Applicability.SAFE, Editor(ctx.analysis.locator).insert_after(value, "[1:]"))


def _input_nodes(ctx: RuleContext) -> Iterator[InputNode]:
    """Inputs of models, and inputs created with ``keras.Input`` whether or not a model uses them."""
    for model in ctx.analysis.models:
        for tensor in model.inputs:
            if isinstance(tensor.producer, InputNode):
                yield tensor.producer
    yield from ctx.analysis.inputs
