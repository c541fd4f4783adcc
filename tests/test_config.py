"""[tool.kerlint] loading: selection layering, per-file-ignores, options, and loud errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kerlint import rules
from kerlint.config import ALLOWED_KEYS, DEFAULT_EXCLUDE, ConfigError, Settings, find_pyproject, load_settings
from kerlint.findings import Severity
from kerlint.rules.base import Rule


class FakeConcat(Rule):
    code, name, severity = "KER901", "fake-concat", Severity.WARNING
    summary = "test rule with options"
    options = {"max-inputs": 8, "threshold": 0.5, "layers": ["Dense"], "strict": False}


@pytest.fixture
def fake_rule(monkeypatch):
    monkeypatch.setitem(rules.BY_CODE, FakeConcat.code, FakeConcat)
    monkeypatch.setitem(rules.BY_NAME, FakeConcat.name, FakeConcat)
    return FakeConcat


def write(tmp_path: Path, body: str, name: str = "pyproject.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(body))
    return path


def load(tmp_path: Path, body: str, **overrides) -> Settings:
    return load_settings(write(tmp_path, body), **overrides)


def config_error(tmp_path: Path, body: str, **overrides) -> str:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, body, **overrides)
    return str(info.value)


# --- finding the file ---------------------------------------------------------------------------


def test_find_pyproject_walks_up_and_skips_files_without_the_table(tmp_path):
    outer = write(tmp_path, "[tool.kerlint]\nignore = ['KER002']\n")
    write(tmp_path, "[project]\nname = 'sub'\n", "pkg/pyproject.toml")
    source = tmp_path / "pkg" / "src" / "model.py"
    source.parent.mkdir(parents=True)
    source.write_text("import keras\n")
    assert find_pyproject(source) == outer
    assert find_pyproject(source.parent) == outer


def test_find_pyproject_prefers_the_nearest_table(tmp_path):
    write(tmp_path, "[tool.kerlint]\n")
    inner = write(tmp_path, "[tool.kerlint]\nselect = ['KER0']\n", "pkg/pyproject.toml")
    assert find_pyproject(tmp_path / "pkg") == inner


def test_find_pyproject_none_when_no_table(tmp_path):
    write(tmp_path, "[tool.ruff]\nline-length = 99\n", "a/pyproject.toml")
    found = find_pyproject(tmp_path / "a")
    assert found is None or tmp_path not in found.parents  # nothing at or below tmp_path


def test_find_pyproject_ignores_broken_toml_that_does_not_mention_kerlint(tmp_path):
    write(tmp_path, "[tool.kerlint]\n")
    write(tmp_path, "this is [not toml\n", "pkg/pyproject.toml")
    assert find_pyproject(tmp_path / "pkg") == tmp_path / "pyproject.toml"


# --- selection ---------------------------------------------------------------------------------


def test_defaults_without_pyproject(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load_settings(None)
    assert settings.enabled == rules.DEFAULT_CODES
    assert settings.exclude == DEFAULT_EXCLUDE
    assert settings.root == Path.cwd()
    assert settings.source is None
    assert settings.per_file_ignores == ()


def test_pyproject_without_table_gives_defaults_rooted_there(tmp_path):
    path = write(tmp_path, "[project]\nname = 'x'\n")
    settings = load_settings(path)
    assert settings.enabled == rules.DEFAULT_CODES
    assert settings.root == tmp_path
    assert settings.source == path


def test_select_replaces_extend_select_adds_ignore_removes(tmp_path):
    settings = load(tmp_path, """
        [tool.kerlint]
        select = ["KER000"]
        extend-select = ["syntax-error"]
        ignore = ["KER000"]
    """)
    assert settings.enabled == {"KER001"}


def test_prefix_and_all_selectors(tmp_path):
    meta = rules.codes_for_selector("KER00")
    assert {"KER000", "KER001", "KER002", "KER004"} <= meta and all(code.startswith("KER00") for code in meta)
    assert load(tmp_path, "[tool.kerlint]\nselect = ['KER00']\n").enabled == meta
    assert load(tmp_path, "[tool.kerlint]\nignore = ['ALL']\n").enabled == {"KER001"}  # syntax errors stay


def test_cli_overrides_win_over_the_file(tmp_path):
    body = "[tool.kerlint]\nselect = ['KER000']\nignore = ['KER001']\n"
    assert load(tmp_path, body, select=["KER001"]).enabled == {"KER001"}
    assert load(tmp_path, body, extend_select=["KER001"]).enabled == {"KER000", "KER001"}
    assert load(tmp_path, body, ignore=["KER000"]).enabled == {"KER001"}
    assert load(tmp_path, body, select=["KER0"], ignore=["unused-suppression"]).enabled == rules.codes_for_selector("KER0") - {"KER002"}


def test_syntax_errors_cannot_be_deselected(tmp_path):
    """As in ruff: a file that cannot be read must not pass as clean, whatever the selection (issue 18, item 3)."""
    assert load(tmp_path, "[tool.kerlint]\nselect = ['KER3']\n").enabled == {"KER001"} | rules.codes_for_selector("KER3")
    assert "KER001" in load(tmp_path, "[tool.kerlint]\nignore = ['KER001']\n").enabled
    assert "KER001" in load(tmp_path, "[tool.kerlint]\n", select=["KER3"], ignore=["syntax-error"]).enabled
    settings = load(tmp_path, "[tool.kerlint.per-file-ignores]\n'*.py' = ['KER0']\n")
    assert settings.codes_for(tmp_path / "model.py") == rules.DEFAULT_CODES - rules.codes_for_selector("KER0") | {"KER001"}


def test_unknown_cli_selector_names_the_flag(tmp_path):
    message = config_error(tmp_path, "[tool.kerlint]\n", select=["KER999"])
    assert message.startswith("--select: unknown rule selector 'KER999'")


# --- errors ------------------------------------------------------------------------------------


def test_unknown_key_lists_allowed_keys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = config_error(tmp_path, "[tool.kerlint]\nselct = ['KER001']\n")
    assert message == f"pyproject.toml: [tool.kerlint] unknown key 'selct' (allowed: {', '.join(ALLOWED_KEYS)})"
    assert {"budgets", "exclude", "extend-exclude", "extend-per-file-ignores", "extend-select", "ignore", "options",
            "per-file-ignores", "select"} <= set(ALLOWED_KEYS) and list(ALLOWED_KEYS) == sorted(ALLOWED_KEYS)


def test_unknown_selector_in_file(tmp_path):
    message = config_error(tmp_path, "[tool.kerlint]\nignore = ['KER001', 'oversized-typo']\n")
    assert "pyproject.toml: [tool.kerlint] ignore: unknown rule selector 'oversized-typo'" in message
    assert "expected a code like KER101" in message


@pytest.mark.parametrize(
    "body, expected",
    [
        ("select = 'KER001'", "[tool.kerlint] 'select' must be a list of strings, got a string"),
        ("exclude = [1, 2]", "[tool.kerlint] 'exclude' must be a list of strings, got a list containing int"),
        ("per-file-ignores = ['x']", "[tool.kerlint] 'per-file-ignores' must be a table of glob -> list of rule selectors"),
        ("options = 3", "[tool.kerlint] 'options' must be a table of rule -> table of options, got an integer"),
    ],
)
def test_bad_types(tmp_path, body, expected):
    message = config_error(tmp_path, f"[tool.kerlint]\n{body}\n")
    assert "pyproject.toml: " in message and expected in message


def test_table_itself_must_be_a_table(tmp_path):
    assert "[tool.kerlint] must be a table, got a string" in config_error(tmp_path, "[tool]\nkerlint = 'on'\n")


def test_toml_syntax_error_names_the_file(tmp_path):
    message = config_error(tmp_path, "[tool.kerlint]\nselect = [\n")
    assert "pyproject.toml: invalid TOML:" in message


def test_find_pyproject_raises_for_broken_toml_mentioning_kerlint(tmp_path):
    write(tmp_path, "[tool.kerlint\nselect = 1\n")
    with pytest.raises(ConfigError, match="pyproject.toml: invalid TOML"):
        find_pyproject(tmp_path)


# --- per-file-ignores and exclude --------------------------------------------------------------


def test_per_file_ignores_match_relative_path_and_basename(tmp_path):
    settings = load(tmp_path, """
        [tool.kerlint.per-file-ignores]
        "tests/*" = ["KER000"]
        "conftest.py" = ["syntax-error"]
        "./scripts/gen_*.py" = ["KER00"]
    """)
    defaults = rules.DEFAULT_CODES
    assert settings.codes_for(tmp_path / "tests" / "unit" / "test_x.py") == defaults - {"KER000"}
    assert settings.codes_for(tmp_path / "src" / "conftest.py") == defaults  # syntax errors cannot be ignored
    assert settings.codes_for(tmp_path / "scripts" / "gen_a.py") == defaults - rules.codes_for_selector("KER00") | {"KER001"}
    assert settings.codes_for(tmp_path / "src" / "model.py") == defaults
    assert settings.per_file_ignores[0] == ("tests/*", frozenset({"KER000"}))


def test_per_file_ignores_relative_input_paths_resolve_against_cwd(tmp_path, monkeypatch):
    settings = load(tmp_path, "[tool.kerlint.per-file-ignores]\n'tests/*' = ['KER000']\n")
    monkeypatch.chdir(tmp_path)
    assert "KER000" not in settings.codes_for(Path("tests/test_a.py"))


def test_per_file_ignores_with_unknown_selector(tmp_path):
    message = config_error(tmp_path, "[tool.kerlint.per-file-ignores]\n'tests/*' = ['KER777']\n")
    assert "[tool.kerlint.per-file-ignores] 'tests/*': unknown rule selector 'KER777'" in message


def test_exclude_replaces_defaults_extend_exclude_and_cli_add(tmp_path):
    settings = load(tmp_path, "[tool.kerlint]\nexclude = ['gen']\nextend-exclude = ['legacy/*.py']\n", extra_exclude=["tmp"])
    assert settings.exclude == ("gen", "legacy/*.py", "tmp")
    assert settings.is_excluded(tmp_path / "a" / "gen")
    assert settings.is_excluded(tmp_path / "legacy" / "old.py")
    assert not settings.is_excluded(tmp_path / "src" / "legacy.py")
    default = load(tmp_path, "[tool.kerlint]\nextend-exclude = ['gen']\n")
    assert default.exclude == DEFAULT_EXCLUDE + ("gen",)


# --- options -----------------------------------------------------------------------------------


def test_options_merge_with_rule_defaults_by_code_or_name(tmp_path, fake_rule):
    settings = load(tmp_path, """
        [tool.kerlint.options.fake-concat]
        max-inputs = 16
        threshold = 1
    """)
    assert settings.options_for("KER901") == {"max-inputs": 16, "threshold": 1, "layers": ("Dense",), "strict": False}
    with pytest.raises(TypeError):  # shared by every file of the run: callers cannot change it
        settings.options_for("KER901")["threshold"] = 2
    assert fake_rule.options["layers"] == ["Dense"]  # nor the rule's defaults
    assert settings.options_for("KER001") == {}


def test_unknown_option_lists_allowed_options(tmp_path, fake_rule):
    message = config_error(tmp_path, "[tool.kerlint.options.KER901]\nmax_inputs = 3\n")
    assert message.endswith(
        "[tool.kerlint.options.KER901] unknown option 'max_inputs' (allowed: layers, max-inputs, strict, threshold)"
    )


def test_option_for_a_rule_without_options(tmp_path):
    message = config_error(tmp_path, "[tool.kerlint.options.syntax-error]\nfoo = 1\n")
    assert "unknown option 'foo' (KER001 has no options)" in message


def test_options_for_unknown_rule(tmp_path, fake_rule):
    message = config_error(tmp_path, "[tool.kerlint.options.KER555]\nx = 1\n")
    assert "[tool.kerlint.options] unknown rule 'KER555' (known rules: KER000, KER001, KER002" in message


@pytest.mark.parametrize(
    "line, expected",
    [
        ("max-inputs = '8'", "option 'max-inputs' must be an integer, got a string"),
        ("max-inputs = 8.5", "option 'max-inputs' must be an integer, got a float"),
        ("strict = 1", "option 'strict' must be a boolean, got an integer"),
        ("threshold = true", "option 'threshold' must be a number, got a boolean"),
        ("layers = 'Dense'", "option 'layers' must be a list, got a string"),
    ],
)
def test_option_value_types(tmp_path, fake_rule, line, expected):
    assert expected in config_error(tmp_path, f"[tool.kerlint.options.KER901]\n{line}\n")


def test_rule_configured_twice(tmp_path, fake_rule):
    message = config_error(tmp_path, "[tool.kerlint.options.KER901]\nstrict = true\n[tool.kerlint.options.fake-concat]\n")
    assert "configured twice" in message


# --- fingerprint -------------------------------------------------------------------------------


def test_fingerprint_is_stable_and_sensitive(tmp_path, fake_rule):
    body = "[tool.kerlint]\nignore = ['KER002']\n[tool.kerlint.options.KER901]\nmax-inputs = 4\n"
    first = load(tmp_path / "a", body).fingerprint()
    assert first == load(tmp_path / "a", body).fingerprint()
    assert first != load(tmp_path / "a", body.replace("4", "5")).fingerprint()
    assert first != load(tmp_path / "a", body.replace("KER002", "KER001")).fingerprint()
    assert isinstance(first, str) and first


def test_settings_are_hashable(tmp_path):
    settings = load(tmp_path, "[tool.kerlint]\n")
    assert hash(settings) == hash(load(tmp_path, "[tool.kerlint]\n"))


def test_find_pyproject_remembers_directories_when_given_a_memo(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n", encoding="utf-8")
    (tmp_path / "a" / "b").mkdir(parents=True)
    known: dict = {}
    assert find_pyproject(tmp_path / "a" / "b" / "m.py", known) == tmp_path / "pyproject.toml"
    assert known[str(tmp_path / "a")] == tmp_path / "pyproject.toml"
    (tmp_path / "a" / "pyproject.toml").write_text("[tool.kerlint]\n", encoding="utf-8")
    assert find_pyproject(tmp_path / "a" / "b", known) == tmp_path / "pyproject.toml"  # remembered
    assert find_pyproject(tmp_path / "a" / "b") == tmp_path / "a" / "pyproject.toml"  # without the memo
