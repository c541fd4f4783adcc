"""Attention layers (keras/src/layers/attention): MultiHeadAttention.

MHA projects query, key and value with EinsumDense layers whose kernels
contract only the last axis, so its weights depend only on the last sizes:
``query``/``key`` ``(dim, num_heads, key_dim)``, ``value`` ``(dim, num_heads,
value_dim)``, ``attention_output`` ``(num_heads, value_dim, *output_shape)``
(``output_shape`` defaults to the query's last size). The output keeps the
query's shape with its last axis replaced by ``output_shape``.

FLOPs (docs/flops.md): the four projections (2 per multiply-accumulate plus
their bias adds), the scaling, the score and context products (2 per
multiply-accumulate: ``Einsum`` ops the profiler has no statistic for,
counted like MatMul), the softmax and the gate.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from kerlint.layers._shapes import fmt, int_arg, is_int, single, weight
from kerlint.layers.base import (
    CannotInfer,
    IncompatibleShape,
    Inference,
    LayerConfig,
    LayerSpec,
    ShapeTree,
)


def _multi_head_attention(
    config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]
) -> Inference:
    cls = "MultiHeadAttention"
    query = single(cls, inputs)
    if extra.get("value") is None:
        raise CannotInfer(f"{cls} needs the shape of `value`")
    value = single(cls, extra["value"])
    key = value if extra.get("key") is None else single(cls, extra["key"])
    if value[1:-1] != key[1:-1]:
        raise IncompatibleShape(
            f"{cls} needs `value` and `key` equal except on the last axis, "
            f"got value {fmt(value)} and key {fmt(key)}"
        )
    heads, key_dim = int_arg(config, "num_heads"), int_arg(config, "key_dim")
    value_dim = config["value_dim"] or key_dim
    output_shape: Any = config["output_shape"]
    if output_shape:
        output_shape = (output_shape,) if is_int(output_shape) else tuple(output_shape)
        if not all(map(is_int, output_shape)):
            raise CannotInfer(f"`output_shape` must be ints, got {output_shape!r}")
    out_dims = output_shape or (query[-1],)

    projections = [("query", query[-1], key_dim), ("key", key[-1], key_dim)]
    if config["use_gate"]:
        projections.append(("gate", query[-1], value_dim))
    projections.append(("value", value[-1], value_dim))
    use_bias = config["use_bias"]
    weights = []
    for name, dim, size in projections:
        weights.append(weight(cls, f"{name}/kernel", (dim, heads, size)))
        if use_bias:
            weights.append(weight(cls, f"{name}/bias", (heads, size)))
    weights.append(weight(cls, "attention_output/kernel", (heads, value_dim, *out_dims)))
    if use_bias:
        weights.append(weight(cls, "attention_output/bias", out_dims))
    flops = _attention_flops(config, query, key, value, heads, key_dim, value_dim, out_dims)
    return Inference((*query[:-1], *out_dims) if output_shape else query, weights, flops)


def _attention_flops(
    config: LayerConfig, query: tuple, key: tuple, value: tuple,
    heads: int, key_dim: int, value_dim: int, out_dims: tuple,
) -> int | None:
    """Inference-mode MultiHeadAttention, as Keras's TensorFlow backend computes it.

    Query positions ``t`` (all axes between batch and features), key
    positions ``s``. ``attention_axes`` splits the positions into axes
    attended over and axes that act like a batch (``b``); scores hold
    ``b * heads * t_att * s_att`` values. With 3-D inputs and no dropout Keras
    runs ``dot_product_attention``, which scales the scores; otherwise it
    scales the projected query. The softmax normalizes over the attended key
    axes (one axis: a ``Softmax`` op; several: ``exp(x - logsumexp(x))``).
    """
    middle_q, middle_k = query[1:-1], key[1:-1]
    if None in middle_q or None in middle_k or None in (query[-1], key[-1], value[-1]):
        return None
    t, s = math.prod(middle_q), math.prod(middle_k)
    rank = len(query) + 1  # of the projected query (batch, ..., heads, key_dim)
    axes = config.raw("attention_axes")
    if axes is None:
        axes = tuple(range(1, rank - 2))
    elif is_int(axes):
        axes = (axes,)
    if not isinstance(axes, (tuple, list)) or not all(is_int(a) and 0 < a < rank - 2 for a in axes):
        return None
    batch_like = [i for i in range(1, rank - 2) if i not in axes]
    if len(middle_q) != len(middle_k):
        return None
    b = math.prod(middle_q[i - 1] for i in batch_like)
    t_att = math.prod(middle_q[i - 1] for i in axes)
    s_att = math.prod(middle_k[i - 1] for i in axes)
    scores = b * heads * t_att * s_att
    use_bias = bool(config["use_bias"])
    out = t * math.prod(out_dims)

    def projection(positions: int, features: int, size: int) -> int:
        return 2 * positions * features * heads * size + (positions * heads * size if use_bias else 0)

    flops = (
        projection(t, query[-1], key_dim)
        + projection(s, key[-1], key_dim)
        + projection(s, value[-1], value_dim)
        + 2 * scores * key_dim  # query . key
        + 2 * scores * value_dim  # scores . value
        + 2 * t * heads * value_dim * math.prod(out_dims)  # output projection
        + (out if use_bias else 0)
    )
    dropout = config.raw("dropout")
    if not isinstance(dropout, (int, float)):
        return None
    flops += scores if rank == 4 and dropout == 0 else t * heads * key_dim
    flops += 5 * scores if len(axes) == 1 else 3 * scores + scores // s_att
    if config["use_gate"]:
        # A sigmoid-gated projection of the query multiplies the context.
        flops += projection(t, query[-1], value_dim) + t * heads * value_dim
    return flops


SPECS = (
    LayerSpec(
        "MultiHeadAttention",
        signature=(
            "num_heads", "key_dim", "value_dim", "dropout", "use_bias", "output_shape",
            "attention_axes", "sliding_window", "flash_attention", "kernel_initializer",
            "bias_initializer", "kernel_regularizer", "bias_regularizer",
            "activity_regularizer", "kernel_constraint", "bias_constraint", "use_gate", "seed",
        ),
        defaults={
            "value_dim": None, "dropout": 0.0, "use_bias": True, "output_shape": None,
            "attention_axes": None, "sliding_window": None, "flash_attention": None,
            "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros",
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None, "use_gate": False, "seed": None,
        },
        infer=_multi_head_attention,
        call_args=("value", "key"),
        weighted=True,
    ),
)
