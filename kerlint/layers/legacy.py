"""Keras 2 layer classes that Keras 3 dropped, as tf_keras (keras 2.x) defines them.

Old code still builds models with them: ``LocallyConnected1D/2D``,
``ThresholdedReLU``, ``CuDNNLSTM``/``CuDNNGRU`` (``tf.compat.v1.keras``),
``RandomHeight``/``RandomWidth`` and ``RandomFourierFeatures``
(``layers.experimental``), and ``DenseFeatures`` (``tf.feature_column``
input, opaque). Signatures, weights and shapes follow
tf_keras/src/layers (kernelized.py, locally_connected/, rnn/cudnn_*.py,
activation/thresholded_relu.py, preprocessing/image_preprocessing.py).
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
    shown,
    single,
    split_channels,
    weight,
    window_output_length,
)
from kerlint.layers.base import (
    CannotInfer,
    IncompatibleShape,
    Inference,
    LayerConfig,
    LayerSpec,
    ShapeTree,
)
from kerlint.layers.core import KERNEL_ALIASES
from kerlint.layers.rnn import over_time, recurrent_flops


def _locally_connected(rank: int):
    """A convolution whose kernel is not shared: one kernel (and bias) per output position.

    ``implementation`` 1 and 2 store the same number of values (1: ``(positions,
    window x channels, filters)``, 2: a dense masked kernel); 3 stores only the
    used indices and is not modelled. FLOPs: 2 per multiply-accumulate, the
    bias add and the activation.
    """
    cls = f"LocallyConnected{rank}D"

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        expect_rank(cls, shape, ndim=rank + 2)
        first = channels_first(config)
        spatial, channels = split_channels(shape, first)
        if None in spatial or channels is None:
            raise IncompatibleShape(f"{cls} needs known spatial sizes and channels, got {fmt(shape)}")
        filters = int_arg(config, "filters")
        kernel = ntuple(config["kernel_size"], rank, "kernel_size")
        strides = ntuple(config["strides"], rank, "strides")
        padding = config["padding"]
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise CannotInfer(f"`padding` must be 'valid' or 'same', got {shown(padding)}")
        out = tuple(
            window_output_length(cls, shape, n, k, s, padding.lower()) for n, k, s in zip(spatial, kernel, strides)
        )
        implementation = config["implementation"]
        if implementation == 1:
            kernel_shape: tuple = (_flops.product(out), _flops.product(kernel) * channels, filters)  # type: ignore[arg-type]
        elif implementation == 2:
            kernel_shape = (*spatial, channels, *out, filters)
        else:
            raise CannotInfer(f"{cls} implementation={implementation!r} stores a kernel kerlint does not size")
        weights = [weight(cls, "kernel", kernel_shape)]
        if config["use_bias"]:
            weights.append(weight(cls, "bias", (*out, filters)))
        output = join_channels(shape[0], out, filters, first)
        values = _flops.product(out) * filters  # type: ignore[arg-type]
        flops = _flops.total(
            2 * values * _flops.product(kernel) * channels,
            values if config["use_bias"] else 0,
            _flops.activation(config.raw("activation"), output),
        )
        return Inference(output, weights, flops)

    return LayerSpec(
        cls,
        signature=(
            "filters", "kernel_size", "strides", "padding", "data_format", "activation", "use_bias",
            "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
            "activity_regularizer", "kernel_constraint", "bias_constraint", "implementation",
        ),
        defaults={
            "strides": 1 if rank == 1 else (1,) * rank, "padding": "valid", "data_format": "channels_last",
            "activation": None, "use_bias": True, "kernel_initializer": "glorot_uniform",
            "bias_initializer": "zeros", "kernel_regularizer": None, "bias_regularizer": None,
            "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
            "implementation": 1,
        },
        infer=infer,
        aliases={"nb_filter": "filters", "border_mode": "padding", "subsample": "strides", **KERNEL_ALIASES},
        weighted=True,
    )


def _thresholded_relu(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """``x * cast(x > theta)``: a comparison and a multiply per value."""
    n = _flops.elements(inputs) if isinstance(inputs, tuple) else None
    return Inference(inputs, flops=None if n is None else 2 * n)


_CUDNN_STEP = {
    "LSTM": LayerConfig({"use_bias": True, "activation": "tanh", "recurrent_activation": "sigmoid"}),
    "GRU": LayerConfig(
        {"use_bias": True, "reset_after": True, "activation": "tanh", "recurrent_activation": "sigmoid"}
    ),
}
"""The Keras 3 layer each cuDNN layer computes the same step as (cuDNN's GRU resets after the product)."""


def _cudnn(kind: str, gates: int, states: int):
    """cuDNN's LSTM/GRU: the Keras kernels, and a double bias (input and recurrent) of ``2 x gates x units``.

    FLOPs: the fused ``CudnnRNN`` op has no profiler statistic; kerlint counts
    the step of the Keras LSTM/GRU it computes, with both biases.
    """
    cls = f"CuDNN{kind}"

    def step(config: LayerConfig, shape: tuple) -> Inference:
        expect_rank(cls, shape, ndim=2)
        batch, features = shape
        units = int_arg(config, "units")
        weights = [
            weight(cls, "kernel", (features, gates * units)),
            weight(cls, "recurrent_kernel", (units, gates * units)),
            weight(cls, "bias", (2 * gates * units,)),
        ]
        flops = recurrent_flops(kind, _CUDNN_STEP[kind], 1, features, units)
        if kind == "LSTM":
            flops += gates * units  # cuDNN adds a second (recurrent) bias
        state: ShapeTree = [(batch, units)] * states if states > 1 else (batch, units)
        return Inference([(batch, units), state], weights, flops)

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        expect_rank(cls, single(cls, inputs), ndim=3)
        return over_time(cls, config, inputs, lambda shape: step(config, shape))

    head = ("units", "kernel_initializer", "recurrent_initializer", "bias_initializer")
    return LayerSpec(
        cls,
        signature=(
            *head, *(("unit_forget_bias",) if kind == "LSTM" else ()),
            "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
            "kernel_constraint", "recurrent_constraint", "bias_constraint",
            "return_sequences", "return_state", "go_backwards", "stateful",
        ),
        defaults={
            "kernel_initializer": "glorot_uniform", "recurrent_initializer": "orthogonal",
            "bias_initializer": "zeros", **({"unit_forget_bias": True} if kind == "LSTM" else {}),
            **dict.fromkeys((
                "kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                "kernel_constraint", "recurrent_constraint", "bias_constraint",
            )),
            **dict.fromkeys(("return_sequences", "return_state", "go_backwards", "stateful"), False),
        },
        infer=infer,
        weighted=True,
    )


def _random_size(cls: str, axis: int):
    """Resized by a random factor in training, the identity at inference; Keras 2 leaves the axis's size unknown."""

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        if len(shape) not in (3, 4):
            raise IncompatibleShape(f"{cls} expects images of rank 3 or 4, got {fmt(shape)}")
        out = list(shape)
        out[len(shape) - 4 + axis] = None
        return Inference(tuple(out), flops=0)

    return LayerSpec(
        cls, signature=("factor", "interpolation", "seed"),
        defaults={"interpolation": "bilinear", "seed": None}, infer=infer,
    )


def _random_fourier_features(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """``cos(x @ kernel / scale + bias)``; the layer is frozen unless built with ``trainable=True``."""
    cls = "RandomFourierFeatures"
    shape = single(cls, inputs)
    expect_rank(cls, shape, ndim=2)
    units = int_arg(config, "output_dim")
    trainable = config["trainable"] is True
    weights = [
        weight(cls, "unscaled_kernel", (shape[1], units), trainable=False),
        weight(cls, "bias", (units,), trainable=False),
        weight(cls, "kernel_scale", (1,), trainable=trainable),
    ]
    # (1 / scale) * kernel (per call: 1 + in x out), the MatMul, the bias add; Cos counts 0.
    flops = 1 + shape[1] * units + 2 * shape[1] * units + units  # type: ignore[operator]
    return Inference((shape[0], units), weights, flops)


def _dense_features(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    raise CannotInfer("its output joins `tf.feature_column` columns, whose sizes and embeddings kerlint does not follow")


SPECS = (
    _locally_connected(1),
    _locally_connected(2),
    LayerSpec("ThresholdedReLU", signature=("theta",), defaults={"theta": 1.0}, infer=_thresholded_relu),
    _cudnn("LSTM", 4, 2),
    _cudnn("GRU", 3, 1),
    _random_size("RandomHeight", 1),
    _random_size("RandomWidth", 2),
    LayerSpec(
        "RandomFourierFeatures",
        signature=("output_dim", "kernel_initializer", "scale", "trainable", "name"),
        defaults={"kernel_initializer": "gaussian", "scale": None, "trainable": False, "name": None},
        infer=_random_fourier_features,
        weighted=True,
    ),
    LayerSpec(
        "DenseFeatures", signature=("feature_columns", "trainable", "name"),
        defaults={"trainable": True, "name": None}, infer=_dense_features,
    ),
)
