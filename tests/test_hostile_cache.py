"""The cache never loses a user's data (issue 14): hostile cache directories, cache files and entries.

Every run against a directory that is not kerlint's own cache must leave the
user's tree exactly as it was: the same paths, types, sizes, modification times,
contents and link targets.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import EXAMPLES, ROOT, kerlint
from kerlint.cache import CACHE_DIR_NAME, CACHEDIR_TAG, KEEP_VERSIONS, MAX_CACHE_BYTES, VERSION_MARKER, CacheRefused, ResultCache
from kerlint.config import load_settings
from kerlint.engine import Task, analyze_files

SHARED = (EXAMPLES / "article_shared_layers.py").read_text()
"""A model with one finding: KER301 (a shared Dense called on inputs of different widths)."""

OLD = 1_500_000_000  # 2017: older than anything kerlint writes


def snapshot(root: Path) -> dict[str, tuple]:
    """Every entry under `root` (links not followed): type, size, mtime, and contents or link target."""
    state = {}
    for path in [root, *root.rglob("*")]:
        info = os.lstat(path)
        kind = stat.S_IFMT(info.st_mode)
        if stat.S_ISLNK(info.st_mode):
            content = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            content = path.read_bytes()
        else:
            content = None
        size = None if stat.S_ISDIR(info.st_mode) else info.st_size
        state[str(path.relative_to(root))] = (kind, size, info.st_mtime_ns, content)
    return state


def user_project(root: Path) -> Path:
    """A project as users have them: configuration, sources, docs, a git directory; everything dated in the past."""
    files = {
        "pyproject.toml": "[tool.kerlint]\n",
        "README.md": "# A project\n",
        "src/model.py": SHARED,
        "src/util.py": "def helper():\n    return 1\n",
        "docs/index.md": "Documentation\n",
        "docs/api/layers.md": "Layers\n",
        ".git/HEAD": "ref: refs/heads/main\n",
        ".git/objects/ab/cdef": "blob",
        "data/train.csv": "x,y\n1,2\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for number, path in enumerate(sorted(root.rglob("*"), reverse=True)):  # files before their directories
        os.utime(path, (OLD + number * 86400, OLD + number * 86400))
    return root


def home_like(root: Path) -> Path:
    """Many folders with older and newer modification times, and a few files: more than kerlint keeps of its own."""
    for number in range(12):
        folder = root / f"folder{number:02d}"
        (folder / "nested").mkdir(parents=True)
        (folder / "nested" / "notes.txt").write_text(f"notes {number}\n")
        when = OLD + (number % 5) * 10_000_000 - (number % 2) * 99_000_000
        for path in (folder / "nested" / "notes.txt", folder / "nested", folder):
            os.utime(path, (when, when))
    (root / ".bashrc").write_text("export PATH\n")
    (root / "Documents").mkdir()
    return root


def check(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """`kerlint check` in a subprocess with its own environment (the test's own HOME and KERLINT_CACHE_DIR unset)."""
    environment = {key: value for key, value in os.environ.items() if key != "KERLINT_CACHE_DIR"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "kerlint", "check", "--output-format", "concise", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env={**environment, "PYTHONPATH": str(ROOT)},
    )


def assert_refused(result: subprocess.CompletedProcess, reason: str) -> None:
    """Exit 2 with one clear error line, no traceback and no report."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("kerlint: error: cache directory ") and reason in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stdout == ""


# --------------------------------------------------------------------- hostile cache directories


@pytest.mark.parametrize("tagged", [False, True], ids=["plain", "tag-from-an-older-kerlint"])
@pytest.mark.parametrize("spelling", [".", "absolute"])
def test_a_project_root_as_cache_dir_is_refused_and_left_untouched(tmp_path, spelling, tagged):
    root = user_project(tmp_path / "project")
    if tagged:  # kerlint before issue 14 wrote its tag into whatever --cache-dir named
        (root / "CACHEDIR.TAG").write_text(CACHEDIR_TAG)
    before = snapshot(tmp_path)
    result = check("--cache-dir", "." if spelling == "." else str(root), "src/", cwd=root)
    assert_refused(result, "is a project root (it holds pyproject.toml)")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("tagged", [False, True], ids=["plain", "tag-from-an-older-kerlint"])
def test_a_home_like_directory_is_refused_and_left_untouched(tmp_path, tagged):
    home = home_like(tmp_path / "someone")
    if tagged:
        (home / "CACHEDIR.TAG").write_text(CACHEDIR_TAG)
    project = user_project(tmp_path / "project")
    before = snapshot(tmp_path)
    result = check("--cache-dir", str(home), "src/", cwd=project)
    assert_refused(result, "holds files kerlint did not write (.bashrc, Documents, folder00, ...)")
    assert snapshot(tmp_path) == before


def test_the_home_directory_is_refused_even_when_empty(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    project = user_project(tmp_path / "project")
    before = snapshot(tmp_path)
    result = check("--cache-dir", str(home), "src/", cwd=project, env={"HOME": str(home)})
    assert_refused(result, "is your home directory")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("target", ["project", "empty"])
def test_a_symlink_as_cache_dir_is_refused_and_its_target_left_untouched(tmp_path, target):
    project = user_project(tmp_path / "project")
    pointed = project if target == "project" else tmp_path / "empty"
    pointed.mkdir(exist_ok=True)
    (tmp_path / "link").symlink_to(pointed)
    before = snapshot(tmp_path)
    result = check("--cache-dir", str(tmp_path / "link"), "src/", cwd=project)
    assert_refused(result, "is a symbolic link")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("kind", ["project-root", "home-like", "symlink"])
def test_kerlint_cache_dir_variable_pointing_at_user_data_is_refused(tmp_path, kind):
    project = user_project(tmp_path / "project")
    home_like(tmp_path / "someone")
    (tmp_path / "link").symlink_to(project)
    directory = {"project-root": project, "home-like": tmp_path / "someone", "symlink": tmp_path / "link"}[kind]
    before = snapshot(tmp_path)
    result = check("src/", cwd=project, env={"KERLINT_CACHE_DIR": str(directory)})
    assert result.returncode == 2 and str(directory) in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert snapshot(tmp_path) == before


def test_a_committed_cache_symlink_to_the_parent_deletes_no_sibling(tmp_path):
    """`.kerlint_cache -> ..` in a repository: the default cache is refused with a warning, and the run goes on."""
    home_like(tmp_path)  # the repository's siblings: more folders than kerlint keeps versions of
    repo = user_project(tmp_path / "repo")
    (repo / CACHE_DIR_NAME).symlink_to("..")
    before = snapshot(tmp_path)
    for _ in range(2):
        result = check(".", cwd=repo)
        assert result.returncode == 1, result.stderr
        assert "KER301" in result.stdout
        assert result.stderr.startswith("kerlint: warning: cache directory ") and "is a symbolic link" in result.stderr
        assert "running without the cache" in result.stderr
        assert snapshot(tmp_path) == before


def test_a_cache_dir_holding_a_link_out_of_it_is_refused(tmp_path):
    """A kerlint cache directory (tagged) into which someone planted a link to a version-looking name."""
    project = user_project(tmp_path / "project")
    assert check("src/", cwd=project).returncode == 1
    victim = home_like(tmp_path / "victim")
    (project / CACHE_DIR_NAME / "0.0.1-0123456789abcdef").symlink_to(victim)
    before = snapshot(tmp_path)
    result = check("src/", cwd=project)
    assert result.returncode == 1 and "holds files kerlint did not write (0.0.1-0123456789abcdef)" in result.stderr
    assert snapshot(tmp_path) == before


def test_a_new_or_empty_directory_becomes_a_marked_cache(tmp_path):
    project = user_project(tmp_path / "project")
    (tmp_path / "empty").mkdir()
    for directory in (tmp_path / "empty", tmp_path / "new" / "nested"):
        assert check("--cache-dir", str(directory), "src/", cwd=project).returncode == 1
        assert (directory / "CACHEDIR.TAG").read_text() == CACHEDIR_TAG
        assert (directory / ".gitignore").read_text().splitlines()[-1] == "*"
        [version] = [path for path in directory.iterdir() if path.is_dir()]
        assert sorted(path.name for path in version.iterdir()) == [VERSION_MARKER, "check.json"]
        warm = check("--cache-dir", str(directory), "src/", cwd=project)
        assert warm.returncode == 1 and warm.stderr == ""


# --------------------------------------------------------------------- pruning


def _settings(root: Path):
    return load_settings(root / "pyproject.toml")


def _kerlint_cache(directory: Path, version: str, settings, when: float | None = None) -> Path:
    """A cache of another kerlint version, made as kerlint makes one, dated `when`."""
    cache = ResultCache(directory, version=version)
    cache.store(directory.parent / "model.py", settings, "0" * 32, {}, [])
    cache.save()
    if when is not None:
        os.utime(directory / version, (when, when))
    return directory / version


def test_pruning_removes_old_marked_versions_and_nothing_else(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n")
    settings = _settings(tmp_path)
    directory = tmp_path / CACHE_DIR_NAME
    marked = [_kerlint_cache(directory, f"0.0.{n}-{n:016x}", settings, when=OLD + n * 1000) for n in range(7)]
    unmarked = directory / "0.0.9-00000000000000ff"  # a version directory of a kerlint before markers
    unmarked.mkdir()
    (unmarked / "check.json").write_text("{}")
    os.utime(unmarked, (OLD - 10**6, OLD - 10**6))
    forged = directory / "0.0.8-00000000000000fe"  # its marker is a link to a real marker: not kerlint's
    forged.mkdir()
    (forged / VERSION_MARKER).symlink_to(marked[0] / VERSION_MARKER)
    os.utime(forged, (OLD - 10**6, OLD - 10**6), follow_symlinks=False)

    current = _kerlint_cache(directory, "0.1.0-" + "a" * 16, settings)  # the newest: its save prunes
    remaining = sorted(path.name for path in directory.iterdir())
    kept = [path.name for path in marked[-KEEP_VERSIONS:]]
    assert remaining == sorted([".gitignore", "CACHEDIR.TAG", current.name, unmarked.name, forged.name, *kept])
    assert (unmarked / "check.json").read_text() == "{}" and (forged / VERSION_MARKER).is_symlink()


def test_a_version_directory_is_kerlints_by_its_name_or_its_marker(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n")
    directory = tmp_path / CACHE_DIR_NAME
    _kerlint_cache(directory, "custom", _settings(tmp_path))  # marked, though not named like a version
    (directory / "0.0.1-0123456789abcdef").mkdir()  # named like a version: an older kerlint's, unmarked
    assert ResultCache(directory).entries == {}
    (directory / "custom" / VERSION_MARKER).write_text("kerlint result cache\nsomething else\n")
    with pytest.raises(CacheRefused, match=r"holds files kerlint did not write \(custom\)"):
        ResultCache(directory)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs the git command")
def test_a_cache_tracked_by_git_is_neither_written_nor_pruned(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n")
    settings = _settings(tmp_path)
    directory = tmp_path / CACHE_DIR_NAME
    for n in range(KEEP_VERSIONS + 2):
        _kerlint_cache(directory, f"0.0.{n}-{n:016x}", settings, when=OLD + n)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-f", CACHE_DIR_NAME], cwd=tmp_path, check=True)  # committed by someone
    before = snapshot(tmp_path / CACHE_DIR_NAME)
    cache = ResultCache(directory, version="0.1.0-" + "b" * 16)
    cache.store(tmp_path / "model.py", settings, "1" * 32, {}, [])
    cache.save()
    assert cache.warning == f"cache not written: git tracks files in {directory}"
    assert snapshot(tmp_path / CACHE_DIR_NAME) == before


# --------------------------------------------------------------------- hostile cache files


def _cached_project(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose cache kerlint has written: (root, its check.json)."""
    root = user_project(tmp_path / "project")
    assert check("src/", cwd=root).returncode == 1
    [stored] = (root / CACHE_DIR_NAME).glob("*/check.json")
    return root, stored


@pytest.mark.parametrize("planted", ["cache-fifo", "cache-link-to-fifo", "cache-link-to-device", "tag-fifo", "marker-fifo"])
def test_special_files_in_the_cache_never_hang_the_run(tmp_path, planted):
    root, stored = _cached_project(tmp_path)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    target = {"cache-fifo": stored, "cache-link-to-fifo": stored, "cache-link-to-device": stored,
              "tag-fifo": root / CACHE_DIR_NAME / "CACHEDIR.TAG", "marker-fifo": stored.parent / VERSION_MARKER}[planted]
    target.unlink()
    if planted in ("cache-fifo", "tag-fifo", "marker-fifo"):
        os.mkfifo(target)
    else:
        target.symlink_to(fifo if planted == "cache-link-to-fifo" else "/dev/zero")
    result = check("src/", cwd=root, timeout=60)  # a blocking open or an endless read would time out
    assert result.returncode == 1 and "KER301" in result.stdout, result.stderr


def test_an_oversized_cache_file_is_not_read(tmp_path, monkeypatch):
    _, stored = _cached_project(tmp_path)
    assert ResultCache(stored.parent.parent).entries
    monkeypatch.setattr("kerlint.cache.MAX_CACHE_BYTES", stored.stat().st_size - 1)
    assert ResultCache(stored.parent.parent).entries == {}
    assert MAX_CACHE_BYTES >= 2**20


ENTRY_FORGERIES = {  # each claims the model has no findings: trusted, KER301 would vanish
    "claims-another-path": {"path": "/elsewhere/model.py"},
    "claims-no-path": {"path": None},
    "digest-null": {"digest": None},
    "deps-as-list": {"deps": []},
    "the-file-itself-as-a-missing-module": {"deps": "SELF-MISSING"},
}
DOCUMENT_FORGERIES = {"other-version": {"version": "0.0.0-0000000000000000"}, "other-format": {"format": 1}}
FINDING_FORGERIES = {  # each changes the cached finding: trusted, FORGED would be printed
    "unknown-code": {5: "KER999"},
    "code-of-another-rule": {5: "KER000"},
    "line-as-text": {1: "3"},
    "unknown-severity": {8: "fatal"},
}


def _forge(stored: Path, forgery: str) -> None:
    document = json.loads(stored.read_text())
    [key] = [key for key in document["entries"] if key.endswith("model.py")]
    entry = document["entries"][key]
    if forgery in FINDING_FORGERIES:
        finding = entry["findings"][0]
        finding[7] = "FORGED"
        for index, value in FINDING_FORGERIES[forgery].items():
            finding[index] = value
    else:
        entry["findings"] = []
        document.update(DOCUMENT_FORGERIES.get(forgery, {}))
        entry.update(ENTRY_FORGERIES.get(forgery, {}))
        if entry["deps"] == "SELF-MISSING":
            entry["deps"] = {key: "missing"}
    stored.write_text(json.dumps(document))


@pytest.mark.parametrize("forgery", [*ENTRY_FORGERIES, *DOCUMENT_FORGERIES, *FINDING_FORGERIES])
def test_a_forged_entry_is_ignored(tmp_path, forgery):
    root, stored = _cached_project(tmp_path)
    _forge(stored, forgery)
    result = check("src/", cwd=root)
    assert result.returncode == 1 and result.stdout.count("KER301") == 1 and "FORGED" not in result.stdout, result.stdout


def test_a_well_formed_entry_is_served_as_it_is(tmp_path):
    """The control for the forgeries above: only the message changed, so the cache answers with it."""
    root, stored = _cached_project(tmp_path)
    document = json.loads(stored.read_text())
    [entry] = [entry for key, entry in document["entries"].items() if key.endswith("model.py")]
    entry["findings"][0][7] = "FORGED"
    stored.write_text(json.dumps(document))
    assert "KER301 FORGED" in check("src/", cwd=root).stdout


def test_a_deeply_nested_cache_file_is_ignored(tmp_path):
    root, stored = _cached_project(tmp_path)
    stored.write_text("[" * 200_000)
    result = check("src/", cwd=root)
    assert result.returncode == 1 and "KER301" in result.stdout and result.stderr == "", result.stderr


def test_a_cache_directory_that_turned_into_a_link_is_not_written_through(tmp_path):
    """Checked again before writing: the directory may have been swapped since the run began."""
    root, _ = _cached_project(tmp_path)
    settings = _settings(root)
    cache = ResultCache(root / CACHE_DIR_NAME, version="0.1.0-" + "c" * 16)
    victim = user_project(tmp_path / "victim")
    shutil.rmtree(root / CACHE_DIR_NAME)
    (root / CACHE_DIR_NAME).symlink_to(victim)
    before = snapshot(victim)
    cache.store(root / "src" / "model.py", settings, "2" * 32, {}, [])
    cache.save()
    assert snapshot(victim) == before
    with pytest.raises(CacheRefused, match="is a symbolic link"):
        ResultCache(root / CACHE_DIR_NAME)


# --------------------------------------------------------------------- modules looked for and not found

BLOCKS = "import keras\n\ndef head(x):\n    return x\n"  # then the shared Dense sees widths 10 and 20
USES_HEAD = (
    "import keras\n{import_line}\n\n"
    "a = keras.Input((10,))\nb = keras.Input((20,))\nshared = keras.layers.Dense(8)\n"
    "x = shared(head(a))\ny = shared(head(b))\n"
    "model = keras.Model([a, b], keras.layers.Concatenate()([x, y]))\n"
)


@pytest.mark.parametrize(
    "model, import_line, created",
    [
        ("model.py", "from blocks import head", ["blocks.py"]),
        ("model.py", "from parts.blocks import head", ["parts/__init__.py", "parts/blocks.py"]),
        ("pkg/model.py", "from .blocks import head", ["pkg/blocks.py"]),
        ("pkg/model.py", "from pkg.blocks import head", ["pkg/blocks/__init__.py"]),
    ],
    ids=["sibling", "new-package", "relative", "package-of-the-package"],
)
def test_creating_a_module_that_was_missing_invalidates_the_importer(tmp_path, model, import_line, created):
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / model).write_text(USES_HEAD.format(import_line=import_line))
    cold = kerlint("check", ".", "--output-format", "concise", cwd=tmp_path)
    assert cold.returncode == 0, cold.stdout + cold.stderr  # head() unknown: nothing to say
    for name in created:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(BLOCKS if name == created[-1] else "")
    after = kerlint("check", ".", "--output-format", "concise", cwd=tmp_path)
    assert after.returncode == 1 and "KER301" in after.stdout, after.stdout + after.stderr


def test_missing_modules_are_dependencies_of_the_entry(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the interpreter looks for modules next to the display path, as in a real run
    (tmp_path / "pyproject.toml").write_text("[tool.kerlint]\n")
    (tmp_path / "model.py").write_text(USES_HEAD.format(import_line="from blocks import head"))
    settings = _settings(tmp_path)
    cache = ResultCache(tmp_path / CACHE_DIR_NAME)
    analyze_files([Task(tmp_path / "model.py", "model.py", settings)], cache=cache)
    deps = cache.entries[str(tmp_path / "model.py")]["deps"]
    assert deps[str(tmp_path / "blocks.py")] == "missing" and deps[str(tmp_path / "blocks" / "__init__.py")] == "missing"
    warm = ResultCache(tmp_path / CACHE_DIR_NAME)
    analyze_files([Task(tmp_path / "model.py", "model.py", settings)], cache=warm)
    assert (warm.hits, warm.misses) == (1, 0)  # missing stays missing: still a hit
