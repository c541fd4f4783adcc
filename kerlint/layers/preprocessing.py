"""Preprocessing layers (keras/src/layers/preprocessing) other than the image ones.

Rescaling and Normalization scale values; lookups, TextVectorization,
Hashing, HashedCrossing, CategoryEncoding and Discretization turn values
into indices or encodings; MelSpectrogram and STFTSpectrogram turn audio
into spectrograms; Pipeline chains layers.

Only Normalization and STFTSpectrogram have weights. Normalization without a literal ``mean``
creates ``mean``/``variance`` (sized by the kept axes) and a scalar
``count`` as non-trainable variables, which ``count_params()`` includes;
given ``mean``/``variance`` it stores constants, not variables.

FLOPs (docs/flops.md): Rescaling is ``x * scale + offset`` (2 per value,
offset 0 included); Normalization is ``(x - mean) / maximum(sqrt(var), eps)``
(2 per value, plus the ``Maximum`` over the statistics: 1 per kept value;
``Sqrt`` has no profiler statistic), the same count when inverted. The
index and encoding layers run string, hash and table ops the profiler
counts 0; kerlint does too, and counts the encodings (``_encoding_flops``).
STFTSpectrogram is two convolutions (2 per multiply-accumulate) and the
arithmetic of its ``mode``; MelSpectrogram's FFT is not modelled.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import (
    axis_index,
    catalogued,
    channels_first,
    fmt,
    int_arg,
    is_int,
    single,
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


def _normalization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    cls = "Normalization"
    shape = single(cls, inputs)
    axis = config["axis"]
    axes = () if axis is None else (axis,) if is_int(axis) else tuple(axis)
    if not all(map(is_int, axes)):
        raise CannotInfer(f"`axis` must be None, an int or ints, got {axis!r}")
    kept = sorted(axis_index(cls, a, shape) for a in axes)
    if any(shape[d] is None for d in kept):
        raise IncompatibleShape(f"{cls} needs known sizes on the kept axes {axis}, got input {fmt(shape)}")
    size = tuple(shape[d] for d in kept)
    n = _flops.elements(shape)
    flops = None if n is None else 2 * n + math.prod(size)
    if config.raw("mean") is not None:
        return Inference(shape, flops=flops)
    weights = [
        weight(cls, "mean", size, trainable=False),
        weight(cls, "variance", size, trainable=False),
        weight(cls, "count", (), trainable=False),
    ]
    return Inference(shape, weights, flops)


def _rescaling(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    n = _flops.elements(inputs) if isinstance(inputs, tuple) else None
    return Inference(inputs, flops=None if n is None else 2 * n)


# ------------------------------------------------------------------ encodings


def _encoding_flops(shape: tuple, mode: str, depth: int | None) -> int | None:
    """What Keras's ``encode_categorical_inputs`` costs under TensorFlow, as the profiler counts it.

    "int" and "one_hot" are casts and a ``OneHot`` (0). "multi_hot" and
    "count" on inputs of rank <= 2 take TF's ``bincount`` path: 5 scalar ops
    sizing it. On higher ranks they one-hot encode and reduce: "multi_hot"
    with a ``Max`` (0), "count" with a ``Sum`` over axis 1 (one-hot values -
    output values).
    "tf_idf" is a count multiplied by the IDF weights (+1 per output value).
    """
    if mode in ("int", "one_hot"):
        return 0
    if len(shape) <= 2:
        flops = 5
    elif mode == "multi_hot":
        return 0
    else:
        values = _flops.elements(shape)
        if values is None or depth is None:
            return None
        flops = (values - values // shape[1]) * depth if shape[1] else 0
    if mode == "tf_idf":
        out = _flops.elements((*shape[:-1], depth))
        return None if out is None else flops + out
    return flops


def _encoded(shape: tuple, mode: str, depth: int | None) -> tuple:
    """IndexLookup/Hashing's ``compute_output_shape`` for a non-"int" ``output_mode``.

    "one_hot" encodes every value (a trailing axis of 1 is replaced);
    "multi_hot", "count" and "tf_idf" encode the last axis as one sample.
    """
    if mode == "one_hot":
        return (*shape[:-1], depth) if len(shape) > 1 and shape[-1] == 1 else (*shape, depth)
    if mode in ("multi_hot", "count", "tf_idf"):
        return (*shape[:-1], depth)
    raise CannotInfer(f"unknown output_mode {mode!r}")


def vocabulary_size(config: LayerConfig, mask_token: str | int | None = None, oov_token: Any = None) -> int:
    """``vocabulary_size()`` of a lookup given a literal ``vocabulary``: tokens plus mask and OOV indices.

    The mask index exists only in "int" mode; a vocabulary that already
    starts with the mask and OOV tokens is not counted twice, as in
    ``set_vocabulary``.
    """
    vocabulary = config["vocabulary"]
    if not isinstance(vocabulary, (list, tuple)) or not all(isinstance(t, (str, int)) for t in vocabulary):
        raise CannotInfer("the vocabulary is not a literal list: it is known after adapt() or from a file")
    mask = config["mask_token"] if mask_token is None else mask_token
    oov = config["oov_token"] if oov_token is None else oov_token
    oov_indices = int_arg(config, "num_oov_indices")
    mask_indices = 1 if mask is not None and config["output_mode"] == "int" else 0
    special = [mask] * mask_indices + [oov] * oov_indices
    tokens = list(vocabulary)
    if tokens[: len(special)] == special:
        tokens = tokens[len(special):]
    return len(tokens) + mask_indices + oov_indices


def _lookup(cls: str):
    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = single(cls, inputs)
        mode = config["output_mode"]
        if mode == "int":
            return Inference(shape, flops=0)
        depth = int_arg(config, "max_tokens") if config["pad_to_max_tokens"] else vocabulary_size(config)
        return Inference(_encoded(shape, mode, depth), flops=_encoding_flops(shape, mode, depth))

    return infer


_LOOKUP_METHODS = {"vocabulary_size": vocabulary_size}


def _text_vectorization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """"int": ``(batch, output_sequence_length)``; otherwise the split tokens (a new axis) encoded.

    The vocabulary is a StringLookup's with mask ``""`` and OOV ``"[UNK]"``.
    """
    shape = single("TextVectorization", inputs)
    mode = config["output_mode"]
    if mode == "int":
        return Inference((shape[0], config["output_sequence_length"]), flops=0)
    if config["split"] is None:
        tokens = (*shape, 1) if len(shape) <= 1 else shape
    else:
        tokens = (*shape, None)
    if config["pad_to_max_tokens"]:
        depth = int_arg(config, "max_tokens")
    elif config.raw("vocabulary") is None:
        depth = None  # Keras's own symbolic shape before adapt()
    else:
        depth = _text_vocabulary_size(config)
    return Inference(_encoded(tokens, mode, depth), flops=_encoding_flops(tokens, mode, depth))


def _text_vocabulary_size(config: LayerConfig) -> int:
    return vocabulary_size(
        LayerConfig({**{k: config.raw(k) for k in config}, "num_oov_indices": 1}), mask_token="", oov_token="[UNK]"
    )


def _category_encoding(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    shape = single("CategoryEncoding", inputs)
    tokens, mode = int_arg(config, "num_tokens"), config["output_mode"]
    mode = "multi_hot" if mode == "binary" else mode  # Keras 2's name for it
    if mode == "one_hot" and len(shape) > 1 and shape[-1] == 1:
        output = (*shape[:-1], tokens)
    elif mode == "one_hot":
        output = (*shape, tokens)
    elif mode in ("multi_hot", "count"):
        output = (*shape[:-1], tokens)
    else:
        raise CannotInfer(f"unknown output_mode {mode!r}")
    return Inference(output, flops=_encoding_flops(shape, mode, tokens))


def _discretization(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Bucket indices; the encoded modes follow Keras's ``compute_output_shape`` (quirks included)."""
    shape = single("Discretization", inputs)
    mode = config["output_mode"]
    if mode == "int":
        return Inference(shape, flops=0)
    boundaries = config["bin_boundaries"]
    if boundaries is not None and not isinstance(boundaries, (list, tuple)):
        raise CannotInfer(f"`bin_boundaries` must be a list, got {boundaries!r}")
    depth = len(boundaries) + 1 if boundaries is not None else int_arg(config, "num_bins")
    if mode == "one_hot":
        return Inference(_encoded(shape, mode, depth), flops=0)
    if mode in ("multi_hot", "count"):
        output = (shape[0], *shape[2:], depth) if len(shape) >= 2 else (depth,)
        return Inference(output, flops=_encoding_flops(shape, mode, depth))
    raise CannotInfer(f"unknown output_mode {mode!r}")


