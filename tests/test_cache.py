"""The content-hash cache in `.kerlint_cache/`: what invalidates an entry, and that a bad cache never hurts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import EXAMPLES, kerlint
from kerlint.cache import CACHE_DIR_NAME, FORMAT, VERSION_MARKER, ResultCache, code_version
from kerlint.config import load_settings
from kerlint.engine import Task, analyze_files

SHARED = (EXAMPLES / "article_shared_layers.py").read_text()
CLEAN = (EXAMPLES / "mnist_cnn.py").read_text()


def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n")
    (tmp_path / "shared.py").write_text(SHARED)
    (tmp_path / "clean.py").write_text(CLEAN)
    return tmp_path


def cache_files(root: Path) -> list[Path]:
    return sorted((root / CACHE_DIR_NAME).rglob("*.json"))


def codes(result) -> list[tuple[str, str]]:
    return [(f["path"], f["code"]) for f in json.loads(result.stdout)]


def run(root: Path, *args: str):
    return kerlint("check", ".", "--output-format", "json", *args, cwd=root)


def test_second_run_is_answered_from_the_cache_with_the_same_report(tmp_path):
    root = project(tmp_path)
    cold = run(root)
    assert cold.returncode == 1 and codes(cold) == [("shared.py", "KER301")]
    [stored] = cache_files(root)
    entries = json.loads(stored.read_text())["entries"]
    assert set(entries) == {str(root / "shared.py"), str(root / "clean.py")}
    assert (root / CACHE_DIR_NAME / ".gitignore").read_text().strip().endswith("*")
    warm = run(root)
    assert warm.stdout == cold.stdout and warm.returncode == 1
    full = kerlint("check", ".", cwd=root)  # excerpts come back from the file, not from the cache
    assert "shared_dense(input2)" in full.stdout and "^" in full.stdout


def test_cache_hits_and_what_invalidates_an_entry(tmp_path):
    root = project(tmp_path)
    settings = load_settings(root / "pyproject.toml")
    tasks = [Task(root / "shared.py", "shared.py", settings), Task(root / "clean.py", "clean.py", settings)]
    cache = ResultCache(root / CACHE_DIR_NAME)
    first = analyze_files(tasks, cache=cache)
    assert (cache.hits, cache.misses) == (0, 2)

    cache = ResultCache(root / CACHE_DIR_NAME)
    again = analyze_files(tasks, cache=cache)
    assert (cache.hits, cache.misses) == (2, 0)
    assert [r.findings for r in again] == [r.findings for r in first]
    assert again[0].source == SHARED  # re-read for excerpts

    (root / "clean.py").write_text(CLEAN + "\n# edited\n")  # content
    cache = ResultCache(root / CACHE_DIR_NAME)
    analyze_files(tasks, cache=cache)
    assert (cache.hits, cache.misses) == (1, 1)

    other = load_settings(root / "pyproject.toml", ignore=["KER301"])  # resolved settings
    cache = ResultCache(root / CACHE_DIR_NAME)
    result = analyze_files([Task(root / "shared.py", "shared.py", other)], cache=cache)
    assert (cache.hits, cache.misses) == (0, 1) and result[0].findings == []

    cache = ResultCache(root / CACHE_DIR_NAME, version="0.0.0-other")  # kerlint version
    analyze_files(tasks, cache=cache)
    assert (cache.hits, cache.misses) == (0, 2)


def test_an_edited_module_that_the_file_imports_invalidates_it(tmp_path):
    (tmp_path / "blocks.py").write_text("import keras\n\ndef head(x):\n    return keras.layers.Dense(32)(x)\n")
    (tmp_path / "model.py").write_text(
        "import keras\nfrom blocks import head\n\n"
        "a = keras.Input((10,))\nb = keras.Input((20,))\nshared = keras.layers.Dense(8)\n"
        "x = shared(head(a))\ny = shared(head(b))\n"
        "model = keras.Model([a, b], keras.layers.Concatenate()([x, y]))\n"
    )
    assert run(tmp_path).returncode == 0
    (tmp_path / "blocks.py").write_text(
        "import keras\n\ndef head(x):\n    return x\n"  # now the shared Dense sees widths 10 and 20
    )
    after = run(tmp_path)
    assert codes(after) == [("model.py", "KER301")], after.stdout


@pytest.mark.parametrize(
    "content",
    [b"", b"\x00\xff garbage", b"{not json", b"[]", b'{"format": %d, "version": "other", "entries": {}}' % FORMAT,
     b"\x80\x04\x95pickle", "VERSION-ENTRIES"],
    ids=["empty", "binary", "bad-json", "not-an-object", "foreign-version", "pickle", "malformed-entries"],
)
def test_a_corrupted_or_foreign_cache_is_ignored_and_rebuilt(tmp_path, content):
    root = project(tmp_path)
    run(root)  # kerlint makes its cache directory (it uses no other); then its file is damaged
    version = code_version()
    stored = root / CACHE_DIR_NAME / version / "check.json"
    if content == "VERSION-ENTRIES":
        bad = {"digest": 1, "settings": None, "deps": [], "findings": [["x", "y"]]}
        entries = {str(root / "shared.py"): bad, str(root / "clean.py"): "nonsense"}
        content = json.dumps({"format": FORMAT, "version": version, "entries": entries}).encode()
    stored.write_bytes(content)
    result = run(root)
    assert result.returncode == 1, result.stderr
    assert codes(result) == [("shared.py", "KER301")]
    rebuilt = json.loads(stored.read_text())
    assert rebuilt["version"] == version and len(rebuilt["entries"]) == 2
    assert sorted(p.name for p in stored.parent.iterdir()) == [VERSION_MARKER, "check.json"]  # no temporary file left


def test_a_cached_entry_with_broken_findings_is_a_miss(tmp_path):
    root = project(tmp_path)
    run(root)
    [stored] = cache_files(root)
    document = json.loads(stored.read_text())
    document["entries"][str(root / "shared.py")]["findings"] = [[1, 2, 3]]
    stored.write_text(json.dumps(document))
    assert codes(run(root)) == [("shared.py", "KER301")]


def test_no_cache_neither_reads_nor_writes(tmp_path):
    root = project(tmp_path)
    assert run(root, "--no-cache").returncode == 1
    assert not (root / CACHE_DIR_NAME).exists()


def test_cache_dir_option_and_variable(tmp_path, monkeypatch):
    root = tmp_path / "proj"
    root.mkdir()
    project(root)
    run(root, "--cache-dir", str(tmp_path / "elsewhere"))
    assert list((tmp_path / "elsewhere").rglob("check.json"))
    assert not (root / CACHE_DIR_NAME).exists()
    monkeypatch.setenv("KERLINT_CACHE_DIR", str(tmp_path / "from-env"))  # inherited by the kerlint subprocess
    run(root)
    assert list((tmp_path / "from-env").rglob("check.json"))
    assert not (root / CACHE_DIR_NAME).exists()


def test_an_unwritable_cache_directory_does_not_fail_the_run(tmp_path):
    root = project(tmp_path)
    (root / CACHE_DIR_NAME).write_text("a file where the directory should be")
    result = run(root)
    assert result.returncode == 1 and codes(result) == [("shared.py", "KER301")]
    assert "is not a directory; running without the cache" in result.stderr
    assert (root / CACHE_DIR_NAME).read_text() == "a file where the directory should be"
