"""The pylint plugin, run through the real `pylint`: messages, positions, configuration, suppression."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, kerlint, readme_block
from kerlint.report.pylint import message_id, symbol
from kerlint.rules import ALL_RULES

ARTICLE = (ROOT / "examples" / "article_shared_layers.py").read_text()
SHARED_CALL = "dense2 = shared_dense(input2)"
PLUGIN = "--load-plugins=kerlint.pylint_plugin"


def pylint(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pylint", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def messages(*args: str, cwd: Path = ROOT) -> list[dict]:
    """pylint's json2 messages, only kerlint's enabled."""
    result = pylint("--disable=all", "--enable=kerlint", "--output-format=json2", *args, cwd=cwd)
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)["messages"]


def positions(found: list[dict]) -> list[tuple]:
    return [(m["path"], m["line"], m["column"], m["endLine"], m["endColumn"], m["messageId"], m["symbol"]) for m in found]


def project(tmp_path: Path, source: str = ARTICLE, pyproject: str | None = None) -> Path:
    (tmp_path / "model.py").write_text(source)
    if pyproject is not None:
        (tmp_path / "pyproject.toml").write_text(pyproject)
    return tmp_path


def test_every_rule_is_a_pylint_message():
    listed = pylint(PLUGIN, "--list-msgs").stdout
    for rule in ALL_RULES:
        assert f":{symbol(rule)} ({message_id(rule)}):\n" in listed
    ids = [message_id(rule) for rule in ALL_RULES]
    assert len(set(ids)) == len(ids) and all(re.fullmatch(r"[EWI]9\d{3}", i) for i in ids)
    assert message_id(ALL_RULES[0]) == "E9000" and symbol(ALL_RULES[0]) == "kerlint-internal-error"


def test_article_example_position_in_json2():
    [message] = messages(PLUGIN, "examples/article_shared_layers.py")
    assert positions([message]) == [
        ("examples/article_shared_layers.py", 14, 9, 14, 29, "E9301", "kerlint-incompatible-shared-layer")
    ]  # pylint's columns are 0-based: kerlint's 14:10-30
    assert message["type"] == "error"
    assert message["message"].startswith("Dense(32) `dense` is shared, but its first call (line 13) built it for input shape (None, 10)")


def test_same_findings_as_kerlint_on_examples():
    expected = json.loads(kerlint("examples", "--output-format", "json").stdout)
    found = sorted(positions(messages(PLUGIN, "examples")))
    assert found == sorted(
        (f["path"], f["line"], f["column"] - 1, f["end_line"], f["end_column"] - 1, f"{f['severity'][0].upper()}9{f['code'][3:]}", f"kerlint-{f['name']}")
        for f in expected
    )


def test_kerlint_pylint_format_prints_the_lines_pylint_prints():
    printed = pylint(PLUGIN, "--disable=all", "--enable=kerlint", "--score=n", "examples").stdout
    from_pylint = sorted(line for line in printed.splitlines() if not line.startswith("*"))
    from_kerlint = kerlint("examples", "--output-format", "pylint").stdout.splitlines()
    assert from_kerlint == from_pylint != []


def test_tool_kerlint_selection_and_options_are_honoured(tmp_path):
    assert [m["symbol"] for m in messages(PLUGIN, "model.py", cwd=project(tmp_path))] == ["kerlint-incompatible-shared-layer"]
    ignore = "[tool.kerlint]\nignore = ['incompatible-shared-layer']\n"
    assert messages(PLUGIN, "model.py", cwd=project(tmp_path, pyproject=ignore)) == []
    per_file = "[tool.kerlint.per-file-ignores]\n'model.py' = ['KER3']\n"
    assert messages(PLUGIN, "model.py", cwd=project(tmp_path, pyproject=per_file)) == []
    wide = (ROOT / "examples" / "multiview_wide_concat.py").read_text()
    options = "[tool.kerlint]\nselect = ['ALL']\n[tool.kerlint.options.KER102]\nmax-features = 100000\nmax-consumer-share = 1.0\n[tool.kerlint.options.KER103]\nmin-share = 1.0\n"
    found = [m["symbol"] for m in messages(PLUGIN, "model.py", cwd=project(tmp_path, wide, options))]
    assert found == ["kerlint-unshared-duplicate-layer"]


def test_nearest_pyproject_of_each_file(tmp_path):
    (tmp_path / "strict").mkdir()
    (tmp_path / "lenient").mkdir()
    (tmp_path / "strict" / "model.py").write_text(ARTICLE)
    (tmp_path / "lenient" / "model.py").write_text(ARTICLE)
    (tmp_path / "lenient" / "pyproject.toml").write_text("[tool.kerlint]\nignore = ['KER301']\n")
    found = messages(PLUGIN, "strict/model.py", "lenient/model.py", cwd=tmp_path)
    assert [(m["path"], m["line"]) for m in found] == [("strict/model.py", 14)]


@pytest.mark.parametrize(
    "comment",
    ["# noqa: KER301", "# kerlint: ignore[incompatible-shared-layer]", "# pylint: disable=kerlint-incompatible-shared-layer",
     "# pylint: disable=E9301"],
)
def test_suppression_comments(tmp_path, comment):
    source = ARTICLE.replace(SHARED_CALL, f"{SHARED_CALL}  {comment}")
    assert messages(PLUGIN, "model.py", cwd=project(tmp_path, source)) == []


def test_pylint_disable_of_one_message_keeps_the_others(tmp_path):
    source = ARTICLE.replace(SHARED_CALL, f"{SHARED_CALL}  # noqa: KER301") + "# pylint: disable=kerlint-incompatible-shared-layer\n"
    assert messages(PLUGIN, "model.py", cwd=project(tmp_path, source)) == []
    stale = ARTICLE.replace("dense1 = shared_dense(input1)", "dense1 = shared_dense(input1)  # noqa: KER301")
    found = messages(PLUGIN, "--disable=kerlint-incompatible-shared-layer", "model.py", cwd=project(tmp_path, stale))
    assert [(m["symbol"], m["line"]) for m in found] == [("kerlint-unused-suppression", 13)]


def test_files_excluded_by_the_configuration_get_no_messages(tmp_path):
    for directory in ("generated", "src", "legacy"):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / "model.py").write_text(ARTICLE)
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\nextend-exclude = ['generated']\n")
    paths = ["generated/model.py", "src/model.py", "legacy/model.py"]
    assert sorted(m["path"] for m in messages(PLUGIN, *paths, cwd=tmp_path)) == ["legacy/model.py", "src/model.py"]
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\nexclude = ['legacy/*.py']\n")  # replaces the defaults
    assert sorted(m["path"] for m in messages(PLUGIN, *paths, cwd=tmp_path)) == ["generated/model.py", "src/model.py"]


def test_configuration_error_is_reported_with_the_file_and_key(tmp_path):
    cwd = project(tmp_path, pyproject="[tool.kerlint]\nselct = ['KER1']\n")
    result = pylint(PLUGIN, "--disable=all", "--enable=kerlint,config-parse-error", "--output-format=json2", "model.py", cwd=cwd)
    [message] = json.loads(result.stdout)["messages"]
    assert message["symbol"] == "config-parse-error"
    assert "pyproject.toml: [tool.kerlint] unknown key 'selct' (allowed: " in message["message"]


def test_syntax_errors_and_files_without_keras(tmp_path):
    (tmp_path / "plain.py").write_text("x = 1\n")
    (tmp_path / "model.py").write_text(ARTICLE)
    assert [m["path"] for m in messages(PLUGIN, "plain.py", "model.py", cwd=tmp_path)] == ["model.py"]


# --- the README's editor setup -----------------------------------------------------------------


def test_readme_pyproject_load_plugins(tmp_path):
    cwd = project(tmp_path, pyproject=readme_block("toml", "load-plugins"))
    found = messages("model.py", cwd=cwd)  # no --load-plugins: pylint reads it from [tool.pylint.main]
    assert positions(found) == [("model.py", 14, 9, 14, 29, "E9301", "kerlint-incompatible-shared-layer")]


def test_readme_vscode_settings(tmp_path):
    settings = json.loads(readme_block("json", "pylint.args"))
    assert settings["pylint.importStrategy"] == "fromEnvironment"
    found = messages(*settings["pylint.args"], "model.py", cwd=project(tmp_path))
    assert [m["symbol"] for m in found] == ["kerlint-incompatible-shared-layer"]


def test_readme_command_line_shows_only_kerlint_messages(tmp_path):
    command = re.search(r"`(pylint --load-plugins=kerlint\.pylint_plugin [^`]*)`", (ROOT / "README.md").read_text())[1]
    args = command.split()[1:-1] + ["model.py"]  # the README lints src/
    printed = pylint(*args, "--score=n", cwd=project(tmp_path)).stdout
    assert [line for line in printed.splitlines() if not line.startswith("*")] == [
        line for line in kerlint("model.py", "--output-format", "pylint", cwd=tmp_path).stdout.splitlines()
    ]
