"""A small model of Keras's own helper functions that model-building code calls.

keras.applications and much user code derived from it call these helpers to
pick an input shape or a padding. Each is modelled here as plain Python over
known values (ported from the installed Keras 3 source) so that the models
built around them stay exact. Any argument that is not statically known makes
the result ``UNKNOWN``.

| Keras helper | Model |
| --- | --- |
| ``imagenet_utils.obtain_input_shape`` | the same decision tree, minus the warnings |
| ``imagenet_utils.correct_pad`` | the same arithmetic on the tensor's static shape |
| ``imagenet_utils.validate_activation`` | no-op (it only validates) |
| ``backend.is_keras_tensor`` | True for symbolic tensors |
| ``utils.get_source_inputs``, ``operation_utils.get_source_inputs`` | the Inputs a tensor is computed from |
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from kerlint.graph import InputNode, Tensor, collect_calls
from kerlint.interpret.values import contains_unknown
from kerlint.unknown import UNKNOWN


class HelperRaised(Exception):
    """The helper would raise for these arguments (user code then raises too)."""


def obtain_input_shape(input_shape, default_size, min_size, data_format, require_flatten, weights=None):
    channels_first = data_format == "channels_first"
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        default_shape = (input_shape[0], default_size, default_size) if channels_first else (default_size, default_size, input_shape[-1])
    else:
        default_shape = (3, default_size, default_size) if channels_first else (default_size, default_size, 3)
    if weights == "imagenet" and require_flatten:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise HelperRaised("input_shape must be the default with imagenet weights and include_top")
        return default_shape
    if input_shape:
        sizes = input_shape[1:] if channels_first else input_shape[:2]
        channels = input_shape[0] if channels_first else input_shape[-1]
        if len(input_shape) != 3 or (channels != 3 and weights == "imagenet"):
            raise HelperRaised("invalid input_shape")
        if any(size is not None and size < min_size for size in sizes):
            raise HelperRaised(f"input size must be at least {min_size}")
    elif require_flatten:
        input_shape = default_shape
    else:
        input_shape = (3, None, None) if channels_first else (None, None, 3)
    if require_flatten and None in input_shape:
        raise HelperRaised("include_top needs a static input_shape")
    return input_shape


def correct_pad(inputs, kernel_size):
    if not isinstance(inputs, Tensor) or inputs.shape is None:
        return UNKNOWN
    input_size = inputs.shape[1:3]  # channels_last, kerlint's modelled image_data_format()
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    adjust = (1, 1) if input_size[0] is None else (1 - input_size[0] % 2, 1 - input_size[1] % 2)
    correct = (kernel_size[0] // 2, kernel_size[1] // 2)
    return ((correct[0] - adjust[0], correct[0]), (correct[1] - adjust[1], correct[1]))


def validate_activation(classifier_activation, weights):
    return None


def is_keras_tensor(x):
    return isinstance(x, Tensor)


def get_source_inputs(tensor, *args, **kwargs):
    if not isinstance(tensor, Tensor):
        return UNKNOWN
    _, inputs = collect_calls([tensor])
    by_node = {id(node): node for node in inputs}
    return [Tensor(node.shape, node) for node in by_node.values() if isinstance(node, InputNode)]


HELPERS: dict[str, Callable[..., Any]] = {
    "keras.applications.imagenet_utils.obtain_input_shape": obtain_input_shape,
    "keras.applications.imagenet_utils.correct_pad": correct_pad,
    "keras.applications.imagenet_utils.validate_activation": validate_activation,
    "keras.backend.is_keras_tensor": is_keras_tensor,
    "keras.utils.get_source_inputs": get_source_inputs,
    "keras.ops.operation_utils.get_source_inputs": get_source_inputs,
    "keras.utils.layer_utils.get_source_inputs": get_source_inputs,
}


def call_helper(path: str, args: list, kwargs: dict) -> Any:
    """Apply the modelled helper; UNKNOWN when an argument is unknown or the call would not bind."""
    function = HELPERS[path]
    if contains_unknown(args) or contains_unknown(kwargs):
        return UNKNOWN
    try:
        inspect.signature(function).bind(*args, **kwargs)
    except TypeError:
        return UNKNOWN
    return function(*args, **kwargs)
