"""README.md stays true: the quickstart CI runs, the rule table lists every rule, the install snippets work."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys

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
