"""KER902: a static estimate that the instantiated model contradicts (emitted by ``kerlint confirm``)."""

from __future__ import annotations

from kerlint.findings import Severity
from kerlint.rules.base import Rule


class EstimateMismatch(Rule):
    """## What it does
    Reported by `kerlint confirm`, which builds the model with TensorFlow and
    Keras and measures it: flags a model whose statically estimated parameters,
    FLOPs or memory differ from the measured figure by more than the tolerance.
    Parameters are Keras's `count_params()`; FLOPs are TensorFlow's profiler on
    the frozen inference graph at the batch size; memory is TensorFlow's
    allocator peak during one training step and one inference, on CPU or GPU.

    ## Why is this bad?
    A cost estimate nobody checked is a guess. When kerlint's number for a
    model is off, its budget rules (and the `kerlint cost` table you plan a GPU
    with) are off by as much. The message names the layers whose figures
    differ most, which is where the static reconstruction went wrong: an
    attribute changed after construction, a layer the catalogue models
    differently, a framework version with other defaults.

    ## Example
    ```python
    hidden = keras.layers.Dense(64, activation="relu")
    hidden.units = 128  # changed after construction: Keras builds 128 units
    ```

    Use instead:
    ```python
    hidden = keras.layers.Dense(128, activation="relu")
    ```

    ## Options
    - `params-tolerance` (default 0.0): largest relative difference of the parameter count; 0 means exact.
    - `flops-tolerance` (default 0.05): largest relative difference of the FLOPs.
    - `memory-tolerance` (default 0.25): largest relative difference of the peak memory of a training
      step and of an inference.
    - `memory-min-difference` (default 1048576): memory differences smaller than this many bytes are
      not reported, whatever the percentage: TensorFlow's allocator rounds every allocation up to 256
      bytes, so a small model's peak is off by more than any tolerance.

    ## References
    - [TensorFlow profiler: `ProfileOptionBuilder.float_operation`](https://www.tensorflow.org/api_docs/python/tf/compat/v1/profiler/ProfileOptionBuilder)
    - [`tf.config.experimental.get_memory_info`](https://www.tensorflow.org/api_docs/python/tf/config/experimental/get_memory_info)
    """

    code, name, severity = "KER902", "estimate-mismatch", Severity.WARNING
    summary = "a static estimate differs from the instantiated model (kerlint confirm)"
    options = {"params-tolerance": 0.0, "flops-tolerance": 0.05, "memory-tolerance": 0.25, "memory-min-difference": 1 << 20}
    emitted_by_confirm = True
    valid = [
        """
import keras
inputs = keras.Input(shape=(20,))
x = keras.layers.Dense(64, activation="relu")(inputs)
outputs = keras.layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, outputs)
""",
    ]
    invalid = [
        """
import keras
hidden = keras.layers.Dense(64, activation="relu")
hidden.units = 128
inputs = keras.Input(shape=(20,))
outputs = keras.layers.Dense(1, activation="sigmoid")(hidden(inputs))
model = keras.Model(inputs, outputs)
""",
    ]
