"""KER103: a Flatten of a large feature map into a Dense layer that holds most of the model."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

from kerlint.findings import Severity
from kerlint.graph import LayerCall, ModelGraph
from kerlint.rules.base import Report, Rule, RuleContext
from kerlint.rules.intent import FixedWeights, is_test_file
from kerlint.units import human_count

PASS_THROUGH = frozenset({
    "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianDropout", "GaussianNoise",
    "AlphaDropout", "ActivityRegularization", "Activation", "ReLU", "LeakyReLU", "ELU", "PReLU",
    "BatchNormalization", "LayerNormalization",
})
"""Layers between the Flatten and the Dense that keep the feature count."""
GLOBAL_POOLING = {3: "GlobalAveragePooling1D", 4: "GlobalAveragePooling2D", 5: "GlobalAveragePooling3D"}


@dataclass(frozen=True)
class Flattened:
    call: LayerCall
    positions: int  # spatial (or time) positions of the feature map
    channels: int
    map_shape: tuple[int, ...]  # without the batch axis


class FlattenIntoLargeDense(Rule):
    """## What it does
    Flags a `Flatten` of a feature map with several spatial positions whose
    features go into a `Dense` layer (directly, through dropout or
    normalization, or through a `Concatenate`) that holds more than
    `min-share` of the model's parameters (and at least `min-params` of them).
    The message says how many parameters a global average pooling in place of
    the `Flatten` would save.

    ## Why is this bad?
    Flattening an `H x W x C` feature map multiplies the input width of the
    next `Dense` by `H * W`: VGG16's `Flatten` of a 7x7x512 map makes its first
    `Dense(4096)` hold 102.8M of the model's 138.4M parameters. Those weights
    cost memory, optimizer state and FLOPs, and they tie the model to one input
    size while adding little accuracy: global average pooling (as ResNet,
    Inception and EfficientNet end) feeds the `Dense` `C` features, keeps the
    channels' information and works at any input size. Where the position of a
    feature matters, a strided convolution or a smaller projection before the
    `Flatten` shrinks the map instead.

    Models that load trained weights (`load_weights`, `set_weights`, a
    checkpoint's `restore`) are not flagged: pooling would change the `Dense`
    kernel's shape, and the weights would no longer load. Nor are models built
    in test files (`test_*.py`, `*_test.py`), which are fixtures.

    ## Example
    ```python
    x = keras.layers.MaxPooling2D()(x)              # (None, 7, 7, 512)
    x = keras.layers.Flatten()(x)                   # 25,088 features
    x = keras.layers.Dense(4096, activation="relu")(x)  # 102.8M parameters
    ```

    Use instead:
    ```python
    x = keras.layers.GlobalAveragePooling2D()(x)    # 512 features
    x = keras.layers.Dense(4096, activation="relu")(x)  # 2.1M parameters
    ```

    ## Options
    - `min-share` (default 0.5): the share of the model's parameters the `Dense`
      must hold to be flagged.
    - `min-params` (default 1000000): smaller `Dense` layers are never flagged.
    - `min-positions` (default 4): feature maps with fewer spatial positions
      (a 2x2 map has 4) are not flagged; a `Flatten` of a 1x1 map is already a
      global pooling.

    ## References
    - Lin, Chen, Yan, *Network In Network* (2013), section 3.2: global average pooling instead of fully connected layers.
    - [keras.layers.GlobalAveragePooling2D](https://keras.io/api/layers/pooling_layers/global_average_pooling2d/)
    """

    code, name, severity = "KER103", "flatten-into-large-dense", Severity.WARNING
    summary = "a Flatten of a large feature map feeds a Dense that holds most of the parameters"
    default = False  # opt-in: docs/precision.md
    options = {"min-share": 0.5, "min-params": 1_000_000, "min-positions": 4}
    valid = [
        # The keras.io MNIST convnet: a 5x5x64 map into Dense(10): 16,010 of 34,826 parameters.
        """
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(64, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
""",
        # Global pooling, then the same big Dense head.
        """
import keras
inputs = keras.Input(shape=(14, 14, 512))
x = keras.layers.MaxPooling2D()(inputs)
x = keras.layers.GlobalAveragePooling2D()(x)
x = keras.layers.Dense(4096, activation="relu")(x)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
        # A Flatten of a 1x1 map is a global pooling already.
        """
import keras
inputs = keras.Input(shape=(1, 1, 2048))
x = keras.layers.Flatten()(inputs)
x = keras.layers.Dense(1024, activation="relu")(x)
outputs = keras.layers.Dense(10, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
        # VGG16's head with its trained weights loaded: pooling would change the kernel's shape.
        """
import keras
inputs = keras.Input(shape=(14, 14, 512))
x = keras.layers.MaxPooling2D()(inputs)
x = keras.layers.Flatten()(x)
x = keras.layers.Dense(4096, activation="relu")(x)
x = keras.layers.Dense(4096, activation="relu")(x)
outputs = keras.layers.Dense(1000, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.load_weights("vgg16_top.weights.h5")
""",
    ]
    invalid = [
        # VGG16's head: block5_pool (7x7x512) -> Flatten -> Dense(4096) -> Dense(4096) -> Dense(1000).
        """
import keras
inputs = keras.Input(shape=(14, 14, 512))
x = keras.layers.MaxPooling2D()(inputs)
x = keras.layers.Flatten()(x)
x = keras.layers.Dense(4096, activation="relu")(x)
x = keras.layers.Dense(4096, activation="relu")(x)
outputs = keras.layers.Dense(1000, activation="softmax")(x)
model = keras.Model(inputs, outputs)
""",
        # Flattened views concatenated into one Dense.
        """
import keras
views = [keras.Input(shape=(16, 16, 64)) for _ in range(3)]
flat = [keras.layers.Flatten()(v) for v in views]
x = keras.layers.concatenate(flat)
x = keras.layers.Dropout(0.3)(x)
x = keras.layers.Dense(256, activation="relu")(x)
outputs = keras.layers.Dense(1)(x)
model = keras.Model(views, outputs)
""",
    ]

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        min_share, min_params, min_positions = ctx.options["min-share"], ctx.options["min-params"], ctx.options["min-positions"]
        if is_test_file(ctx.path):
            return
        reported: set[int] = set()
        fixed = FixedWeights(ctx.analysis)
        for model in ctx.analysis.models:
            total = model.params
            if not total:
                continue
            for dense, flattened, via_concat in _dense_fed_by_flatten(model, min_positions):
                if dense.layer in fixed:
                    continue
                params = dense.layer.params
                units = dense.layer.config.raw("units")
                if not params or not isinstance(units, int) or params < min_params or params / total <= min_share:
                    continue
                saved = units * sum((f.positions - 1) * f.channels for f in flattened)
                for node_id, group in _by_source(flattened).items():
                    if node_id in reported:
                        continue
                    reported.add(node_id)
                    yield Report(ctx.analysis.locator.span(group[0].call.node), *_explained(dense, group, via_concat, total, saved))


def _dense_fed_by_flatten(model: ModelGraph, min_positions: int) -> Iterator[tuple[LayerCall, list[Flattened], bool]]:
    """Each Dense call whose input comes from Flatten calls of big feature maps (through Concatenate too)."""
    for call in model.calls:
        if call.layer.class_name != "Dense" or len(call.inputs) != 1:
            continue
        source = _skip_back(call.inputs[0].producer)
        via_concat = isinstance(source, LayerCall) and source.layer.class_name == "Concatenate"
        branches = [_skip_back(t.producer) for t in source.inputs] if via_concat else [source]
        flattened = [f for f in (_flattened(b, min_positions) for b in branches) if f is not None]
        if flattened:
            yield call, flattened, via_concat


def _skip_back(producer):
    while isinstance(producer, LayerCall) and producer.layer.class_name in PASS_THROUGH and len(producer.inputs) == 1:
        producer = producer.inputs[0].producer
    return producer


def _flattened(producer, min_positions: int) -> Flattened | None:
    if not isinstance(producer, LayerCall) or producer.layer.class_name != "Flatten" or len(producer.inputs) != 1:
        return None
    shape = producer.inputs[0].shape
    if not isinstance(shape, tuple) or len(shape) not in GLOBAL_POOLING or not all(isinstance(d, int) for d in shape[1:]):
        return None
    dims = shape[1:]
    if _channels_first(producer):
        channels, positions = dims[0], math.prod(dims[1:])
    else:
        channels, positions = dims[-1], math.prod(dims[:-1])
    if positions < min_positions:
        return None
    return Flattened(producer, positions, channels, dims)


def _channels_first(flatten: LayerCall) -> bool:
    data_format = flatten.layer.config.raw("data_format")
    if data_format is None:
        producer = flatten.inputs[0].producer
        data_format = producer.layer.config.raw("data_format") if isinstance(producer, LayerCall) else None
    return data_format == "channels_first"


def _by_source(flattened: list[Flattened]) -> dict[int, list[Flattened]]:
    """Flatten calls grouped by the Flatten layer (one helper called per view is one place in the code)."""
    groups: dict[int, list[Flattened]] = {}
    for item in flattened:
        groups.setdefault(id(item.call.node), []).append(item)
    return groups


def _explained(dense: LayerCall, group: list[Flattened], via_concat: bool, total: int, saved: int) -> tuple[str, str]:
    """(message, help): the Dense's share of the model, then the pooling that would replace Flatten."""
    first = group[0]
    map_text = "x".join(str(d) for d in first.map_shape)
    features = first.positions * first.channels
    pooling = GLOBAL_POOLING[len(first.map_shape) + 1]
    params = dense.layer.params
    each = f" ({len(group)} calls, {features:,} features each)" if len(group) > 1 else f" ({features:,} features)"
    route = " (through a concatenation)" if via_concat else ""
    return (
        f"Flatten of a {map_text} feature map{each} feeds {dense.layer.describe()} `{dense.layer.name}`{route}, which "
        f"holds {human_count(params)} of the model's {human_count(total)} parameters ({params / total:.0%})",
        f"Use {pooling} instead of Flatten: it would feed `{dense.layer.name}` {first.channels:,} features"
        f"{' per map' if len(group) > 1 or via_concat else ''} and save {human_count(saved)} parameters",
    )
