"""Normalization layers (keras/src/layers/normalization): batch, layer, group, RMS, unit and spectral.

All keep the input shape; their weights are sized by the normalized axes.
BatchNormalization's running statistics are non-trainable variables, which
Keras still counts in ``count_params()``.

FLOPs (docs/flops.md) are those of the inference-mode arithmetic Keras's
TensorFlow backend emits, ``Rsqrt`` at 2 per value as the profiler counts
it. Both layers also fold their per-feature statistics into a scale and an
offset on every call; that work is per call, not per sample, and is part
of the batch-1 figure.
"""

from __future__ import annotations

from typing import Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import axis_index, catalogued, fmt, int_arg, is_int, single, weight
from kerlint.layers.base import CannotInfer, IncompatibleShape, Inference, LayerConfig, LayerSpec, ShapeTree


def _batch_normalization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    cls = "BatchNormalization"
    shape = single(cls, inputs)
    size = (shape[axis_index(cls, config["axis"], shape)],)
    weights = []
    if config["scale"]:
        weights.append(weight(cls, "gamma", size))
    if config["center"]:
        weights.append(weight(cls, "beta", size))
    statistics = ["moving_mean", "moving_variance"]
    if config["renorm"]:
        statistics += ["moving_stddev", "renorm_mean", "renorm_stddev"]
    weights += [weight(cls, name, size, trainable=False) for name in statistics]
    # tf.nn.batch_normalization: inv = rsqrt(var + eps) [* gamma] per feature
    # (1 + 2 [+ 1]), offset = beta - mean * inv (2), then x * inv + offset
    # per value (2).
    n = _flops.elements(shape)
    flops = None if n is None else 2 * n + size[0] * (5 + bool(config["scale"]))  # type: ignore[operator]
    return Inference(shape, weights, flops)


def _layer_normalization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """``axis`` may be a list: gamma/beta then span those axes (in sorted order)."""
    cls = "LayerNormalization"
    shape = single(cls, inputs)
    axis = config["axis"]
    axes = sorted(axis) if isinstance(axis, (list, tuple)) else [axis]
    if not all(map(is_int, axes)):
        raise CannotInfer(f"`axis` must be an int or ints, got {axis!r}")
    size = tuple(shape[axis_index(cls, a, shape)] for a in axes)
    rms_scaling = config["rms_scaling"]
    weights = []
    if config["scale"] or rms_scaling:
        weights.append(weight(cls, "gamma", size))
    if config["center"] and not rms_scaling:
        weights.append(weight(cls, "beta", size))
    return Inference(shape, weights, _layer_normalization_flops(config, shape, size))


def _layer_normalization_flops(config: LayerConfig, shape: tuple, size: tuple) -> int | None:
    """Keras's ``_layer_normalization`` op by op; n values, g normalized groups.

    Moments: mean (n), squared difference (2n), variance (n); then per group
    ``rsqrt(var + eps)`` (3g) and ``-mean`` (g). gamma widens ``inv`` to every
    value (n), making ``-mean * inv`` n instead of g; adding beta is n; the
    output ``x * inv + res`` is 2n. ``rms_scaling`` (deprecated) computes
    the variance as mean, subtract, square, mean (4n), then rsqrt (3g) and
    ``x * inv * gamma`` (2n).
    """
    n = _flops.elements(shape)
    if n is None or None in size:
        return None
    groups = n // _flops.product(size)  # type: ignore[arg-type]
    if config["rms_scaling"]:
        return 6 * n + 3 * groups
    scale, center = bool(config["scale"]), bool(config["center"])
    return 4 * n + 3 * groups + groups + scale * n + (n if scale else groups) + center * n + 2 * n


def _group_normalization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """gamma/beta per channel of ``axis``; the channels must split into ``groups`` equal groups.

    FLOPs: LayerNormalization's arithmetic with the statistics per group
    (g = groups per sample) and gamma/beta per channel (c): moments 4n,
    rsqrt 3g, ``-mean`` g, gamma widens ``inv`` to c, ``-mean * inv``
    c (g without gamma), beta c, ``x * inv + res`` 2n.
    """
    cls = "GroupNormalization"
    shape = single(cls, inputs)
    dim = shape[axis_index(cls, config["axis"], shape)]
    if dim is None:
        raise IncompatibleShape(f"{cls} needs a known size on axis {config['axis']}, got input {fmt(shape)}")
    groups = int_arg(config, "groups")
    groups = dim if groups == -1 else groups
    if groups <= 0 or dim < groups or dim % groups:
        raise IncompatibleShape(f"{cls} cannot split the {dim} channels of {fmt(shape)} into {groups} groups")
    scale, center = bool(config["scale"]), bool(config["center"])
    weights = [weight(cls, name, (dim,)) for name, on in (("gamma", scale), ("beta", center)) if on]
    n = _flops.elements(shape)
    flops = None
    if n is not None:
        flops = 4 * n + 3 * groups + groups + scale * dim + (dim if scale else groups) + center * dim + 2 * n
    return Inference(shape, weights, flops)