def _hashing(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    shape = single("Hashing", inputs)
    mode = config["output_mode"]
    if mode == "int":
        return Inference(shape, flops=0)
    if mode not in ("one_hot", "multi_hot", "count"):
        raise CannotInfer(f"unknown output_mode {mode!r}")
    bins = int_arg(config, "num_bins")
    return Inference((*shape[:-1], bins), flops=_encoding_flops(shape, mode, bins))


def _hashed_crossing(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    cls = "HashedCrossing"
    if not isinstance(inputs, list) or len(inputs) != 2:
        raise IncompatibleShape(f"{cls} must be called on 2 tensors, got {fmt(inputs)}")
    first, second = (tuple(s) for s in inputs)  # type: ignore[arg-type]
    if first[-1:] != second[-1:]:
        raise IncompatibleShape(f"{cls} needs 2 tensors of the same shape, got {fmt(inputs)}")
    mode = config["output_mode"]
    if mode == "int":
        return Inference(first, flops=0)
    bins = int_arg(config, "num_bins")
    if mode == "one_hot" and first[-1] != 1:
        return Inference((*first, bins), flops=0)
    return Inference((*first[:-1], bins), flops=0)


# ------------------------------------------------------------------ audio


def _mel_spectrogram(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """``(batch, samples)`` -> ``(batch, num_mel_bins, frames)``, frames as Keras's ``compute_output_shape``."""
    shape = single("MelSpectrogram", inputs)
    if len(shape) not in (1, 2):
        raise IncompatibleShape(f"MelSpectrogram expects audio of rank 1 or 2, got {fmt(shape)}")
    bins, stride = int_arg(config, "num_mel_bins"), int_arg(config, "sequence_stride")
    samples = shape[-1]
    frames = None if samples is None else (samples + stride + 1) // stride
    return Inference((*shape[:-1], bins, frames), flops=None)


def _stft_spectrogram(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Frames of ``frame_length`` every ``frame_step`` samples, each a conv with the FFT's kernels.

    Weights ``real_kernel`` (unless ``mode="imag"``) and ``imag_kernel``
    (unless ``mode="real"``), ``(frame_length, 1, fft_length // 2 + 1)``,
    trainable unless the layer is built with ``trainable=False``.
    """
    cls = "STFTSpectrogram"
    shape = single(cls, inputs)
    if len(shape) != 3:
        raise IncompatibleShape(f"{cls} expects an input of rank 3, got {fmt(shape)} (rank {len(shape)})")
    first = channels_first(config)
    frame = int_arg(config, "frame_length")
    step = config["frame_step"]
    step = frame // 2 if step is None else step
    fft = config["fft_length"]
    fft = 1 << (frame - 1).bit_length() if fft is None else fft
    if not is_int(step) or not is_int(fft):
        raise CannotInfer("`frame_step` and `fft_length` must be ints")
    mode, padding = config["mode"], config["padding"]
    freq = fft // 2 + 1
    channels = shape[1] if first else shape[2]
    time = window_output_length(cls, shape, shape[2] if first else shape[1], frame, step, padding)
    out_freq = 2 * freq if mode == "stft" else freq
    if config["expand_dims"]:
        output = (shape[0], channels, time, out_freq) if first else (shape[0], time, out_freq, channels)
    else:
        features = None if channels is None else out_freq * channels
        output = (shape[0], features, time) if first else (shape[0], time, features)
    trainable = config.raw("trainable", True) is not False
    kernels = [name for name, skip in (("real_kernel", "imag"), ("imag_kernel", "real")) if mode != skip]
    weights = [weight(cls, name, (frame, 1, freq), trainable=trainable) for name in kernels]
    flops = None
    if time is not None and channels is not None and mode in _STFT_FLOPS:
        spectrum = time * freq * channels
        flops = len(kernels) * 2 * frame * spectrum + _STFT_FLOPS[mode] * spectrum
    return Inference(output, weights, flops)


_STFT_FLOPS = {"real": 0, "imag": 0, "stft": 0, "psd": 4, "magnitude": 4, "log": 6}
"""Per spectrum value after the convolutions: the power ``re^2 + im^2`` (3), psd adds its
shifted copy (1), magnitude clamps before ``Sqrt`` (1), log clamps again before ``Log`` (2).
``angle`` (``Atan2``) is not modelled."""


def _pipeline(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Each layer on the previous one's output."""
    layers = config["layers"]
    if not isinstance(layers, (list, tuple)):
        raise CannotInfer("`layers` is not a literal list of layers")
    outputs, weights, flops = inputs, [], 0
    for item in layers:
        layer = catalogued(item, "layers")
        step = layer.spec.infer(layer.config, outputs, {})
        outputs, flops = step.outputs, _flops.total(flops, step.flops)
        weights += step.weights
    return Inference(outputs, weights, flops)


_LOOKUP_TAIL = {
    "max_tokens": None, "num_oov_indices": 1, "mask_token": None, "vocabulary": None,
    "idf_weights": None, "invert": False, "output_mode": "int", "sparse": False,
    "pad_to_max_tokens": False, "name": None, "salt": None,
}

SPECS = (
    LayerSpec(
        "StringLookup",
        signature=(
            "max_tokens", "num_oov_indices", "mask_token", "oov_token", "vocabulary", "idf_weights",
            "invert", "output_mode", "pad_to_max_tokens", "sparse", "encoding", "name", "salt",
        ),
        defaults={**_LOOKUP_TAIL, "oov_token": "[UNK]", "encoding": "utf-8"},
        infer=_lookup("StringLookup"),
        methods=_LOOKUP_METHODS,
    ),
    LayerSpec(
        "IntegerLookup",
        signature=(
            "max_tokens", "num_oov_indices", "mask_token", "oov_token", "vocabulary", "vocabulary_dtype",
            "idf_weights", "invert", "output_mode", "sparse", "pad_to_max_tokens", "oov_method", "salt",
            "name",
        ),
        defaults={**_LOOKUP_TAIL, "oov_token": -1, "vocabulary_dtype": "int64", "oov_method": "floormod"},
        infer=_lookup("IntegerLookup"),
        methods=_LOOKUP_METHODS,
    ),
    LayerSpec(
        "TextVectorization",
        signature=(
            "max_tokens", "standardize", "split", "ngrams", "output_mode", "output_sequence_length",
            "pad_to_max_tokens", "vocabulary", "idf_weights", "sparse", "ragged", "encoding", "name",
        ),
        defaults={
            "max_tokens": None, "standardize": "lower_and_strip_punctuation", "split": "whitespace",
            "ngrams": None, "output_mode": "int", "output_sequence_length": None,
            "pad_to_max_tokens": False, "vocabulary": None, "idf_weights": None, "sparse": False,
            "ragged": False, "encoding": "utf-8", "name": None,
        },
        infer=_text_vectorization,
        methods={"vocabulary_size": _text_vocabulary_size},
    ),
    LayerSpec(
        "CategoryEncoding",
        signature=("num_tokens", "output_mode", "sparse"),
        defaults={"num_tokens": None, "output_mode": "multi_hot", "sparse": False},
        infer=_category_encoding,
        aliases={"max_tokens": "num_tokens"},  # Keras 2's name
    ),
    LayerSpec(
        "Discretization",
        signature=("bin_boundaries", "num_bins", "epsilon", "output_mode", "sparse", "dtype", "name"),
        defaults={
            "bin_boundaries": None, "num_bins": None, "epsilon": 0.01, "output_mode": "int",
            "sparse": False, "dtype": None, "name": None,
        },
        infer=_discretization,
    ),
    LayerSpec(
        "Hashing",
        signature=("num_bins", "mask_value", "salt", "output_mode", "sparse"),
        defaults={"mask_value": None, "salt": None, "output_mode": "int", "sparse": False},
        infer=_hashing,
    ),
    LayerSpec(
        "HashedCrossing",
        signature=("num_bins", "output_mode", "sparse", "name", "dtype"),
        defaults={"output_mode": "int", "sparse": False, "name": None, "dtype": None},
        infer=_hashed_crossing,
    ),
    LayerSpec(
        "MelSpectrogram",
        signature=(
            "fft_length", "sequence_stride", "sequence_length", "window", "sampling_rate",
            "num_mel_bins", "min_freq", "max_freq", "power_to_db", "top_db", "mag_exp",
            "min_power", "ref_power",
        ),
        defaults={
            "fft_length": 2048, "sequence_stride": 512, "sequence_length": None, "window": "hann",
            "sampling_rate": 16000, "num_mel_bins": 128, "min_freq": 20.0, "max_freq": None,
            "power_to_db": True, "top_db": 80.0, "mag_exp": 2.0, "min_power": 1e-10, "ref_power": 1.0,
        },
        infer=_mel_spectrogram,
    ),
    LayerSpec(
        "STFTSpectrogram",
        signature=(
            "mode", "frame_length", "frame_step", "fft_length", "window", "periodic", "scaling",
            "padding", "expand_dims", "data_format",
        ),
        defaults={
            "mode": "log", "frame_length": 256, "frame_step": None, "fft_length": None, "window": "hann",
            "periodic": False, "scaling": "density", "padding": "valid", "expand_dims": False,
            "data_format": "channels_last",
        },
        infer=_stft_spectrogram,
    ),
    LayerSpec("Pipeline", signature=("layers", "name"), defaults={"name": None}, infer=_pipeline),
    LayerSpec("Rescaling", signature=("scale", "offset"), defaults={"offset": 0.0}, infer=_rescaling),
    LayerSpec(
        "Normalization",
        signature=("axis", "mean", "variance", "invert"),
        defaults={"axis": -1, "mean": None, "variance": None, "invert": False},
        infer=_normalization,
    ),
)
