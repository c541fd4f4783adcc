"""Applying fixes to files' text: a pass of non-overlapping fixes per file, then lint again, until stable.

As ruff does: a fix whose edits overlap one already taken in a pass waits for
the next pass (the first may make it unnecessary, or move it); passes stop
when nothing more applies, or after `MAX_PASSES`. A pass whose result cannot
be analyzed (it does not parse, kerlint fails on it, or it is over a limit)
is undone, and fixing that file stops there. The fixed texts are linted as
every file is, through `engine.analyze_files`: in worker processes, under the
per-file limits, all files of a pass at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from kerlint.config import Settings
from kerlint.engine import Task, analyze_files
from kerlint.files import LineIndex
from kerlint.findings import Finding
from kerlint.fix.edit import Edit

MAX_PASSES = 100
"""ruff's bound: fixes that keep undoing each other cannot loop forever."""

UNANALYZABLE = frozenset({"KER000", "KER001", "KER003"})
"""What a fix must not bring: an internal error, a syntax error, a file over a limit."""

Applicable = Callable[[Finding], bool]
"""Which findings' fixes to apply (safe only, or unsafe too; `fixable`/`unfixable`)."""


@dataclass(eq=False)
class FixedSource:
    """One file being fixed: its text before and now, what was fixed, and the findings of the text now."""

    path: Path
    display: str
    settings: Settings
    encoding: str
    """The file's encoding (`write.source_encoding`): how the text goes back to bytes."""
    original: str
    findings: list[Finding]
    """The findings of `source`, fixes included."""
    source: str = field(init=False)
    fixed: list[Finding] = field(default_factory=list)
    undone: list[Finding] = field(default_factory=list)
    """Findings whose fixes, applied together, made a text that could not be analyzed (`UNANALYZABLE`)."""

    def __post_init__(self) -> None:
        self.source = self.original

    @property
    def changed(self) -> bool:
        return self.source != self.original


def fix_sources(files: Iterable[FixedSource], applicable: Applicable) -> None:
    """Apply the fixes `applicable` accepts to each file's text (in place), linting again after each pass."""
    active = list(files)
    for _ in range(MAX_PASSES):
        attempts = []
        for state in active:
            text, applied = apply_once(state.source, (f for f in state.findings if f.fix and applicable(f)))
            if applied:
                attempts.append((state, text, applied))
        if not attempts:
            return
        tasks = [Task(state.path, state.display, state.settings, text.encode(state.encoding)) for state, text, _ in attempts]
        active = []
        for (state, text, applied), result in zip(attempts, analyze_files(tasks)):
            if _unanalyzable(result.findings) > _unanalyzable(state.findings):
                state.undone = applied
                continue
            state.source, state.findings = text, result.findings
            state.fixed += applied
            active.append(state)


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


def _unanalyzable(findings: list[Finding]) -> int:
    return sum(1 for finding in findings if finding.code in UNANALYZABLE)
