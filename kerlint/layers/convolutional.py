"""Convolution layers (keras/src/layers/convolutional).

Every variant slides a kernel over the spatial axes of a channels-last or
channels-first input of rank ``rank + 2``; they differ only in the weights
they create and in how the output channels are counted.

FLOPs (docs/flops.md): 2 per multiply-accumulate at every position the
graph's conv op computes (``_flops.window_positions``: dilated convs compute
a few padded positions more than they output), plus the bias add and the
activation on the output, plus LoRA's kernel merge. Conv1D/2DTranspose follow
the profiler's ``Conv2DBackpropInput`` formula; Conv3DTranspose's op has no
statistic (only its bias and activation count).
"""

from __future__ import annotations

from typing import Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import (
    channels_first,
    expect_rank,
    fmt,
    int_arg,
    join_channels,
    ntuple,
    single,
    split_channels,
    transpose_output_length,
    weight,
    window_output_length,
    with_lora,
)
from kerlint.layers.base import (
    CannotInfer,
    Dim,
    IncompatibleShape,
    Inference,
    LayerConfig,
    LayerSpec,
    Shape,
    ShapeTree,
)
from kerlint.layers.core import KERNEL_ALIASES

_TAIL = (
    "activation", "use_bias", "kernel_initializer", "bias_initializer",
    "kernel_regularizer", "bias_regularizer", "activity_regularizer",
    "kernel_constraint", "bias_constraint",
)
_TAIL_DEFAULTS = {
    "activation": None, "use_bias": True, "kernel_initializer": "glorot_uniform",
    "bias_initializer": "zeros", "kernel_regularizer": None, "bias_regularizer": None,
    "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
}
_DEPTHWISE_TAIL = (
    "activation", "use_bias", "depthwise_initializer", "bias_initializer",
    "depthwise_regularizer", "bias_regularizer", "activity_regularizer",
    "depthwise_constraint", "bias_constraint",
)
_DEPTHWISE_TAIL_DEFAULTS = {
    "activation": None, "use_bias": True, "depthwise_initializer": "glorot_uniform",
    "bias_initializer": "zeros", "depthwise_regularizer": None, "bias_regularizer": None,
    "activity_regularizer": None, "depthwise_constraint": None, "bias_constraint": None,
}
CONV_ALIASES = {
    "nb_filter": "filters",
    "border_mode": "padding",
    "subsample": "strides",
    "dim_ordering": "data_format",
    "atrous_rate": "dilation_rate",
    **KERNEL_ALIASES,
}
"""Keras 1 spellings (``Convolution2D(nb_filter=..., border_mode=...)``)."""


def _window_defaults(rank: int) -> dict:
    one = 1 if rank == 1 else (1,) * rank
    return {"strides": one, "padding": "valid", "data_format": "channels_last", "dilation_rate": one}


def _padding(config: LayerConfig, allowed: tuple[str, ...]) -> str:
    padding = config["padding"]
    if not isinstance(padding, str) or padding.lower() not in allowed:
        raise CannotInfer(f"`padding` must be one of {allowed}, got {padding!r}")
    return padding.lower()


def image(cls: str, rank: int, config: LayerConfig, inputs: ShapeTree) -> tuple[Shape, bool, Shape, int]:
    """(shape, channels_first, spatial dims, channels) of a conv input.

    Keras requires exactly ``rank`` spatial axes and a known channel count
    (the kernel's input dimension).
    """
    shape = single(cls, inputs)
    expect_rank(cls, shape, ndim=rank + 2)
    first = channels_first(config)
    spatial, channels = split_channels(shape, first)
    if channels is None:
        raise IncompatibleShape(f"{cls} needs a known channel dimension, got input {fmt(shape)}")
    return shape, first, spatial, channels


def slide(
    cls: str, rank: int, config: LayerConfig, shape: Shape, spatial: Shape
) -> tuple[tuple[int, ...], tuple[Dim, ...]]:
    """(kernel size, output spatial dims): ``compute_conv_output_shape``."""
    kernel = ntuple(config["kernel_size"], rank, "kernel_size")
    strides = ntuple(config["strides"], rank, "strides")
    dilation = ntuple(config["dilation_rate"], rank, "dilation_rate")
    padding = _padding(config, ("valid", "same", "causal") if rank == 1 else ("valid", "same"))
    out = tuple(
        window_output_length(cls, shape, n, k, s, padding, d)
        for n, k, s, d in zip(spatial, kernel, strides, dilation)
    )
    return kernel, out


