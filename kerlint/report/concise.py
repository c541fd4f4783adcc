"""One line per finding (`path:line:col: CODE message`), for editors, grep and CI logs."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, TextIO

from kerlint.findings import Finding, Severity
from kerlint.report.results import Results


def render(results: Results, stream: TextIO) -> None:
    for item in results.located:
        stream.write(f"{item.where()}: {item.finding.code} {item.message}\n")
    stream.write(summary_line(item.finding for item in results.located) + "\n")


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
