"""KER209: a dropout rate that drops most of the signal (often a TF1 ``keep_prob`` ported as Keras's ``rate``)."""

from __future__ import annotations

from typing import Any, Iterator

from kerlint.findings import Severity
from kerlint.graph import Layer
from kerlint.rules.activations import file_layers, layer_label
from kerlint.rules.base import Report, Rule, RuleContext

DROPOUT_LAYERS = {"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "AlphaDropout"}
RECURRENT_LAYERS = {"SimpleRNN", "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"}
RECURRENT_ARGUMENTS = {"dropout": "of each step's inputs", "recurrent_dropout": "of the recurrent state's connections"}


class HighDropoutRate(Rule):
    """## What it does
    Flags a `Dropout` (or `SpatialDropout1D/2D/3D`, `GaussianDropout`,
    `AlphaDropout`) layer, or the `dropout`/`recurrent_dropout` argument of a
    recurrent layer, whose rate is above `max-rate`.

    ## Why is this bad?
    Keras's `rate` is the fraction of units *dropped*. TensorFlow 1's
    `tf.nn.dropout(x, keep_prob=0.8)` took the fraction *kept*, and code ported
    from it (or from papers that quote the keep probability) often ends up
    with `Dropout(0.8)`: four out of five activations are zeroed at every
    training step. The network underfits, training loss stays high, and
    validation accuracy can exceed training accuracy, which looks like a
    mystery rather than a typo. Rates above 0.5 are rarely what anyone wants.

    ## Example
    ```python
    x = keras.layers.Dense(256, activation="relu")(x)
    x = keras.layers.Dropout(0.8)(x)  # meant: keep 80%
    ```

    Use instead:
    ```python
    x = keras.layers.Dense(256, activation="relu")(x)
    x = keras.layers.Dropout(0.2)(x)
    ```

    ## Options
    - `max-rate` (default 0.5): rates above this are flagged.

    ## References
    - [Keras: Dropout (`rate`: fraction of the input units to drop)](https://keras.io/api/layers/regularization_layers/dropout/)
    - [TensorFlow 2 migration: `tf.nn.dropout` takes `rate`, not `keep_prob`](https://www.tensorflow.org/api_docs/python/tf/nn/dropout)
    - [Srivastava et al., Dropout (2014): the retention probability p = 0.5 for hidden units](https://jmlr.org/papers/v15/srivastava14a.html)
    """

    code, name, severity = "KER209", "high-dropout-rate", Severity.WARNING
    summary = "dropout rate above max-rate (the fraction dropped, not kept)"
    default = False  # opt-in: docs/precision.md
    options = {"max-rate": 0.5}
    valid = [
        """
import keras
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.5), keras.layers.Dense(10, activation="softmax")])
""",
        """
import keras
inputs = keras.Input(shape=(100, 32))
x = keras.layers.LSTM(64, dropout=0.2, recurrent_dropout=0.2)(inputs)
model = keras.Model(inputs, x)
""",
    ]
    invalid = [
        """
import keras
model = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.8), keras.layers.Dense(10, activation="softmax")])
""",
        """
from keras.models import Sequential
from keras.layers import LSTM, Dense, Embedding
model = Sequential()
model.add(Embedding(20000, 128, input_length=80))
model.add(LSTM(128, dropout_W=0.2, dropout_U=0.9))
model.add(Dense(1, activation="sigmoid"))
""",
        """
import keras
inputs = keras.Input(shape=(100, 32))
x = keras.layers.Bidirectional(keras.layers.GRU(64, dropout=0.75))(inputs)
model = keras.Model(inputs, x)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        limit = ctx.options["max-rate"]
        reported: set[tuple[int, str]] = set()
        for layer in file_layers(ctx.analysis):
            for argument, rate in _rates(layer):
                if not _number(rate) or rate <= limit or (id(layer.node), argument) in reported:
                    continue
                reported.add((id(layer.node), argument))
                yield Report(ctx.analysis.locator.span(layer.node), *_explained(layer, argument, rate, limit))


def _rates(layer: Layer) -> Iterator[tuple[str, Any]]:
    if layer.class_name in DROPOUT_LAYERS:
        yield "rate", layer.config.raw("rate")
    elif layer.class_name in RECURRENT_LAYERS:
        for argument in RECURRENT_ARGUMENTS:
            yield argument, layer.config.raw(argument)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _explained(layer: Layer, argument: str, rate: float, limit: float) -> tuple[str, str]:
    """(message, help): how much is dropped, then the rate that keeps that fraction instead."""
    kept = 1 - rate
    if argument == "rate":
        what = f"{layer_label(layer)} drops {rate:.0%} of its inputs at every training step"
        fix = f"use {layer.class_name}({kept:.2g})"
    else:
        what = f"{layer_label(layer)} has {argument}={rate:g}: it drops {rate:.0%} {RECURRENT_ARGUMENTS[argument]} at every training step"
        fix = f"use {argument}={kept:.2g}"
    return (
        f"{what}; rates above {limit:g} rarely help (Keras's rate is the fraction dropped; TF1's keep_prob was "
        "the fraction kept)",
        f"If you meant to keep {rate:.0%}, {fix}",
    )
