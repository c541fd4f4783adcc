"""Image preprocessing and augmentation layers (keras/src/layers/preprocessing/image_preprocessing).

None has weights. The random augmentations transform images only when
training; at inference (what a summary, the cost and the FLOPs describe)
they return their input: same shape, 0 FLOPs. Three layers change the
shape, always: ``Resizing``, ``CenterCrop`` and ``RandomCrop`` (which
center-crops at inference) set height and width. ``AutoContrast`` and
``ContrastLimitedAdaptiveHistogramEqualization`` transform at inference
too; CLAHE's arithmetic is not modelled (FLOPs unknown).

Keras accepts a batch of images (rank 4) or one image (rank 3).
"""

from __future__ import annotations

from typing import Any, Mapping

from kerlint.layers import _flops
from kerlint.layers._shapes import channels_first, fmt, int_arg, single
from kerlint.layers.base import IncompatibleShape, Inference, LayerConfig, LayerSpec, ShapeTree


def _images(cls: str, inputs: ShapeTree) -> tuple:
    shape = single(cls, inputs)
    if len(shape) not in (3, 4):
        raise IncompatibleShape(f"{cls} expects images of rank 3 or 4, got {fmt(shape)} (rank {len(shape)})")
    return shape


def _unchanged_at_inference(cls: str):
    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        return Inference(_images(cls, inputs), flops=0)

    return infer


def _transformed(cls: str):
    """Same shape, arithmetic at inference that kerlint does not count."""

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        return Inference(_images(cls, inputs), flops=None)

    return infer


