"""KER903: a model that really exists but kerlint could not reconstruct (emitted by ``kerlint confirm``)."""

from __future__ import annotations

from kerlint.findings import Severity
from kerlint.rules.base import Rule


class ModelNotReconstructed(Rule):
    """## What it does
    Reported by `kerlint confirm`: flags a model that Keras builds when the
    file runs but that kerlint could not reconstruct statically, either not
    at all (no static model at the line that constructs it) or only in part
    (its parameters are unknown). The message gives the reasons the static
    analysis recorded (`unresolved` in `kerlint cost --format json`) and what
    Keras built.

    ## Why is this bad?
    Every rule and every cost figure of kerlint works on the static model. A
    model it cannot reconstruct is a model it cannot check: no shape errors,
    no parameter budget, no FLOPs. Knowing which construct stopped it tells
    you whether to make the code more explicit (a constant instead of a value
    read at run time) or to report a gap in kerlint.

    ## Example
    ```python
    units = int(os.environ.get("HIDDEN_UNITS", "64"))  # only known when the program runs
    x = keras.layers.Dense(units, activation="relu")(inputs)
    ```

    Use instead:
    ```python
    HIDDEN_UNITS = 64
    x = keras.layers.Dense(HIDDEN_UNITS, activation="relu")(inputs)
    ```

    ## References
    - [`kerlint cost --format json`: the `unresolved` list of each model](https://github.com/kerlint/kerlint#usage)
    """

    code, name, severity = "KER903", "model-not-reconstructed", Severity.WARNING
    summary = "a model Keras builds that kerlint could not reconstruct statically (kerlint confirm)"
    emitted_by_confirm = True
    valid = [
        """
import keras
HIDDEN_UNITS = 64
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(HIDDEN_UNITS, activation="relu")(inputs)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
""",
    ]
    invalid = [
        """
import os
import keras
units = int(os.environ.get("HIDDEN_UNITS", "64"))
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(units, activation="relu")(inputs)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
""",
    ]
