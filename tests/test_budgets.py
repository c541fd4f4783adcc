"""`[tool.kerlint.budgets]` and KER901: parsing, config errors that name the key, readable findings."""

from __future__ import annotations

import json
import textwrap

import pytest

from kerlint.budgets import BudgetError, parse_budgets, parse_bytes, parse_count, parse_flops
from kerlint.config import ConfigError, load_settings

from helpers import kerlint

VGG_HEAD = """
import keras
from keras import layers
inputs = keras.Input(shape=(14, 14, 512))
x = layers.Conv2D(512, 3, padding="same", activation="relu")(inputs)
x = layers.MaxPooling2D()(x)
x = layers.Flatten()(x)
x = layers.Dense(4096, activation="relu")(x)
outputs = layers.Dense(1000, activation="softmax")(x)
model = keras.Model(inputs, outputs, name="vgg_head")
model.compile(optimizer="sgd", loss="categorical_crossentropy")

small_in = keras.Input(shape=(32,))
small = keras.Model(small_in, layers.Dense(8)(small_in), name="small_head")
"""
VGG_PARAMS = (3 * 3 * 512 * 512 + 512) + (25088 * 4096 + 4096) + (4096 * 1000 + 1000)  # 109,221,352


def _project(tmp_path, budgets: str, source: str = VGG_HEAD):
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n" + textwrap.dedent(budgets), encoding="utf-8")
    (tmp_path / "model.py").write_text(source, encoding="utf-8")
    return tmp_path


def _check(project, *extra: str):
    return kerlint("check", "model.py", "--select", "KER901", "--output-format", "concise", *extra, cwd=project)


@pytest.mark.parametrize(
    "text, value",
    [(25_000_000, 25_000_000), ("25M", 25_000_000), ("25.6M", 25_600_000), ("300K", 300_000), ("1.2B", 1_200_000_000),
     ("25_000_000", 25_000_000), ("20M params", 20_000_000)],
)
def test_parse_counts(text, value):
    assert parse_count(text) == value


@pytest.mark.parametrize(
    "text, value",
    [("4 GFLOPs", 4 * 10**9), ("4G", 4 * 10**9), ("750 MFLOPs", 750 * 10**6), ("1.5TFLOPS", 1.5 * 10**12), (10**9, 10**9), ("4e9", 4 * 10**9)],
)
def test_parse_flops(text, value):
    assert parse_flops(text) == value


@pytest.mark.parametrize(
    "text, value",
    [("512 MB", 512 * 2**20), ("2GB", 2 * 2**30), ("1.5 GiB", int(1.5 * 2**30)), ("100 B", 100), (4096, 4096), ("64kb", 64 * 1024)],
)
def test_parse_bytes_like_model_summary(text, value):
    assert parse_bytes(text) == value


@pytest.mark.parametrize("bad", ["abc", "10 ib", True, "-5M", "5 MB extra", [1]])
def test_bad_values_are_errors(bad):
    with pytest.raises(BudgetError):
        parse_bytes(bad)


@pytest.mark.parametrize(
    "table, message",
    [
        ({"max-param": "20M"}, "[tool.kerlint.budgets] unknown key 'max-param' (allowed: max-params, max-flops, max-memory, batch-size, dtype, memory, optimizer, models)"),
        ({"max-params": "twenty"}, "[tool.kerlint.budgets] 'max-params' must be a number of parameters"),
        ({"max-memory": 100}, None),
        ({"max-memory": "100 megs"}, "[tool.kerlint.budgets] 'max-memory' must be a size like"),
        ({"batch-size": 0}, "[tool.kerlint.budgets] 'batch-size' must be a positive integer, got 0"),
        ({"dtype": "float64"}, "[tool.kerlint.budgets] 'dtype' must be one of float32, float16, bfloat16, mixed_float16, mixed_bfloat16"),
        ({"memory": "peak"}, "[tool.kerlint.budgets] 'memory' must be \"training\" or \"inference\", got 'peak'"),
        ({"optimizer": "adamw2"}, "[tool.kerlint.budgets] 'optimizer' must be one of "),
        ({"models": {"resnet*": {"max-flops": "a lot"}}}, '[tool.kerlint.budgets.models."resnet*"] \'max-flops\' must be a FLOP count'),
        ({"models": {"resnet*": {"models": {}}}}, '[tool.kerlint.budgets.models."resnet*"] unknown key \'models\''),
        ({"models": {"resnet*": 5}}, '[tool.kerlint.budgets.models."resnet*"] must be a table of budgets, got an integer'),
        ({"models": ["resnet*"]}, "[tool.kerlint.budgets] 'models' must be a table of model-name glob -> table of budgets, got a list"),
    ],
)
def test_configuration_errors_name_the_key(table, message):
    if message is None:
        parse_budgets(table, "pyproject.toml", "[tool.kerlint.budgets]")
        return
    with pytest.raises(BudgetError) as error:
        parse_budgets(table, "pyproject.toml", "[tool.kerlint.budgets]")
    assert str(error.value).startswith(message), str(error.value)


def test_config_file_errors_name_the_file_and_key(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kerlint.budgets]\nmax-params = "lots"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(tmp_path / "pyproject.toml")
    assert "[tool.kerlint.budgets] 'max-params' must be a number of parameters" in str(error.value)
    project = _project(tmp_path, '[tool.kerlint.budgets]\nmax-memory = "2 GBs"\n')
    result = _check(project)
    assert result.returncode == 2
    assert result.stderr.startswith("kerlint: error: pyproject.toml: [tool.kerlint.budgets] 'max-memory' must be a size like")


