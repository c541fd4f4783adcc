"""ruff-style output: each finding with the source line it is on and carets under its span.

The excerpt is what makes a finding readable without opening the file, so the
caret must land under the right characters: tabs are expanded the same way in
the printed line and in the caret offset.
"""

from __future__ import annotations

import re
from typing import Mapping, TextIO

from kerlint.findings import Finding
from kerlint.report.concise import summary_line

TAB_WIDTH = 4
_NEWLINE = re.compile(r"\r\n|\r|\n")  # Python's own line breaks, so line numbers agree with the parser


def render(findings: list[Finding], sources: Mapping[str, str], stream: TextIO) -> None:
    ordered = sorted(findings, key=lambda finding: finding.sort_key)
    lines_of: dict[str, list[str] | None] = {}
    for finding in ordered:
        if finding.path not in lines_of:
            source = sources.get(finding.path)
            lines_of[finding.path] = None if source is None else _NEWLINE.split(source)
        span = finding.span
        stream.write(f"{finding.path}:{span.line}:{span.column}: {finding.code} [{finding.name}] {finding.message}\n")
        lines = lines_of[finding.path]
        if lines is not None and 1 <= span.line <= len(lines):
            stream.write(excerpt(finding, lines[span.line - 1]))
        stream.write("\n")
    stream.write(summary_line(ordered) + "\n")


def excerpt(finding: Finding, text: str) -> str:
    """The finding's first line with a line-number gutter, and carets under the span on it.

    A span that goes on past this line is underlined to the end of the line.
    Columns are 1-based; out-of-range ones are clamped so there is always a caret.
    """
    span = finding.span
    line_end = len(text) + 1
    start = min(max(span.column, 1), line_end)
    end = min(max(span.end_column if span.end_line == span.line else line_end, start), line_end)
    indent = len(text[: start - 1].expandtabs(TAB_WIDTH))
    width = max(len(text[: end - 1].expandtabs(TAB_WIDTH)) - indent, 1)
    gutter = str(span.line)
    blank = " " * len(gutter)
    return f"{gutter} | {text.expandtabs(TAB_WIDTH)}\n{blank} | {' ' * indent}{'^' * width}\n"
