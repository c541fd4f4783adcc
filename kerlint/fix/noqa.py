"""`--add-noqa`: a `# noqa: KERxxx` for each finding, so that a project can turn kerlint on in CI at once.

A line directive covers the findings that start on its line (`kerlint.suppress`),
so each code goes on the line its finding is reported on, even inside a
multi-line statement. A line that already has a `# noqa: ...` with codes gets
the new codes appended to it (`# noqa: E501, KER204`), so that other tools
reading the same comment keep theirs; otherwise `  # noqa: CODES` ends the
line, after any comment already there. A line that cannot end in a comment (it
ends inside a multi-line string, or with a backslash continuation) is left
alone and counted. Notebooks, and files that changed since they were checked,
are not touched.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections import defaultdict
from pathlib import Path

from kerlint.engine import FileResult
from kerlint.files import LINE_BREAK, LineIndex, SourceError, comments, decode_source, read_file
from kerlint.fix.write import ChangedOnDisk, write_fixed

UNSUPPRESSIBLE = frozenset({"KER000", "KER001"})
"""An internal error or a file that cannot be parsed: a comment does not make them go away."""

_NOQA_WITH_CODES = re.compile(r"#\s*noqa\s*:\s*[\w-]+(?:(?:\s*,\s*|\s+)[\w-]+)*", re.IGNORECASE)


def add_noqa(results: list[FileResult]) -> int:
    """Write the directives for every file's findings; print how many were added. Exit code 0, or 2 when a
    file could not be written or a finding could not be suppressed."""
    added = skipped = 0
    for result in results:
        codes_by_line: dict[int, set[str]] = defaultdict(set)
        for finding in result.findings:
            if finding.code not in UNSUPPRESSIBLE:
                codes_by_line[finding.span.line].add(finding.code)
        if not codes_by_line:
            continue
        if result.notebook is not None:
            _warn(f"{result.path}: notebooks get no noqa comments; add them to its cells by hand")
            skipped += sum(map(len, codes_by_line.values()))
            continue
        path = Path(result.path)
        try:
            read = read_file(path)
            source = decode_source(read)
            if source != result.source:
                raise ChangedOnDisk(f"{path} changed since it was checked")
            text, count, left = with_noqa(source, codes_by_line)
            if count:
                write_fixed(path, read, text)
        except (OSError, SourceError, ChangedOnDisk, UnicodeEncodeError, tokenize.TokenError, SyntaxError) as error:
            _warn(f"{result.path}: no noqa comments added: {error}")
            skipped += sum(map(len, codes_by_line.values()))
            continue
        for line in left:
            _warn(f"{result.path}:{line}: no noqa comment added: the line ends inside a string or with a backslash")
        added += count
        skipped += sum(len(codes_by_line[line]) for line in left)
    print(f"Added {added} noqa directive{'' if added == 1 else 's'}.", file=sys.stderr)
    return 2 if skipped else 0


def with_noqa(source: str, codes_by_line: dict[int, set[str]]) -> tuple[str, int, list[int]]:
    """`source` with the codes written on their lines: (text, directives added or extended, lines left alone)."""
    lines = LineIndex(source)
    starts = lines.starts
    closed = _lines_without_comment_room(source)
    comment_on_line = {lines.line_and_column(comment.start())[0]: comment for comment in comments(source)}
    edits: list[tuple[int, str]] = []  # (offset, text to insert), at most one per line
    left = []
    for line, codes in sorted(codes_by_line.items()):
        listed = ", ".join(sorted(codes))
        comment = comment_on_line.get(line)
        existing = _NOQA_WITH_CODES.search(comment.group()) if comment is not None else None
        if existing is not None:
            edits.append((comment.start() + existing.end(), f", {listed}"))
        elif line in closed or (comment is None and _line_text(source, starts, line).rstrip().endswith("\\")):
            left.append(line)
        else:
            end = comment.end() if comment is not None else _line_end(source, starts, line)
            edits.append((end, f"  # noqa: {listed}"))
    for offset, text in sorted(edits, reverse=True):
        source = source[:offset] + text + source[offset:]
    return source, len(edits), left


def _lines_without_comment_room(source: str) -> set[int]:
    """Lines that end inside a string literal (a triple-quoted string, or an f-string's text, spanning lines)."""
    closed: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        string = token.type == tokenize.STRING or tokenize.tok_name[token.type].startswith("FSTRING")
        if string and token.start[0] < token.end[0]:
            closed.update(range(token.start[0], token.end[0]))
    return closed


def _line_text(source: str, starts: list[int], line: int) -> str:
    return source[starts[line - 1] : _line_end(source, starts, line)]


def _line_end(source: str, starts: list[int], line: int) -> int:
    """The offset just after the last character of `line` (before its line break)."""
    if line < len(starts):
        following = starts[line]
        match = LINE_BREAK.search(source, starts[line - 1], following)
        return match.start() if match else following
    return len(source)


def _warn(message: str) -> None:
    print(f"kerlint: warning: {message}", file=sys.stderr)
