"""Hostile inputs, scaled down, through every way in: each ends within its limits with a finding that says why.

The cases of the security review (issue 14): a 30,000-line `- - - 1` chain that
crashed libcst's parser, 999 nested brackets on one line that took 23 s and 3.3 GB
and passed, a file too large to read, one too large to parse, one too slow to
analyze. Each is run through the command line on one file, on a directory (the
run goes on: a good file beside them keeps its finding), with `--jobs 1`, on
standard input, through `cost`, `graph` and the pylint plugin. The limits are
made small here (`[tool.kerlint.limits]` in each case's own directory), so that
what took minutes and gigabytes takes a second: `benchmarks/hostile.py` runs the
cases at full size.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import kerlint
from kerlint.config import ConfigError, load_settings
from kerlint.limits import Limits

MODEL = "import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
GOOD = (Path(__file__).resolve().parent.parent / "examples" / "article_shared_layers.py").read_text()
SECONDS = 60
"""No case may take longer, whichever way in (the review measured 23 s to over 400 s)."""


def statements(count: int) -> str:
    """A model of `count` Dense layers, one statement each: the review's "100,000 model statements"."""
    body = "".join(f"x = keras.layers.Dense({8 + i % 5})(x)\n" for i in range(count))
    return f"import keras\ninputs = x = keras.Input((8,))\n{body}model = keras.Model(inputs, x)\n"


# name: (source, [tool.kerlint.limits] of its directory, expected (code, line, column), words of the message)
CASES = {
    "minus_chain": (MODEL + "x = (\n" + "-\n" * 30_000 + "1)\n", "", ("KER001", 1, 1), "too complex for Python's parser"),
    "nested_brackets": (MODEL + ("x = " + "(" * 999 + ")" * 999 + "\n") * 3, "", ("KER001", 3, 205), "too many nested parentheses"),
    "too_large": (statements(8_000), 'max-file-size = "100 KiB"', ("KER003", 1, 1), "over the 100 KiB limit on file size"),
    "too_big_to_parse": (statements(3_000), 'file-memory = "8 MiB"', ("KER003", 1, 1), "over the 8 MiB memory limit"),
    "too_slow": (statements(15_000), "file-timeout = 0.5", ("KER003", 1, 1), "over the 0.5 s time limit"),
    "syntax_error": ("import keras\n\n\ndef build(:\n    return keras.layers.Dense(2)\n", "", ("KER001", 4, 11), "syntax error: invalid syntax"),
    "unmatched": ("import keras\nx = keras.layers.Dense(1)\ny = 2)\n", "", ("KER001", 3, 6), "syntax error: unmatched ')'"),
}


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    """One directory per case (its own pyproject.toml with the case's limits), and a good file."""
    root = tmp_path_factory.mktemp("hostile")
    for name, (source, limits, _, _) in CASES.items():
        directory = root / name
        directory.mkdir()
        (directory / "pyproject.toml").write_text(f"[tool.kerlint.limits]\n{limits}\n")
        (directory / "model.py").write_text(source)
    (root / "good.py").write_text(GOOD)
    return root


def timed(*args: str, cwd: Path, stdin: str | None = None) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = kerlint(*args, cwd=cwd, stdin=stdin)
    elapsed = time.monotonic() - started
    assert result.returncode in (0, 1, 2), result.stderr[-3000:]
    assert elapsed < SECONDS
    return result, elapsed


def found(result: subprocess.CompletedProcess) -> dict[str, tuple[tuple[str, int, int], str]]:
    """{case or file: ((code, line, column), message)} from a json report."""
    return {
        f["path"].split("/")[0] if "/" in f["path"] else f["path"]: ((f["code"], f["line"], f["column"]), f["message"])
        for f in json.loads(result.stdout)
    }


def assert_case(name: str, where: tuple[str, int, int], message: str) -> None:
    expected_where, words = CASES[name][2], CASES[name][3]
    assert where == expected_where, (name, where, message)
    assert words in message, (name, message)
    if where[0] == "KER003":
        assert "[tool.kerlint.limits]" in message  # and how to raise it


@pytest.mark.parametrize("jobs", [[], ["--jobs", "1"]], ids=["pool", "jobs-1"])
def test_a_directory_of_hostile_files_ends_with_a_finding_per_file(tree, jobs):
    result, _ = timed(".", "--no-cache", "--output-format", "json", *jobs, cwd=tree)
    by_file = found(result)
    assert by_file.pop("good.py")[0][0] == "KER301"  # the run went on
    assert set(by_file) == set(CASES)
    for name, (where, message) in by_file.items():
        assert_case(name, where, message)
    assert result.returncode == 1