def _axes(cls: str, config: LayerConfig, shape: tuple) -> list[int]:
    axis = config["axis"]
    axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    if not axes or not all(map(is_int, axes)):
        raise CannotInfer(f"`axis` must be an int or ints, got {axis!r}")
    return sorted(axis_index(cls, a, shape) for a in axes)


def _groups(shape: tuple, axes: list[int]) -> tuple[int | None, int | None]:
    """(values, normalized groups) per sample; ``None`` when a size is unknown."""
    n = _flops.elements(shape)
    size = [shape[a] for a in axes]
    if n is None or None in size or 0 in axes:
        return None, None
    return n, n // _flops.product(size)  # type: ignore[arg-type]


def _rms_normalization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """A ``scale`` over the normalized axes; ``x * rsqrt(mean(x^2) + eps) * scale``: 4n + 3g."""
    cls = "RMSNormalization"
    shape = single(cls, inputs)
    axes = _axes(cls, config, shape)
    n, g = _groups(shape, axes)
    flops = None if n is None else 4 * n + 3 * g  # type: ignore[operator]
    return Inference(shape, [weight(cls, "scale", (shape[a] for a in axes))], flops)


def _unit_normalization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """L2 normalization: square and scale (2n), a sum (n - g), rsqrt (2g), a clamp (g)."""
    cls = "UnitNormalization"
    shape = single(cls, inputs)
    n, g = _groups(shape, _axes(cls, config, shape))
    return Inference(shape, flops=None if n is None else 3 * n + 2 * g)  # type: ignore[operator]


def _spectral_normalization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """The wrapped layer plus a non-trainable ``vector_u`` of ``(1, kernel.shape[-1])``.

    The power iteration renormalizes the kernel in training only; inference
    is the wrapped layer's call.
    """
    cls = "SpectralNormalization"
    inner = catalogued(config["layer"], "layer")
    result = inner.spec.infer(inner.config, inputs, {})
    kernel = next((w for w in result.weights if w.name in ("kernel", "embeddings")), None)
    if kernel is None:
        raise IncompatibleShape(f"{cls} needs a layer with a `kernel` or `embeddings`, got {inner.spec.class_name}")
    vector = weight(cls, "vector_u", (1, kernel.shape[-1]), trainable=False)
    return Inference(result.outputs, [*result.weights, vector], result.flops)


SPECS = (
    LayerSpec(
        "BatchNormalization",
        signature=(
            "axis", "momentum", "epsilon", "center", "scale", "beta_initializer",
            "gamma_initializer", "moving_mean_initializer", "moving_variance_initializer",
            "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
            "renorm", "renorm_clipping", "renorm_momentum", "synchronized",
        ),
        defaults={
            "axis": -1, "momentum": 0.99, "epsilon": 1e-3, "center": True, "scale": True,
            "beta_initializer": "zeros", "gamma_initializer": "ones",
            "moving_mean_initializer": "zeros", "moving_variance_initializer": "ones",
            "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
            "gamma_constraint": None, "renorm": False, "renorm_clipping": None,
            "renorm_momentum": 0.99, "synchronized": False,
        },
        infer=_batch_normalization,
        aliases={"beta_init": "beta_initializer", "gamma_init": "gamma_initializer"},
    ),
    LayerSpec(
        "LayerNormalization",
        signature=(
            "axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
            "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
        ),
        defaults={
            "axis": -1, "epsilon": 1e-3, "center": True, "scale": True,
            "beta_initializer": "zeros", "gamma_initializer": "ones",
            "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
            "gamma_constraint": None,
            # Deprecated keyword Keras 3 still pops: gamma only, no beta.
            "rms_scaling": False,
        },
        infer=_layer_normalization,
    ),
    LayerSpec(
        "GroupNormalization",
        signature=(
            "groups", "axis", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer",
            "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint",
        ),
        defaults={
            "groups": 32, "axis": -1, "epsilon": 1e-3, "center": True, "scale": True,
            "beta_initializer": "zeros", "gamma_initializer": "ones",
            "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
            "gamma_constraint": None,
        },
        infer=_group_normalization,
    ),
    LayerSpec(
        "RMSNormalization", signature=("axis", "epsilon"), defaults={"axis": -1, "epsilon": 1e-6},
        infer=_rms_normalization,
    ),
    LayerSpec("UnitNormalization", signature=("axis",), defaults={"axis": -1}, infer=_unit_normalization),
    LayerSpec(
        "SpectralNormalization", signature=("layer", "power_iterations"),
        defaults={"power_iterations": 1}, infer=_spectral_normalization, weighted=True,
    ),
)