def positions(config: LayerConfig, spatial: Shape, decomposable: bool = False) -> tuple[int | None, int]:
    """(positions the conv op computes, extra scalar FLOPs) for FLOPs; ``None`` if unknown.

    ``decomposable``: depthwise/separable convs accept strides and dilation
    together, which Keras computes as a stride-1 dilated conv on an input
    padded by hand ("same" costs 8 scalar ops per axis to size the pads).
    """
    rank = len(spatial)
    kernel = ntuple(config["kernel_size"], rank, "kernel_size")
    strides = ntuple(config["strides"], rank, "strides")
    dilation = ntuple(config["dilation_rate"], rank, "dilation_rate")
    padding = config["padding"].lower()
    decomposed = max(strides) > 1 and max(dilation) > 1
    if decomposed and not decomposable:
        return None, 0  # Keras refuses strides and dilation together here
    sizes = _flops.window_positions(spatial, kernel, strides, dilation, padding, decomposed)
    extra = 8 * rank if decomposed and padding == "same" else 0
    return (None if sizes is None else _flops.product(sizes)), extra


def _conv(rank: int):
    cls = f"Conv{rank}D"

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        """Kernel ``(*kernel_size, channels // groups, filters)``; groups must divide channels."""
        shape, first, spatial, channels = image(cls, rank, config, inputs)
        filters, groups = int_arg(config, "filters"), int_arg(config, "groups")
        if groups <= 0 or channels % groups:
            raise IncompatibleShape(
                f"{cls} with groups={groups} needs input channels divisible by {groups}, "
                f"got {channels} channels in {fmt(shape)}"
            )
        kernel, out = slide(cls, rank, config, shape, spatial)
        kernel_shape = (*kernel, channels // groups, filters)
        weights = [weight(cls, "kernel", kernel_shape)]
        if config["use_bias"]:
            weights.append(weight(cls, "bias", (filters,)))
        weights = with_lora(weights, config["lora_rank"])
        output = join_channels(shape[0], out, filters, first)
        computed, _ = positions(config, spatial)
        flops = None
        if computed is not None:
            flops = _flops.total(
                2 * _flops.product(kernel_shape) * computed,
                _bias_and_activation(config, output),
                _flops.lora(_flops.product(kernel_shape), config.raw("lora_rank")),
            )
        return Inference(output, weights, flops)

    return LayerSpec(
        cls,
        signature=(
            "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
            "groups", *_TAIL,
        ),
        defaults={
            **_window_defaults(rank), "groups": 1, **_TAIL_DEFAULTS,
            # Not named in Conv1D/2D/3D's signature; BaseConv takes them via **kwargs.
            "lora_rank": None, "lora_alpha": None,
        },
        infer=infer,
        aliases=(
            {**CONV_ALIASES, "filter_length": "kernel_size", "subsample_length": "strides"}
            if rank == 1
            else CONV_ALIASES
        ),
        weighted=True,
    )


def _bias_and_activation(config: LayerConfig, output: Shape) -> int | None:
    out = _flops.elements(output)
    if out is None:
        return None
    return _flops.total(out if config["use_bias"] else 0, _flops.activation(config.raw("activation"), output))


def _depthwise_conv(rank: int):
    cls = f"DepthwiseConv{rank}D"

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        """One ``depth_multiplier``-deep filter per input channel."""
        shape, first, spatial, channels = image(cls, rank, config, inputs)
        multiplier = int_arg(config, "depth_multiplier")
        kernel, out = slide(cls, rank, config, shape, spatial)
        weights = [weight(cls, "kernel", (*kernel, channels, multiplier))]
        if config["use_bias"]:
            weights.append(weight(cls, "bias", (channels * multiplier,)))
        output = join_channels(shape[0], out, channels * multiplier, first)
        computed, scalars = positions(config, spatial, decomposable=True)
        flops = None
        if computed is not None:
            depthwise = 2 * _flops.product(kernel) * channels * multiplier * computed
            flops = _flops.total(depthwise, scalars, _bias_and_activation(config, output))
        return Inference(output, weights, flops)

    return infer


def _separable_conv(rank: int):
    cls = f"SeparableConv{rank}D"

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        """A depthwise kernel followed by a pointwise (kernel size 1) kernel to ``filters``."""
        shape, first, spatial, channels = image(cls, rank, config, inputs)
        filters, multiplier = int_arg(config, "filters"), int_arg(config, "depth_multiplier")
        kernel, out = slide(cls, rank, config, shape, spatial)
        weights = [
            weight(cls, "depthwise_kernel", (*kernel, channels, multiplier)),
            weight(cls, "pointwise_kernel", (*(1,) * rank, channels * multiplier, filters)),
        ]
        if config["use_bias"]:
            weights.append(weight(cls, "bias", (filters,)))
        output = join_channels(shape[0], out, filters, first)
        computed, scalars = positions(config, spatial, decomposable=True)
        flops = None
        if computed is not None and None not in out:
            depth = channels * multiplier
            depthwise = 2 * _flops.product(kernel) * depth * computed
            pointwise = 2 * depth * filters * _flops.product(out)  # type: ignore[arg-type]
            flops = _flops.total(depthwise, scalars, pointwise, _bias_and_activation(config, output))
        return Inference(output, weights, flops)

    return infer


def _conv_transpose(rank: int):
    cls = f"Conv{rank}DTranspose"

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        """Kernel ``(*kernel_size, filters, channels)``; sizes grow by the stride.

        Never too small to fit, so no "valid" error exists for transposed convs.
        """
        shape, first, spatial, channels = image(cls, rank, config, inputs)
        filters = int_arg(config, "filters")
        kernel = ntuple(config["kernel_size"], rank, "kernel_size")
        strides = ntuple(config["strides"], rank, "strides")
        dilation = ntuple(config["dilation_rate"], rank, "dilation_rate")
        padding = _padding(config, ("valid", "same"))
        output_padding = config["output_padding"]
        output_padding = (
            (None,) * rank if output_padding is None else ntuple(output_padding, rank, "output_padding")
        )
        out = tuple(
            map(transpose_output_length, spatial, kernel, strides, (padding,) * rank, output_padding, dilation)
        )
        weights = [weight(cls, "kernel", (*kernel, filters, channels))]
        if config["use_bias"]:
            weights.append(weight(cls, "bias", (filters,)))
        output = join_channels(shape[0], out, filters, first)
        values = _flops.elements(output)
        flops = None
        if values is not None:
            # The profiler's Conv2DBackpropInput statistic (1D runs as 2D):
            # 2 x output values x kernel area x input channels / stride area,
            # truncated; dilation is not part of it. Conv3DBackpropInputV2
            # has no statistic: 0.
            scatter = 2 * values * _flops.product(kernel) * channels // _flops.product(strides) if rank < 3 else 0
            flops = _flops.total(scatter, _bias_and_activation(config, output))
        return Inference(output, weights, flops)

    return infer


_KERAS1_WINDOW = {"border_mode": "padding", "subsample": "strides", "dim_ordering": "data_format"}

SPECS = (
    _conv(1),
    _conv(2),
    _conv(3),
    *(
        LayerSpec(
            f"DepthwiseConv{rank}D",
            signature=(
                "kernel_size", "strides", "padding", "depth_multiplier", "data_format",
                "dilation_rate", *_DEPTHWISE_TAIL,
            ),
            defaults={**_window_defaults(rank), "depth_multiplier": 1, **_DEPTHWISE_TAIL_DEFAULTS},
            infer=_depthwise_conv(rank),
            weighted=True,
        )
        for rank in (1, 2)
    ),
    *(
        LayerSpec(
            f"SeparableConv{rank}D",
            signature=(
                "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate",
                "depth_multiplier", "activation", "use_bias", "depthwise_initializer",
                "pointwise_initializer", "bias_initializer", "depthwise_regularizer",
                "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
                "depthwise_constraint", "pointwise_constraint", "bias_constraint",
            ),
            defaults={
                **_window_defaults(rank), "depth_multiplier": 1, "activation": None, "use_bias": True,
                "depthwise_initializer": "glorot_uniform", "pointwise_initializer": "glorot_uniform",
                "bias_initializer": "zeros", "depthwise_regularizer": None,
                "pointwise_regularizer": None, "bias_regularizer": None,
                "activity_regularizer": None, "depthwise_constraint": None,
                "pointwise_constraint": None, "bias_constraint": None,
            },
            infer=_separable_conv(rank),
            aliases={"nb_filter": "filters", "bias": "use_bias", **_KERAS1_WINDOW},
            weighted=True,
        )
        for rank in (1, 2)
    ),
    *(
        LayerSpec(
            f"Conv{rank}DTranspose",
            # Conv3DTranspose takes data_format before output_padding.
            signature=(
                "filters", "kernel_size", "strides", "padding",
                *(("data_format", "output_padding") if rank == 3 else ("output_padding", "data_format")),
                "dilation_rate", *_TAIL,
            ),
            defaults={**_window_defaults(rank), "output_padding": None, **_TAIL_DEFAULTS},
            infer=_conv_transpose(rank),
            aliases=CONV_ALIASES,
            weighted=True,
        )
        for rank in (1, 2, 3)
    ),
)
