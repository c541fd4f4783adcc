"""KER106: a layer called whose output never reaches any model output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from kerlint.findings import Severity
from kerlint.rules.base import Report, Rule, RuleContext

if TYPE_CHECKING:
    from kerlint.interpret.liveness import DeadBranch  # imports libcst: a cached run must not


class DeadLayer(Rule):
    """## What it does
    Flags a layer that is created and called, but whose output never reaches
    any model output: the variable holding it is assigned again before
    anything reads it, the function ends without using it, or the call's
    result is thrown away. The message names the line where the output was
    lost, and the layers upstream that fed only this branch.

    It only speaks when the model's inputs and outputs are fully known, and
    stays silent when the output goes anywhere kerlint cannot follow: returned,
    stored in a list or attribute, passed to a function, used in a loss, a
    metric or `add_loss`, or used by another model in the file.

    ## Why is this bad?
    Keras builds a functional model from what lies between its inputs and
    outputs: the lost layer is not part of the model, its weights are never
    trained, and the model is not the one the code describes. It is usually a
    typo (`x = Dense(64)(inputs)` where `x = Dense(64)(x)` was meant) or a
    branch that was meant to be merged and was forgotten.

    ## Example
    ```python
    x = keras.layers.Dense(64, activation="relu")(inputs)
    skip = keras.layers.Dense(64)(inputs)
    x = keras.layers.Dense(64, activation="relu")(inputs)  # x from the first Dense is lost
    outputs = keras.layers.Dense(1)(keras.layers.add([x, skip]))
    ```

    Use instead:
    ```python
    x = keras.layers.Dense(64, activation="relu")(inputs)
    skip = keras.layers.Dense(64)(inputs)
    x = keras.layers.Dense(64, activation="relu")(x)
    outputs = keras.layers.Dense(1)(keras.layers.add([x, skip]))
    ```

    ## References
    - [Keras: the Functional API](https://keras.io/guides/functional_api/)
    """

    code, name, severity = "KER106", "dead-layer", Severity.WARNING
    summary = "a layer's output never reaches any model output"
    valid = [
        """
import keras
inputs = keras.Input(shape=(16,))
x = keras.layers.Dense(64, activation="relu")(inputs)
x = keras.layers.Dense(64, activation="relu")(x)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
""",
        """
import keras
inputs = keras.Input(shape=(16,))
features = keras.layers.Dense(8)(inputs)
outputs = keras.layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)
model.add_loss(keras.ops.mean(features))
""",
        """
import keras
def build():
    inputs = keras.Input(shape=(16,))
    hidden = keras.layers.Dense(8)(inputs)
    outputs = keras.layers.Dense(1)(hidden)
    return keras.Model(inputs, outputs), hidden
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(16,))
x = keras.layers.Dense(64, activation="relu")(inputs)
x = keras.layers.Dense(64, activation="relu")(inputs)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
""",
        """
import keras
def build():
    inputs = keras.Input(shape=(16,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    outputs = keras.layers.Dense(1)(inputs)
    return keras.Model(inputs, outputs)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        locator = ctx.analysis.locator
        for branch in ctx.analysis.dead:
            last = branch.calls[0]
            label = f"{last.layer.describe()} `{last.layer.name}`"
            upstream = [f"{c.layer.describe()} `{c.layer.name}`" for c in branch.calls[1:]]
            with_it = f" (nor does what fed only it: {', '.join(upstream)})" if upstream else ""
            yield Report(
                locator.span(last.node),
                f"the output of {label} never reaches a model output: {_how(branch, locator)}{with_it}",
                help="Use the output (merge it, or pass it on), or delete the layer",
            )


def _how(branch: DeadBranch, locator) -> str:
    """Where and how the output was lost, in words."""
    lost = branch.lost
    if lost.how == "overwritten":
        return f"`{lost.name}` is assigned again on line {locator.line(lost.lost)} before anything reads it"
    if lost.how == "function-end":
        end = locator.span(lost.owner).end_line
        return f"`{lost.name}` is never read before `{lost.owner.name.value}` ends (line {end})"
    return f"the result of the call on line {locator.line(lost.bound)} is discarded"
