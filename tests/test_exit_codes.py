"""Exit codes and error lines: a crash is exit 2 with one line, never a traceback passing as findings (1).

Each case is one from issue 14 (item 8) or issue 18 (items 3, 5, 7), run as users run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import ROOT, kerlint
from kerlint import cli

CLEAN = (ROOT / "examples" / "mnist_cnn.py").read_text()
ARTICLE = (ROOT / "examples" / "article_shared_layers.py").read_text()


def run_main(monkeypatch, capsys, cwd: Path, *argv: str) -> tuple[int, str, str]:
    """`kerlint.cli.main` in this process (so that failures can be injected), in `cwd`."""
    monkeypatch.chdir(cwd)
    code = cli.main([*argv, "--no-cache"] if argv and argv[0] != "rule" else list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- crashes -------------------------------------------------------------------------------------


def test_an_unexpected_exception_is_exit_2_with_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "model.py").write_text(CLEAN)

    def crash(*args, **kwargs):
        raise RuntimeError("worker table corrupted\nsecond line")

    monkeypatch.setattr(cli, "_analyze", crash)
    code, out, err = run_main(monkeypatch, capsys, tmp_path, "model.py")
    assert code == 2 and out == ""
    assert err == "kerlint: error: RuntimeError: worker table corrupted second line (run again with --verbose for the traceback)\n"


def test_verbose_shows_the_traceback(tmp_path, monkeypatch, capsys):
    (tmp_path / "model.py").write_text(CLEAN)
    monkeypatch.setattr(cli, "_analyze", lambda *args: 1 / 0)
    code, _, err = run_main(monkeypatch, capsys, tmp_path, "model.py", "--verbose")
    assert code == 2
    first, *rest = err.splitlines()
    assert first == "kerlint: error: ZeroDivisionError: division by zero"
    assert rest[0] == "Traceback (most recent call last):" and rest[-1] == "ZeroDivisionError: division by zero"


def test_ctrl_c_exits_130_quietly(tmp_path, monkeypatch, capsys):
    (tmp_path / "model.py").write_text(CLEAN)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_analyze", interrupted)
    assert run_main(monkeypatch, capsys, tmp_path, "model.py") == (130, "", "")


@pytest.mark.parametrize("argv", [["check", "examples", "--output-format", "json"], ["rule", "--all"], ["cost", "examples"]])
def test_a_reader_that_stops_early_ends_the_run_quietly(argv):
    """`kerlint ... | head -1`: the reader is gone before kerlint writes (the pipe is closed at once)."""
    process = subprocess.Popen([sys.executable, "-m", "kerlint", *argv], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == 1
    assert err == ""


# --- unreadable and broken input -------------------------------------------------------------------


def test_an_unreadable_directory_is_a_warning_not_a_crash(tmp_path, monkeypatch, capsys):
    """A chmod 000 directory (tests run as root, so the refusals are simulated where the OS would make them)."""
    (tmp_path / "model.py").write_text(CLEAN)
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "model.py").write_text(ARTICLE)
    locked = str(tmp_path / "locked")
    real_scandir, real_stat = os.scandir, os.stat

    def scandir(path="."):  # listing the directory is refused
        if os.path.abspath(path) == locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    def stat(path, *args, **kwargs):  # so is looking up anything inside it (`locked/pyvenv.cfg`)
        if os.path.abspath(path).startswith(locked + os.sep):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    code, out, err = run_main(monkeypatch, capsys, tmp_path, ".", "--output-format", "json")
    assert (code, json.loads(out)) == (0, [])
    assert err == "kerlint: warning: cannot read directory locked: Permission denied; skipped\n"


@pytest.mark.parametrize(
    "pyproject, error",
    [
        (b"[tool.kerlint\nselect = ['KER1']\n", "pyproject.toml: invalid TOML: Expected ']' at the end of a table declaration"),
        (b"[tool.kerlint]\nselect = ['KER1']\n# caf\xe9\n", "pyproject.toml: invalid TOML: not UTF-8 (invalid continuation byte at byte 38)"),
        (b"[tool.kerlint]\nselect = 'KER1'\n", "pyproject.toml: [tool.kerlint] 'select' must be a list of strings, got a string"),
        (b"[tool.kerlint]\nexclude = [1]\n", "pyproject.toml: [tool.kerlint] 'exclude' must be a list of strings, got a list containing int"),
        (b"[tool.kerlint.options]\nKER102 = 3\n", "pyproject.toml: [tool.kerlint.options.KER102] must be a table of option -> value, got an integer"),
        (b"[tool]\nkerlint = 'on'\n", "pyproject.toml: [tool.kerlint] must be a table, got a string"),
    ],
)
def test_a_broken_pyproject_is_exit_2_with_one_line(tmp_path, pyproject, error):
    (tmp_path / "pyproject.toml").write_bytes(pyproject)
    (tmp_path / "model.py").write_text(CLEAN)
    result = kerlint(".", cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"kerlint: error: {error}")


@pytest.mark.parametrize("selection", [["--select", "KER3"], ["--ignore", "KER001"], []])
def test_a_path_that_does_not_exist_is_exit_2_whatever_the_selection(tmp_path, selection):
    result = kerlint("check", *selection, "nosuch_dir/", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "kerlint: error: nosuch_dir: no such file or directory\n"


def test_no_python_files_is_said(tmp_path):
    (tmp_path / "empty").mkdir()
    result = kerlint("empty", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")
    assert result.stderr == "kerlint: warning: No Python files found under the given path(s)\n"


@pytest.mark.parametrize(
    "data, message",
    [
        ("import keras\nx = keras.layers.Dense(3)\n".encode("utf-16"), "cannot decode file: it is UTF-16 or UTF-32 text"),
        (b"\x8b\x1f\x9c\xee\x01junk", "cannot decode file as UTF-8: invalid start byte at byte 0"),
        (b"\x00\x13\x99random", "file contains a null byte"),
        (b"x = 1\n# caf\xe9\n", "cannot decode file as UTF-8: invalid continuation byte at byte 11"),
    ],
)
def test_undecodable_files_are_ker001_whatever_the_selection(tmp_path, data, message):
    (tmp_path / "weird.py").write_bytes(data)
    (tmp_path / "clean.py").write_text(CLEAN)
    for selection in (["--select", "KER3"], ["--ignore", "KER001"], []):
        result = kerlint(".", "--output-format", "json", *selection, cwd=tmp_path)
        assert result.returncode == 1, result.stderr
        [finding] = json.loads(result.stdout)
        assert (finding["path"], finding["code"]) == ("weird.py", "KER001")
        assert finding["message"].startswith(message)


def test_syntax_errors_are_reported_whatever_the_selection(tmp_path):
    (tmp_path / "broken.py").write_text("import keras\nmodel = keras.Sequential(\n")
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\nselect = ['KER3']\nper-file-ignores = {'broken.py' = ['KER001']}\n")
    result = kerlint(".", "--ignore", "syntax-error", "--output-format", "concise", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.startswith("broken.py:") and " KER001 " in result.stdout


# --- the command line --------------------------------------------------------------------------------


def test_rule_without_a_rule_is_a_usage_error():
    result = kerlint("rule")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == (
        "kerlint: error: rule: name a rule (a code like KER101 or a name like unshared-duplicate-layer), or --all to list them\n"
    )


def test_config_without_a_kerlint_table_is_said(tmp_path):
    (tmp_path / "setup.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "model.py").write_text(CLEAN)
    result = kerlint("model.py", "--config", "setup.toml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")
    assert result.stderr == "kerlint: warning: --config setup.toml has no [tool.kerlint] table: the defaults apply\n"
