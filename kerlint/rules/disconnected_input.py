"""KER308: a model's outputs depend on an input that is not among its inputs."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.rules.base import Report, Rule, RuleContext


class DisconnectedInput(Rule):
    """## What it does
    Flags a functional `keras.Model(inputs, outputs)` whose outputs are
    computed from a `keras.Input` that is not listed in `inputs`.

    ## Why is this bad?
    Keras cannot feed that input: building the model raises `ValueError:
    Output ... is not connected to inputs` (Keras 3) or `Graph disconnected:
    cannot obtain value for tensor ...` (Keras 2). In multi-input models the
    second input is easily forgotten in the `inputs` list.

    A model whose `inputs` are intermediate tensors (`keras.Model(hidden,
    outputs)`, to reuse the top of a network) is not flagged: Keras builds it
    from those tensors (tf_keras logs a warning), and the `keras.Input` behind
    them is not needed.

    ## Example
    ```python
    text = keras.Input(shape=(100,))
    meta = keras.Input(shape=(8,))
    merged = keras.layers.concatenate([keras.layers.Dense(16)(text), meta])
    model = keras.Model(inputs=text, outputs=keras.layers.Dense(1)(merged))
    ```

    Use instead:
    ```python
    model = keras.Model(inputs=[text, meta], outputs=keras.layers.Dense(1)(merged))
    ```
    """

    code, name, severity = "KER308", "disconnected-input", Severity.ERROR
    summary = "model output depends on an input missing from `inputs`"
    valid = [
        """
import keras
text = keras.Input(shape=(100,))
meta = keras.Input(shape=(8,))
merged = keras.layers.concatenate([keras.layers.Dense(16)(text), meta])
model = keras.Model(inputs=[text, meta], outputs=keras.layers.Dense(1)(merged))
""",
        """
import keras
inputs = keras.Input(shape=(8,))
hidden = keras.layers.Dense(4)(inputs)
outputs = keras.layers.Dense(2)(hidden)
head = keras.Model(hidden, outputs)
""",
    ]
    invalid = [
        """
import keras
text = keras.Input(shape=(100,))
meta = keras.Input(shape=(8,))
merged = keras.layers.concatenate([keras.layers.Dense(16)(text), meta])
model = keras.Model(inputs=text, outputs=keras.layers.Dense(1)(merged))
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for model in ctx.analysis.models:
            for node in model.disconnected_inputs():
                yield Report(
                    ctx.analysis.locator.span(model.node),
                    f"the outputs of model `{model.name}` depend on input `{node.name}` (line "
                    f"{ctx.analysis.locator.line(node.node)}), which is not in its `inputs`: Keras raises "
                    "when building it (output not connected to inputs)",
                    help="Add it to `inputs`",
                )
