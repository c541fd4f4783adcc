"""Differential testing against real Keras: random model programs, kerlint's static view vs Keras's.

Hypothesis generates small but valid Functional and Sequential model programs as
Python source over the catalogue: random layers and sizes, branches, merges,
shared layers, several inputs and outputs. kerlint analyzes each program
statically (`engine.analyze_source` and `cost.model_costs`, as `kerlint cost`
does), the same program runs with real Keras, and each layer's output shape and
parameter count, the model's total and its list of layers must agree.

Every layer gets an explicit name, so the comparison does not depend on Keras's
session-wide name counters. The run is derandomized with a fixed budget of
examples (`DIFFERENTIAL_EXAMPLES`, default 200), so CI sees the same programs on
every run.
"""

from __future__ import annotations

import os
import random
import textwrap

import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
keras = pytest.importorskip("keras", reason="differential testing needs keras (and tensorflow) installed")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from kerlint.config import load_settings  # noqa: E402
from kerlint.cost import model_costs  # noqa: E402
from kerlint.engine import analyze_source  # noqa: E402
from kerlint.units import shape_str  # noqa: E402

EXAMPLES = int(os.environ.get("DIFFERENTIAL_EXAMPLES", "200"))
SETTINGS = load_settings(None, select=["ALL"])
"""Every rule, opt-in ones too: none may crash on a generated program."""


class Program:
    """A model program under construction: source lines and the shape (without batch) of each tensor."""

    def __init__(self, draw):
        self.draw = draw
        self.lines: list[str] = ["import keras"]
        self.tensors: dict[str, tuple[int, ...]] = {}
        self.inputs: list[str] = []
        self.count = 0
        self.shared: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = []  # (layer variable, input shape, output shape)

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def add_input(self, shape: tuple[int, ...], dtype: str | None = None) -> str:
        var = self.name("in")
        extra = f", dtype={dtype!r}" if dtype else ""
        self.lines.append(f"{var} = keras.Input(shape={shape!r}{extra}, name={var!r})")
        self.tensors[var] = shape
        self.inputs.append(var)
        return var

    def apply(self, layer: str, source: str | list[str], shape: tuple[int, ...]) -> str:
        var = self.name("t")
        args = source if isinstance(source, str) else "[" + ", ".join(source) + "]"
        self.lines.append(f"{var} = {layer}({args})")
        self.tensors[var] = shape
        return var


class Chooser:
    """Uniform random choices from one seed that Hypothesis draws (its own draws favour the first options)."""

    def __init__(self, seed: int):
        self.random = random.Random(seed)

    def int(self, low: int, high: int) -> int:
        return self.random.randint(low, high)

    def bool(self) -> bool:
        return self.random.random() < 0.5

    def pick(self, options):
        return self.random.choice(list(options))

    def sample(self, options, low: int, high: int) -> list:
        options = list(dict.fromkeys(options))
        return self.random.sample(options, min(len(options), self.int(low, high)))


