"""`kerlint cost --diff REV`: models compared between a git revision and the working tree, the gate, the README.

Every test builds its own repository in a temporary directory (git, no network).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from kerlint.config import ConfigError, load_settings
from kerlint.cost_diff import ThresholdError, parse_thresholds

from helpers import kerlint, readme_block

MODEL = """
import keras
from keras import layers

inputs = keras.Input(shape=(32,))
x = layers.Dense({width}, activation="relu", name="hidden")(inputs)
{extra}outputs = layers.Dense(10, activation="softmax", name="head")(x)
model = keras.Model(inputs, outputs, name="classifier")
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""

TINY = """
import keras
from keras import layers
model = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(2, name="out")], name="{name}")
"""


def model_source(width: int = 64, extra: str = 'x = layers.Dropout(0.2, name="drop")(x)\n') -> str:
    return MODEL.format(width=width, extra=extra)


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=kerlint", "-c", "user.email=kerlint@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )
    return done.stdout


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def make_repo(root: Path, before: dict[str, str], after: dict[str, str], remove: tuple[str, ...] = ()) -> Path:
    """A repository whose `main` holds `before`; the working tree then has `after` written and `remove` deleted."""
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, before)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "before")
    write(repo, after)
    for name in remove:
        (repo / name).unlink()
    return repo


def cost_json(repo: Path, *args: str) -> dict:
    done = kerlint("cost", "--diff", "main", "--format", "json", *args, cwd=repo)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def by_name(review: dict) -> dict[str, dict]:
    return {model["name"]: model for model in review["models"]}


# ---------------------------------------------------------------- comparing


def test_changed_model_lists_each_figure_and_each_changed_layer(tmp_path):
    extra = 'x = layers.Dense(64, activation="relu", name="hidden2")(x)\n'
    repo = make_repo(
        tmp_path,
        {"src/model.py": model_source(), "src/tiny.py": TINY.format(name="tiny")},
        {"src/model.py": model_source(width=128, extra=extra)},
    )
    review = cost_json(repo)
    assert review["revision"] == "main" and review["commit"] == git(repo, "rev-parse", "main").strip()
    models = by_name(review)
    assert models["tiny"]["status"] == "unchanged" and models["tiny"]["layers"] == []
    classifier = models["classifier"]
    assert classifier["status"] == "changed" and classifier["path"] == os.path.join("src", "model.py")
    before = 32 * 64 + 64 + 64 * 10 + 10
    after = 32 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10
    assert classifier["params"] == {"before": before, "after": after, "increase": pytest.approx((after - before) / before)}
    assert classifier["flops"]["after"] > classifier["flops"]["before"] > 0
    assert classifier["memory"]["after"] > classifier["memory"]["before"] > 0
    changes = {layer["name"]: layer for layer in classifier["layers"]}
    assert {name: layer["change"] for name, layer in changes.items()} == {"hidden": "changed", "hidden2": "added", "drop": "removed"}
    assert changes["hidden"]["before"]["output_shape"] == "(None, 64)" and changes["hidden"]["after"]["output_shape"] == "(None, 128)"
    assert review["exceeded"] == []

    table = kerlint("cost", "--diff", "main", cwd=repo)
    assert table.returncode == 0, table.stderr
    assert f"{before:,} -> {after:,} (+" in table.stdout
    assert "~ hidden (Dense)  (None, 64) -> (None, 128)" in table.stdout
    assert "+ hidden2 (Dense)" in table.stdout and "- drop (Dropout)" in table.stdout


def test_added_removed_and_renamed_files_and_the_working_tree_left_alone(tmp_path):
    repo = make_repo(
        tmp_path,
        {"old.py": TINY.format(name="gone"), "a.py": TINY.format(name="tiny")},
        {"new.py": TINY.format(name="fresh"), "b.py": TINY.format(name="tiny")},
        remove=("old.py", "a.py"),
    )
    git(repo, "add", "new.py")  # something staged, which --diff must leave staged
    status = git(repo, "status", "--porcelain")
    review = cost_json(repo)
    statuses = sorted((model["path"], model["name"], model["status"]) for model in review["models"])
    # a renamed file matches by path only: its model reads as removed and added
    assert statuses == [
        ("a.py", "tiny", "removed"), ("b.py", "tiny", "added"), ("new.py", "fresh", "added"), ("old.py", "gone", "removed"),
    ]
    added = by_name(review)["fresh"]
    assert added["params"] == {"before": None, "after": 10, "increase": None}
    assert git(repo, "status", "--porcelain") == status
    assert sorted(os.listdir(repo)) == [".git", "b.py", "new.py"]


def test_models_of_one_name_are_matched_within_the_function_that_builds_them(tmp_path):
    def builder(function: str, units: int) -> str:
        return f"def {function}():\n    return keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense({units})])\n"

    header = "import keras\n"
    repo = make_repo(tmp_path, {"m.py": header + builder("a", 2) + builder("b", 3)}, {"m.py": header + builder("b", 3)})
    statuses = sorted((model["function"], model["name"], model["status"]) for model in cost_json(repo)["models"])
    assert statuses == [("a", "sequential", "removed"), ("b", "sequential", "unchanged")]


