"""Realistic buggy/fixed program pairs: each buggy one is flagged with its rule, the fix is not.

A pair is a directory under tests/corpus/ holding ``buggy.py`` and ``fixed.py``;
the first line of ``buggy.py`` names the expected rule: ``# expect: KER203``.
Files are read as bytes, the way the CLI reads them (CRLF endings and tabs stay).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kerlint.config import load_settings
from kerlint.engine import analyze_path

CORPUS = Path(__file__).parent / "corpus"
PAIRS = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def expected_code(pair: Path) -> str:
    first_line = (pair / "buggy.py").read_bytes().decode("utf-8").splitlines()[0]
    assert first_line.startswith("# expect: "), f"{pair.name}/buggy.py must start with '# expect: KERxxx'"
    return first_line.removeprefix("# expect: ").strip()


def found_codes(path: Path) -> list[str]:
    """Codes found with every rule selected: a pair may reproduce a bug that an opt-in rule catches."""
    return [f.code for f in analyze_path(path, path.name, load_settings(None, select=["ALL"])).findings]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.name)
def test_buggy_version_is_flagged(pair):
    code = expected_code(pair)
    assert code in found_codes(pair / "buggy.py")


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: p.name)
def test_fixed_version_is_not_flagged_for_that_fault(pair):
    code = expected_code(pair)
    assert code not in found_codes(pair / "fixed.py")


def test_corpus_size_and_detection_rate(capsys):
    detected = sum(expected_code(p) in found_codes(p / "buggy.py") for p in PAIRS)
    false_alarms = sum(expected_code(p) in found_codes(p / "fixed.py") for p in PAIRS)
    with capsys.disabled():
        print(f"\ncorpus: {len(PAIRS)} pairs, {detected} detected, {false_alarms} false alarms on fixed versions")
    assert len(PAIRS) >= 40