@pytest.mark.parametrize("name", list(CASES))
def test_one_hostile_file(tree, name):
    result, _ = timed(f"{name}/model.py", "--no-cache", "--output-format", "json", cwd=tree)
    [(where, message)] = found(result).values()
    assert_case(name, where, message)


@pytest.mark.parametrize("name", list(CASES))
def test_one_hostile_file_on_standard_input(tree, name):
    source = (tree / name / "model.py").read_text()
    result, _ = timed("-", "--stdin-filename", f"{name}/model.py", "--output-format", "json", cwd=tree, stdin=source)
    [(where, message)] = found(result).values()
    assert_case(name, where, message)


@pytest.mark.parametrize("command", ["cost", "graph"])
def test_cost_and_graph_name_each_hostile_file_and_go_on(tree, command):
    result, _ = timed(command, ".", "--no-cache", cwd=tree)
    assert result.returncode == 2  # files could not be analyzed
    assert "good.py:17" in result.stdout  # good.py's model is still costed or drawn
    errors = {line.split("/")[0]: line for line in result.stderr.splitlines() if line.split("/")[0] in CASES}
    assert set(errors) == set(CASES), result.stderr
    for name, line in errors.items():
        code, line_number, column = CASES[name][2]
        assert f"model.py:{line_number}:{column}: {code} " in line and CASES[name][3] in line


def test_the_pylint_plugin_names_each_limit(tree):
    """Files that Python cannot parse never reach the plugin: pylint reports them itself (E0001)."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pylint", "--load-plugins=kerlint.pylint_plugin", "--disable=all", "--enable=kerlint,syntax-error",
         "--output-format=json2", *(f"{name}/model.py" for name in CASES)],
        cwd=tree, capture_output=True, text=True, timeout=300,
    )
    assert time.monotonic() - started < SECONDS * 2  # pylint's own start and its parsing of the files included
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    messages = {m["path"].split("/")[0]: m for m in json.loads(result.stdout)["messages"]}
    assert set(messages) == set(CASES)
    for name, message in messages.items():
        code, line, column = CASES[name][2]
        if code == "KER001":
            assert (message["symbol"], message["line"]) == ("syntax-error", line)
            continue
        assert (message["symbol"], message["line"], message["column"]) == ("kerlint-resource-limit", line, column - 1)
        assert CASES[name][3] in message["message"]


def test_resource_limit_findings_can_be_ignored_like_any_rule(tree):
    result, _ = timed("too_large/model.py", "--no-cache", "--ignore", "KER003", cwd=tree)
    assert result.returncode == 0 and "KER003" not in result.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_killing_kerlint_leaves_no_worker_behind(tmp_path):
    """Each worker dies with the parent (PR_SET_PDEATHSIG) and holds no other worker's pipe open."""
    for index in range(4):
        (tmp_path / f"slow_{index}.py").write_text(statements(15_000))
    process = subprocess.Popen([sys.executable, "-m", "kerlint", str(tmp_path), "--no-cache", "--jobs", "2"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).parent.parent)
    deadline = time.monotonic() + 30
    while len(_processes_naming(tmp_path)) < 3 and time.monotonic() < deadline:  # the parent and its two workers
        time.sleep(0.1)
    assert len(_processes_naming(tmp_path)) >= 3, "the workers never started"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 10
    while _processes_naming(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _processes_naming(tmp_path) == []


def _processes_naming(path: Path) -> list[int]:
    """Live (not zombie) processes whose command line mentions `path`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                mentions = str(path).encode() in cmdline.read()
            with open(f"/proc/{entry}/stat", "rb") as stat:
                state = stat.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if mentions and state != b"Z":
            found.append(int(entry))
    return found


def test_limits_are_read_from_pyproject_and_checked(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kerlint.limits]\nfile-timeout = 30\nfile-memory = "512 MiB"\nmax-file-size = 2_000_000\n')
    assert load_settings(tmp_path / "pyproject.toml").limits == Limits(30.0, 512 * 2**20, 2_000_000)
    assert load_settings(None).limits == Limits(120.0, 2 * 2**30, 10 * 2**20)
    for bad, words in [
        ("file-timeout = 0", "'file-timeout' must be a positive number of seconds"),
        ('file-memory = "lots"', "'file-memory' must be a size like"),
        ("max-file-size = 0", "'max-file-size' must be more than 0 bytes"),
        ("memory = 1", "unknown key 'memory' (allowed: file-timeout, file-memory, max-file-size)"),
    ]:
        (tmp_path / "pyproject.toml").write_text(f"[tool.kerlint.limits]\n{bad}\n")
        with pytest.raises(ConfigError, match=r"\[tool\.kerlint\.limits\]") as error:
            load_settings(tmp_path / "pyproject.toml")
        assert words in str(error.value)
