"""KER401: LSTM/GRU settings that make Keras fall back from the fused cuDNN kernel."""

from __future__ import annotations

from typing import Any, Iterator

from kerlint.findings import Severity
from kerlint.fix.edit import Applicability, Availability, Edit, Fix, make_fix
from kerlint.graph import Layer
from kerlint.rules.activations import canonical_activation, file_layers, layer_label
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.unknown import UNKNOWN

CUDNN_RNNS = {"LSTM", "GRU"}
REQUIREMENTS = "activation='tanh', recurrent_activation='sigmoid', recurrent_dropout=0, unroll=False, use_bias=True"


class CudnnIncompatibleRnn(Rule):
    """## What it does
    Flags an `LSTM` or `GRU` layer configured so that Keras cannot run it with
    the fused cuDNN kernel: `activation` other than `tanh`,
    `recurrent_activation` other than `sigmoid` (Keras 2's `hard_sigmoid`
    included), `recurrent_dropout > 0`, `unroll=True`, `use_bias=False`, or for
    a GRU `reset_after=False`. Layers with an explicit `use_cudnn=False` are
    not flagged. Layers inside `Bidirectional` are checked too.

    ## Why is this bad?
    On a GPU with the TensorFlow backend, Keras runs LSTM and GRU layers with
    NVIDIA's fused cuDNN kernel only when these arguments keep their defaults
    (`keras/src/backend/tensorflow/rnn.py`, `cudnn_ok`; `recurrent_dropout` is
    checked in the layers' `inner_loop`). Otherwise it falls back, silently,
    to a step-by-step loop of small matrix multiplications, which is typically
    2-5x slower to train on GPU for the same result. Non-default activations
    rarely help an LSTM or GRU; `dropout` (on the inputs) is the
    cuDNN-compatible alternative to `recurrent_dropout`.

    ## Example
    ```python
    x = keras.layers.LSTM(128, activation="relu", recurrent_dropout=0.2)(x)
    ```

    Use instead:
    ```python
    x = keras.layers.LSTM(128, dropout=0.2)(x)
    ```

    ## Fix safety
    The fix removes each blocking argument, so that it takes its cuDNN-ready
    default; `recurrent_dropout` becomes `dropout` when the layer has no
    `dropout` of its own, else it is removed. Removing `unroll=True` alone is
    safe (the same computation, looped). Anything else is unsafe: a different
    activation, dropout or `reset_after` changes what the layer computes, and
    `use_bias` and `reset_after` change its weights, so saved weights no longer
    load.

    ## References
    - [Keras: LSTM (the requirements for the cuDNN implementation)](https://keras.io/api/layers/recurrent_layers/lstm/)
    - [Keras guide: Working with RNNs, "Performance optimization and CuDNN kernels"](https://keras.io/guides/working_with_rnns/#performance-optimization-and-cudnn-kernels)
    - François Chollet, *Deep Learning with Python*, 2nd ed., section 10.4: without cuDNN, "generally two to five times slower on GPU"
    """

    code, name, severity = "KER401", "cudnn-incompatible-rnn", Severity.WARNING
    summary = "LSTM/GRU settings that disable the fused cuDNN kernel on GPU"
    default = False  # opt-in: docs/precision.md
    fix_availability = Availability.SOMETIMES
    valid = [
        """
import keras
inputs = keras.Input(shape=(100, 32))
x = keras.layers.LSTM(128, dropout=0.2, return_sequences=True)(inputs)
x = keras.layers.GRU(64)(x)
model = keras.Model(inputs, x)
""",
        """
import keras
inputs = keras.Input(shape=(100, 32))
x = keras.layers.LSTM(128, recurrent_dropout=0.2, use_cudnn=False)(inputs)
x = keras.layers.SimpleRNN(32, activation="relu")(keras.layers.RepeatVector(4)(x))
model = keras.Model(inputs, x)
""",
    ]
    invalid = [
        """
import keras
inputs = keras.Input(shape=(100, 32))
x = keras.layers.LSTM(128, activation="relu")(inputs)
model = keras.Model(inputs, x)
""",
        """
from keras.models import Sequential
from keras.layers import Embedding, LSTM, Dense
model = Sequential()
model.add(Embedding(20000, 128))
model.add(LSTM(128, dropout=0.2, recurrent_dropout=0.2))
model.add(Dense(1, activation="sigmoid"))
""",
        """
import tensorflow as tf
inputs = tf.keras.Input(shape=(50, 8))
x = tf.keras.layers.Bidirectional(tf.keras.layers.GRU(64, reset_after=False))(inputs)
model = tf.keras.Model(inputs, x)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        reported: set[int] = set()
        for layer in file_layers(ctx.analysis):
            if layer.class_name not in CUDNN_RNNS or layer.spec is None or id(layer.node) in reported:
                continue
            if layer.config.raw("use_cudnn", "auto") not in ("auto", True):
                continue
            reasons = list(_blockers(layer))
            if not reasons:
                continue
            reported.add(id(layer.node))
            settings = ", ".join(setting for setting, _, _ in reasons)
            changes = "; ".join(f"{setting}: {change}" for setting, change, _ in reasons)
            requirements = REQUIREMENTS + (", reset_after=True" if layer.class_name == "GRU" else "")
            yield Report(
                ctx.analysis.locator.span(layer.node),
                f"{layer_label(layer)} cannot use the fused cuDNN kernel on GPU because of {settings}: Keras "
                f"silently falls back to a generic loop, typically 2-5x slower to train",
                help=f"{changes[:1].upper()}{changes[1:]} (cuDNN needs {requirements})",
                fix=_defaults_fix(ctx, layer, [argument for _, _, argument in reasons]),
            )


def _blockers(layer: Layer) -> Iterator[tuple[str, str, str]]:
    """(the setting as written, what to do, the argument) for each known argument that rules cuDNN out."""
    config = layer.config
    activation = canonical_activation(config.raw("activation", "tanh"))
    if activation is not UNKNOWN and activation != "tanh":
        yield f"activation={activation!r}", "use the default tanh", "activation"
    recurrent = canonical_activation(config.raw("recurrent_activation", "sigmoid"))
    if recurrent is not UNKNOWN and recurrent != "sigmoid":
        hint = "Keras 2's default; " if recurrent == "hard_sigmoid" else ""
        yield f"recurrent_activation={recurrent!r}", f"{hint}use 'sigmoid'", "recurrent_activation"
    dropout = config.raw("recurrent_dropout", 0)
    if _number(dropout) and dropout > 0:
        yield f"recurrent_dropout={dropout:g}", "use dropout= on the inputs instead", "recurrent_dropout"
    if config.raw("unroll", False) is True:
        yield "unroll=True", "it only pays off for short sequences on CPU", "unroll"
    if config.raw("use_bias", True) is False:
        yield "use_bias=False", "keep the bias", "use_bias"
    if layer.class_name == "GRU" and config.raw("reset_after", True) is False:
        yield "reset_after=False", "Keras 2's default; use reset_after=True", "reset_after"


def _defaults_fix(ctx: RuleContext, layer: Layer, arguments: list[str]) -> Fix | None:
    """Each blocking argument removed (its default is cuDNN's), `recurrent_dropout` turned into `dropout`
    when the layer has none; safe only when `unroll` is all there is (it does not change the result)."""
    # Imported here: rule modules load with every run, the parser only with a file to analyze.
    from kerlint.fix.codemod import Editor, layer_argument

    editor = Editor(ctx.analysis.locator)
    renamed: list[Edit] | None = []
    if "recurrent_dropout" in arguments and layer_argument(layer, "dropout") is None and not layer.config.raw("dropout"):
        arguments = [argument for argument in arguments if argument != "recurrent_dropout"]
        renamed = editor.rename_argument(layer, "recurrent_dropout", "dropout")
    removed = editor.remove_arguments(layer, arguments)
    if renamed is None or removed is None:
        return None
    safe = arguments == ["unroll"] and not renamed
    title = "; ".join(["Turn recurrent_dropout into dropout"] * bool(renamed) + ["Remove " + ", ".join(arguments)] * bool(arguments))
    return make_fix(title, Applicability.SAFE if safe else Applicability.UNSAFE, renamed + removed)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
