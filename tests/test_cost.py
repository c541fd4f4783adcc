"""`kerlint cost`: FLOPs totals, the memory model, optimizer state, units and the three formats."""

from __future__ import annotations

import json

import pytest

from kerlint.cost import flops_summary, human_flops, model_cost, model_costs, model_flops
from kerlint.memory import (
    PRECISIONS,
    Optimizer,
    estimate,
    human_bytes,
    model_optimizer,
    optimizer_from_value,
)

from helpers import analyze, kerlint

TINY_CNN = """
import keras
from keras import layers
model = keras.Sequential([
    keras.Input(shape=(8, 8, 3)),
    layers.Conv2D(4, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""


def _model(source: str):
    analysis = analyze(source).analysis
    [model] = analysis.models
    return analysis, model


def test_memory_of_a_tiny_cnn_matches_the_documented_formulas():
    analysis, model = _model(TINY_CNN)
    memory = estimate(model, batch_size=2, optimizer=model_optimizer(model, analysis.locator.line))
    params = 3 * 3 * 3 * 4 + 4 + 36 * 10 + 10  # 482
    assert memory.weights == params * 4 == 1928
    # inputs 2x8x8x3, conv 2x6x6x4, pool 2x3x3x4, flatten and dropout 2x36 each, dense 2x10; 4 bytes each
    assert memory.activations == 4 * (384 + 288 + 72 + 72 + 72 + 20)
    # inference: the input and the conv output are alive together; flatten and dropout are views
    assert memory.inference_peak == 1928 + 4 * (384 + 288)
    # training: what the gradients read (the conv its input, relu and softmax their outputs, the max pool both,
    # the dense its input), each once; the dropout its boolean mask (1 byte an element); views nothing
    assert memory.saved_activations == 4 * (384 + 288 + 72 + 0 + 72 + 20) + 72
    assert memory.backward_workspace == 4 * 288  # the conv output's gradient
    assert memory.optimizer.name == "Adam" and memory.optimizer.slots == 2 and memory.optimizer.source == "compile"
    assert memory.optimizer_state == 2 * 1928 and memory.gradients == memory.backward_gradients == 1928
    assert memory.update_workspace == 2 * 360 * 4  # Adam's temporaries on the Dense kernel
    backprop = 1928 + memory.saved_activations + memory.backward_workspace
    assert memory.training == 1928 + 2 * 1928 + max(backprop, 1928 + memory.update_workspace) == 12280


def test_memory_scales_with_batch_size_and_dtype_policy():
    _, model = _model(TINY_CNN)
    one, four = estimate(model, 1), estimate(model, 4)
    assert four.activations == 4 * one.activations and four.weights == one.weights
    mixed = estimate(model, 2, PRECISIONS["mixed_float16"])
    assert mixed.weights == 482 * 4  # variables stay float32
    assert mixed.weight_copies == 482 * 2  # float16 casts made at each call
    assert mixed.activations == 2 * 8 * 8 * 3 * 4 + (288 + 72 + 72 + 72 + 20) * 2  # inputs stay float32
    half = estimate(model, 2, PRECISIONS["float16"])
    assert half.weights == 482 * 2 and half.weight_copies == 0


def test_recurrent_layers_keep_their_per_step_state_for_backprop():
    analysis, model = _model(
        """
import keras
model = keras.Sequential([keras.Input(shape=(100,), dtype="int32"), keras.layers.Embedding(1000, 16),
                          keras.layers.LSTM(32), keras.layers.Dense(1)])
"""
    )
    memory = estimate(model, 2, optimizer=optimizer_from_value("sgd"))
    embedding_out, lstm_out, dense_out = 2 * 100 * 16 * 4, 2 * 32 * 4, 2 * 4
    per_step = 2 * 100 * (16 + 7 * 32) * 4  # x_t, h, c, four gates, tanh(c)
    # the token ids (the embedding's gradient reads them), the LSTM's input, output and per-step state, and the
    # model's output (the loss's gradient reads it)
    assert memory.saved_activations == 2 * 100 * 4 + embedding_out + lstm_out + per_step + dense_out
    # the embedding's gradient is sparse during backprop: one 16-wide row per looked-up token
    lstm_params = 4 * 32 * (16 + 32 + 1)
    assert memory.backward_gradients == (2 * 100 * 16 + lstm_params + 33) * 4
    assert memory.gradients == (1000 * 16 + lstm_params + 33) * 4


def test_unknown_dimensions_leave_activation_memory_unknown():
    _, model = _model(
        """
