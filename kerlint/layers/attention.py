"""Attention layers (keras/src/layers/attention): MultiHeadAttention, GroupQueryAttention, (Additive)Attention.

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


def _grouped_query_attention(
    config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]
) -> Inference:
    """MHA whose key and value heads (``num_key_value_heads``) are shared by groups of query heads.

    Projections: query and gate ``(dim, query_heads, head_dim)``, key and
    value ``(dim, kv_heads, head_dim)``, output ``(query_heads, head_dim,
    query_dim)``; Keras requires the value's last size to equal the query's.
    """
    cls = "GroupQueryAttention"
    query = single(cls, inputs)
    if extra.get("value") is None:
        raise CannotInfer(f"{cls} needs the shape of `value`")
    value = single(cls, extra["value"])
    key = value if extra.get("key") is None else single(cls, extra["key"])
    if query[-1] != value[-1]:
        raise IncompatibleShape(
            f"{cls} needs `query` and `value` of the same last size, got query {fmt(query)} and value {fmt(value)}"
        )
    if value[1:-1] != key[1:-1]:
        raise IncompatibleShape(
            f"{cls} needs `value` and `key` equal except on the last axis, got value {fmt(value)} and key {fmt(key)}"
        )
    head_dim = int_arg(config, "head_dim")
    query_heads, kv_heads = int_arg(config, "num_query_heads"), int_arg(config, "num_key_value_heads")
    if kv_heads <= 0 or query_heads % kv_heads:
        raise CannotInfer(f"`num_query_heads` ({query_heads}) must be a multiple of `num_key_value_heads` ({kv_heads})")
    use_bias = config["use_bias"]
    projections = [("query", query[-1], query_heads), ("key", key[-1], kv_heads)]
    if config["use_gate"]:
        projections.append(("gate", query[-1], query_heads))
    projections.append(("value", value[-1], kv_heads))
    weights = []
    for name, dim, heads in projections:
        weights.append(weight(cls, f"{name}/kernel", (dim, heads, head_dim)))
        if use_bias:
            weights.append(weight(cls, f"{name}/bias", (heads, head_dim)))
    weights.append(weight(cls, "attention_output/kernel", (query_heads, head_dim, query[-1])))
    if use_bias:
        weights.append(weight(cls, "attention_output/bias", (query[-1],)))
    return Inference(query, weights, _grouped_query_flops(config, query, key, value, query_heads, kv_heads, head_dim))


def _grouped_query_flops(
    config: LayerConfig, query: tuple, key: tuple, value: tuple, query_heads: int, kv_heads: int, head_dim: int
) -> int | None:
    """As MHA over the last axis, with key and value projected to ``kv_heads`` and repeated to every query head."""
    if len(query) != 3 or len(key) != 3 or None in (*query[1:], *key[1:], value[-1]):
        return None
    dropout = config.raw("dropout")
    if not isinstance(dropout, (int, float)):
        return None
    t, s = query[1], key[1]
    use_bias = bool(config["use_bias"])

    def projection(positions: int, features: int, heads: int) -> int:
        return 2 * positions * features * heads * head_dim + (positions * heads * head_dim if use_bias else 0)

    scores = query_heads * t * s
    flops = (
        projection(t, query[-1], query_heads)
        + projection(s, key[-1], kv_heads)
        + projection(s, value[-1], kv_heads)
        + 4 * scores * head_dim  # query . key and scores . value
        + 5 * scores  # softmax
        + (scores if dropout == 0 else t * query_heads * head_dim)  # scaling
        + 2 * t * query_heads * head_dim * query[-1]
        + (t * query[-1] if use_bias else 0)
        + 2  # ops.repeat sizes the repeated key and value: a scalar Mul each
    )
    if config["use_gate"]:
        flops += projection(t, query[-1], query_heads) + t * query_heads * head_dim
    return flops


def _dot_product_attention(cls: str):
    """Attention and AdditiveAttention: called on ``[query, value]`` or ``[query, value, key]``.

    The output is the query with the value's last size. FLOPs, for
    ``(batch, T, dim)`` inputs (Tq x Tv scores): the scores (a MatMul, 2 per
    multiply-accumulate, or the additive form's broadcast add, optional scale
    and sum over ``dim``), a ``Softmax`` (5 per score) and the MatMul with the
    value.
    """

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        if not isinstance(inputs, list) or not 2 <= len(inputs) <= 3:
            raise IncompatibleShape(f"{cls} must be called on [query, value] or [query, value, key], got {fmt(inputs)}")
        query, value = (single(cls, s) for s in inputs[:2])
        key = single(cls, inputs[2]) if len(inputs) == 3 else value
        use_scale, concat = config["use_scale"], cls == "Attention" and config["score_mode"] == "concat"
        weights = []
        if use_scale:
            weights.append(weight(cls, "scale", () if cls == "Attention" else (query[-1],)))
        if concat:
            weights.append(weight(cls, "concat_score_weight", ()))
        flops = None
        if len(query) == len(key) == len(value) == 3 and None not in (*query[1:], *key[1:], value[-1]):
            (tq, dim), tv = query[1:], key[1]
            scores = tq * tv
            if cls == "Attention" and not concat:
                flops = 2 * scores * dim + (scores if use_scale else 0)
            else:
                # q + k, [scale *], sum over dim; Attention's concat form then scales by its weight.
                flops = scores * dim + (scores * dim if use_scale or cls == "AdditiveAttention" else 0)
                flops += scores * dim - scores + (scores if concat else 0)
            flops += 5 * scores + 2 * scores * value[-1]
        return Inference((*query[:-1], value[-1]), weights, flops)

    return infer


SPECS = (
    LayerSpec(
        "Attention",
        signature=("use_scale", "score_mode", "dropout", "seed"),
        defaults={"use_scale": False, "score_mode": "dot", "dropout": 0.0, "seed": None},
        infer=_dot_product_attention("Attention"),
    ),
    LayerSpec(
        "AdditiveAttention",
        signature=("use_scale", "dropout"),
        defaults={"use_scale": True, "dropout": 0.0},
        infer=_dot_product_attention("AdditiveAttention"),
    ),
    LayerSpec(
        "GroupQueryAttention",
        signature=(
            "head_dim", "num_query_heads", "num_key_value_heads", "dropout", "use_bias",
            "sliding_window", "flash_attention", "kernel_initializer", "bias_initializer",
            "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
            "bias_constraint", "use_gate", "seed",
        ),
        defaults={
            "dropout": 0.0, "use_bias": True, "sliding_window": None, "flash_attention": None,
            "kernel_initializer": "glorot_uniform", "bias_initializer": "zeros",
            "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
            "kernel_constraint": None, "bias_constraint": None, "use_gate": False, "seed": None,
        },
        infer=_grouped_query_attention,
        call_args=("value", "key"),
        weighted=True,
    ),
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
