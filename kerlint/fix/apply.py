"""Applying fixes to a file's text: one pass of non-overlapping fixes, then lint again, until stable.

As ruff does: a fix whose edits overlap one already taken in a pass waits for
the next pass (the first may make it unnecessary, or move it); passes stop
when nothing more applies, or after `MAX_PASSES`. A pass whose result no
longer parses is undone, and fixing the file stops there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

from kerlint.config import Settings
from kerlint.engine import FileResult, analyze_source
from kerlint.files import LineIndex
from kerlint.findings import Finding
from kerlint.fix.edit import Edit

MAX_PASSES = 100
"""ruff's bound: fixes that keep undoing each other cannot loop forever."""

Applicable = Callable[[Finding], bool]
"""Which findings' fixes to apply (safe only, or unsafe too; `fixable`/`unfixable`)."""


@dataclass
class FixedSource:
    """A file's text before and after fixing, what was fixed, and the findings that remain."""

    original: str
    source: str
    result: FileResult
    """The analysis of `source`: the findings left."""
    fixed: list[Finding] = field(default_factory=list)
    broke_syntax: list[Finding] = field(default_factory=list)
    """Findings whose fixes, applied together, made the text unparsable (they were undone)."""

    @property
    def changed(self) -> bool:
        return self.source != self.original


def fix_source(source: str, path: str, settings: Settings, applicable: Applicable, first: FileResult | None = None) -> FixedSource:
    """Apply the fixes `applicable` accepts to `source`, linting again after each pass.

    `first` is the analysis of `source` when the caller has it (it is not repeated).
    """
    result = first if first is not None and first.source == source else analyze_source(source, path, settings)
    outcome = FixedSource(source, source, result)
    for _ in range(MAX_PASSES):
        text, applied = apply_once(outcome.source, (f for f in outcome.result.findings if f.fix and applicable(f)))
        if not applied:
            break
        relinted = analyze_source(text, path, settings)
        if _syntax_errors(relinted) > _syntax_errors(outcome.result):
            outcome.broke_syntax = applied
            break
        outcome.source, outcome.result = text, relinted
        outcome.fixed += applied
    return outcome


def apply_once(source: str, findings: Iterable[Finding]) -> tuple[str, list[Finding]]:
    """`source` with the fixes of `findings` that do not overlap each other, in order of position."""
    lines = LineIndex(source)
    ranged = []
    for finding in findings:
        ranges = sorted((_offset(lines, edit.span.line, edit.span.column), _offset(lines, edit.span.end_line, edit.span.end_column), edit) for edit in finding.fix.edits)
        ranged.append((ranges[0][0], finding, ranges))
    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, Edit]] = []
    applied: list[Finding] = []
    for _, finding, ranges in sorted(ranged, key=lambda item: (item[0], item[1].sort_key)):
        if any(_overlap(start, end, other) for start, end, _ in ranges for other in taken):
            continue
        taken += [(start, end) for start, end, _ in ranges]
        chosen += ranges
        applied.append(finding)
    for start, end, edit in sorted(chosen, key=lambda item: (item[0], item[1]), reverse=True):
        source = source[:start] + edit.content + source[end:]
    return source, applied


def _overlap(start: int, end: int, other: tuple[int, int]) -> bool:
    """Ranges that share characters, or insertions at one point (their order would be a guess)."""
    other_start, other_end = other
    return (start < other_end and other_start < end) or start == other_start


def _offset(lines: LineIndex, line: int, column: int) -> int:
    return lines.starts[line - 1] + column - 1


def _syntax_errors(result: FileResult) -> int:
    return sum(1 for finding in result.findings if finding.code == "KER001")
