"""Canonical names for Keras and friends, whatever import spelling the code uses.

``tf.keras.layers.Dense``, ``tensorflow.python.keras.layers.Dense``,
``tf_keras.layers.Dense`` and ``keras.src.layers.core.dense.Dense`` all name
the same thing; the interpreter only ever sees ``keras.layers...`` paths.
"""

from __future__ import annotations

import functools

# Longest first: the first matching prefix wins.
_KERAS_ALIASES = (
    "tensorflow.compat.v1.keras",  # TF 1 style code on TF 2: the same Keras
    "tensorflow.compat.v2.keras",
    "tensorflow.python.keras",
    "tensorflow.optimizers",  # TF 2 re-exports Keras's optimizers, losses and initializers
    "tensorflow.losses",
    "tensorflow.initializers",
    "tensorflow.keras",
    "keras._tf_keras.keras",
    "tf_keras.src",
    "tf_keras",
    "keras.src",
    "keras.api",
)


@functools.lru_cache(maxsize=4096)
def canonical(path: str) -> str:
    """Rewrite a dotted path so every Keras distribution reads as ``keras``."""
    for alias in _KERAS_ALIASES:
        if path == alias or path.startswith(alias + "."):
            return _TARGETS.get(alias, "keras") + path[len(alias):]
    return path

_TARGETS = {
    "tensorflow.optimizers": "keras.optimizers",
    "tensorflow.losses": "keras.losses",
    "tensorflow.initializers": "keras.initializers",
}


def is_keras(path: str) -> bool:
    return path == "keras" or path.startswith("keras.")
