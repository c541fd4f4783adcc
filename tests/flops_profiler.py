"""FLOPs of a Keras model as TensorFlow's profiler counts its frozen inference graph.

The reference kerlint's catalogue is checked against (docs/flops.md): wrap
the model in a ``tf.function`` with a fixed batch-1 input signature, freeze
the concrete function with ``convert_variables_to_constants_v2`` and profile
``frozen.graph`` with ``tf.compat.v1.profiler`` and
``ProfileOptionBuilder.float_operation()``.

The profiler counts an op only where TensorFlow registers a ``flops``
statistic for it (``tensorflow/python/profiler/internal/flops_registry.py``
and ``nn_ops.py``) and the shapes it reads are static. Two blind spots would
make a layer's count meaningless rather than merely conventional, so this
module closes them, and says so:

* ``Einsum`` has no registered statistic (MultiHeadAttention's score and
  context products, EinsumDense equations with an ellipsis). We register one
  with MatMul's convention: 2 x the product of the sizes of every distinct
  index, i.e. a multiply and an add per term of the contraction.
* An XLA-compiled call (Keras compiles grouped convolutions and channels-first
  Conv3D with ``jit_compile=True`` on CPU) is one opaque
  ``StatefulPartitionedCall`` node. We profile the called function's graph
  with the same profiler and give the call's outputs the shapes the callee
  computes, so the ops after it (the bias add) are counted too.

Everything else the profiler reports is taken as it is; ``Profile.skipped``
lists the ops whose statistic raised (shapes not static, or an NCHW op the
statistic refuses), which the profiler silently counts as 0, so a test can
insist there are none.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf  # noqa: E402
from tensorflow.python.framework import ops as tf_ops  # noqa: E402
from tensorflow.python.framework.convert_to_constants import (  # noqa: E402
    convert_variables_to_constants_v2,
)
from tensorflow.python.framework.function_def_to_graph import function_def_to_graph  # noqa: E402

from kerlint.confirm.measure import Backend, register_einsum  # noqa: E402  (one definition of the convention)

tf.get_logger().setLevel("ERROR")

_CALLS = ("StatefulPartitionedCall", "PartitionedCall")


register_einsum(Backend(tf=tf, keras=None, np=None, tf_ops=tf_ops))  # the statistic confirm mode uses


@dataclass
class Profile:
    flops: int
    """The profiler's total, callee graphs of XLA calls included."""
    skipped: list[str] = field(default_factory=list)
    """Ops with a registered statistic that raised (unknown shapes, NCHW): counted as 0."""
    ops: list[tuple[str, str, int]] = field(default_factory=list)
    """(type, name, flops) of every counted op, for messages."""


def _stats(graph: tf.Graph) -> tuple[list[tuple[str, str, int]], list[str]]:
    counted, skipped = [], []
    for op in graph.get_operations():
        try:
            stats = tf_ops.get_stats_for_node_def(graph, op.node_def, "flops")
        except ValueError:
            skipped.append(f"{op.type} {op.name}")
            continue
        if stats.value:
            counted.append((op.type, op.name, int(stats.value)))
    return counted, skipped


_OPTIONS = (
    tf.compat.v1.profiler.ProfileOptionBuilder(
        tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    )
    .with_empty_output()
    .build()
)


def profile_graph(graph: tf.Graph) -> Profile:
    """Profile ``graph``, descending into XLA-compiled function calls."""
    library = {f.signature.name: f for f in graph.as_graph_def().library.function}
    inner = Profile(0)
    for op in graph.get_operations():
        if op.type not in _CALLS:
            continue
        fdef = library[op.get_attr("f").name]
        callee = function_def_to_graph(fdef, input_shapes=[t.shape for t in op.inputs])
        sub = profile_graph(callee)
        inner.flops += sub.flops
        inner.skipped += sub.skipped
        inner.ops += sub.ops
        for tensor, shape in zip(op.outputs, (t.shape for t in callee.outputs)):
            tensor.set_shape(shape)
    counted, skipped = _stats(graph)
    total = tf.compat.v1.profiler.profile(graph, options=_OPTIONS).total_float_ops
    return Profile(total + inner.flops, skipped + inner.skipped, counted + inner.ops)


def frozen_graph(
    model: Any, input_shapes: Sequence[Sequence[int]], dtypes: Sequence[str] | None = None
) -> tf.Graph:
    """``model``'s inference graph at the given (batch-1) input shapes, variables frozen."""
    dtypes = dtypes or ["float32"] * len(input_shapes)
    specs = [tf.TensorSpec(shape, dtype) for shape, dtype in zip(input_shapes, dtypes)]

    if len(specs) == 1:
        fn = tf.function(lambda x: model(x, training=False))
    else:
        fn = tf.function(lambda *xs: model(list(xs), training=False))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        concrete = fn.get_concrete_function(*specs)
        return convert_variables_to_constants_v2(concrete).graph


def profile_model(
    model: Any, input_shapes: Sequence[Sequence[int]], dtypes: Sequence[str] | None = None
) -> Profile:
    return profile_graph(frozen_graph(model, input_shapes, dtypes))
