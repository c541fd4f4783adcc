"""The default rule set: what docs/precision.md decides is what the rules declare, what users see, and what runs."""

from __future__ import annotations

import json

import pytest

from helpers import ROOT, codes, kerlint
from kerlint.config import load_settings
from kerlint.findings import Severity
from kerlint.rules import ALL_RULES, DEFAULT_CODES
from kerlint.rules.docs import render_index, render_page, rule_set

PRECISION = ROOT / "docs" / "precision.md"
OPT_IN = [rule for rule in ALL_RULES if not rule.default]
OPT_IN_EXAMPLE = OPT_IN[0].invalid[0]
"""A program an opt-in rule flags (its own first invalid example)."""


def documented_sets() -> dict[str, str]:
    """Code -> `default` or `opt-in`, from the per-rule table of docs/precision.md (code first, set third)."""
    rows = [line.strip().strip("|").split("|") for line in PRECISION.read_text(encoding="utf-8").splitlines() if line.startswith("| KER")]
    return {cells[0].strip(): cells[2].strip() for cells in rows}


def test_the_default_set_is_what_the_precision_study_decided():
    assert documented_sets() == {rule.code: rule_set(rule) for rule in ALL_RULES}


def test_meta_confirm_and_error_rules_are_on_by_default():
    """Meta and confirm rules report on kerlint itself; an error is something Keras raises on, or a model that cannot learn."""
    assert OPT_IN, "the precision study made some rules opt-in"
    for rule in ALL_RULES:
        if rule.emitted_by_engine or rule.emitted_by_confirm or rule.severity is Severity.ERROR:
            assert rule.default, rule.code


@pytest.mark.parametrize("rule", OPT_IN, ids=lambda rule: rule.code)
def test_an_opt_in_rule_runs_only_when_selected(rule):
    source = rule.invalid[0]
    assert rule.code not in codes(source)
    assert rule.code in codes(source, extend_select=[rule.code])
    assert rule.code in codes(source, extend_select=[rule.name])
    assert rule.code in codes(source, select=["ALL"])


def test_all_and_prefixes_select_opt_in_rules_too(tmp_path):
    """As ruff's selectors: the default set is only the starting selection."""
    assert load_settings(None, select=["ALL"]).enabled == {rule.code for rule in ALL_RULES}
    assert load_settings(None).enabled == DEFAULT_CODES
    assert "KER207" in load_settings(None, select=["KER2"]).enabled
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.kerlint]\nextend-select = ["KER207"]\nignore = ["KER3"]\n', encoding="utf-8")
    assert load_settings(pyproject).enabled == (DEFAULT_CODES | {"KER207"}) - {code for code in DEFAULT_CODES if code.startswith("KER3")}


def test_command_line_extend_select_turns_an_opt_in_rule_on():
    code = OPT_IN[0].code
    plain = kerlint("check", "--isolated", "--no-cache", "--output-format", "json", "--stdin-filename", "model.py", "-", stdin=OPT_IN_EXAMPLE)
    assert (plain.returncode, json.loads(plain.stdout)) == (0, [])
    extended = kerlint("check", "--isolated", "--no-cache", "--output-format", "json", "--extend-select", code,
                       "--stdin-filename", "model.py", "-", stdin=OPT_IN_EXAMPLE)
    assert extended.returncode == 1 and code in {f["code"] for f in json.loads(extended.stdout)}


def test_rule_listing_and_pages_say_default_or_opt_in():
    listing = {line.split()[0]: line.split()[3] for line in kerlint("rule", "--all").stdout.splitlines()}
    assert listing == {rule.code: rule_set(rule) for rule in ALL_RULES}
    index = render_index()
    for rule in ALL_RULES:
        page = render_page(rule)
        if rule.default:
            assert "In the default rule set" in page and "Opt-in" not in page, rule.code
        else:
            assert "Opt-in: it runs only when selected" in page and f"`--extend-select {rule.code}`" in page, rule.code
        assert f"| `{rule.name}` | {rule.severity.value} | {rule_set(rule)} |" in index


def test_examples_select_every_rule_and_the_default_set_reports_only_keras_errors_there():
    """examples/pyproject.toml opts in to every rule, so the demo shows them all; the default set alone keeps to KER301."""
    isolated = json.loads(kerlint("check", "examples", "--isolated", "--no-cache", "--output-format", "json").stdout)
    assert {f["code"] for f in isolated} == {"KER301"}
    configured = json.loads(kerlint("check", "examples", "--no-cache", "--output-format", "json").stdout)
    assert {f["code"] for f in configured} - DEFAULT_CODES
