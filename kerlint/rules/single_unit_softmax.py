"""KER204: a softmax over one unit, which always outputs 1.0."""

from __future__ import annotations

from typing import Iterator

from kerlint.findings import Severity
from kerlint.fix.edit import Applicability, Availability, Fix, make_fix
from kerlint.graph import LayerCall
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.heads import ACTIVATION_LAYERS, TRANSPARENT_LAYERS

SHAPE_PRESERVING = (TRANSPARENT_LAYERS - {"Flatten", "Reshape"}) | {"Activation", *ACTIVATION_LAYERS}


class SingleUnitSoftmax(Rule):
    """## What it does
    Flags a softmax applied over an axis of size one: `Dense(1, activation="softmax")`,
    or a `Softmax`/`Activation("softmax")` layer on a tensor whose last axis is 1.

    ## Why is this bad?
    Softmax normalizes across units; over a single unit it always outputs 1.0,
    whatever the input. The gradient is zero and the model cannot learn. Binary
    targets want `sigmoid` (or a linear output with `from_logits=True`).

    ## Example
    ```python
    outputs = keras.layers.Dense(1, activation="softmax")(x)
    ```

    Use instead:
    ```python
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    ```

    ## Fix safety
    The fix writes `sigmoid` where `softmax` is written (`activation="softmax"`,
    `Activation("softmax")`); a `Softmax()` layer is left to you. It is safe: the
    weights stay the same, and an output that was always 1.0 could not have been
    relied on.

    ## References
    - [keras.activations.softmax](https://keras.io/api/layers/activations/#softmax-function)
    """

    code, name, severity = "KER204", "single-unit-softmax", Severity.ERROR
    summary = "softmax over one unit always outputs 1.0"
    fix_availability = Availability.SOMETIMES
    valid = ['import keras\nout = keras.layers.Dense(1, activation="sigmoid")(keras.Input(shape=(8,)))\n']
    invalid = [
        'import keras\nout = keras.layers.Dense(1, activation="softmax")(keras.Input(shape=(8,)))\n',
        "import keras\nx = keras.layers.Dense(1)(keras.Input(shape=(8,)))\nout = keras.layers.Activation('softmax')(x)\n",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        for call in ctx.analysis.calls:
            if _applies_softmax(call) and _units(call) == 1:
                yield Report(
                    ctx.analysis.locator.span(call.node),
                    f"softmax over 1 unit in `{call.layer.name}` always outputs 1.0, so the model cannot learn",
                    help="Use sigmoid for a binary output",
                    fix=_sigmoid_fix(ctx, call),
                )


def _units(call: LayerCall) -> int | None:
    """The size of the last axis, from the shape, or from a Dense's ``units`` when the input shape is unknown."""
    if call.output_shape is not None:
        return call.output_shape[-1]
    layer = call.layer
    if layer.class_name == "Dense":
        units = layer.config.raw("units")
        return units if isinstance(units, int) else None
    producer = call.inputs[0].producer if len(call.inputs) == 1 else None
    if layer.class_name in SHAPE_PRESERVING and isinstance(producer, LayerCall):
        return _units(producer)
    return None


def _applies_softmax(call: LayerCall) -> bool:
    layer = call.layer
    if ACTIVATION_LAYERS.get(layer.class_name) == "softmax":
        return layer.config.raw("axis", -1) == -1
    return layer.spec is not None and layer.config.raw("activation") == "softmax"


def _sigmoid_fix(ctx: RuleContext, call: LayerCall) -> Fix | None:
    """`sigmoid` written over the `softmax` of the layer's activation argument (a string or `....softmax`)."""
    # Imported here: rule modules load with every run, the parser only with a file to analyze.
    import libcst as cst

    from kerlint.fix.codemod import Editor, layer_argument

    editor, arg = Editor(ctx.analysis.locator), layer_argument(call.layer, "activation")
    value = arg.value if arg is not None else None
    if isinstance(value, cst.SimpleString) and value.evaluated_value == "softmax":
        edits = editor.replace(value, value.value.replace("softmax", "sigmoid"))
    elif isinstance(value, cst.Attribute) and value.attr.value == "softmax":
        edits = editor.replace(value.attr, "sigmoid")
    else:
        return None
    return make_fix("Use sigmoid", Applicability.SAFE, edits)
