"""One line per finding (`path:line:col: CODE message`), for editors, grep and CI logs."""

from __future__ import annotations

from collections import Counter
from typing import Iterable, Mapping, TextIO

from kerlint.findings import Finding, Severity


def render(findings: list[Finding], sources: Mapping[str, str], stream: TextIO) -> None:
    ordered = sorted(findings, key=lambda finding: finding.sort_key)
    for finding in ordered:
        stream.write(f"{finding.path}:{finding.span.line}:{finding.span.column}: {finding.code} {finding.message}\n")
    stream.write(summary_line(ordered) + "\n")


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
