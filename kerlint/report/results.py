"""What the formats print: the findings in report order, each where the user sees it.

The engine reports notebook findings in the lines of the program made from the
cells; every format shows them in the cell's own lines instead, so the mapping
is done once, here, and the formats only print.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from kerlint.files import split_lines
from kerlint.findings import Finding, Span
from kerlint.notebook import Notebook


@dataclass(frozen=True)
class Located:
    """A finding where the user sees it."""

    finding: Finding
    span: Span
    """In the cell's own lines for a notebook finding, else the finding's span."""
    cell: int | None
    """1-based position of the cell among all the notebook's cells; None outside notebooks."""
    message: str
    """The finding's message; in a notebook, the lines it cites are cell lines too."""
    text: str | None
    """The source line the finding starts on, for excerpts; None when the source is unknown."""

    def position(self, column_base: int = 1) -> str:
        """`14:10`, or `cell 3:line 4:col 10` in a notebook (`column_base` 0 for pylint's columns)."""
        column = self.span.column - 1 + column_base
        if self.cell is None:
            return f"{self.span.line}:{column}"
        return f"cell {self.cell}:line {self.span.line}:col {column}"

    def where(self, column_base: int = 1) -> str:
        return f"{self.finding.path}:{self.position(column_base)}"


@dataclass(frozen=True)
class Results:
    """What a check found, ready to print."""

    located: list[Located]
    """Every finding, in report order (path, line, column, code)."""
    files: list[str]
    """Every file checked, sorted: formats that list clean files too need them."""


_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
"""Control characters but tab (C0, DEL, C1: a terminal obeys them, XML 1.0 forbids most), bidirectional
overrides (they reorder what is shown), lone surrogates (they cannot be written as UTF-8), noncharacters."""


def printable(text: str) -> str:
    """`text` with unprintable characters written as Python escapes (`\\x1b`, `\\u202e`), on one line."""
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _SHORT_ESCAPES.get(char) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r"}


def printable_results(results: Results) -> Results:
    """`results` with what users wrote (paths, names in messages, source lines) made `printable`,
    for formats read as lines of text: a hostile layer name can neither move a terminal's cursor,
    nor start a line of its own, nor make XML invalid."""
    located = [
        Located(
            replace(
                item.finding,
                path=printable(item.finding.path),
                message=printable(item.finding.message),
                help=None if item.finding.help is None else printable(item.finding.help),
            ),
            item.span,
            item.cell,
            printable(item.message),
            None if item.text is None else printable(item.text),
        )
        for item in results.located
    ]
    return Results(located, [printable(path) for path in results.files])


def collect(
    findings: Iterable[Finding], sources: Mapping[str, str], notebooks: Mapping[str, Notebook], files: Iterable[str]
) -> Results:
    """Locate each finding; `sources` gives excerpts, `notebooks` the cells of notebook paths."""
    lines_of: dict[str, list[str] | None] = {}
    located = []
    for finding in sorted(findings, key=lambda finding: finding.sort_key):
        notebook = notebooks.get(finding.path)
        if finding.path not in lines_of:
            source = notebook.text if notebook is not None else sources.get(finding.path)
            lines_of[finding.path] = None if source is None else split_lines(source)
        lines = lines_of[finding.path]
        line = finding.span.line
        text = lines[line - 1] if lines is not None and 1 <= line <= len(lines) else None
        if notebook is None:
            located.append(Located(finding, finding.span, None, finding.message, text))
        else:
            cell, span = notebook.cell_span(finding.span)
            located.append(Located(finding, span, cell, notebook.cite_cells(finding.message), text))
    return Results(located, sorted({*files, *(item.finding.path for item in located)}))
