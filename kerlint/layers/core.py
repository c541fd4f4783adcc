"""Core layers (keras/src/layers/core): InputLayer, Dense, EinsumDense, Embedding, Identity, Masking.

``Lambda`` is not an entry: the interpreter follows its function.
"""

from __future__ import annotations

import math
import re
from typing import Any, Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import expect_rank, fmt, int_arg, is_int, single, weight, with_lora
from kerlint.layers.base import (
    CannotInfer,
    IncompatibleShape,
    Inference,
    LayerConfig,
    LayerSpec,
    ShapeTree,
)

KERNEL_ALIASES = {
    "init": "kernel_initializer",
    "W_regularizer": "kernel_regularizer",
    "b_regularizer": "bias_regularizer",
    "W_constraint": "kernel_constraint",
    "b_constraint": "bias_constraint",
    "bias": "use_bias",
}
"""Keras 1 spellings of the kernel/bias arguments, shared with convolutions."""


def _input_layer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    # The interpreter builds the Input tensor itself; the layer passes it through.
    return Inference(inputs, flops=0)


INPUT_LAYER = LayerSpec(
    "InputLayer",
    signature=(
        "shape", "batch_size", "dtype", "sparse", "ragged",
        "batch_shape", "input_tensor", "optional", "name",
    ),
    defaults={
        "shape": None, "batch_size": None, "dtype": None, "sparse": None, "ragged": None,
        "batch_shape": None, "input_tensor": None, "optional": False, "name": None,
    },
    infer=_input_layer,
)


