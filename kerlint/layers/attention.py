"""Attention layers (keras/src/layers/attention): MultiHeadAttention.

MHA projects query, key and value with EinsumDense layers whose kernels
contract only the last axis, so its weights depend only on the last sizes:
``query``/``key`` ``(dim, num_heads, key_dim)``, ``value`` ``(dim, num_heads,
value_dim)``, ``attention_output`` ``(num_heads, value_dim, *output_shape)``
(``output_shape`` defaults to the query's last size). The output keeps the
query's shape with its last axis replaced by ``output_shape``.
"""

from __future__ import annotations

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
    return Inference((*query[:-1], *out_dims) if output_shape else query, weights)


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
