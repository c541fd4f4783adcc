"""The pre-commit hook, run by the real `pre-commit` in a scratch git repository.

pre-commit installs kerlint from a git repository into its own virtualenv
(from PyPI: the first run needs the network and takes a while; the module
shares one PRE_COMMIT_HOME so it happens once). The hook repository is a
snapshot of this checkout, uncommitted work included, so the test checks the
code under test rather than the last commit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import DATA, ROOT, readme_block

ARTICLE = (ROOT / "examples" / "article_shared_layers.py").read_text()
CLEAN = (ROOT / "examples" / "mnist_cnn.py").read_text()
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "kerlint tests", "GIT_AUTHOR_EMAIL": "tests@kerlint.invalid",
    "GIT_COMMITTER_NAME": "kerlint tests", "GIT_COMMITTER_EMAIL": "tests@kerlint.invalid",
}


def run(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    result = run("git", *args, cwd=cwd, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("pre-commit-home")
    return {**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> tuple[Path, str]:
    """A git repository holding this checkout's files as they are now: (path, commit)."""
    snapshot = tmp_path_factory.mktemp("kerlint-hook-repo")
    listed = git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=ROOT, env=env)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git("init", "-q", cwd=snapshot, env=env)
    git("add", "-A", cwd=snapshot, env=env)
    git("commit", "-q", "-m", "snapshot", cwd=snapshot, env=env)
    return snapshot, git("rev-parse", "HEAD", cwd=snapshot, env=env)


def project(root: Path, env: dict[str, str], files: dict[str, str]) -> Path:
    git("init", "-q", cwd=root, env=env)
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "pre_commit", *args, cwd=cwd, env=env)


def test_hook_definition():
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "kerlint" and hook["language"] == "python" and hook["require_serial"] is True
    assert hook["entry"] == "kerlint check --force-exclude"
    assert hook["types_or"] == ["python", "pyi", "jupyter"]


def test_try_repo_fails_on_a_bad_file_and_passes_a_clean_one(tmp_path, env, hook_repo):
    repo, commit = hook_repo
    cwd = project(tmp_path, env, {"bad.py": ARTICLE, "clean.py": CLEAN, "notes.ipynb": (DATA / "shared_layers.ipynb").read_text()})
    git("add", "-A", cwd=cwd, env=env)
    bad = pre_commit("try-repo", str(repo), "kerlint", "--ref", commit, "--files", "bad.py", cwd=cwd, env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "bad.py:14:10: KER301 [incompatible-shared-layer]" in bad.stdout
    clean = pre_commit("try-repo", str(repo), "kerlint", "--ref", commit, "--files", "clean.py", cwd=cwd, env=env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout
    notebook = pre_commit("try-repo", str(repo), "kerlint", "--ref", commit, "--files", "notes.ipynb", cwd=cwd, env=env)
    assert notebook.returncode == 1 and "notes.ipynb:cell 5:line 2:col 10: KER301" in notebook.stdout


def test_readme_config_stops_a_bad_commit_and_lets_a_clean_one_through(tmp_path, env, hook_repo):
    repo, commit = hook_repo
    config = yaml.safe_load(readme_block("yaml", "id: kerlint"))
    [entry] = config["repos"]
    assert [hook["id"] for hook in entry["hooks"]] == ["kerlint"]
    entry.update(repo=str(repo), rev=commit)  # the README's URL and commit, pointed at this checkout
    cwd = project(tmp_path, env, {
        ".pre-commit-config.yaml": yaml.safe_dump(config),
        "pyproject.toml": "[tool.kerlint]\nextend-exclude = ['vendored']\n",
        "model.py": ARTICLE,
        "vendored/model.py": ARTICLE,
        "train.py": CLEAN,
    })
    installed = pre_commit("install", cwd=cwd, env=env)
    assert installed.returncode == 0, installed.stderr

    git("add", ".pre-commit-config.yaml", "pyproject.toml", "model.py", cwd=cwd, env=env)
    stopped = run("git", "commit", "-m", "bad model", cwd=cwd, env=env)
    assert stopped.returncode != 0
    assert "model.py:14:10: KER301 [incompatible-shared-layer]" in stopped.stdout + stopped.stderr
    assert run("git", "rev-parse", "--verify", "HEAD", cwd=cwd, env=env).returncode != 0  # nothing was committed

    git("reset", "-q", "model.py", cwd=cwd, env=env)
    git("add", "train.py", "vendored/model.py", cwd=cwd, env=env)  # excluded by [tool.kerlint], even when named
    passed = run("git", "commit", "-m", "clean model", cwd=cwd, env=env)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "kerlint" in passed.stdout + passed.stderr and "Passed" in passed.stdout + passed.stderr
