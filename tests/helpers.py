"""Shared helpers: analyze a snippet the way the CLI does."""

from __future__ import annotations

import textwrap
from pathlib import Path

from kerlint.config import load_settings
from kerlint.engine import FileResult, analyze_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def analyze(source: str, path: str = "snippet.py", **overrides) -> FileResult:
    return analyze_source(textwrap.dedent(source), path, load_settings(None, **overrides))


def codes(source: str, **overrides) -> list[str]:
    return [finding.code for finding in analyze(source, **overrides).findings]