import keras
inputs = keras.Input(shape=(None,), dtype="int32")
x = keras.layers.Embedding(100, 8)(inputs)
x = keras.layers.LSTM(4)(x)
model = keras.Model(inputs, keras.layers.Dense(1)(x))
"""
    )
    memory = estimate(model, 8)
    assert memory.weights is not None
    assert memory.activations is None and memory.inference_peak is None and memory.training is None
    assert any("not fully known" in note for note in memory.notes)


@pytest.mark.parametrize(
    "expression, name, slots",
    [
        ('"sgd"', "SGD", 0),
        ("keras.optimizers.SGD(0.01, 0.9)", "SGD (with momentum)", 1),
        ("keras.optimizers.SGD(momentum=0.9, nesterov=True)", "SGD (with momentum)", 1),
        ('"adam"', "Adam", 2),
        ("keras.optimizers.Adam(amsgrad=True)", "Adam (amsgrad)", 3),
        ("keras.optimizers.AdamW(1e-3, 0.004, 0.9, 0.999, 1e-7, True)", "AdamW (amsgrad)", 3),
        ('"rmsprop"', "RMSprop", 1),
        ("keras.optimizers.RMSprop(momentum=0.9, centered=True)", "RMSprop (momentum, centered)", 3),
        ("keras.optimizers.Adagrad()", "Adagrad", 1),
        ('"adadelta"', "Adadelta", 2),
        ("keras.optimizers.Adamax()", "Adamax", 2),
        ("keras.optimizers.Nadam()", "Nadam", 2),
        ("keras.optimizers.Lion()", "Lion", 1),
        ("keras.optimizers.Ftrl()", "Ftrl", 2),
        ("keras.optimizers.Lamb()", "Lamb", 2),
        ("keras.optimizers.Adafactor()", "Adafactor", 1),
        ("keras.optimizers.Adam(use_ema=True)", "Adam (EMA)", 3),
        ("keras.optimizers.SGD(gradient_accumulation_steps=4)", "SGD (gradient accumulation)", 1),
    ],
)
def test_optimizer_slots_match_the_variables_keras_builds(expression, name, slots):
    analysis, model = _model(f"import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\nmodel.compile(optimizer={expression}, loss='mse')\n")
    found = model_optimizer(model, analysis.locator.line)
    assert (found.name, found.slots, found.line) == (name, slots, 3)

    keras = pytest.importorskip("keras")
    optimizer = keras.optimizers.get(eval(expression, {"keras": keras}))  # noqa: S307 - our own test table
    variable = keras.Variable(keras.ops.zeros((5, 7)))
    optimizer.build([variable])
    full_size = [v for v in optimizer.variables if tuple(v.shape) == (5, 7)]
    assert len(full_size) == slots


def test_unknown_optimizers_leave_the_training_estimate_unknown():
    analysis, model = _model(
        "import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n"
        "model.compile(optimizer=make_optimizer(), loss='mse')\n"
    )
    found = model_optimizer(model, analysis.locator.line)
    assert found.slots is None
    memory = estimate(model, 1, optimizer=found)
    assert memory.training is None and memory.inference_peak is not None
    flag = optimizer_from_value("adam")
    assert isinstance(flag, Optimizer)
    assert optimizer_from_value("muon").slots is None  # not modelled: unknown, never guessed


def test_a_model_never_compiled_is_costed_with_adam_and_says_so():
    analysis, model = _model("import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])\n")
    found = model_optimizer(model, analysis.locator.line)
    assert (found.name, found.source) == ("Adam", "assumed")
    assert "assumed" in found.describe()
    assert model_optimizer(model, analysis.locator.line, "sgd").source == "option"


def test_flops_totals_are_never_made_up_when_a_layer_is_unknown():
    analysis, model = _model(TINY_CNN)
    full = model_flops(model, 3)
    assert full.total is not None and full.total == full.known
    assert full.total == 3 * sum(call.flops for call in model.calls)
    dense = next(call for call in model.calls if call.layer.class_name == "Dense")
    known_part = full.known - 3 * dense.flops
    dense.flops = None  # as for a layer the catalogue has no FLOPs for
    partial = model_flops(model, 3)
    assert partial.total is None and partial.known == known_part and partial.unknown == ("dense",)
    assert flops_summary(partial).startswith("? FLOPs (at least ")
    cost = model_cost(analysis, model, 3)
    as_json = cost.to_json()
    assert as_json["flops"] is None and as_json["flops_known"] == known_part and as_json["flops_unknown"] == ["dense"]
    assert [row["flops"] for row in as_json["layers"]][-1] is None


def test_human_units():
    assert human_bytes(25_636_712 * 4) == "97.8 MB"  # ResNet50's weights, as model.summary() prints them
    assert human_bytes(512) == "512 B" and human_bytes(2048) == "2 KB" and human_bytes(3 * 2**30) == "3 GB"
    assert human_flops(7_700_000_000) == "7.7 GFLOPs" and human_flops(999) == "999 FLOPs"


def test_summary_line_has_params_flops_and_weights():
    analysis, model = _model(TINY_CNN)
    cost = model_cost(analysis, model)
    assert cost.summary() == f"482 params, {human_flops(cost.total_flops)}, 1.9 KB weights"


def test_cost_json_adds_flops_and_memory_per_model_and_per_layer():
    result = kerlint("cost", "examples/mnist_cnn.py", "--format", "json", "--batch-size", "4")
    assert result.returncode == 0, result.stderr
    [model] = json.loads(result.stdout)["models"]
    assert {"name", "path", "line", "function", "params", "trainable_params", "non_trainable_params", "layers", "unresolved"} <= set(model)
    assert model["batch_size"] == 4 and isinstance(model["flops"], int)
    memory = model["memory"]
    assert memory["dtype"] == "float32" and memory["weights"] == 34_826 * 4
    assert memory["training"]["optimizer"] == "Adam" and memory["training"]["optimizer_source"] == "compile"
    layer = model["layers"][0]
    assert {"name", "class", "output_shape", "params", "flops", "memory"} <= set(layer)
    assert layer["memory"] == {"activations": 4 * 26 * 26 * 32 * 4, "weights": 320 * 4}
    single = json.loads(kerlint("cost", "examples/mnist_cnn.py", "--format", "json").stdout)["models"][0]
    assert model["flops"] == 4 * single["flops"]
    assert layer["flops"] == 4 * single["layers"][0]["flops"]


def test_cost_table_and_markdown():
    table = kerlint("cost", "examples/mnist_cnn.py", "--batch-size", "32").stdout
    assert "Layer (type)" in table and "FLOPs" in table and "Activations" in table
    assert "Total FLOPs (batch 32):" in table and "Training peak (batch 32, float32, Adam (compile, line 31)): ~" in table
    assert "Summary: 34,826 params, " in table and " weights" in table
    markdown = kerlint("cost", "examples/mnist_cnn.py", "--format", "markdown").stdout
    assert markdown.startswith("### `sequential` (examples/mnist_cnn.py:18)\n\n**34,826 params, ")
    assert "| Layer | Class | Output shape | Params | FLOPs | Activations |" in markdown
    assert "| conv2d | Conv2D | `(None, 26, 26, 32)` | 320 |" in markdown


def test_cost_options_are_validated():
    assert kerlint("cost", "examples/mnist_cnn.py", "--batch-size", "0").returncode == 2
    assert kerlint("cost", "examples/mnist_cnn.py", "--dtype", "float64").returncode == 2
    mixed = json.loads(kerlint("cost", "examples/mnist_cnn.py", "--format", "json", "--dtype", "mixed_float16", "--optimizer", "sgd").stdout)
    memory = mixed["models"][0]["memory"]
    assert memory["dtype"] == "mixed_float16" and memory["weights_by_dtype"] == {"float32": 34_826 * 4}
    assert memory["training"]["optimizer"] == "SGD" and memory["training"]["optimizer_source"] == "option"


def test_partial_models_report_unknown_not_zero():
    costs = model_costs(analyze("import keras\nx = keras.Input((4,))\nmodel = keras.Model(x, unknown_layer(x))\n").analysis)
    [cost] = costs
    assert cost.params is None and cost.total_flops is None and cost.memory.training is None


def _memory_benchmark():
    import importlib.util
    import sys

    from helpers import ROOT

    spec = importlib.util.spec_from_file_location("memory_check", ROOT / "benchmarks" / "memory_check.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_every_memory_benchmark_case_has_a_static_figure():
    benchmark = _memory_benchmark()
    assert all(benchmark.static_figure(case) for case in benchmark.CASES)


@pytest.mark.parametrize("model", ["small CNN", "small LSTM"])
def test_training_estimate_is_within_25_percent_of_tensorflows_peak(model):
    """One measured case each (benchmarks/memory_check.py has them all): batch 32, Adam, on CPU."""
    pytest.importorskip("tensorflow")
    benchmark = _memory_benchmark()
    case = benchmark.Case(model, 32, '"adam"', "training")
    static, measured = benchmark.static_figure(case), benchmark.measured_figure(case)["tensors"]
    assert abs(static / measured - 1) <= 0.25, (static, measured)
