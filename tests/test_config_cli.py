"""Configuration end to end: discovery per file, CLI overrides, excludes, stdin and --show-settings."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import ROOT, kerlint

ARTICLE = (ROOT / "examples" / "article_shared_layers.py").read_text()
WIDE = (ROOT / "examples" / "multiview_wide_concat.py").read_text()


def tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def found(cwd: Path, *args: str, stdin: str | None = None) -> list[tuple[str, str]]:
    result = kerlint(*args, "--output-format", "json", cwd=cwd, stdin=stdin)
    assert result.returncode in (0, 1), result.stderr
    return [(f["path"], f["code"]) for f in json.loads(result.stdout)]


def test_nearest_pyproject_applies_to_each_file(tmp_path):
    tree(tmp_path, {
        "pyproject.toml": "[tool.kerlint]\nselect = ['ALL']\nignore = ['KER102']\n",
        "app/model.py": WIDE,
        "lab/pyproject.toml": "[tool.kerlint]\nselect = ['ALL']\nignore = ['KER101']\n",
        "lab/model.py": WIDE,
        "lab/meta/pyproject.toml": "[project]\nname = 'no-kerlint-table'\n",
        "lab/meta/model.py": WIDE,
    })
    assert found(tmp_path, ".") == [
        ("app/model.py", "KER103"), ("app/model.py", "KER101"),  # KER103: the example's Flatten, line 18
        ("lab/meta/model.py", "KER103"), ("lab/meta/model.py", "KER102"),
        ("lab/model.py", "KER103"), ("lab/model.py", "KER102"),
    ]


def test_select_by_code_prefix_and_name_and_cli_overrides(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint]\nselect = ['KER1']\nextend-select = ['incompatible-shared-layer']\n",
                    "wide.py": WIDE, "shared.py": ARTICLE})
    assert found(tmp_path, ".") == [("shared.py", "KER301"), ("wide.py", "KER103"), ("wide.py", "KER101"), ("wide.py", "KER102")]
    assert found(tmp_path, ".", "--ignore", "KER10") == [("shared.py", "KER301")]
    assert found(tmp_path, ".", "--select", "oversized-concatenation") == [("wide.py", "KER102")]
    assert found(tmp_path, ".", "--isolated", "--ignore", "KER1") == [("shared.py", "KER301")]


def test_per_file_ignores_and_extend_per_file_ignores_with_globs(tmp_path):
    tree(tmp_path, {
        "pyproject.toml": "[tool.kerlint]\nselect = ['ALL']\n[tool.kerlint.per-file-ignores]\n'legacy/*' = ['KER3']\n"
                          "[tool.kerlint.extend-per-file-ignores]\n'*_wide.py' = ['unshared-duplicate-layer']\n",
        "legacy/shared.py": ARTICLE, "src/shared.py": ARTICLE, "src/multi_wide.py": WIDE,
    })
    assert found(tmp_path, ".") == [("src/multi_wide.py", "KER103"), ("src/multi_wide.py", "KER102"), ("src/shared.py", "KER301")]


def test_config_and_isolated(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint]\nignore = ['KER301']\n", "other.toml": "[tool.kerlint]\nignore = ['KER3']\n",
                    "shared.py": ARTICLE})
    assert found(tmp_path, ".") == []
    assert found(tmp_path, ".", "--isolated") == [("shared.py", "KER301")]
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n")
    assert found(tmp_path, ".", "--config", "other.toml") == []
    both = kerlint(".", "--config", "other.toml", "--isolated", cwd=tmp_path)
    assert both.returncode == 2 and "not allowed with argument" in both.stderr
    missing = kerlint(".", "--config", "missing.toml", cwd=tmp_path)
    assert missing.returncode == 2 and "--config: no such file: missing.toml" in missing.stderr


def test_isolated_ignores_even_a_broken_config(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint]\nselct = 1\n", "shared.py": ARTICLE})
    assert kerlint(".", cwd=tmp_path).returncode == 2
    assert found(tmp_path, ".", "--isolated") == [("shared.py", "KER301")]


def test_exclude_extend_exclude_and_force_exclude(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint]\nextend-exclude = ['generated', 'old_*.py']\n",
                    "generated/a.py": ARTICLE, "old_b.py": ARTICLE, "c.py": ARTICLE, "build/d.py": ARTICLE})
    assert found(tmp_path, ".") == [("c.py", "KER301")]
    explicit = ["generated/a.py", "old_b.py", "c.py", "build/d.py"]
    assert [path for path, _ in found(tmp_path, *explicit)] == ["build/d.py", "c.py", "generated/a.py", "old_b.py"]
    assert found(tmp_path, *explicit, "--force-exclude") == [("c.py", "KER301")]
    assert found(tmp_path, "c.py", "--exclude", "c.py", "--force-exclude") == []


def test_stdin_is_reported_and_configured_as_its_filename(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint]\n[tool.kerlint.per-file-ignores]\n'tests/*' = ['KER301']\n",
                    "sub/pyproject.toml": "[tool.kerlint]\nselect = ['ALL']\nignore = ['KER102']\n"})
    assert found(tmp_path, "--stdin-filename", "src/model.py", "-", stdin=ARTICLE) == [("src/model.py", "KER301")]
    assert found(tmp_path, "--stdin-filename", "src/model.py", stdin=ARTICLE) == [("src/model.py", "KER301")]  # - is implied
    assert found(tmp_path, "check", "--stdin-filename", "tests/test_model.py", "-", stdin=ARTICLE) == []
    assert found(tmp_path, "--stdin-filename", "sub/model.py", "-", stdin=WIDE) == [("sub/model.py", "KER103"), ("sub/model.py", "KER101")]
    assert found(tmp_path, "-", stdin=ARTICLE) == [("-", "KER301")]
    concise = kerlint("--stdin-filename", "src/model.py", "-", "--output-format", "concise", cwd=tmp_path, stdin=ARTICLE)
    assert concise.stdout.startswith("src/model.py:14:10: KER301 ")


def test_stdin_with_force_exclude(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint]\nextend-exclude = ['vendored/*']\n"})
    result = kerlint("--stdin-filename", "vendored/model.py", "--force-exclude", "-", cwd=tmp_path, stdin=ARTICLE)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")
    assert found(tmp_path, "--stdin-filename", "vendored/model.py", "-", stdin=ARTICLE) == [("vendored/model.py", "KER301")]


def test_show_settings(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint]\nselect = ['ALL']\nignore = ['absent-regularization']\nextend-exclude = ['legacy']\n"
                                      "[tool.kerlint.per-file-ignores]\n'tests/*' = ['KER3']\n"
                                      "[tool.kerlint.options.KER102]\nmax-features = 100\n"})
    result = kerlint("--show-settings", "tests/test_model.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Settings for tests/test_model.py\nconfig file: pyproject.toml\n")
    enabled = out.split("enabled rules (")[1].split("ignored for this file")[0]
    assert "  KER101 unshared-duplicate-layer\n" in enabled and "KER301" not in enabled and "KER202" not in enabled
    assert "ignored for this file by per-file-ignores:\n  KER301 incompatible-shared-layer\n" in out
    assert "disabled rules:\n  KER202 absent-regularization\n" in out
    assert 'per-file-ignores:\n  "tests/*" = ["KER301"' in out
    assert "exclude:\n  .git\n" in out and "  legacy\n" in out
    ker102 = out.split("  [KER102] oversized-concatenation\n")[1].split("  [")[0]
    assert "    max-features = 100\n" in ker102 and "    max-consumer-share = 0.5\n" in ker102  # set, and default
    isolated = kerlint("--show-settings", "--isolated", "tests/test_model.py", cwd=tmp_path).stdout
    assert "config file: none (defaults)\n" in isolated and "disabled rules:\n  KER101 unshared-duplicate-layer\n" in isolated  # opt-in


def test_show_settings_lists_budgets_as_written_and_as_read(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint.budgets]\nmax-params = '25M'\nbatch-size = 32\n"
                                      "[tool.kerlint.budgets.models.'resnet*']\nmax-memory = '2 GB'\n"})
    out = kerlint("--show-settings", "model.py", cwd=tmp_path).stdout
    assert (
        '\nbudgets:\n  max-params = 25M (25,000,000)\n  batch-size = 32\n  models."resnet*":\n    max-memory = 2 GB (2,147,483,648)\n'
        in out
    )
    assert "\nbudgets: none\n" in kerlint("--show-settings", "--isolated", "model.py", cwd=tmp_path).stdout


def test_config_errors_name_the_file_the_key_and_the_allowed_values(tmp_path):
    tree(tmp_path, {"pyproject.toml": "[tool.kerlint.options.KER102]\nmax_features = 10\n", "model.py": ARTICLE})
    result = kerlint(".", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(
        "kerlint: error: pyproject.toml: [tool.kerlint.options.KER102] unknown option 'max_features' "
        "(allowed: max-consumer-share, max-features"
    )
