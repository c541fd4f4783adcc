"""ruff-style output: each finding with the source line it is on and carets under its span.

The excerpt is what makes a finding readable without opening the file, so the
caret must land under the right characters: tabs are expanded the same way in
the printed line and in the caret offset. A finding's suggested change follows
as `= help: ...`, aligned with the gutter, as ruff prints it.
"""

from __future__ import annotations

from typing import TextIO

from kerlint.color import PLAIN, Palette
from kerlint.findings import Severity, Span
from kerlint.report.concise import headline, summary_line
from kerlint.report.results import Results

TAB_WIDTH = 4


def render(results: Results, stream: TextIO, palette: Palette = PLAIN, summary: bool = True) -> None:
    for item in results.located:
        finding = item.finding
        stream.write(f"{headline(item, palette)} [{finding.name}] {item.message}\n")
        blank = ""
        if item.text is not None:
            stream.write(excerpt(item.span, item.text, palette, finding.severity))
            blank = " " * len(str(item.span.line)) + " "
        if finding.help:
            stream.write(f"{palette.gutter(blank + '=')} {palette.help('help:')} {finding.help}\n")
        stream.write("\n")
    if summary:
        stream.write(summary_line(item.finding for item in results.located) + "\n")


def excerpt(span: Span, text: str, palette: Palette, severity: Severity) -> str:
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
    carets = palette.carets("^" * width, severity)
    return f"{palette.gutter(gutter + ' |')} {text.expandtabs(TAB_WIDTH)}\n{palette.gutter(blank + ' |')} {' ' * indent}{carets}\n"