def layer_for(draw, shape: tuple[int, ...], name: str) -> tuple[str, tuple[int, ...]] | None:
    """A random catalogue layer that takes `shape`, as source text, and its output shape."""
    rank = len(shape)
    last = shape[-1]
    n = f"name={name!r}"
    choices = ["Dense", "Dropout", "Activation", "BatchNormalization", "LayerNormalization", "ReLU", "LeakyReLU", "Softmax"]
    if rank >= 2:
        choices += ["Flatten"]
    if rank == 1:
        choices += ["RepeatVector", "Reshape", "GaussianNoise"]
    if rank == 2:
        choices += ["Conv1D", "Pool1D", "GlobalPool1D", "RNN", "Bidirectional", "MultiHeadAttention", "TimeDistributed",
                    "Permute", "SpatialDropout1D"]
    if rank == 3:
        choices += ["Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose", "Pool2D", "GlobalPool2D",
                    "UpSampling2D", "ZeroPadding2D", "Cropping2D", "SpatialDropout2D"]
    kind = draw.pick(choices)
    units = draw.int(1, 12)
    act = draw.pick([None, "relu", "tanh", "sigmoid", "softmax"])
    act_kw = f", activation={act!r}" if act else ""
    if kind == "Dense":
        bias = draw.bool()
        return f"keras.layers.Dense({units}{act_kw}, use_bias={bias}, {n})", (*shape[:-1], units)
    if kind == "Dropout":
        return f"keras.layers.Dropout({draw.pick(([0.1, 0.5]))}, {n})", shape
    if kind == "Activation":
        return f"keras.layers.Activation({draw.pick(['relu', 'tanh', 'linear'])!r}, {n})", shape
    if kind == "BatchNormalization":
        return f"keras.layers.BatchNormalization(center={draw.bool()}, scale={draw.bool()}, {n})", shape
    if kind == "LayerNormalization":
        return f"keras.layers.LayerNormalization({n})", shape
    if kind in ("ReLU", "LeakyReLU", "Softmax"):
        return f"keras.layers.{kind}({n})", shape
    if kind == "GaussianNoise":
        return f"keras.layers.GaussianNoise(0.1, {n})", shape
    if kind == "Flatten":
        size = 1
        for d in shape:
            size *= d
        return f"keras.layers.Flatten({n})", (size,)
    if kind == "RepeatVector":
        k = draw.int(2, 5)
        return f"keras.layers.RepeatVector({k}, {n})", (k, last)
    if kind == "Reshape":
        divisors = [d for d in range(1, last + 1) if last % d == 0]
        d = draw.pick(divisors)
        return f"keras.layers.Reshape(({d}, {last // d}), {n})", (d, last // d)
    if kind == "Conv1D":
        kernel = draw.int(1, min(3, shape[0]))
        padding = draw.pick(["valid", "same"])
        steps = shape[0] if padding == "same" else shape[0] - kernel + 1
        return f"keras.layers.Conv1D({units}, {kernel}, padding={padding!r}{act_kw}, {n})", (steps, units)
    if kind == "Pool1D":
        if shape[0] < 2:
            return None
        cls = draw.pick(["MaxPooling1D", "AveragePooling1D"])
        return f"keras.layers.{cls}(2, {n})", (shape[0] // 2, last)
    if kind == "GlobalPool1D":
        cls = draw.pick(["GlobalAveragePooling1D", "GlobalMaxPooling1D"])
        return f"keras.layers.{cls}({n})", (last,)
    if kind in ("RNN", "Bidirectional"):
        cls = draw.pick(["LSTM", "GRU", "SimpleRNN"])
        sequences = draw.bool()
        inner = f"keras.layers.{cls}({units}, return_sequences={sequences}" + (f", {n})" if kind == "RNN" else ")")
        width = units if kind == "RNN" else 2 * units
        out = (shape[0], width) if sequences else (width,)
        return (inner if kind == "RNN" else f"keras.layers.Bidirectional({inner}, {n})"), out
    if kind == "MultiHeadAttention":
        heads, key_dim = draw.int(1, 3), draw.int(1, 4)
        return f"MHA:keras.layers.MultiHeadAttention({heads}, {key_dim}, {n})", shape
    if kind == "TimeDistributed":
        return f"keras.layers.TimeDistributed(keras.layers.Dense({units}), {n})", (shape[0], units)
    if kind == "Permute":
        return f"keras.layers.Permute((2, 1), {n})", (shape[1], shape[0])
    if kind in ("SpatialDropout1D", "SpatialDropout2D"):
        return f"keras.layers.{kind}(0.2, {n})", shape
    h, w = shape[0], shape[1]
    if kind in ("Conv2D", "SeparableConv2D", "DepthwiseConv2D"):
        kernel = draw.int(1, min(3, h, w))
        padding = draw.pick(["valid", "same"])
        strides = draw.int(1, 2)
        out_hw = [(d + strides - 1) // strides if padding == "same" else (d - kernel) // strides + 1 for d in (h, w)]
        if kind == "DepthwiseConv2D":
            mult = draw.int(1, 2)
            layer = f"keras.layers.DepthwiseConv2D({kernel}, strides={strides}, padding={padding!r}, depth_multiplier={mult}, {n})"
            return layer, (*out_hw, last * mult)
        return f"keras.layers.{kind}({units}, {kernel}, strides={strides}, padding={padding!r}{act_kw}, {n})", (*out_hw, units)
    if kind == "Conv2DTranspose":
        kernel, strides = draw.int(1, 3), draw.int(1, 2)
        padding = draw.pick(["valid", "same"])
        out_hw = [d * strides if padding == "same" else d * strides + max(kernel - strides, 0) for d in (h, w)]
        return f"keras.layers.Conv2DTranspose({units}, {kernel}, strides={strides}, padding={padding!r}, {n})", (*out_hw, units)
    if kind == "Pool2D":
        if min(h, w) < 2:
            return None
        cls = draw.pick(["MaxPooling2D", "AveragePooling2D"])
        return f"keras.layers.{cls}(2, {n})", (h // 2, w // 2, last)
    if kind == "GlobalPool2D":
        cls = draw.pick(["GlobalAveragePooling2D", "GlobalMaxPooling2D"])
        return f"keras.layers.{cls}({n})", (last,)
    if kind == "UpSampling2D":
        return f"keras.layers.UpSampling2D(2, {n})", (2 * h, 2 * w, last)
    if kind == "ZeroPadding2D":
        p = draw.int(1, 2)
        return f"keras.layers.ZeroPadding2D({p}, {n})", (h + 2 * p, w + 2 * p, last)
    if kind == "Cropping2D":
        if min(h, w) < 3:
            return None
        return f"keras.layers.Cropping2D(1, {n})", (h - 2, w - 2, last)
    raise AssertionError(kind)


def _input_shape(draw) -> tuple[int, ...]:
    kind = draw.pick(["vector", "sequence", "image"])
    if kind == "vector":
        return (draw.int(2, 16),)
    if kind == "sequence":
        return (draw.int(3, 8), draw.int(2, 6))
    return (draw.int(4, 9), draw.int(4, 9), draw.int(1, 3))


@st.composite
def functional_programs(draw) -> str:
    draw = Chooser(draw(st.integers(0, 2**63)))
    program = Program(draw)
    first = program.add_input(_input_shape(draw))
    if draw.bool():
        program.add_input(program.tensors[first])  # a second input of the same shape: merges and sharing
    if draw.int(0, 5) == 0:
        tokens = program.add_input((draw.int(3, 8),), dtype="int32")
        dim = draw.int(2, 6)
        name = program.name("embedding")
        program.apply(f"keras.layers.Embedding({draw.int(5, 50)}, {dim}, name={name!r})", tokens,
                      (program.tensors[tokens][0], dim))
    for _ in range(draw.int(1, 7)):
        names = list(program.tensors)
        move = draw.pick(["layer", "layer", "layer", "merge", "shared"])
        if move == "merge":
            by_shape: dict[tuple, list[str]] = {}
            for var in names:
                by_shape.setdefault(program.tensors[var], []).append(var)
            groups = [group for group in by_shape.values() if len(group) >= 2]
            concat = {}
            for var in names:
                shape = program.tensors[var]
                concat.setdefault(shape[:-1], []).append(var)
            concat_groups = [group for group in concat.values() if len(group) >= 2]
            if groups and draw.bool():
                group = draw.sample(groups[draw.int(0, len(groups) - 1)], 2, 3)
                cls = draw.pick(["Add", "Multiply", "Average", "Maximum", "Minimum"] + (["Subtract"] if len(group) == 2 else []))
                program.apply(f"keras.layers.{cls}(name={program.name('merge')!r})", group, program.tensors[group[0]])
                continue
            if concat_groups:
                group = concat_groups[draw.int(0, len(concat_groups) - 1)]
                picked = draw.sample(group, 2, 3)
                width = sum(program.tensors[var][-1] for var in picked)
                shape = (*program.tensors[picked[0]][:-1], width)
                program.apply(f"keras.layers.Concatenate(name={program.name('concat')!r})", picked, shape)
                continue
            move = "layer"
        if move == "shared":
            candidates = [(layer, i, o) for layer, i, o in program.shared if any(program.tensors[v] == i for v in names)]
            if candidates:
                layer, in_shape, out_shape = candidates[draw.int(0, len(candidates) - 1)]
                source = draw.pick(([v for v in names if program.tensors[v] == in_shape]))
                program.apply(layer, source, out_shape)
                continue
            source = draw.pick((names))
            shape = program.tensors[source]
            units = draw.int(1, 8)
            layer = program.name("shared")
            program.lines.append(f"{layer} = keras.layers.Dense({units}, name={layer!r})")
            out = (*shape[:-1], units)
            program.shared.append((layer, shape, out))
            program.apply(layer, source, out)
            continue
        source = draw.pick((names))
        made = layer_for(draw, program.tensors[source], program.name("layer"))
        if made is None:
            continue
        text, shape = made
        if text.startswith("MHA:"):
            var = program.name("t")
            program.lines.append(f"{var} = {text[4:]}({source}, {source})")
            program.tensors[var] = shape
        else:
            program.apply(text, source, shape)
    produced = [var for var in program.tensors if var not in program.inputs] or [program.inputs[0]]
    outputs = [produced[-1]]
    if len(produced) > 1 and draw.int(0, 3) == 0:
        outputs.append(produced[draw.int(0, len(produced) - 2)])
    ins = program.inputs[0] if len(program.inputs) == 1 else "[" + ", ".join(program.inputs) + "]"
    outs = outputs[0] if len(outputs) == 1 else "[" + ", ".join(outputs) + "]"
    program.lines.append(f"model = keras.Model({ins}, {outs}, name='m')")
    return "\n".join(program.lines) + "\n"


@st.composite
def sequential_source(draw) -> str:
    draw = Chooser(draw(st.integers(0, 2**63)))
    first = _input_shape(draw)
    shape, layers, count = first, [], 0
    for _ in range(draw.int(1, 6)):
        count += 1
        made = layer_for(draw, shape, f"layer{count}")
        if made is None or made[0].startswith("MHA:"):
            continue
        text, shape = made
        layers.append(text)
    items = ",\n    ".join([f"keras.Input(shape={first!r})", *layers])
    if draw.bool():
        return f"import keras\nmodel = keras.Sequential([\n    {items},\n], name='m')\n"
    adds = "".join(f"model.add({text})\n" for text in layers)
    return f"import keras\nmodel = keras.Sequential(name='m')\nmodel.add(keras.Input(shape={first!r}))\n{adds}"


def keras_view(source: str) -> list[tuple[str, str, str | None, int]]:
    """(name, class, output shape or None for a layer called more than once, parameters) per layer, in order."""
    keras.backend.clear_session()
    namespace: dict = {}
    exec(compile(source, "generated.py", "exec"), namespace)  # noqa: S102 - our own generated program
    model = namespace["model"]
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        nodes = getattr(layer, "_inbound_nodes", [])
        shape = shape_str(tuple(layer.output.shape)) if len(nodes) == 1 else None
        rows.append((layer.name, type(layer).__name__, shape, layer.count_params()))
    return rows


def kerlint_view(source: str) -> tuple[list[tuple[str, str, str, int | None]], int | None]:
    result = analyze_source(source, "generated.py", SETTINGS)
    assert [f for f in result.findings if f.code == "KER000"] == [], result.findings
    assert result.analysis is not None
    costs = [cost for cost in model_costs(result.analysis) if cost.name == "m"]
    assert len(costs) == 1, f"kerlint found {[c.name for c in model_costs(result.analysis)]}"
    cost = costs[0]
    return [(row.name, row.class_name, row.output_shape, row.params) for row in cost.layers], cost.params


def compare(source: str) -> None:
    expected = keras_view(source)
    static, total = kerlint_view(source)
    listing = textwrap.indent(source, "    ")
    assert [row[0] for row in static] == [row[0] for row in expected], f"layer lists differ for\n{listing}"
    for (name, cls, shape, params), (_, k_cls, k_shape, k_params) in zip(static, expected):
        assert cls == k_cls, f"{name}: class {cls} vs Keras {k_cls}\n{listing}"
        assert params == k_params, f"{name} ({cls}): {params} parameters vs Keras {k_params}\n{listing}"
        if k_shape is not None:
            assert shape == k_shape, f"{name} ({cls}): output {shape} vs Keras {k_shape}\n{listing}"
    assert total == sum(row[3] for row in expected), f"total {total}\n{listing}"


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(st.one_of(functional_programs(), sequential_source()))
def test_kerlint_agrees_with_keras_on_random_models(source):
    compare(source)


