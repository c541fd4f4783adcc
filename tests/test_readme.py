"""README.md stays true: the quickstart CI runs, the rule table lists every rule, the install snippets work,
the fix and adoption commands do what the README says."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kerlint.rules import ALL_RULES

from helpers import ROOT, readme_block

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on old interpreters
    import tomli as tomllib

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line for line in block.splitlines() if line.strip()]


def test_quickstart_is_exactly_two_commands():
    commands = quickstart_commands()
    assert len(commands) == 2
    assert "kerlint examples/" in commands[0]
    assert "pytest" in commands[1]


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert quickstart_commands()[1] in ci.splitlines()


def test_rule_table_lists_every_rule():
    listed = re.findall(r"^\| \[(KER\d{3})\]", README, re.M)
    assert listed == [rule.code for rule in ALL_RULES]


# --- install snippets: kerlint is not on PyPI, so each one installs from the repository at a commit ---

HOMEPAGE = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]["Homepage"]
FROM_REPOSITORY = re.compile(r'"kerlint(?:\[[\w,]+\])? @ git\+(?P<url>[^"@]+)@(?P<rev>[^"]+)"')
FROM_CHECKOUT = ("pip install -q . ", "pip install -q -e '.[dev,confirm]' ")  # the quickstart, run in the clone


def pre_commit_entry() -> dict:
    [entry] = yaml.safe_load(readme_block("yaml", "id: kerlint"))["repos"]
    return entry


def git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_pre_commit_snippet_pins_a_commit_of_this_repository_that_has_the_hook():
    entry = pre_commit_entry()
    assert entry["repo"] == HOMEPAGE
    assert re.fullmatch(r"[0-9a-f]{40}", entry["rev"]), "pin a full commit sha: kerlint has no release tags"
    assert git("cat-file", "-e", f"{entry['rev']}^{{commit}}").returncode == 0, f"{entry['rev']} is not a commit of this repository"
    hooks = yaml.safe_load(git("show", f"{entry['rev']}:.pre-commit-hooks.yaml").stdout)
    assert [hook["id"] for hook in hooks] == ["kerlint"]


def test_every_pip_install_installs_kerlint_from_the_repository_at_the_pinned_commit():
    """No `pip install kerlint`: no index serves it (issue 18, item 8)."""
    commands = [line[line.index("pip install"):] for line in README.splitlines() if "pip install" in line and "!pip install" not in line]
    from_repository = [command for command in commands if not command.startswith(FROM_CHECKOUT)]
    assert len(from_repository) >= 3  # CI, editors, confirm
    for command in from_repository:
        match = FROM_REPOSITORY.search(command)
        assert match, command
        assert (match["url"], match["rev"]) == (HOMEPAGE, pre_commit_entry()["rev"]), command


def test_the_ci_install_command_installs_kerlint(tmp_path):
    """The CI snippet's command as written, pointed at this clone instead of GitHub (no network in tests)."""
    [command] = [step["run"] for step in yaml.safe_load(readme_block("yaml", "upload-sarif"))["jobs"]["kerlint"]["steps"]
                 if step.get("run", "").startswith("pip install")]
    argv = shlex.split(command.replace(f"git+{HOMEPAGE}", f"git+file://localhost{ROOT}"))
    assert argv[:2] == ["pip", "install"]
    result = subprocess.run([sys.executable, "-m", *argv, "--dry-run", "--no-deps"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Would install kerlint-" in result.stdout


# --- fixes and adoption: each command of those sections, as written, on a small project of a new user ---

MODEL = """\
import numpy as np
import keras

x_train = np.zeros((256, 20), dtype="float32")
y_train = np.zeros((256, 1), dtype="float32")

inputs = keras.Input(shape=x_train.shape)
hidden = keras.layers.Dense(64)(inputs)
hidden = keras.layers.BatchNormalization()(hidden)
hidden = keras.layers.Activation("relu")(hidden)
outputs = keras.layers.Dense(1, activation="softmax")(hidden)
model = keras.Model(inputs, outputs)
model.compile(optimizer="adam", loss="binary_crossentropy")
model.fit(x_train, y_train, epochs=1)
"""
# KER306 and KER204 have safe fixes; opt-in KER105 (selected in the project's pyproject.toml) an unsafe one.
SAFELY_FIXED = MODEL.replace("shape=x_train.shape)", "shape=x_train.shape[1:])").replace('"softmax"', '"sigmoid"')
ALL_FIXED = SAFELY_FIXED.replace("Dense(64)", "Dense(64, use_bias=False)")


def readme_commands(containing: str) -> list[str]:
    """The command lines of the README bash block containing `containing`, without their trailing comments."""
    return [re.sub(r"\s+#.*", "", line) for line in readme_block("bash", containing).splitlines() if line.strip()]


def new_project(root: Path) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "src" / "model.py").write_text(MODEL, encoding="utf-8")
    (root / "pyproject.toml").write_text('[tool.kerlint]\nextend-select = ["KER105"]\n', encoding="utf-8")
    return root


def run_as_written(command: str, project: Path) -> subprocess.CompletedProcess:
    """`command` in a shell in `project`, with the `kerlint` this interpreter has installed on PATH."""
    env = {key: value for key, value in os.environ.items() if key != "KERLINT_CACHE_DIR"}
    env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return subprocess.run(["bash", "-c", command], cwd=project, env=env, capture_output=True, text=True, timeout=120)


def model_text(project: Path) -> str:
    return (project / "src" / "model.py").read_text(encoding="utf-8")


def test_without_fix_the_fixable_findings_are_marked(tmp_path):
    result = run_as_written("kerlint check src/", new_project(tmp_path))
    assert result.returncode == 1
    assert "KER204 [*]" in result.stdout and "KER306 [*]" in result.stdout and "KER105 [*]" not in result.stdout
    assert "[*] 2 fixable with the `--fix` option (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in result.stdout


@pytest.mark.parametrize("command", readme_commands("--diff src/"))
def test_each_fix_command_does_what_the_readme_says(command, tmp_path):
    """The fix commands are alternatives: each runs on the project as the user wrote it."""
    project = new_project(tmp_path)
    result = run_as_written(command, project)
    if "--diff" in command:  # print what --fix would change; write nothing; exit 1
        assert result.returncode == 1, result.stderr
        assert "--- src/model.py\n+++ src/model.py\n@@ " in result.stdout
        assert '-outputs = keras.layers.Dense(1, activation="softmax")(hidden)' in result.stdout
        assert '+outputs = keras.layers.Dense(1, activation="sigmoid")(hidden)' in result.stdout
        assert model_text(project) == MODEL
        return
    assert "--fix" in command
    if "--unsafe-fixes" in command:
        assert model_text(project) == ALL_FIXED
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Found 3 findings (3 fixed, 0 remaining)." in result.stdout
    else:  # the safe fixes written, the rest reported, the exit code that of what remains
        assert model_text(project) == SAFELY_FIXED
        assert result.returncode == 1, result.stderr
        assert "KER105" in result.stdout
        assert "Found 3 findings (2 fixed, 1 remaining)." in result.stdout
    if "--show-fixes" in command:
        assert "Fixed 2 findings:\n- src/model.py:\n    1 × KER204 (single-unit-softmax)\n    1 × KER306" in result.stdout
    after = run_as_written("kerlint check src/", project)
    assert "KER204" not in after.stdout and "KER306" not in after.stdout


def test_adopting_kerlint_commands_leave_a_project_that_passes(tmp_path):
    project = new_project(tmp_path)
    add_noqa, check = readme_commands("--add-noqa")
    assert "--add-noqa" in add_noqa
    added = run_as_written(add_noqa, project)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "inputs = keras.Input(shape=x_train.shape)  # noqa: KER306\n" in model_text(project)
    assert "hidden = keras.layers.Dense(64)(inputs)  # noqa: KER105\n" in model_text(project)
    assert 'outputs = keras.layers.Dense(1, activation="softmax")(hidden)  # noqa: KER204\n' in model_text(project)
    checked = run_as_written(check, project)
    assert checked.returncode == 0, checked.stdout + checked.stderr
