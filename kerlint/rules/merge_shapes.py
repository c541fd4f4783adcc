"""KER302: a merge layer called on tensors whose shapes it cannot combine."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.rules.base import Report, Rule, RuleContext

MERGE_LAYERS = {"Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Dot"}


class MergeShapeMismatch(Rule):
    """## What it does
    Flags `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`,
    `Concatenate` and `Dot` (and their functional forms `add`,
    `concatenate`...) applied to tensors whose shapes they cannot combine:
    element-wise merges need shapes that broadcast, `Concatenate` needs equal
    sizes on every axis but the concatenation axis, `Dot` needs equal sizes on
    the contracted axes.

    ## Why is this bad?
    Keras raises a `ValueError` when the model is built, usually after the
    data has been loaded. A residual connection around a layer that changes
    the width (`Add()([x, Dense(64)(x)])` with 32-wide `x`) is the classic case.

    ## Example
    ```python
    x = keras.Input(shape=(32,))
    y = keras.layers.Dense(64, activation="relu")(x)
    out = keras.layers.Add()([x, y])
    ```

    Use instead (project the shortcut to the same width):
    ```python
    shortcut = keras.layers.Dense(64)(x)
    out = keras.layers.Add()([shortcut, y])
    ```

    ## References
    - [Keras merging layers](https://keras.io/api/layers/merging_layers/)
    """

    code, name, severity = "KER302", "merge-shape-mismatch", Severity.ERROR
    summary = "merge layer on incompatible shapes"
    valid = [
        """
import keras
x = keras.Input(shape=(32,))
y = keras.layers.Dense(32, activation="relu")(x)
out = keras.layers.Add()([x, y])
""",
    ]
    invalid = [
        """
import keras
x = keras.Input(shape=(32,))
y = keras.layers.Dense(64, activation="relu")(x)
out = keras.layers.Add()([x, y])
""",
        """
import keras
a = keras.Input(shape=(8, 16))
b = keras.Input(shape=(4, 16))
out = keras.layers.concatenate([a, b], axis=-1)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for call in ctx.analysis.calls:
            if call.error and call.shared_conflict is None and call.layer.class_name in MERGE_LAYERS:
                yield Report(
                    ctx.analysis.locator.span(call.node),
                    f"{call.error}: Keras raises when building the model",
                    help=f"Bring the inputs of `{call.layer.name}` to compatible shapes first (e.g. a Dense or 1x1 Conv projection)",
                )
