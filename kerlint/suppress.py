"""Suppression comments: `# noqa`, `# kerlint: ignore[...]` and `# kerlint: file-ignore[...]`.

Comments are found by a scan that skips string literals, so text that only looks
like a comment inside a string never suppresses anything. Codes of other tools (`# noqa: E501`) are
ignored silently, since kerlint shares the `# noqa` convention with them.
Explicitly named kerlint codes that suppress nothing are reported as KER002 so
that stale suppressions do not hide the next real finding on their line.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Iterable

from kerlint.files import LineIndex, comments
from kerlint.findings import Finding, Span
from kerlint.rules import BY_CODE, rule_for

UNUSED_SUPPRESSION = "KER002"

_NOQA = re.compile(r"#\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>[\w-]+(?:[\s,]+[\w-]+)*))?", re.IGNORECASE)
_KERLINT = re.compile(r"#\s*kerlint\s*:\s*(?P<kind>file-ignore|ignore)\s*\[(?P<codes>[^\]]*)\]", re.IGNORECASE)
_MAYBE_DIRECTIVE = re.compile(r"#\s*(?:noqa|kerlint)", re.IGNORECASE)
"""What every directive starts with; the leading `#` lets the regular expression engine skip to candidates (50x faster)."""


@dataclass(frozen=True)
class LineSuppression:
    """One directive on one line; `codes` None is a bare `# noqa` (every kerlint code)."""

    line: int
    column: int  # 1-based, where the directive starts
    end_column: int  # exclusive
    codes: frozenset[str] | None


@dataclass(frozen=True)
class Suppressions:
    lines: tuple[LineSuppression, ...] = ()
    file_codes: frozenset[str] = frozenset()


def parse_suppressions(source: str) -> Suppressions:
    """Every suppression directive in the comments of `source` that concerns kerlint."""
    if not _may_concern_kerlint(source):
        return Suppressions()
    lines: list[LineSuppression] = []
    file_codes: set[str] = set()
    lines_of_source = LineIndex(source)
    for comment in comments(source):
        text = comment.group()
        if not _MAYBE_DIRECTIVE.search(text):
            continue
        line, offset = lines_of_source.line_and_column(comment.start())
        for match in _NOQA.finditer(text):
            codes = None if match["codes"] is None else _kerlint_codes(match["codes"])
            lines.append(_line_suppression(line, offset, match, codes))
        for match in _KERLINT.finditer(text):
            codes = _kerlint_codes(match["codes"])
            if match["kind"].lower() == "file-ignore":
                file_codes |= codes
            else:
                lines.append(_line_suppression(line, offset, match, codes))
    # A directive naming only other tools' codes does nothing for kerlint.
    return Suppressions(tuple(s for s in lines if s.codes is None or s.codes), frozenset(file_codes))


def _may_concern_kerlint(source: str) -> bool:
    """A look at the raw text, strings and all, before the comments are found: is there a bare `# noqa`
    or a directive that names a kerlint code? Most directives silence other tools (`# noqa: E501`)."""
    if not _MAYBE_DIRECTIVE.search(source):
        return False
    return any(match["codes"] is None or _kerlint_codes(match["codes"]) for match in _NOQA.finditer(source)) or any(
        _kerlint_codes(match["codes"]) for match in _KERLINT.finditer(source)
    )


def apply_suppressions(
    findings: Iterable[Finding], suppressions: Suppressions, path: str, enabled: frozenset[str]
) -> list[Finding]:
    """The findings that no suppression covers, plus KER002 for each named code that covered nothing.

    A line directive covers findings that start on its line. KER002 is reported
    only when it and the named code are enabled; it is itself silenced by a
    file-ignore of KER002 or by naming KER002 in a directive on the same line.
    """
    by_line: dict[int, list[LineSuppression]] = defaultdict(list)
    for suppression in suppressions.lines:
        by_line[suppression.line].append(suppression)

    used: set[tuple[LineSuppression, str]] = set()
    kept: list[Finding] = []
    for finding in findings:
        if finding.code in suppressions.file_codes:
            continue
        covering = [s for s in by_line.get(finding.span.line, ()) if s.codes is None or finding.code in s.codes]
        used.update((s, finding.code) for s in covering)
        if not covering:
            kept.append(finding)

    if UNUSED_SUPPRESSION in enabled and UNUSED_SUPPRESSION not in suppressions.file_codes:
        for suppression in suppressions.lines:
            if any(UNUSED_SUPPRESSION in (s.codes or ()) for s in by_line[suppression.line]):
                continue
            for code in sorted(suppression.codes or ()):
                if code in enabled and (suppression, code) not in used:
                    kept.append(_unused(path, suppression, code))
    return sorted(kept, key=lambda finding: finding.sort_key)


@functools.lru_cache(maxsize=256)
def _kerlint_codes(text: str) -> frozenset[str]:
    """The kerlint codes among comma/space separated codes or rule names; others are dropped."""
    rules = (rule_for(item) for item in re.split(r"[\s,]+", text) if item)
    return frozenset(rule.code for rule in rules if rule is not None)


def _line_suppression(line: int, offset: int, match: re.Match[str], codes: frozenset[str] | None) -> LineSuppression:
    return LineSuppression(line, offset + match.start() + 1, offset + match.end() + 1, codes)


def _unused(path: str, suppression: LineSuppression, code: str) -> Finding:
    meta, named = BY_CODE[UNUSED_SUPPRESSION], BY_CODE[code]
    return Finding(
        path=path,
        span=Span(suppression.line, suppression.column, suppression.line, suppression.end_column),
        code=meta.code,
        name=meta.name,
        message=f"unused suppression for {code} ({named.name}): no such finding on this line",
        severity=meta.severity,
    )