def _sized(cls: str):
    """Height and width become ``height``/``width``, whatever the input's sizes (resized or cropped)."""

    def infer(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
        shape = list(_images(cls, inputs))
        height, width = int_arg(config, "height"), int_arg(config, "width")
        first = channels_first(config) if "data_format" in config else False
        at = (len(shape) - 3) + (1 if first else 0)
        shape[at:at + 2] = [height, width]
        return Inference(tuple(shape), flops=_resizing_flops(config) if cls == "Resizing" else 0)

    return infer


def _resizing_flops(config: LayerConfig) -> int | None:
    """The resize kernels count 0; what the profiler sees is the scalar arithmetic around them.

    lanczos3/5 compute a scale (2); ``crop_to_aspect_ratio`` sizes the crop
    (14). ``pad_to_aspect_ratio`` and ``antialias`` emit ops whose shapes the
    profiler cannot read: not modelled.
    """
    if config.raw("pad_to_aspect_ratio") or config.raw("antialias"):
        return None
    interpolation = config.raw("interpolation")
    if not isinstance(interpolation, str):
        return None
    return (2 if interpolation.startswith("lanczos") else 0) + (14 if config.raw("crop_to_aspect_ratio") else 0)


def _auto_contrast(config: LayerConfig, inputs: ShapeTree, extra: Mapping[str, ShapeTree]) -> Inference:
    """Rescales each channel to ``value_range``: 4 scalar ops per channel, then scale, shift and clip per value."""
    shape = _images("AutoContrast", inputs)
    n = _flops.elements(shape)
    return Inference(shape, flops=None if n is None or shape[-1] is None else 4 * n + 4 * shape[-1])


def _image(name: str, signature: tuple[str, ...], defaults: dict[str, Any], infer=None) -> LayerSpec:
    return LayerSpec(name, signature, defaults, infer or _unchanged_at_inference(name))


_RANGE = {"value_range": (0, 255)}
_FILL = {"fill_mode": "reflect", "interpolation": "bilinear", "seed": None, "fill_value": 0.0}
_LAST = {"data_format": "channels_last"}

SPECS = (
    _image(
        "AugMix",
        ("value_range", "num_chains", "chain_depth", "factor", "alpha", "all_ops", "interpolation", "seed", "data_format"),
        {
            **_RANGE, "num_chains": 3, "chain_depth": 3, "factor": 0.3, "alpha": 1.0, "all_ops": True,
            "interpolation": "bilinear", "seed": None, **_LAST,
        },
    ),
    _image("AutoContrast", ("value_range",), dict(_RANGE), _auto_contrast),
    _image(
        "ContrastLimitedAdaptiveHistogramEqualization",
        ("value_range", "clip_limit", "tile_grid_size", "data_format"),
        {**_RANGE, "clip_limit": 4.0, "tile_grid_size": (8, 8), **_LAST},
        _transformed("ContrastLimitedAdaptiveHistogramEqualization"),
    ),
    _image("CutMix", ("factor", "seed", "data_format"), {"factor": 1.0, "seed": None, **_LAST}),
    _image("Equalization", ("value_range", "bins", "data_format"), {**_RANGE, "bins": 256, **_LAST}),
    _image("MaxNumBoundingBoxes", ("max_number", "fill_value"), {"fill_value": -1}),
    _image("MixUp", ("alpha", "data_format", "seed"), {"alpha": 0.2, **_LAST, "seed": None}),
    _image(
        "RandAugment",
        ("value_range", "num_ops", "factor", "interpolation", "seed", "data_format"),
        {**_RANGE, "num_ops": 2, "factor": 0.5, "interpolation": "bilinear", "seed": None, **_LAST},
    ),
    _image("RandomBrightness", ("factor", "value_range", "seed"), {**_RANGE, "seed": None}),
    _image(
        "RandomColorDegeneration", ("factor", "value_range", "data_format", "seed"),
        {**_RANGE, **_LAST, "seed": None},
    ),
    _image(
        "RandomColorJitter",
        ("value_range", "brightness_factor", "contrast_factor", "saturation_factor", "hue_factor", "seed", "data_format"),
        {
            **_RANGE, "brightness_factor": None, "contrast_factor": None, "saturation_factor": None,
            "hue_factor": None, "seed": None, **_LAST,
        },
    ),
    _image("RandomContrast", ("factor", "value_range", "seed"), {**_RANGE, "seed": None}),
    _image(
        "RandomElasticTransform",
        ("factor", "scale", "interpolation", "fill_mode", "fill_value", "value_range", "seed", "data_format"),
        {
            "factor": 1.0, "scale": 1.0, "interpolation": "bilinear", "fill_mode": "reflect",
            "fill_value": 0.0, **_RANGE, "seed": None, **_LAST,
        },
    ),
    _image(
        "RandomErasing",
        ("factor", "scale", "fill_value", "value_range", "seed", "data_format"),
        {"factor": 1.0, "scale": (0.02, 0.33), "fill_value": None, **_RANGE, "seed": None, **_LAST},
    ),
    _image(
        "RandomFlip", ("mode", "seed", "data_format"),
        {"mode": "horizontal_and_vertical", "seed": None, **_LAST},
    ),
    _image(
        "RandomGaussianBlur",
        ("factor", "kernel_size", "sigma", "value_range", "data_format", "seed"),
        {"factor": 1.0, "kernel_size": 3, "sigma": 1.0, **_RANGE, **_LAST, "seed": None},
    ),
    _image("RandomGrayscale", ("factor", "data_format", "seed"), {"factor": 0.5, **_LAST, "seed": None}),
    _image("RandomHue", ("factor", "value_range", "data_format", "seed"), {**_RANGE, **_LAST, "seed": None}),
    _image(
        "RandomInvert", ("factor", "value_range", "seed", "data_format"),
        {"factor": 1.0, **_RANGE, "seed": None, **_LAST},
    ),
    _image(
        "RandomPerspective",
        ("factor", "scale", "interpolation", "fill_value", "seed", "data_format"),
        {"factor": 1.0, "scale": 1.0, "interpolation": "bilinear", "fill_value": 0.0, "seed": None, **_LAST},
    ),
    _image(
        "RandomPosterization", ("factor", "value_range", "data_format", "seed"),
        {**_RANGE, **_LAST, "seed": None},
    ),
    _image(
        "RandomRotation",
        ("factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"),
        {**_FILL, **_LAST},
    ),
    _image("RandomSaturation", ("factor", "value_range", "data_format", "seed"), {**_RANGE, **_LAST, "seed": None}),
    _image("RandomSharpness", ("factor", "value_range", "data_format", "seed"), {**_RANGE, **_LAST, "seed": None}),
    _image(
        "RandomShear",
        ("x_factor", "y_factor", "interpolation", "fill_mode", "fill_value", "data_format", "seed"),
        {
            "x_factor": 0.0, "y_factor": 0.0, "interpolation": "bilinear", "fill_mode": "reflect",
            "fill_value": 0.0, **_LAST, "seed": None,
        },
    ),
    _image(
        "RandomTranslation",
        ("height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"),
        {**_FILL, **_LAST},
    ),
    _image(
        "RandomZoom",
        ("height_factor", "width_factor", "fill_mode", "interpolation", "seed", "fill_value", "data_format"),
        {"width_factor": None, **_FILL, **_LAST},
    ),
    _image(
        "Solarization", ("addition_factor", "threshold_factor", "value_range", "seed"),
        {"addition_factor": 0.0, "threshold_factor": 0.0, **_RANGE, "seed": None},
    ),
    _image(
        "Resizing",
        (
            "height", "width", "interpolation", "crop_to_aspect_ratio", "pad_to_aspect_ratio",
            "fill_mode", "fill_value", "antialias", "data_format",
        ),
        {
            "interpolation": "bilinear", "crop_to_aspect_ratio": False, "pad_to_aspect_ratio": False,
            "fill_mode": "constant", "fill_value": 0.0, "antialias": False, **_LAST,
        },
        _sized("Resizing"),
    ),
    _image("CenterCrop", ("height", "width", "data_format"), dict(_LAST), _sized("CenterCrop")),
    _image(
        "RandomCrop", ("height", "width", "seed", "data_format", "name"),
        {"seed": None, **_LAST, "name": None}, _sized("RandomCrop"),
    ),
)
