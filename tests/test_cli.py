"""End to end: the `kerlint` command on examples/ and on bad input, as users run it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import ROOT, kerlint, last_code
from kerlint.rules import ALL_RULES

EXPECTED_ON_EXAMPLES = [
    ("examples/article_shared_layers.py", 14, 10, "KER301"),
    ("examples/fashion_mlp_overfit.py", 17, 1, "KER202"),
    ("examples/mnist_mlp_unscaled.py", 18, 1, "KER201"),
    ("examples/multiview_wide_concat.py", 18, 12, "KER103"),  # the Flatten in view_encoder, called for 3 views
    ("examples/multiview_wide_concat.py", 22, 12, "KER101"),
    ("examples/multiview_wide_concat.py", 22, 12, "KER102"),
    ("examples/siamese_unshared.py", 24, 10, "KER101"),
]
CLEAN_EXAMPLES = [
    "article_inefficient_concatenation.py",
    "article_plot_model.py",
    "mnist_cnn.py",
    "two_tower_recommender.py",
    "imdb_lstm.py",
    "tabular_regression.py",
    "subclassed_model.py",
    "cifar_resnet/classifier.py",
]


def test_examples_report_exactly_the_expected_findings():
    result = kerlint("examples", "--output-format", "json")
    assert result.returncode == 1, result.stderr
    found = [(f["path"], f["line"], f["column"], f["code"]) for f in json.loads(result.stdout)]
    assert found == EXPECTED_ON_EXAMPLES


def test_json_findings_have_the_documented_keys():
    findings = json.loads(kerlint("examples", "--output-format", "json").stdout)
    keys = {"code", "name", "message", "help", "severity", "path", "line", "column", "end_line", "end_column"}
    assert all(set(f) == keys for f in findings)


def test_article_example_2_names_both_shapes_and_both_lines():
    result = kerlint("examples/article_shared_layers.py", "--output-format", "concise")
    assert result.returncode == 1
    [line, summary] = result.stdout.splitlines()
    assert line.startswith("examples/article_shared_layers.py:14:10: KER301 ")
    assert "(None, 10)" in line and "(None, 20)" in line
    assert "first call (line 13)" in line
    assert summary == "Found 1 finding (1 error)."


@pytest.mark.parametrize("name", CLEAN_EXAMPLES)
def test_clean_examples_pass(name):
    result = kerlint(f"examples/{name}")
    assert result.returncode == 0, result.stdout
    assert result.stdout == "All checks passed!\n"


def test_full_format_shows_the_source_line_and_a_caret():
    out = kerlint("examples/article_shared_layers.py").stdout
    assert "14 | dense2 = shared_dense(input2)" in out
    caret_line = next(line for line in out.splitlines() if "^" in line)
    assert caret_line.index("^") == out.splitlines()[1].index("shared_dense(input2)")


def test_exit_zero_and_select_ignore():
    assert kerlint("examples", "--exit-zero").returncode == 0
    only = json.loads(kerlint("examples", "--select", "KER3", "--output-format", "json").stdout)
    assert {f["code"] for f in only} == {"KER301"}
    ignored = json.loads(kerlint("examples", "--ignore", "unshared-duplicate-layer,KER3", "--output-format", "json").stdout)
    assert {f["code"] for f in ignored} == {"KER102", "KER103", "KER201", "KER202"}


def test_unknown_selector_is_a_usage_error():
    result = kerlint("examples", "--select", "KER999")
    assert result.returncode == 2
    assert "KER999" in result.stderr


def test_config_error_names_the_key(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\nselct = ['KER1']\n")
    (tmp_path / "model.py").write_text("import keras\n")
    result = kerlint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert "selct" in result.stderr and "select" in result.stderr


def test_per_rule_options_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        "[tool.kerlint]\nselect = ['ALL']\n[tool.kerlint.options.KER102]\nmax-features = 100000\nmax-consumer-share = 1.0\n"
        "[tool.kerlint.options.KER103]\nmin-share = 1.0\n"
    )
    source = (ROOT / "examples" / "multiview_wide_concat.py").read_text()
    (tmp_path / "multiview.py").write_text(source)
    codes = [f["code"] for f in json.loads(kerlint(".", "--output-format", "json", cwd=tmp_path).stdout)]
    assert codes == ["KER101"]


def test_suppression_comments(tmp_path):
    source = (ROOT / "examples" / "article_shared_layers.py").read_text()
    suppressed = source.replace("dense2 = shared_dense(input2)", "dense2 = shared_dense(input2)  # noqa: KER301")
    (tmp_path / "a.py").write_text(suppressed)
    assert kerlint("a.py", cwd=tmp_path).returncode == 0
    by_name = source.replace("dense2 = shared_dense(input2)", "dense2 = shared_dense(input2)  # kerlint: ignore[incompatible-shared-layer]")
    (tmp_path / "a.py").write_text(by_name)
    assert kerlint("a.py", cwd=tmp_path).returncode == 0
    (tmp_path / "a.py").write_text("# kerlint: file-ignore[KER301]\n" + source)
    assert kerlint("a.py", cwd=tmp_path).returncode == 0
    stale = source.replace("dense1 = shared_dense(input1)", "dense1 = shared_dense(input1)  # noqa: KER301")
    (tmp_path / "a.py").write_text(stale)
    found = [f["code"] for f in json.loads(kerlint("a.py", "--output-format", "json", cwd=tmp_path).stdout)]
    assert found == ["KER002", "KER301"]


def test_bad_files_give_a_clear_diagnostic_and_the_run_goes_on(tmp_path):
    (tmp_path / "syntax.py").write_text("import keras\nmodel = keras.Sequential([\n")
    (tmp_path / "python2.py").write_text("from keras import layers\nprint 'training'\n")
    (tmp_path / "empty.py").write_text("")
    (tmp_path / "latin1.py").write_bytes("from keras import layers\nname = 'caf\xe9'\n".encode("latin-1"))
    (tmp_path / "nulls.py").write_bytes(b"from keras import layers\x00\n")
    (tmp_path / "shared.py").write_text((ROOT / "examples" / "article_shared_layers.py").read_text())
    result = kerlint(".", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1
    found = {(f["path"], f["code"]): f["message"] for f in json.loads(result.stdout)}
    assert set(found) == {
        ("latin1.py", "KER001"),
        ("nulls.py", "KER001"),
        ("python2.py", "KER001"),
        ("shared.py", "KER301"),
        ("syntax.py", "KER001"),
    }
    assert "Python 2" in found[("python2.py", "KER001")]
    assert "UTF-8" in found[("latin1.py", "KER001")]
    assert "null byte" in found[("nulls.py", "KER001")]


def test_rule_command():
    explained = kerlint("rule", "KER301")
    assert explained.returncode == 0
    assert explained.stdout.startswith("# KER301 incompatible-shared-layer")
    assert "## Why is this bad?" in explained.stdout
    assert kerlint("rule", "oversized-concatenation").stdout.startswith("# KER102")
    listing = kerlint("rule", "--all").stdout.splitlines()
    listed = [line.split()[0] for line in listing]
    assert {"KER000", "KER001", "KER002", "KER101", "KER102", "KER201", "KER202", "KER301"} <= set(listed)
    assert listed == [rule.code for rule in ALL_RULES]  # rules registered later are listed too
    assert kerlint("rule", "KER999").returncode == 2


def test_cost_json_schema_and_partial_models():
    result = kerlint("cost", "examples", "--format", "json")
    assert result.returncode == 0, result.stderr
    models = json.loads(result.stdout)["models"]
    keys = {"name", "path", "line", "function", "params", "trainable_params", "non_trainable_params", "layers", "unresolved"}
    assert all(keys <= set(m) for m in models)  # kerlint cost adds flops and memory (tests/test_cost.py)
    by_path = {m["path"]: m for m in models}
    tower = by_path["examples/two_tower_recommender.py"]
    assert tower["function"] == "build_model" and tower["name"] == "two_tower"
    assert {"name", "class", "output_shape", "params"} <= set(tower["layers"][0])
    broken = by_path["examples/article_shared_layers.py"]
    assert broken["params"] is None and broken["unresolved"][0]["line"] == 14


def test_cost_table_matches_keras_summary_layout():
    out = kerlint("cost", "examples/article_inefficient_concatenation.py").stdout
    assert 'Model "functional" (examples/article_inefficient_concatenation.py:15)' in out
    assert "dense (Dense)" in out and "(None, 64)" in out
    assert "Total params: 2,177 (2,177)" in out


def test_version_and_check_never_import_tensorflow_or_keras():
    probe = (
        "import sys, contextlib, io\n"
        "from kerlint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['check', 'examples', '--exit-zero'])\n"
        "    main(['cost', 'examples'])\n"
        "    try:\n"
        "        main(['--version'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras'))\n"
        "print(leaked)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_run_answered_from_the_cache_never_imports_the_parser(tmp_path):
    probe = (
        "import sys, contextlib, io\n"
        "from kerlint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['check', 'examples', '--exit-zero', '--cache-dir', {str(tmp_path)!r}])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] == 'libcst' or m.startswith('kerlint.parsing')}))\n"
    )
    runs = [subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120) for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), runs[0].stderr + runs[1].stderr
    assert runs[0].stdout.strip() == "[]"  # the cold run parsed in its worker, never in this process
    assert runs[1].stdout.strip() == "[]"


def test_version():
    result = kerlint("--version")
    assert result.returncode == 0 and result.stdout.startswith("kerlint ")


def test_confirm_only_suppressions_are_not_reported_unused_by_a_static_run(tmp_path):
    (tmp_path / "model.py").write_text("import keras\nx = keras.layers.Dense(3)  # noqa: KER902\n")
    result = kerlint("model.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    "comment, hint",
    [
        ("# noqa: KER3", f"KER3 names no rule; did you mean KER301-{last_code('KER3')}?"),
        ("# kerlint: ignore", "names no rule, so it suppresses nothing"),
        ("# kerlint: ignore[KER2]", f"KER2 names no rule; did you mean KER201-{last_code('KER2')}?"),
        ("# kerlint: ignore[bogus]", "'bogus' is not a kerlint rule code or name"),
    ],
)
def test_a_suppression_with_a_mistake_is_reported_next_to_the_finding_it_failed_to_silence(tmp_path, comment, hint):
    source = (ROOT / "examples" / "article_shared_layers.py").read_text().splitlines()
    source[13] += f"  {comment}"  # line 14, the KER301 finding
    (tmp_path / "model.py").write_text("\n".join(source) + "\n")
    result = kerlint("model.py", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1
    found = {f["code"]: (f["line"], f["message"]) for f in json.loads(result.stdout)}
    assert sorted(found) == ["KER004", "KER301"]  # the finding is not silenced, and the comment says why
    line, message = found["KER004"]
    assert line == 14 and message.startswith(f"`{comment}`: ") and hint in message
