"""Jupyter notebooks as one program: the code cells in order, IPython syntax blanked out.

The kernel runs a notebook's code cells as one module, so kerlint analyzes them
that way: a model built in one cell and trained in another is one model. Lines
that are IPython rather than Python (line magics, shell escapes, help) become
`pass` at their indentation and cells of non-Python cell magics become blank
lines, so that every line of the program is the same line of the same cell and
a finding maps back to ``cell 3, line 4`` by counting lines.
"""

from __future__ import annotations

import bisect
import io
import json
import re
import tokenize
from dataclasses import dataclass
from typing import Any

from kerlint.files import SourceError, split_lines
from kerlint.findings import Span

NOTEBOOK_SUFFIX = ".ipynb"

PYTHON_CELL_MAGICS = frozenset({"capture", "debug", "prun", "python", "python3", "time", "timeit"})
"""Cell magics whose body is Python that the kernel runs; other `%%` cells (bash, html...) are skipped."""

_LINE_ESCAPE = re.compile(
    r"""^[ \t]*(?:
        [%!](?!=)                                   # %magic, !shell (but not a `!=` continuation)
      | [A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*[%!](?!=)   # x = !ls, x = %who_ls
      | \?{1,2}[\w.]*[ \t]*$                        # ?obj
      | [\w.]+\?{1,2}[ \t]*$                        # obj?, obj??
    )""",
    re.VERBOSE,
)

_TIMED = re.compile(r"^[ \t]*(%time(?:it)?[ \t]+)(?=[^-\s])")
"""`%time stmt` runs `stmt`: it is kept, behind a `pass;` as wide as the magic so columns stay right."""

_CITED_LINE = re.compile(r"\bline (\d+)\b")


class NotebookError(SourceError):
    """A file that is not a readable nbformat 4 notebook; the message says why, for a KER001 finding."""


@dataclass(frozen=True)
class Notebook:
    """A notebook's code cells as one program, and the way back from its lines to the cells."""

    source: str
    """The code cells as one program, what the engine analyzes."""
    text: str
    """The code cells as written, line for line with `source`: what excerpts show."""
    cell_starts: tuple[tuple[int, int], ...]
    """(first program line, 1-based cell number) of every code cell, in order."""

    def cell_span(self, span: Span) -> tuple[int, Span]:
        """The cell a program span starts in, and the span in that cell's own lines.

        A span that runs past its cell (rules point at statements, which do not)
        is cut at the end of its first line.
        """
        cell, first = self._cell_of(span.line)
        line = span.line - first + 1
        if self._cell_of(span.end_line)[0] != cell:
            return cell, Span(line, span.column, line, len(self._line(span.line)) + 1)
        return cell, Span(line, span.column, span.end_line - first + 1, span.end_column)

    def cite_cells(self, message: str) -> str:
        """`message` with each `line N` it cites (rules cite program lines) as `cell C, line L`."""

        def cite(match: re.Match[str]) -> str:
            cell, line = self.cell_line(int(match[1]))
            return f"cell {cell}, line {line}"

        return _CITED_LINE.sub(cite, message)

    def cell_line(self, line: int) -> tuple[int, int]:
        """(cell number, line in that cell) of a program line: where `kerlint cost` and `graph` place a model."""
        cell, first = self._cell_of(line)
        return cell, line - first + 1

    def position(self, line: int) -> str:
        """`cell 5:line 2` for a program line, as the findings' positions read."""
        return "cell {}:line {}".format(*self.cell_line(line))

    def _cell_of(self, line: int) -> tuple[int, int]:
        """(cell number, first program line) of the cell holding program `line`."""
        starts = [first for first, _ in self.cell_starts]
        index = max(bisect.bisect_right(starts, line) - 1, 0)
        first, cell = self.cell_starts[index] if self.cell_starts else (1, 1)
        return cell, first

    def _line(self, line: int) -> str:
        lines = split_lines(self.text)
        return lines[line - 1] if 1 <= line <= len(lines) else ""


def is_notebook(path: str) -> bool:
    return path.lower().endswith(NOTEBOOK_SUFFIX)


def read_notebook(data: bytes) -> Notebook:
    """Parse nbformat 4 JSON; raises NotebookError saying what is wrong with it."""
    try:
        document = json.loads(data)
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise NotebookError(f"invalid notebook: not valid JSON: {error}") from None
    cells = _cells(document)
    program: list[str] = []
    written: list[str] = []
    starts: list[tuple[int, int]] = []
    if _is_python(document):
        for number, cell in enumerate(cells, start=1):
            if cell.get("cell_type") != "code":
                continue
            lines = split_lines(_cell_source(cell, number))
            if lines and lines[-1] == "":
                lines.pop()
            if not lines:
                continue
            starts.append((len(program) + 1, number))
            program.extend(_as_python(lines))
            written.extend(lines)
    return Notebook(_join(program), _join(written), tuple(starts))


def _cells(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, dict) and "worksheets" in document:
        raise NotebookError(
            f"unsupported notebook format {document.get('nbformat', 3)}: kerlint reads nbformat 4 "
            "(upgrade it with `jupyter nbconvert --to notebook --inplace`)"
        )
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NotebookError("invalid notebook: expected a JSON object with a 'cells' list (nbformat 4)")
    for number, cell in enumerate(document["cells"], start=1):
        if not isinstance(cell, dict):
            raise NotebookError(f"invalid notebook: cell {number} is not a JSON object")
    return document["cells"]


def _is_python(document: dict[str, Any]) -> bool:
    """False for notebooks of other kernels (R, Julia...), which have nothing for kerlint."""
    metadata = document.get("metadata")
    info = metadata.get("language_info") if isinstance(metadata, dict) else None
    name = info.get("name") if isinstance(info, dict) else None
    return not isinstance(name, str) or name.lower() in ("python", "python3", "ipython")


def _cell_source(cell: dict[str, Any], number: int) -> str:
    source = cell.get("source", "")
    if isinstance(source, list) and all(isinstance(part, str) for part in source):
        return "".join(source)
    if isinstance(source, str):
        return source
    raise NotebookError(f"invalid notebook: cell {number}: 'source' must be a string or a list of strings")


def _as_python(lines: list[str]) -> list[str]:
    """The cell's lines with IPython syntax replaced, line for line."""
    magic = re.match(r"%%(\w+)", lines[0])
    if magic:
        if magic[1] not in PYTHON_CELL_MAGICS:
            return [""] * len(lines)
        lines = ["pass", *lines[1:]]
    python = list(lines)
    for index, line in enumerate(lines):
        if _LINE_ESCAPE.match(line) and _starts_statement(python[:index]):
            timed = _TIMED.match(line)
            if timed:
                python[index] = line[: timed.start(1)] + "pass;".ljust(len(timed[1])) + line[timed.end(1):]
            else:
                python[index] = _indent(line) + "pass"
    return python


def _starts_statement(before: list[str]) -> bool:
    """Whether the line after `before` starts a statement.

    An escape character only means IPython there: `% b` on a continuation
    line, or `!x` inside a string, is Python's.
    """
    try:
        for _ in tokenize.generate_tokens(io.StringIO(_join(before)).readline):
            pass
    except tokenize.TokenError:  # EOF inside brackets, a string or after a backslash
        return False
    except SyntaxError:  # not Python anyway; the parser will say where
        pass
    return True


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
