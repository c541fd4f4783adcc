"""One line per finding (`path:line:col: CODE message`), for editors, grep and CI logs.

The message is the headline only; the suggested change (`help`) is left to the full format.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterable, TextIO

from kerlint.color import PLAIN, Palette
from kerlint.findings import Finding, Severity
from kerlint.report.results import Located, Results


def render(results: Results, stream: TextIO, palette: Palette = PLAIN, summary: bool = True) -> None:
    for item in results.located:
        stream.write(f"{headline(item, palette)} {item.message}\n")
    if summary:
        stream.write(summary_line(item.finding for item in results.located) + "\n")


def headline(item: Located, palette: Palette) -> str:
    """`path:line:col: CODE`, coloured by `palette`, and `[*]` when `--fix` would fix it (as ruff marks it);
    shared with the full format."""
    fixable = " [*]" if item.finding.fix is not None else ""
    return f"{palette.path(item.finding.path)}:{item.position()}: {palette.code(item.finding.code, item.finding.severity)}{fixable}"


def summary_line(findings: Iterable[Finding]) -> str:
    """`Found 3 findings (1 error, 2 warnings).`, or `All checks passed!`; shared with the full format."""
    counts = Counter(finding.severity for finding in findings)
    if not counts:
        return "All checks passed!"
    parts = ", ".join(_count(counts[severity], severity.value) for severity in Severity if counts[severity])
    return f"Found {_count(sum(counts.values()), 'finding')} ({parts})."


def _count(number: int, noun: str) -> str:
    plural = noun if number == 1 or noun == "info" else noun + "s"
    return f"{number} {plural}"
