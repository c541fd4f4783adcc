"""Suppression comments: `# noqa`, `# kerlint: ignore[...]` and `# kerlint: file-ignore[...]`.

Comments are found by a scan that skips string literals, so text that only looks
like a comment inside a string never suppresses anything. Codes of other tools (`# noqa: E501`) are
ignored silently, since kerlint shares the `# noqa` convention with them.
Explicitly named kerlint codes that suppress nothing are reported as KER002 so
that stale suppressions do not hide the next real finding on their line, and
directives that cannot work (`# kerlint: ignore` without brackets, `# noqa: KER3`,
`ignore[bogus]`) as KER004, with what was probably meant.
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
INVALID_SUPPRESSION = "KER004"
DIRECTIVES = ("ignore", "file-ignore")

_NOQA = re.compile(r"#\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>[\w-]+(?:[\s,]+[\w-]+)*))?", re.IGNORECASE)
_NOQA_WITHOUT_COLON = re.compile(r"[ \t]+(?P<code>KER\d+)", re.IGNORECASE)
"""`# noqa KER101`: a bare `# noqa` to Python linters (ruff and flake8 too), surely not what was meant."""
_KERLINT = re.compile(r"#\s*kerlint\s*:\s*(?P<kind>[\w-]*)(?:\s*\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
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
class InvalidDirective:
    """A directive that cannot work as written, and what is wrong with it."""

    line: int
    column: int
    end_column: int
    message: str


@dataclass(frozen=True)
class Suppressions:
    lines: tuple[LineSuppression, ...] = ()
    file_codes: frozenset[str] = frozenset()
    invalid: tuple[InvalidDirective, ...] = ()


def parse_suppressions(source: str) -> Suppressions:
    """Every suppression directive in the comments of `source` that concerns kerlint."""
    if not _may_concern_kerlint(source):
        return Suppressions()
    lines: list[LineSuppression] = []
    file_codes: set[str] = set()
    invalid: list[InvalidDirective] = []
    lines_of_source = LineIndex(source)
    for comment in comments(source):
        text = comment.group()
        if not _MAYBE_DIRECTIVE.search(text):
            continue
        line, offset = lines_of_source.line_and_column(comment.start())

        def report(where: tuple[int, int], problem: str) -> None:
            start, end = where
            directive = " ".join(text[start:end].split())
            invalid.append(InvalidDirective(line, offset + start + 1, offset + end + 1, f"`{directive}`: {problem}"))

        for match in _NOQA.finditer(text):
            if match["codes"] is None:
                codes = None
                missing_colon = _NOQA_WITHOUT_COLON.match(text, match.end())
                if missing_colon:
                    code = missing_colon["code"]
                    problem = f"without a colon this is a bare `# noqa`, which suppresses every rule on the line; write `# noqa: {code}`"
                    report((match.start(), missing_colon.end()), problem)
            else:
                codes, problems = _read_codes(match["codes"], only_kerlint=False)
                for problem in problems:
                    report(match.span(), problem)
            lines.append(_line_suppression(line, offset, match, codes))
        for match in _KERLINT.finditer(text):
            kind = match["kind"].lower()
            if kind not in DIRECTIVES:
                report(match.span(), f"unknown directive {match['kind']!r}: write `# kerlint: ignore[KER101]` (this line) "
                       "or `# kerlint: file-ignore[KER101]` (the whole file)")
                continue
            if match["codes"] is None:
                report(match.span(), f"names no rule, so it suppresses nothing: put the codes in brackets, e.g. `# kerlint: {kind}[KER101]`")
                continue
            codes, problems = _read_codes(match["codes"], only_kerlint=True)
            for problem in problems:
                report(match.span(), problem)
            if kind == "file-ignore":
                file_codes |= codes
            else:
                lines.append(_line_suppression(line, offset, match, codes))
    # A directive naming only other tools' codes does nothing for kerlint.
    return Suppressions(tuple(s for s in lines if s.codes is None or s.codes), frozenset(file_codes), tuple(invalid))


def _may_concern_kerlint(source: str) -> bool:
    """A look at the raw text, strings and all, before the comments are found: is there a bare `# noqa`,
    a `# kerlint:` directive, or a `# noqa` naming a kerlint code (or trying to)? Most directives silence
    other tools (`# noqa: E501`)."""
    if not _MAYBE_DIRECTIVE.search(source):
        return False
    return bool(_KERLINT.search(source)) or any(
        match["codes"] is None or _names_kerlint(match["codes"]) for match in _NOQA.finditer(source)
    )


def _names_kerlint(codes_text: str) -> bool:
    """Whether a `# noqa:` list names a kerlint code, or something that tries to be one (`KER3`)."""
    codes, problems = _read_codes(codes_text, only_kerlint=False)
    return bool(codes or problems)


def apply_suppressions(
    findings: Iterable[Finding], suppressions: Suppressions, path: str, enabled: frozenset[str]
) -> list[Finding]:
    """The findings that no suppression covers, plus KER002 for each named code that covered nothing
    and KER004 for each directive that cannot work.

    A line directive covers findings that start on its line. KER002 is reported
    only when it and the named code are enabled; it is itself silenced by a
    file-ignore of KER002 or by naming KER002 in a directive on the same line,
    and so is KER004.
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
    if INVALID_SUPPRESSION in enabled and INVALID_SUPPRESSION not in suppressions.file_codes:
        for directive in suppressions.invalid:
            if not any(INVALID_SUPPRESSION in (s.codes or ()) for s in by_line[directive.line]):
                span = (directive.line, directive.column, directive.end_column)
                kept.append(_meta_finding(path, INVALID_SUPPRESSION, *span, directive.message))
    return sorted(kept, key=lambda finding: finding.sort_key)