def test_per_model_globs_overlay_the_global_budget_in_order():
    budgets = parse_budgets(
        {"max-params": "20M", "batch-size": 8, "models": {"vgg*": {"max-params": "200M"}, "vgg_head": {"max-flops": "1G"}}},
        "pyproject.toml",
        "[tool.kerlint.budgets]",
    )
    vgg = budgets.for_model("vgg_head")
    assert vgg.max_params.value == 200_000_000 and vgg.max_params.origin == 'max-params for models "vgg*" in pyproject.toml'
    assert vgg.max_flops.value == 10**9 and vgg.batch_size == 8 and vgg.dtype == "float32" and vgg.memory == "training"
    other = budgets.for_model("resnet50")
    assert other.max_params.value == 20_000_000 and other.max_params.origin == "max-params in pyproject.toml"
    assert other.max_flops is None


def test_over_budget_names_the_model_the_figure_and_the_limit(tmp_path):
    project = _project(tmp_path, '[tool.kerlint.budgets]\nmax-params = "20M"\n')
    result = _check(project)
    assert result.returncode == 1, result.stderr
    line = result.stdout.splitlines()[0]
    assert line == (
        "model.py:10:9: KER901 model `vgg_head` has 109.2M parameters, over the budget of 20M (max-params in pyproject.toml)"
    )
    assert "small_head" not in result.stdout


def test_flops_and_memory_budgets_use_the_budget_batch_size_dtype_and_optimizer(tmp_path):
    project = _project(
        tmp_path,
        """
        [tool.kerlint.budgets]
        max-flops = "1 GFLOPs"
        max-memory = "1 GB"
        batch-size = 4

        [tool.kerlint.budgets.models."small*"]
        max-flops = 1
        """,
    )
    result = _check(project, "--output-format", "json")
    messages = [finding["message"] for finding in json.loads(result.stdout)]
    assert any(m.startswith("model `vgg_head` needs ") and m.endswith(
        " per forward pass at batch 4, over the budget of 1 GFLOPs (max-flops in pyproject.toml)") for m in messages), messages
    # trained with SGD (its compile): weights + gradients + activations, about 1.2 GB at batch 4
    assert any(m.startswith("model `vgg_head` needs about ") and "to train (batch 4, float32, SGD), over the budget of 1 GB" in m
               for m in messages), messages
    assert any(m.startswith("model `small_head` needs ") and 'over the budget of 1 (max-flops for models "small*" in pyproject.toml)' in m
               for m in messages), messages


def test_memory_budget_can_limit_inference_instead(tmp_path):
    project = _project(tmp_path, '[tool.kerlint.budgets]\nmax-memory = "400 MB"\nmemory = "inference"\n')
    result = _check(project)
    assert result.returncode == 1
    assert "model `vgg_head` needs about 41" in result.stdout and " MB for inference (batch 1, float32), over the budget of 400 MB" in result.stdout


def test_partial_models_are_checked_only_when_the_known_part_is_over(tmp_path):
    source = VGG_HEAD.replace("layers.Dense(1000,", "layers.Dense(number_of_classes(),")  # units not statically known
    project = _project(tmp_path, '[tool.kerlint.budgets]\nmax-params = "20M"\n', source)
    result = _check(project)
    assert "model `vgg_head` has at least 105.1M parameters" in result.stdout
    project = _project(tmp_path, '[tool.kerlint.budgets.models."vgg*"]\nmax-flops = "1G"\n', source)
    assert "model `vgg_head` needs at least 1.1 GFLOPs per forward pass at batch 1, over the budget of 1G" in _check(project).stdout
    project = _project(tmp_path, '[tool.kerlint.budgets.models."vgg*"]\nmax-params = "200M"\nmax-memory = "1 KB"\n', source)
    assert _check(project).returncode == 0  # memory of a partial model is unknown: no finding


def test_no_budgets_no_findings_and_ignore_works(tmp_path):
    project = _project(tmp_path, '[tool.kerlint.budgets]\nmax-params = "20M"\n')
    assert kerlint("check", "model.py", "--select", "KER901", "--ignore", "over-budget", cwd=project).returncode == 0
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n", encoding="utf-8")
    assert _check(tmp_path).returncode == 0


def test_budgets_change_the_settings_fingerprint(tmp_path):
    (tmp_path / "a.toml").write_text('[tool.kerlint.budgets]\nmax-params = "20M"\n', encoding="utf-8")
    (tmp_path / "b.toml").write_text('[tool.kerlint.budgets]\nmax-params = "30M"\n', encoding="utf-8")
    assert load_settings(tmp_path / "a.toml").fingerprint() != load_settings(tmp_path / "b.toml").fingerprint()


def test_the_readme_budgets_example_is_valid():
    import tomllib

    from helpers import readme_block

    table = tomllib.loads(readme_block("toml", "[tool.kerlint.budgets]"))["tool"]["kerlint"]["budgets"]
    budgets = parse_budgets(table, "pyproject.toml", "[tool.kerlint.budgets]")
    resnet = budgets.for_model("resnet50")
    assert resnet.max_params.value == 30_000_000 and resnet.max_flops.value == 4 * 10**9
    assert resnet.max_memory.value == 2 * 2**30 and resnet.batch_size == 32 and resnet.dtype == "mixed_float16"
