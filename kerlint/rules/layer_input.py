"""KER310: a layer called on a tensor of a rank or size it cannot take."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import Layer
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.merge_shapes import MERGE_LAYERS

RANK_ERROR = "expects an input of rank"
"""How the catalogue's rank check (Keras's ``InputSpec``) words its error; the hints below answer only that."""
RANK_HINTS = {
    "LSTM": "Recurrent layers take (batch, timesteps, features): reshape the data or add a Reshape/Embedding first",
    "GRU": "Recurrent layers take (batch, timesteps, features): reshape the data or add a Reshape/Embedding first",
    "SimpleRNN": "Recurrent layers take (batch, timesteps, features): reshape the data or add a Reshape/Embedding first",
    "Conv1D": "Conv1D takes (batch, steps, channels): add a channel axis with Reshape((steps, 1))",
    "Conv2D": "Conv2D takes (batch, height, width, channels): add a channel axis with Reshape((h, w, 1))",
}


class IncompatibleLayerInput(Rule):
    """## What it does
    Flags a layer called on a tensor whose rank or sizes it cannot accept, as
    Keras's input checks would: an `LSTM` on a 2D tensor, a `Conv2D` on
    images without a channel axis, a `Reshape` whose target size differs from
    its input's, a `Dense` on a scalar per sample. Merge layers (KER302),
    shared layers (KER301) and windows that no longer fit (KER305) have rules
    of their own.

    A convolution with `groups=0` (or `None`) is not flagged: Keras 3
    refuses it, but Keras 2 (tf_keras) reads it as one group, and the code
    does not say which Keras runs it.

    ## Why is this bad?
    Keras raises `ValueError: Input 0 of layer "lstm" is incompatible with the
    layer: expected ndim=3, found ndim=2` when the model is built; these
    messages are among the most asked-about Keras errors.

    ## Example
    ```python
    inputs = keras.Input(shape=(20,))
    x = keras.layers.LSTM(32)(inputs)
    ```

    Use instead:
    ```python
    inputs = keras.Input(shape=(20, 1))  # 20 timesteps of 1 feature
    x = keras.layers.LSTM(32)(inputs)
    ```
    """

    code, name, severity = "KER310", "incompatible-layer-input", Severity.ERROR
    summary = "layer called on a tensor of a rank or size it cannot take"
    valid = [
        """
import keras
inputs = keras.Input(shape=(20, 1))
x = keras.layers.LSTM(32)(inputs)
""",
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(8, 3, groups=0)(inputs)
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.LSTM(32)(inputs)
""",
        """
import keras
inputs = keras.Input(shape=(784,))
x = keras.layers.Reshape((28, 28, 3))(inputs)
""",
        """
import keras
inputs = keras.Input(shape=(32, 32, 3))
x = keras.layers.Conv2D(8, 3, groups=2)(inputs)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for call in ctx.analysis.calls:
            if not call.error or call.collapse or call.shared_conflict is not None:
                continue
            if call.layer.class_name in MERGE_LAYERS or _groups_depend_on_version(call.layer):
                continue
            hint = RANK_HINTS.get(call.layer.class_name) if RANK_ERROR in call.error else None
            yield Report(
                ctx.analysis.locator.span(call.node),
                f"{call.error}: Keras raises when building the model",
                help=hint or "Check the shape of the tensor passed to it",
            )


def _groups_depend_on_version(layer: Layer) -> bool:
    """`groups=0`/`None`: Keras 3 raises, tf_keras's `groups or 1` makes it one group."""
    if "groups" not in layer.config:
        return False
    groups = layer.config.raw("groups")
    return groups is None or (type(groups) is int and groups == 0)