@functools.lru_cache(maxsize=256)
def _read_codes(text: str, only_kerlint: bool) -> tuple[frozenset[str], tuple[str, ...]]:
    """The kerlint codes among comma/space separated codes or rule names, and what is wrong with the rest.

    An item that looks like a kerlint code (`KER...`) must be one. Other items are
    other tools' codes in a `# noqa`, left alone, but wrong in a kerlint directive
    (`only_kerlint`).
    """
    codes: set[str] = set()
    problems: list[str] = []
    items = [item for item in re.split(r"[\s,]+", text) if item]
    if not items:
        problems.append("names no rule, so it suppresses nothing: put the codes in the brackets, e.g. `[KER101]`")
    for item in items:
        rule = rule_for(item)
        if rule is not None:
            codes.add(rule.code)
        elif item.upper().startswith("KER"):
            problems.append(_not_a_code(item))
        elif only_kerlint:
            problems.append(f"{item!r} is not a kerlint rule code or name (`kerlint rule --all` lists them)")
    return frozenset(codes), tuple(problems)


def _not_a_code(item: str) -> str:
    """Why `KER3` or `KER999` suppresses nothing, and the codes that were probably meant."""
    prefixed = sorted(code for code in BY_CODE if code.startswith(item.upper()))
    if not prefixed:
        return f"{item} is not a kerlint rule (`kerlint rule --all` lists them)"
    meant = prefixed[0] if len(prefixed) == 1 else f"{prefixed[0]}-{prefixed[-1]}"
    return f"{item} names no rule; did you mean {meant}? write the full code (suppressions take no prefixes)"


def _line_suppression(line: int, offset: int, match: re.Match[str], codes: frozenset[str] | None) -> LineSuppression:
    return LineSuppression(line, offset + match.start() + 1, offset + match.end() + 1, codes)


def _unused(path: str, suppression: LineSuppression, code: str) -> Finding:
    message = f"unused suppression for {code} ({BY_CODE[code].name}): no such finding on this line"
    return _meta_finding(path, UNUSED_SUPPRESSION, suppression.line, suppression.column, suppression.end_column, message)


def _meta_finding(path: str, code: str, line: int, column: int, end_column: int, message: str) -> Finding:
    meta = BY_CODE[code]
    return Finding(path, Span(line, column, line, end_column), meta.code, meta.name, message, meta.severity)
