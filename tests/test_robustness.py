"""One bad file never stops a run: hostile, broken and huge inputs, end to end.

Covered elsewhere and not repeated here: syntax errors, Python 2 code, empty,
latin-1 and null-byte files through the CLI (`test_cli.py::
test_bad_files_give_a_clear_diagnostic_and_the_run_goes_on`); `while True`,
unbounded and mutual recursion, 300-deep expressions and huge values in model
code (`test_interpreter.py::test_pathological_code_degrades_to_unknown`,
`test_infinite_loops_and_recursion_leave_a_note`); symlink loops and unreadable
directories in discovery, BOMs and coding cookies (`test_files.py`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kerlint.engine as engine
from helpers import EXAMPLES, analyze, kerlint
from kerlint import parsing, pool
from kerlint.config import load_settings
from kerlint.engine import Task, analyze_files
from kerlint.limits import Limits

SHARED = (EXAMPLES / "article_shared_layers.py").read_text()
MODEL = "import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"


def found(result) -> dict[tuple[str, str], str]:
    return {(f["path"], f["code"]): f["message"] for f in json.loads(result.stdout)}


# ------------------------------------------------------------------ encodings and layout


def test_bom_crlf_and_tabs_read_like_plain_source(tmp_path):
    lines = SHARED.splitlines()
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbf" + SHARED.encode())
    (tmp_path / "crlf.py").write_bytes("\r\n".join(lines).encode() + b"\r\n")
    (tmp_path / "tabs.py").write_text(SHARED.replace("    ", "\t"))
    (tmp_path / "cr.py").write_bytes("\r".join(lines).encode() + b"\r")  # old Mac line ends
    result = kerlint(".", "--output-format", "json", "--no-cache", cwd=tmp_path)
    spans = {(f["path"], f["code"], f["line"], f["column"]) for f in json.loads(result.stdout)}
    assert spans == {(name, "KER301", 14, 10) for name in ("bom.py", "crlf.py", "tabs.py", "cr.py")}, result.stdout


def test_non_utf8_with_a_coding_cookie_is_analyzed(tmp_path):
    (tmp_path / "latin.py").write_bytes(("# -*- coding: latin-1 -*-\n# caf\xe9\n" + SHARED).encode("latin-1"))
    result = kerlint("latin.py", "--output-format", "json", "--no-cache", cwd=tmp_path)
    assert [(f["code"], f["line"]) for f in json.loads(result.stdout)] == [("KER301", 16)]


def test_null_bytes_and_undecodable_files_are_ker001_and_the_run_goes_on(tmp_path):
    (tmp_path / "a_nulls.py").write_bytes(b"from keras import layers\n\x00\x00\n")
    (tmp_path / "b_utf16.py").write_bytes("import keras\n".encode("utf-16"))
    (tmp_path / "c_shared.py").write_text(SHARED)
    result = kerlint(".", "--output-format", "json", "--no-cache", cwd=tmp_path)
    assert set(found(result)) == {("a_nulls.py", "KER001"), ("b_utf16.py", "KER001"), ("c_shared.py", "KER301")}
    assert result.returncode == 1


# ------------------------------------------------------------------ size and depth


def test_a_5_mb_generated_file_is_analyzed_within_memory_and_time(tmp_path):
    block = (
        "def build_{i}(units={u}):\n"
        "    inputs = keras.Input((16,))\n"
        "    x = keras.layers.Dense(units, activation='relu')(inputs)\n"
        "    return keras.Model(inputs, keras.layers.Dense(1)(x))\n\n"
        "TABLE_{i} = [{row}]\n\n"
    )
    row = ", ".join(str(n) for n in range(40))
    parts, size, i = ["import keras\n\n"], 0, 0
    while size < 5 * 2**20:
        part = block.format(i=i, u=8 + i % 7, row=row)
        parts.append(part)
        size += len(part)
        i += 1
    path = tmp_path / "generated.py"
    path.write_text("".join(parts))
    assert path.stat().st_size >= 5 * 2**20
    started = time.monotonic()
    result = kerlint("generated.py", "--output-format", "json", "--no-cache", "--exit-zero", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [f for f in json.loads(result.stdout) if f["code"] in ("KER000", "KER001")]
    assert time.monotonic() - started < 120


def test_the_chunked_parse_is_the_whole_parse(tmp_path, monkeypatch):
    """Long files are parsed in pieces (for libcst's memory); the tree and the code are the same."""
    import libcst as cst

    source = '"""doc\ndef not_a_cut():\n"""\n' + "".join(
        f"@decorator\ndef f{i}(x=[\n1,\n]):\n    return x  # c\n\n# between\n\nclass C{i}:\n    y = '''\nclass Nope:\n'''\n\n"
        for i in range(400)
    ) + "x = 1\n"
    monkeypatch.setattr(parsing, "CHUNK_CHARS", 2048)
    assert len(parsing._cut_points(source)) > 10
    chunked = parsing.parse(source)
    assert chunked.deep_equals(cst.parse_module(source)) and chunked.code == source
    broken = source + "def (:\n"
    with pytest.raises(cst.ParserSyntaxError) as error:
        parsing.parse(broken)
    assert error.value.raw_line == broken.count("\n")  # the line in the whole file, not in a piece


@pytest.mark.parametrize("shape", ["([{", "f(", "[", "(1 + ", "a[", "{1: "])
def test_1000_deep_nested_expressions_parse_and_deeper_ones_are_refused(shape):
    """libcst's native parser segfaults somewhere past 1,000 levels: a guard refuses those before parsing
    (followed modules go through it). An analyzed file is refused by CPython's parser from 201 levels on."""
    opening = shape if shape != "([{" else None

    def nested(depth: int) -> str:
        if opening is None:
            return "x = " + "([{" * (depth // 3) + "}])" * (depth // 3) + "\n"
        closing = {"f(": ")", "[": "]", "(1 + ": "1)", "a[": "1]", "{1: ": "1}"}[shape]
        return "x = " + opening * depth + closing * depth + "\n"

    deep = "import keras\n" + nested(parsing.MAX_NESTING - 2) + MODEL
    probe = (
        "import sys, libcst\nfrom kerlint import parsing\ns = sys.stdin.read()\nparsing.check_nesting(s)\n"
        "try:\n    parsing.parse(s)\nexcept libcst.ParserSyntaxError:\n    pass  # `(1 + (1 + ... 1)1)`: an error, not a crash\n"
    )
    # In a subprocess: if the guard were wrong, the parser would kill the process, not the test run.
    result = subprocess.run([sys.executable, "-c", probe], input=deep, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    with pytest.raises(parsing.NestingError, match="limit 1,000"):
        parsing.check_nesting("import keras\n" + nested(1500))
    too_deep = analyze("import keras\n" + nested(201) + MODEL)
    assert [(f.code, f.message, f.span.line) for f in too_deep.findings] == [("KER001", "syntax error: too many nested parentheses", 2)]
    assert not [f for f in analyze("import keras\n" + nested(200) + MODEL).findings if "nested" in f.message]


def test_brackets_in_strings_and_comments_do_not_count():
    text = "x = '" + "(" * 5000 + "'  # " + "[" * 5000 + "\ny = '''\n" + "{" * 5000 + "\n'''\n"
    assert parsing.nesting_depth(text) == 0
    assert parsing.nesting_depth("a = (\n  [1, {2: (3,)}],\n)\n") == 4


def test_a_too_deep_imported_module_is_not_parsed(tmp_path):
    (tmp_path / "deep.py").write_text("X = " + "[" * 3000 + "]" * 3000 + "\n")
    (tmp_path / "model.py").write_text("import keras\nfrom deep import X\n" + MODEL)
    result = kerlint("model.py", "--output-format", "json", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------ crashes, hangs, odd files


def _pool_settings(monkeypatch):
    monkeypatch.setattr(engine, "ONE_WORKER_BYTES", 0)  # several workers, even for tiny files
    return load_settings(None)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the crash is injected into forked workers")
def test_a_worker_crash_is_ker000_for_that_file_and_the_run_goes_on(tmp_path, monkeypatch):
    """A segfault (as libcst's parser gives on pathological input) kills the worker, not the run.

    The crash is injected: the forked workers inherit a patched `analyze_bytes`
    that kills its own process with SIGSEGV on one file.
    """
    settings = _pool_settings(monkeypatch)
    original = engine.analyze_bytes

    def crashing(data, path, settings):
        if path.endswith("crash.py"):
            os.kill(os.getpid(), signal.SIGSEGV)
        return original(data, path, settings)

    monkeypatch.setattr(engine, "analyze_bytes", crashing)
    names = ["a.py", "crash.py", "c.py", "d.py", "e.py"]
    for name in names:
        (tmp_path / name).write_text(SHARED)
    tasks = [Task(tmp_path / name, name, settings) for name in names]
    results = analyze_files(tasks, jobs=2)
    assert [r.path for r in results] == names
    by_name = {r.path: [f.code for f in r.findings] for r in results}
    assert by_name.pop("crash.py") == ["KER000"]
    assert set(map(tuple, by_name.values())) == {("KER301",)}
    message = results[1].findings[0].message
    assert "crashed" in message and "SIGSEGV" in message


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the abort is injected into forked workers")
def test_a_worker_that_aborts_is_taken_as_over_the_memory_limit(tmp_path, monkeypatch):
    """libcst's native parser aborts (SIGABRT) when an allocation fails under the worker's memory cap."""
    settings = _pool_settings(monkeypatch)
    monkeypatch.setattr(engine, "analyze_bytes", lambda data, path, settings: os.abort())
    (tmp_path / "big.py").write_text(SHARED)
    [result] = analyze_files([Task(tmp_path / "big.py", "big.py", settings)])
    assert [(f.code, f.message) for f in result.findings] == [(
        "KER003",
        "analysis stopped: over the 2 GiB memory limit for one file (the parser aborted when an allocation failed)"
        " (raise it with `file-memory` in [tool.kerlint.limits])",
    )]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the hang is injected into forked workers")
def test_a_file_that_hangs_its_worker_is_given_up_on(tmp_path, monkeypatch):
    settings = dataclasses.replace(_pool_settings(monkeypatch), limits=Limits(file_timeout=2.0))
    original = engine.analyze_bytes

    def hanging(data, path, settings):
        if path.endswith("hang.py"):
            time.sleep(600)
        return original(data, path, settings)

    monkeypatch.setattr(engine, "analyze_bytes", hanging)
    for name in ("hang.py", "ok.py"):
        (tmp_path / name).write_text(SHARED)
    started = time.monotonic()
    results = analyze_files([Task(tmp_path / n, n, settings) for n in ("hang.py", "ok.py")], jobs=2)
    assert time.monotonic() - started < 60
    assert [(f.code, f.message) for f in results[0].findings] == [
        ("KER003", "analysis stopped: over the 2 s time limit for one file (raise it with `file-timeout` in [tool.kerlint.limits])")
    ]
    assert [f.code for f in results[1].findings] == ["KER301"]


def test_an_exception_in_a_worker_is_ker000_and_exit_code_2(tmp_path, monkeypatch):
    settings = _pool_settings(monkeypatch)

    def broken(data, path, settings):
        raise LookupError("injected")

    monkeypatch.setattr(engine, "analyze_bytes", broken)
    (tmp_path / "a.py").write_text(MODEL)
    (tmp_path / "b.py").write_text(MODEL)
    results = analyze_files([Task(tmp_path / n, n, settings) for n in ("a.py", "b.py")], jobs=2)
    assert [[f.code for f in r.findings] for r in results] == [["KER000"], ["KER000"]]
    assert "LookupError: injected" in results[0].findings[0].message


def test_ker000_in_a_run_means_exit_code_2(tmp_path):
    (tmp_path / "model.py").write_text(MODEL)
    probe = (
        "import sys, kerlint.interpret.analysis as a\n"
        "from kerlint.cli import main\n"
        "a.analyze_module = None  # every analysis now fails inside the engine\n"
        "sys.exit(main(['check', 'model.py', '--no-cache', '--output-format', 'concise']))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and "KER000" in result.stdout


def test_unreadable_files_are_ker001(tmp_path, monkeypatch):
    """Tests run as root here, and root reads any file whatever its mode, so unreadability is simulated:
    a FIFO named like a source file (reading it would block forever), and an open() that fails with EACCES."""
    fifo = tmp_path / "pipe.py"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
        result = kerlint("pipe.py", "--output-format", "json", "--no-cache", cwd=tmp_path)
        assert found(result) == {("pipe.py", "KER001"): "cannot read file: not a regular file"}
        assert kerlint(".", "--no-cache", cwd=tmp_path).returncode == 0  # a walk skips it
        fifo.unlink()

    (tmp_path / "secret.py").write_text(MODEL)
    (tmp_path / "open.py").write_text(SHARED)
    real_open = os.open

    def denied(path, *args, **kwargs):
        if str(path).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    settings = load_settings(None)
    results = analyze_files([Task(tmp_path / n, n, settings) for n in ("secret.py", "open.py")], jobs=1)
    assert [(f.code, f.message) for f in results[0].findings] == [("KER001", "cannot read file: Permission denied")]
    assert [f.code for f in results[1].findings] == ["KER301"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_symlink_loops_in_the_tree_end_to_end(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "model.py").write_text(SHARED)
    os.symlink(tmp_path / "pkg", tmp_path / "pkg" / "again")
    os.symlink(tmp_path / "loop_a", tmp_path / "loop_b")
    os.symlink(tmp_path / "loop_b", tmp_path / "loop_a")
    os.symlink(tmp_path / "loop_a", tmp_path / "pkg" / "dangling.py")
    result = kerlint(".", "--output-format", "json", "--no-cache", cwd=tmp_path)
    assert set(found(result)) == {("pkg/model.py", "KER301")}, result.stdout + result.stderr


def test_empty_and_whitespace_only_files(tmp_path):
    (tmp_path / "empty.py").write_text("")
    (tmp_path / "keras_comment_only.py").write_text("# keras\n\n\t\n")
    (tmp_path / "no_newline.py").write_text("import keras")
    result = kerlint(".", "--no-cache", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_schedule_gives_each_worker_a_run_of_neighbouring_files_then_shares_what_is_left():
    work = [(index, Path(f"f{index}.py"), f"f{index}.py", None) for index in range(7)]
    schedule = pool._Schedule(work, 3)
    assert [schedule.next_for(position)[0] for position in (0, 1, 2)] == [0, 3, 6]  # runs 0-2, 3-5, 6
    assert schedule.next_for(2)[0] == 2  # its run is done: the end of the (first) longest other run
    taken = [schedule.next_for(0)[0] for _ in range(3)]
    assert not schedule
    assert sorted([0, 3, 6, 2, *taken]) == list(range(7))


def test_standing_workers_serve_one_call_after_another(tmp_path):
    """The pylint plugin analyzes one module per call: one worker, forked once, serves them all."""
    settings = load_settings(None)
    (tmp_path / "a.py").write_text(SHARED)

    def worker_pid(result):
        return dataclasses.replace(result, analysis=None, data=os.getpid())

    standing: list = []
    calls = [analyze_files([Task(tmp_path / "a.py", "a.py", settings)], extract=worker_pid, standing=standing) for _ in range(3)]
    try:
        assert len({result.data for (result,) in calls}) == 1 and calls[0][0].data != os.getpid()
        assert [[f.code for f in result.findings] for (result,) in calls] == [["KER301"]] * 3
        assert len(standing) == 1
    finally:
        for worker in standing:
            worker.stop()
