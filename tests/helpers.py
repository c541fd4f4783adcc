"""Shared helpers: analyze a snippet the way the CLI does."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

from kerlint.config import load_settings
from kerlint.engine import FileResult, analyze_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"
_FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)


def kerlint(*args: str, cwd: Path = ROOT, stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run the `kerlint` command as a user does, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "kerlint", *args], cwd=cwd, capture_output=True, text=True, input=stdin, timeout=120
    )


def analyze(source: str, path: str = "snippet.py", **overrides) -> FileResult:
    return analyze_source(textwrap.dedent(source), path, load_settings(None, **overrides))


def codes(source: str, **overrides) -> list[str]:
    return [finding.code for finding in analyze(source, **overrides).findings]


def readme_block(language: str, containing: str) -> str:
    """The one fenced block of README.md in `language` that contains `containing`: what users copy."""
    blocks = [body for lang, body in _FENCED.findall((ROOT / "README.md").read_text()) if lang == language and containing in body]
    assert len(blocks) == 1, f"expected one ```{language} block with {containing!r} in README.md, found {len(blocks)}"
    return blocks[0]


def last_code(prefix: str) -> str:
    """The highest registered rule code starting with `prefix` (`KER3` -> `KER312`): hints name the range."""
    from kerlint.rules import ALL_RULES

    return max(rule.code for rule in ALL_RULES if rule.code.startswith(prefix))