def test_a_file_that_cannot_be_analyzed_at_the_revision_leaves_its_models_unresolved(tmp_path):
    repo = make_repo(tmp_path, {"model.py": model_source() + "def broken(:\n"}, {"model.py": model_source()})
    done = kerlint("cost", "--diff", "main", "--format", "json", "--fail-on-increase", "0%", cwd=repo)
    assert done.returncode == 0, done.stderr
    [model] = json.loads(done.stdout)["models"]
    assert model["status"] == "unresolved" and model["params"]["before"] is None
    [item] = model["unresolved"]
    assert item["side"] == "revision" and item["reason"].startswith("KER001 syntax error")


def test_partially_reconstructed_model_is_unresolved_and_not_gated(tmp_path):
    partial = model_source().replace("x = layers.Dropout", "x = mystery(x)\nx = layers.Dropout")
    repo = make_repo(tmp_path, {"model.py": partial}, {"model.py": partial.replace("Dense(64", "Dense(256")})
    done = kerlint("cost", "--diff", "main", "--format", "json", "--fail-on-increase", "0%", cwd=repo)
    assert done.returncode == 0, done.stderr
    [model] = json.loads(done.stdout)["models"]
    assert model["status"] == "unresolved" and model["params"] == {"before": None, "after": None, "increase": None}
    assert {item["side"] for item in model["unresolved"]} == {"revision", "working tree"}


def test_imports_between_project_modules_resolve_to_the_revision(tmp_path):
    user = """
    import keras
    from keras import layers
    from sizes import WIDTH
    model = keras.Sequential([keras.Input(shape=(8,)), layers.Dense(WIDTH, name="wide")], name="user")
    """
    repo = make_repo(tmp_path, {"sizes.py": "WIDTH = 16\n", "user.py": user}, {"sizes.py": "WIDTH = 32\n"})
    [model] = cost_json(repo)["models"]
    assert model["params"]["before"] == 8 * 16 + 16 and model["params"]["after"] == 8 * 32 + 32


def test_notebooks_are_compared(tmp_path):
    def notebook(units: int) -> str:
        code = f'import keras\nmodel = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense({units})], name="nb")\n'
        cell = {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": code}
        return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})

    repo = make_repo(tmp_path, {"model.ipynb": notebook(2)}, {"model.ipynb": notebook(3)})
    [model] = cost_json(repo)["models"]
    assert model["status"] == "changed" and model["params"]["before"] == 10 and model["params"]["after"] == 15


def test_markdown_draws_changed_models_with_their_changed_layers_highlighted(tmp_path):
    extra = 'x = layers.Dense(64, activation="relu", name="hidden2")(x)\n'
    before = {"model.py": model_source(), "tiny.py": TINY.format(name="tiny")}
    repo = make_repo(tmp_path, before, {"model.py": model_source(width=128, extra=extra)})
    done = kerlint("cost", "--diff", "main", "--format", "markdown", "--mermaid", cwd=repo)
    assert done.returncode == 0, done.stderr
    markdown = done.stdout
    assert markdown.startswith("## kerlint cost review\n")
    changed, folded = markdown.split("<details><summary>1 unchanged model</summary>", 1)
    assert "`tiny`" not in changed and "| `tiny` (tiny.py:3) | unchanged | 10 |" in folded
    assert "| `classifier` (model.py:8) | changed | 2,762 → 13,130 (**+375.4%**) |" in markdown
    assert "| changed | `hidden` | Dense | `(None, 64)` → `(None, 128)` | 2,112 → 4,224 |" in markdown
    graph = re.search(r"```mermaid\n(.*?)```", markdown, re.S).group(1)
    assert "removed: drop" in graph
    ids = {name: node for node, name in re.findall(r'(n\d+)\["(\w+)<br/>', graph)}
    assert f"class {ids['hidden2']} added" in graph and f"class {ids['hidden']} changed" in graph
    assert f"class {ids['head']}" not in graph


# ---------------------------------------------------------------- the gate


def test_fail_on_increase_from_the_command_line_and_from_the_configuration(tmp_path):
    config = '[tool.kerlint]\nfail-on-increase = { params = "5%" }\nextend-exclude = ["legacy/*"]\n'
    before = {"pyproject.toml": config, "model.py": model_source(), "legacy/old.py": TINY.format(name="old")}
    repo = make_repo(tmp_path, before, {"model.py": model_source(width=68)}, remove=("legacy/old.py",))
    done = kerlint("cost", "--diff", "main", cwd=repo)
    assert done.returncode == 1
    # only parameters are gated by this configuration, though FLOPs and memory grew too
    assert done.stderr == (
        "kerlint: error: model.py:8: model `classifier`: parameters grew +6.2% (2,762 -> 2,934), over the limit of 5% "
        "(fail-on-increase in pyproject.toml)\n"
    )
    below = kerlint("cost", "--diff", "main", "--fail-on-increase", "10%", cwd=repo)  # the command line wins
    assert below.returncode == 0 and below.stderr == ""
    json_run = kerlint("cost", "--diff", "main", "--format", "json", "--fail-on-increase", "flops=1%", cwd=repo)
    assert json_run.returncode == 1
    review = json.loads(json_run.stdout)
    assert [model["name"] for model in review["models"]] == ["classifier"]  # the revision's excludes are the working tree's
    [exceeded] = review["exceeded"]
    assert exceeded["metric"] == "flops" and exceeded["limit"] == 0.01 and exceeded["source"] == "--fail-on-increase"


