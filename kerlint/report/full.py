"""ruff-style output: each finding with the source line it is on and carets under its span.

The excerpt is what makes a finding readable without opening the file, so the
caret must land under the right characters: tabs are expanded the same way in
the printed line and in the caret offset.
"""

from __future__ import annotations

from typing import TextIO

from kerlint.findings import Span
from kerlint.report.concise import summary_line
from kerlint.report.results import Results

TAB_WIDTH = 4


def render(results: Results, stream: TextIO) -> None:
    for item in results.located:
        finding = item.finding
        stream.write(f"{item.where()}: {finding.code} [{finding.name}] {item.message}\n")
        if item.text is not None:
            stream.write(excerpt(item.span, item.text))
        stream.write("\n")
    stream.write(summary_line(item.finding for item in results.located) + "\n")


def excerpt(span: Span, text: str) -> str:
    """The span's first line with a line-number gutter, and carets under the span on it.

    A span that goes on past this line is underlined to the end of the line.
    Columns are 1-based; out-of-range ones are clamped so there is always a caret.
    """
    line_end = len(text) + 1
    start = min(max(span.column, 1), line_end)
    end = min(max(span.end_column if span.end_line == span.line else line_end, start), line_end)
    indent = len(text[: start - 1].expandtabs(TAB_WIDTH))
    width = max(len(text[: end - 1].expandtabs(TAB_WIDTH)) - indent, 1)
    gutter = str(span.line)
    blank = " " * len(gutter)
    return f"{gutter} | {text.expandtabs(TAB_WIDTH)}\n{blank} | {' ' * indent}{'^' * width}\n"
