"""README.md stays true: the quickstart CI runs, and the rule table lists every rule."""

from __future__ import annotations

import re

from kerlint.rules import ALL_RULES

from helpers import ROOT

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
