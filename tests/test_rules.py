"""Every rule's inline valid/invalid examples, and its documentation."""

from __future__ import annotations

import textwrap

import pytest

from kerlint.config import load_settings
from kerlint.engine import analyze_source
from kerlint.rules import ALL_RULES
from kerlint.rules.docs import expected_pages

from helpers import ROOT, codes

CHECKED_RULES = [rule for rule in ALL_RULES if not rule.emitted_by_engine]
CONFIRM_ONLY = pytest.mark.skip(reason="emitted by `kerlint confirm`, which runs the example: tested in test_confirm.py")


def _cases(kind: str) -> list:
    return [
        pytest.param(rule, source, id=f"{rule.code}-{kind}-{index}", marks=[CONFIRM_ONLY] if rule.emitted_by_confirm else [])
        for rule in CHECKED_RULES
        for index, source in enumerate(getattr(rule, kind))
    ]


def _codes(rule, source: str, tmp_path) -> list[str]:
    """Codes found in an example, with the rule selected (opt-in rules too); under its `example_config` when it needs one."""
    config = getattr(rule, "example_config", None)
    if config is None:
        return codes(source, extend_select=[rule.code])
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(config, encoding="utf-8")
    result = analyze_source(textwrap.dedent(source), str(tmp_path / "snippet.py"), load_settings(pyproject, extend_select=[rule.code]))
    return [finding.code for finding in result.findings]


@pytest.mark.parametrize("rule, source", _cases("invalid"))
def test_invalid_example_is_flagged(rule, source, tmp_path):
    assert rule.code in _codes(rule, source, tmp_path), f"{rule.code} should flag:\n{source}"


@pytest.mark.parametrize("rule, source", _cases("valid"))
def test_valid_example_is_clean(rule, source, tmp_path):
    assert rule.code not in _codes(rule, source, tmp_path), f"{rule.code} should not flag:\n{source}"


@pytest.mark.parametrize("rule", CHECKED_RULES, ids=lambda r: r.code)
def test_every_checked_rule_has_examples(rule):
    assert rule.valid and rule.invalid


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_documentation_has_the_standard_sections(rule):
    doc = rule.documentation()
    for section in ("## What it does", "## Why is this bad?", "## Example"):
        assert section in doc, f"{rule.code} lacks {section}"
    for option in rule.options:
        assert f"`{option}`" in doc, f"{rule.code} does not document option {option}"


def test_codes_and_names_are_unique_and_well_formed():
    assert len({r.code for r in ALL_RULES}) == len(ALL_RULES)
    assert len({r.name for r in ALL_RULES}) == len(ALL_RULES)
    for rule in ALL_RULES:
        assert rule.code.startswith("KER") and len(rule.code) == 6 and rule.code[3:].isdigit()
        assert rule.name == rule.name.lower() and " " not in rule.name


def test_rule_reference_is_up_to_date():
    expected = expected_pages()
    directory = ROOT / "rules"
    actual = {path.name: path.read_text(encoding="utf-8") for path in directory.glob("*.md")}
    stale = sorted(name for name in expected.keys() | actual.keys() if expected.get(name) != actual.get(name))
    assert not stale, f"rules/ is stale ({', '.join(stale)}): run `python -m kerlint.rules.docs`"