def test_thresholds_are_read_as_percentages():
    assert parse_thresholds("5%", "x") == (("params", 0.05), ("flops", 0.05), ("memory", 0.05))
    assert parse_thresholds("flops=2.5%, params=0%", "x") == (("params", 0.0), ("flops", 0.025))
    assert parse_thresholds({"memory": "10%"}, "x") == (("memory", 0.1),)
    for wrong, message in ((5, "expected a percentage"), ("5", "expected a percentage"), ({"ram": "5%"}, "unknown metric 'ram'")):
        with pytest.raises(ThresholdError, match=message):
            parse_thresholds(wrong, "x")


def test_configuration_key_is_validated(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.kerlint]\nfail-on-increase = "5%"\n')
    assert load_settings(pyproject).fail_on_increase == (("params", 0.05), ("flops", 0.05), ("memory", 0.05))
    pyproject.write_text(readme_block("toml", "fail-on-increase"))
    assert load_settings(pyproject).fail_on_increase == (("params", 0.05), ("flops", 0.05), ("memory", 0.05))
    pyproject.write_text('[tool.kerlint]\nfail-on-increase = "five"\n')
    with pytest.raises(ConfigError, match=r"\[tool.kerlint\] 'fail-on-increase': expected a percentage"):
        load_settings(pyproject)


# ---------------------------------------------------------------- errors


def test_unknown_revision_and_no_repository_are_one_line_errors(tmp_path):
    repo = make_repo(tmp_path, {"model.py": model_source()}, {})
    done = kerlint("cost", "--diff", "no-such-branch", cwd=repo)
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "kerlint: error: unknown git revision 'no-such-branch'\n")
    outside = tmp_path / "plain"
    outside.mkdir()
    (outside / "model.py").write_text(model_source())
    done = kerlint("cost", "--diff", "main", "model.py", cwd=outside)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.endswith("is not in a git repository (--diff compares with a git revision)\n")
    assert done.stderr.count("\n") == 1
    done = kerlint("cost", "--diff", "main", ".", str(outside), cwd=repo)
    assert done.returncode == 2 and done.stderr == f"kerlint: error: {outside} is outside the git repository {repo.resolve()}\n"
    done = kerlint("cost", "--fail-on-increase", "5%", cwd=repo)
    assert done.returncode == 2 and "add --diff REV" in done.stderr


# ---------------------------------------------------------------- the README


def test_readme_commands_and_workflow_run_on_a_repository_with_two_commits(tmp_path):
    """The README's commands, and the `run:` steps of its workflow, on a branch that widens a model."""
    repo = make_repo(tmp_path, {"src/model.py": model_source()}, {})
    git(repo, "update-ref", "refs/remotes/origin/main", "main")  # what the workflow's checkout fetches
    git(repo, "checkout", "-q", "-b", "feature")
    write(repo, {"src/model.py": model_source(width=128)})
    git(repo, "commit", "-q", "-am", "wider")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def run(command: str) -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "-c", command], cwd=repo, env=env, capture_output=True, text=True, timeout=120)

    commands = [line.split("  #")[0].strip() for line in readme_block("bash", "kerlint cost --diff main").splitlines() if line.strip()]
    assert len(commands) == 5
    for command in commands:
        done = run(command)
        assert done.returncode == (1 if "--fail-on-increase" in command else 0), (command, done.stderr)
        if "--fail-on-increase" in command:
            assert "model `classifier`: parameters grew" in done.stderr
    assert "| `classifier` (src/model.py:8) | changed |" in (repo / "cost-review.md").read_text()

    [job] = yaml.safe_load(readme_block("yaml", "kerlint cost --diff"))["jobs"].values()
    steps = job["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0 and job["permissions"]["pull-requests"] == "write"
    installs = [step["run"] for step in steps if "pip install" in step.get("run", "")]
    [install] = installs  # from the repository: no package index serves kerlint
    assert re.fullmatch(r'pip install "(kerlint @ )?git\+https://github\.com/kerlint/kerlint@[\w.]+"', install)
    [review_step] = [step["run"] for step in steps if step.get("run", "").startswith("kerlint ")]
    [comment_step] = [step for step in steps if step.get("uses", "").startswith("marocchino/sticky-pull-request-comment@")]
    (repo / "cost-review.md").unlink()
    done = run(review_step.replace("${{ github.base_ref }}", "main"))
    assert done.returncode == 1 and "over the limit of 5% (--fail-on-increase)" in done.stderr
    assert comment_step["if"] == "always()"  # the comment is posted when the limit fails the step
    comment = (repo / comment_step["with"]["path"]).read_text()
    assert comment.startswith("## kerlint cost review") and "```mermaid" in comment and "**Over the limit:**" in comment
