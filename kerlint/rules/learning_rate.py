"""KER210: a learning rate far outside what the optimizer works with."""

from __future__ import annotations

from typing import Any, Iterator

from kerlint.findings import Severity
from kerlint.graph import ModelGraph
from kerlint.interpret.values import Opaque
from kerlint.rules.base import Report, Rule, RuleContext

ADAPTIVE_OPTIMIZERS = {"Adam", "AdamW", "Adamax", "Nadam", "RMSprop", "Lion"}
"""Optimizers that normalize each step by gradient statistics (defaults: learning_rate=0.001).

Adagrad and Adadelta are left out: Adagrad is commonly run at 0.01-0.1, and
Adadelta's paper setting (and Keras 2's default) is 1.0.
"""
SCHEDULES = {"ExponentialDecay", "InverseTimeDecay", "PolynomialDecay", "CosineDecay", "CosineDecayRestarts"}


class SuspiciousLearningRate(Rule):
    """## What it does
    Flags a model compiled with an adaptive optimizer (Adam, AdamW, Adamax,
    Nadam, RMSprop, Lion) whose learning rate is at least `max-adaptive-lr`,
    or with SGD whose learning rate is above `max-sgd-lr`. The rate is read
    from `learning_rate=`, Keras 1/2's `lr=`, the first positional argument,
    or the initial rate of a `keras.optimizers.schedules` decay schedule.

    ## Why is this bad?
    Adaptive optimizers divide each step by a running estimate of the
    gradient's size, so the learning rate is roughly how far every weight
    moves per step, whatever the gradient. Their default is 0.001; at 0.1 the
    weights jump by a tenth at every step, the loss oscillates or turns NaN,
    and ReLU units die for good. SGD's useful range is about 0.001-0.1; rates
    above 1 overshoot unless the gradients are tiny.

    A model with a single weighted layer (linear or logistic regression) is a
    convex problem where large steps are harmless, and is not flagged.

    ## Example
    ```python
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mse")
    ```

    Use instead:
    ```python
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
    ```

    ## Options
    - `max-adaptive-lr` (default 0.1): adaptive optimizers with a learning rate at or above this are flagged.
    - `max-sgd-lr` (default 1.0): SGD with a learning rate above this is flagged.

    ## References
    - [Kingma & Ba, Adam (2015): "Good default settings ... are alpha = 0.001"](https://arxiv.org/abs/1412.6980)
    - [Keras: optimizers](https://keras.io/api/optimizers/)
    """

    code, name, severity = "KER210", "suspicious-learning-rate", Severity.WARNING
    summary = "learning rate far above what the optimizer works with"
    default = False  # opt-in: docs/precision.md
    options = {"max-adaptive-lr": 0.1, "max-sgd-lr": 1.0}
    valid = [
        """
import keras
model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001), loss="mse")
""",
        """
import keras
model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), loss="mse")
""",
        """
import keras
model = keras.Sequential([keras.Input(shape=(1,)), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
""",
        """
import keras
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(128, activation="relu"), keras.layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adadelta(learning_rate=1.0), loss="categorical_crossentropy")
""",
    ]
    invalid = [
        """
import keras
model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.1), loss="mse")
""",
        """
from keras.models import Sequential
from keras.layers import Dense
from keras.optimizers import RMSprop
model = Sequential()
model.add(Dense(64, input_dim=8, activation="relu"))
model.add(Dense(1, activation="sigmoid"))
model.compile(RMSprop(lr=0.5), "binary_crossentropy")
""",
        """
import tensorflow as tf
model = tf.keras.Sequential([tf.keras.Input(shape=(20,)), tf.keras.layers.Dense(64, activation="relu"), tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.SGD(5.0)
model.compile(loss="mse", optimizer=opt)
""",
        """
import keras
model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(64, activation="relu"), keras.layers.Dense(1)])
schedule = keras.optimizers.schedules.ExponentialDecay(0.5, decay_steps=1000, decay_rate=0.9)
model.compile(optimizer=keras.optimizers.Adam(schedule), loss="mse")
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        max_adaptive, max_sgd = ctx.options["max-adaptive-lr"], ctx.options["max-sgd-lr"]
        reported: set[int] = set()
        for model in ctx.analysis.models:
            if _single_weighted_layer(model):
                continue
            for compiled in model.compiles:
                optimizer = compiled.optimizer
                if not isinstance(optimizer, Opaque) or not optimizer.kind.startswith("optimizers:"):
                    continue
                kind = optimizer.kind.partition(":")[2]
                rate, spelled = _learning_rate(optimizer)
                if rate is None or id(compiled.node) in reported:
                    continue
                if kind in ADAPTIVE_OPTIMIZERS and rate >= max_adaptive:
                    why = (
                        f"{rate / 0.001:,.0f}x its default of 0.001. Adaptive optimizers scale each step to the "
                        "gradient's size, so the learning rate is roughly how far every weight moves per step; "
                        f"at {rate:g} the loss usually oscillates or turns NaN"
                    )
                    suggestion = "Try learning_rate=1e-3"
                elif kind == "SGD" and rate > max_sgd:
                    why = (
                        "steps this large overshoot and diverge unless the gradients are tiny; SGD's useful range "
                        "is about 0.001-0.1"
                    )
                    suggestion = "Try learning_rate=0.01 with momentum=0.9"
                else:
                    continue
                reported.add(id(compiled.node))
                yield Report(
                    ctx.analysis.locator.span(compiled.node),
                    f"`{model.name}` is compiled with {kind}({spelled}), {why}",
                    help=suggestion,
                )


def _learning_rate(optimizer: Opaque) -> tuple[float | None, str]:
    """The (initial) learning rate and how the code spells it; None when not given or not known."""
    for key in ("learning_rate", "lr"):
        if key in optimizer.kwargs:
            value = optimizer.kwargs[key]
            break
    else:
        if not optimizer.args:
            return None, ""
        key, value = "", optimizer.args[0]
    if isinstance(value, Opaque) and value.kind.partition(":")[2] in SCHEDULES:
        initial = value.kwargs.get("initial_learning_rate", value.args[0] if value.args else None)
        if _number(initial):
            name = value.kind.partition(":")[2]
            spelled = f"{name}(initial_learning_rate={initial!r})"
            return float(initial), f"{key}={spelled}" if key else spelled
        return None, ""
    if not _number(value):
        return None, ""
    return float(value), f"{key}={value!r}" if key else repr(value)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _single_weighted_layer(model: ModelGraph) -> bool:
    """A (multinomial) linear/logistic regression: one weighted layer, and nothing unknown."""
    layers = model.layers
    if not layers or model.notes or any(layer.spec is None for layer in layers):
        return False
    return sum(1 for layer in layers if layer.spec.weighted) <= 1