def _dense(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """A kernel ``(input_dim, units)`` on the last axis; the other axes pass through.

    FLOPs: the MatMul (2 x input_dim per output value), the bias add (1 per
    output value), the activation and LoRA's kernel merge.
    """
    shape = single("Dense", inputs)
    expect_rank("Dense", shape, min_ndim=2)
    units = int_arg(config, "units")
    use_bias = config["use_bias"]
    weights = [weight("Dense", "kernel", (shape[-1], units))]
    if use_bias:
        weights.append(weight("Dense", "bias", (units,)))
    output = (*shape[:-1], units)
    out = _flops.elements(output)
    flops = None
    if out is not None:
        flops = _flops.total(
            2 * shape[-1] * out,  # type: ignore[operator]
            out if use_bias else 0,
            _flops.activation(config.raw("activation"), output),
            _flops.lora(shape[-1] * units, config.raw("lora_rank")),  # type: ignore[operator]
        )
    return Inference(output, with_lora(weights, config["lora_rank"]), flops)


DENSE = LayerSpec(
    "Dense",
    signature=(
        "units", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer",
        "kernel_constraint", "bias_constraint", "lora_rank", "lora_alpha",
        "quantization_config",
    ),
    defaults={
        "activation": None, "use_bias": True, "kernel_initializer": "glorot_uniform",
        "bias_initializer": "zeros", "kernel_regularizer": None, "bias_regularizer": None,
        "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        "lora_rank": None, "lora_alpha": None, "quantization_config": None,
    },
    infer=_dense,
    aliases={"output_dim": "units", **KERNEL_ALIASES},
    weighted=True,
)


# The three equation forms EinsumDense accepts: no ellipsis, "...ab" and "ab...".
_EINSUM_FORMS = (
    (re.compile(r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)"), False),
    (re.compile(r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)"), True),
    (re.compile(r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0"), False),
)


def _einsum_specs(equation: str) -> tuple[str, str, str]:
    """(input, weight, output) index letters; an ellipsis is written ``0``."""
    dotted = equation.replace("...", "0")
    for form, _ in _EINSUM_FORMS:
        match = form.match(dotted)
        if match:
            return match.groups()  # type: ignore[return-value]
    raise IncompatibleShape(f"EinsumDense equation {equation!r} is not supported")


def einsum_dense_shapes(
    equation: str, bias_axes: str | None, shape: tuple, partial: tuple
) -> tuple[list, list | None, list]:
    """(kernel shape, bias shape or None, output shape): ``_analyze_einsum_string``.

    A faithful port, quirks included (a left ellipsis spanning several axes
    is re-inserted in reverse order, as Keras's ``compute_output_shape`` does),
    so the shapes are those a Keras model reports.
    """
    cls = "EinsumDense"
    dotted = equation.replace("...", "0")
    for form, left_elided in _EINSUM_FORMS:
        match = form.match(dotted)
        if match:
            break
    else:
        raise IncompatibleShape(
            f"{cls} equation {equation!r} is not of the form ab,bc->ac, ...b,bc->...c or ab...,bc->ac..."
        )
    input_spec, weight_spec, output_spec = match.groups()
    elided = len(shape) - len(input_spec)
    output = [shape[0], *partial]
    if elided > 0 and left_elided:
        for i in range(1, elided):
            output.insert(1, shape[i])
    elif elided > 0:
        output.extend(shape[len(shape) - elided:])

    if left_elided:
        input_at = {d: i + elided - len(shape) for i, d in enumerate(input_spec)}
        output_at = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_at = {d: i for i, d in enumerate(input_spec)}
        output_at = {d: i for i, d in enumerate(output_spec)}

    try:
        for d in input_spec:
            size = shape[input_at[d]]
            given = output[output_at[d]] if d in output_at else None
            if given is not None and given != size:
                raise IncompatibleShape(
                    f"{cls} input {fmt(shape)} and output_shape {partial} disagree on shared "
                    f"dimension '{d}': {size} vs {given}"
                )
        for d in output_spec:
            if d not in input_spec and d not in weight_spec:
                raise IncompatibleShape(f"{cls} output dimension '{d}' of {equation!r} has no source")
        kernel = []
        for d in weight_spec:
            if d in output_at:
                kernel.append(output[output_at[d]])
            elif d in input_at:
                kernel.append(shape[input_at[d]])
            else:
                raise IncompatibleShape(f"{cls} weight dimension '{d}' of {equation!r} has no source")
        bias = None
        if bias_axes is not None:
            if any(c not in output_spec for c in bias_axes):
                raise IncompatibleShape(f"{cls} bias_axes {bias_axes!r} not in output '{output_spec}'")
            offset = elided if left_elided else 0
            sizes = {c: output[i + offset] for i, c in enumerate(output_spec)}
            first = min(output_spec.find(c) for c in bias_axes)
            bias = [sizes[c] if c in bias_axes else 1 for c in output_spec[first:]]
            if not left_elided:
                bias.extend([1] * max(elided, 0))
    except IndexError:
        raise IncompatibleShape(
            f"{cls} equation {equation!r} does not fit input {fmt(shape)} (rank {len(shape)})"
        ) from None
    return kernel, bias, output


def _einsum_dense(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    shape = single("EinsumDense", inputs)
    partial: Any = config["output_shape"]
    partial = (partial,) if is_int(partial) else partial
    equation, bias_axes = config["equation"], config["bias_axes"]
    if (
        not isinstance(partial, (tuple, list))
        or not all(d is None or is_int(d) for d in partial)
        or not isinstance(equation, str)
        or not (bias_axes is None or isinstance(bias_axes, str))
    ):
        raise CannotInfer("EinsumDense needs a literal equation, output_shape and bias_axes")
    kernel, bias, output = einsum_dense_shapes(equation, bias_axes, shape, tuple(partial))
    weights = [weight("EinsumDense", "kernel", kernel)]
    if bias is not None:
        weights.append(weight("EinsumDense", "bias", bias))
    output = tuple(output)
    flops = _einsum_dense_flops(config, shape, kernel, bias)
    return Inference(output, with_lora(weights, config["lora_rank"]), flops)


def _einsum_dense_flops(config: LayerConfig, shape: tuple, kernel: list, bias: list | None) -> int | None:
    """2 x the product of the sizes of every index of the equation, plus bias and activation.

    That is what the profiler reports for the MatMul/BatchMatMul Keras lowers
    most equations to; the ``Einsum`` op some equations keep has no profiler
    statistic, and kerlint counts it the same way (docs/flops.md).
    """
    input_spec, weight_spec, output_spec = _einsum_specs(config["equation"])
    values = _flops.elements(shape)
    if values is None:
        return None
    # Every index is an input axis (the ellipsis included) or a kernel-only
    # one; the output drops the contracted ones (all of them in the kernel).
    contraction = values * math.prod(k for d, k in zip(weight_spec, kernel) if d not in input_spec)
    out = contraction // math.prod(k for d, k in zip(weight_spec, kernel) if d not in output_spec)
    return _flops.total(
        2 * contraction,
        out if bias is not None else 0,
        _flops.activation(config.raw("activation"), (None, out)),
        _flops.lora(math.prod(kernel), config.raw("lora_rank")),
    )


EINSUM_DENSE = LayerSpec(
    "EinsumDense",
    signature=(
        "equation", "output_shape", "activation", "bias_axes", "kernel_initializer",
        "bias_initializer", "kernel_regularizer", "bias_regularizer", "kernel_constraint",
        "bias_constraint", "lora_rank", "lora_alpha", "gptq_unpacked_column_size",
        "quantization_config",
    ),
    defaults={
        "activation": None, "bias_axes": None, "kernel_initializer": "glorot_uniform",
        "bias_initializer": "zeros", "kernel_regularizer": None, "bias_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None, "lora_rank": None,
        "lora_alpha": None, "gptq_unpacked_column_size": None, "quantization_config": None,
    },
    infer=_einsum_dense,
    weighted=True,
)


def _embedding(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Integer indices of any shape gain a trailing ``output_dim`` axis."""
    shape = single("Embedding", inputs)
    output_dim = int_arg(config, "output_dim")
    table = weight("Embedding", "embeddings", (int_arg(config, "input_dim"), output_dim))
    weights = with_lora([table], config["lora_rank"], kernel="embeddings")
    # The lookup itself (a gather) is free; the TF backend's ``take`` wraps
    # negative indices (a compare and an add per index), and LoRA merges.
    indices = _flops.elements(shape)
    flops = _flops.total(
        None if indices is None else 2 * indices,
        _flops.lora(table.size, config.raw("lora_rank")),
    )
    return Inference((*shape, output_dim), weights, flops)


EMBEDDING = LayerSpec(
    "Embedding",
    signature=(
        "input_dim", "output_dim", "embeddings_initializer", "embeddings_regularizer",
        "embeddings_constraint", "mask_zero", "weights", "lora_rank", "lora_alpha",
        "quantization_config",
    ),
    defaults={
        "embeddings_initializer": "uniform", "embeddings_regularizer": None,
        "embeddings_constraint": None, "mask_zero": False, "weights": None,
        "lora_rank": None, "lora_alpha": None, "quantization_config": None,
        # Keras 2's `input_length`: Keras 3 pops it with a deprecation warning.
        "input_length": None,
    },
    infer=_embedding,
    aliases={
        "init": "embeddings_initializer",
        "W_regularizer": "embeddings_regularizer",
        "W_constraint": "embeddings_constraint",
    },
    weighted=True,
)

def _reversible_embedding(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Embedding's forward call; ``tie_weights=False`` adds a ``(output_dim, input_dim)`` reverse table.

    The reverse call (``reverse=True``, a MatMul to logits) is not a tensor
    argument the interpreter passes, so only the forward call is modelled.
    """
    forward = _embedding(config, inputs, extra)
    if config["tie_weights"]:
        return forward
    reverse = weight(
        "ReversibleEmbedding", "reverse_embeddings",
        (int_arg(config, "output_dim"), int_arg(config, "input_dim")),
    )
    return Inference(forward.outputs, [*forward.weights, reverse], forward.flops)


REVERSIBLE_EMBEDDING = LayerSpec(
    "ReversibleEmbedding",
    signature=(
        "input_dim", "output_dim", "tie_weights", "embeddings_initializer",
        "embeddings_regularizer", "embeddings_constraint", "mask_zero", "reverse_dtype",
        "logit_soft_cap",
    ),
    defaults={
        "tie_weights": True, "embeddings_initializer": "uniform", "embeddings_regularizer": None,
        "embeddings_constraint": None, "mask_zero": False, "reverse_dtype": None,
        "logit_soft_cap": None, "lora_rank": None,
    },
    infer=_reversible_embedding,
    weighted=True,
)


def _identity(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    return Inference(inputs, flops=0)


def _masking(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """``where(any(x != mask_value, -1), x, 0)``: the comparison costs 1 per value."""
    return Inference(inputs, flops=_flops.elements(inputs) if isinstance(inputs, tuple) else None)


SPECS = (
    INPUT_LAYER, DENSE, EINSUM_DENSE, EMBEDDING, REVERSIBLE_EMBEDDING,
    LayerSpec("Identity", signature=(), defaults={}, infer=_identity),
    LayerSpec("Masking", signature=("mask_value",), defaults={"mask_value": 0.0}, infer=_masking),
)
