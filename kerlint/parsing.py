"""Source text -> libcst Module: guarded against what crashes the parser, and fast.

Two things live here, because every parse in kerlint (the analyzed file, the
project modules the interpreter follows, the definitions a skeleton left out)
should get both of them:

- `nesting_depth` / `check_nesting`: a byte scan for bracket depth that runs before
  libcst. libcst's native parser overflows the C stack (a segfault, not an
  exception) somewhere past 1,000 nested brackets, so deeper files are refused
  with a message instead of being parsed. CPython itself refuses more than 200.
- `parse`: `libcst.parse_module` without the two costs that parser output does not
  need: per-node `_validate()` (libcst's own comment on `CSTNode.__post_init__`
  says validation could be skipped when parsing; the parser only builds valid
  nodes) and cyclic-GC passes in the middle of building an acyclic tree. Together
  they are about 40% of libcst's parse time. The tree is the same.

`python_tree` gives CPython's own tree, without GC passes either. The analyzed file
goes through it before libcst: CPython refuses what Python cannot run (more than
200 nested brackets, expressions too deep for its parser's stack) with its own
message and position, which KER001 reports as they are; and the skeleton
(`kerlint.skeleton`) finds definitions in the same tree.
"""

from __future__ import annotations

import ast
import contextlib
import gc
import re
import threading
import warnings
from typing import Iterator

import libcst as cst

from kerlint.files import STRINGS_AND_COMMENTS
from kerlint.limits import near_memory_cap

MAX_NESTING = 1_000
"""Deepest bracket nesting kerlint parses; libcst segfaults somewhere between 1,000 and 1,500."""

# Strings and comments, whose brackets do not count, and brackets.
_TOKENS = re.compile(STRINGS_AND_COMMENTS + rb"|[(\[{]|[)\]}]", re.DOTALL)
_OPENING = frozenset(b"([{")


class NestingError(RecursionError):
    """Source nested deeper than libcst can parse without crashing; caught like a RecursionError."""

    def __init__(self, depth: int, limit: int = MAX_NESTING):
        super().__init__(f"nested too deeply to parse ({depth:,} levels, limit {limit:,})")
        self.depth = depth
        self.limit = limit


def nesting_depth(source: bytes | str, stop_at: int | None = None) -> int:
    """The deepest bracket nesting in `source`, outside strings and comments.

    Cheap: a file with fewer opening brackets than `stop_at` cannot be nested that
    deep, and is not scanned at all (the return value is then a lower bound, 0).
    """
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    if stop_at is not None and data.count(b"(") + data.count(b"[") + data.count(b"{") <= stop_at:
        return 0
    depth = deepest = 0
    for match in _TOKENS.finditer(data):
        first = data[match.start()]
        if match.end() - match.start() != 1 or first in b"#'\"":
            continue  # a comment or string
        if first in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_at is not None and deepest > stop_at:
                    return deepest
        elif depth:
            depth -= 1
    return deepest


def check_nesting(source: bytes | str, limit: int = MAX_NESTING) -> None:
    """Raise NestingError when `source` nests brackets deeper than `limit`."""
    depth = nesting_depth(source, stop_at=limit)
    if depth > limit:
        raise NestingError(_full_depth(source, depth), limit)


def _full_depth(source: bytes | str, at_least: int) -> int:
    return max(at_least, nesting_depth(source))


_PARSE_LOCK = threading.Lock()


CHUNK_CHARS = 64 * 1024
"""Sources longer than twice this are parsed in pieces of about this size (see `parse`)."""

_TOP_LEVEL_START = re.compile(r"^(?!(?:else|elif|except|finally)\b)[^\s#)\]}]", re.MULTILINE)
"""A line that starts a top-level statement, unless it is inside brackets or a string, or continues a line."""
_TEXT_TOKENS = re.compile(_TOKENS.pattern.decode("ascii"), re.DOTALL)


def parse(source: str) -> cst.Module:
    """`libcst.parse_module(source)`, skipping node validation and GC passes (see the module docstring).

    A long source is cut before top-level statements into pieces of about
    `CHUNK_CHARS`, each parsed on its own, and the pieces joined into the module
    that parsing it whole gives (same nodes, same code): libcst's native parser
    needs memory and time that grow faster than the file (a 450 KB file peaks at
    ~400 MB parsed whole, 3 MB of statements at over 2 GB). Any piece that does
    not parse makes it parse the whole source, so errors are reported as for the
    whole file.

    Raises what libcst raises (ParserSyntaxError, RecursionError); call
    `check_nesting` first for input that could crash the parser.
    """
    if len(source) > 2 * CHUNK_CHARS:
        cuts = _cut_points(source)
        if cuts:
            pieces = [source[start:end] for start, end in zip([0, *cuts], [*cuts, len(source)])]
            try:
                modules = [_parse_whole(piece) for piece in pieces]
            except (cst.ParserSyntaxError, RecursionError):
                return _parse_whole(source)
            joined = _join(modules)
            if joined is not None:
                return joined
    return _parse_whole(source)


def _cut_points(source: str) -> list[int]:
    """Offsets, about CHUNK_CHARS apart, where a top-level statement (or its decorator) starts a line.

    Not inside a string or brackets, not after a backslash continuation or a
    decorator (which belongs to the statement below it).
    """
    protected: list[tuple[int, int]] = []  # spans of strings and of bracketed text
    depth = opened = 0
    for match in _TEXT_TOKENS.finditer(source):
        text = match.group()
        if len(text) > 1 or text in "#'\"":
            if text[0] != "#" and depth == 0:
                protected.append(match.span())
            continue
        if text in "([{":
            if depth == 0:
                opened = match.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                protected.append((opened, match.end()))
    if depth:
        return []  # unbalanced: let the parser report it
    cuts: list[int] = []
    span_index = 0
    last = 0
    for match in _TOP_LEVEL_START.finditer(source):
        start = match.start()
        if start - last < CHUNK_CHARS or len(source) - start < CHUNK_CHARS // 2:
            continue
        while span_index < len(protected) and protected[span_index][1] <= start:
            span_index += 1
        if span_index < len(protected) and protected[span_index][0] < start:
            continue  # inside a string or brackets
        previous = source[max(0, start - 4096) : start].rstrip()
        previous_line = previous[previous.rfind("\n") + 1 :]
        if (not previous and start > 4096) or previous.endswith("\\") or previous_line.startswith("@"):
            continue
        cuts.append(start)
        last = start
    return cuts


def _join(modules: list[cst.Module]) -> cst.Module | None:
    """One module from consecutive pieces: each piece's trailing lines lead the next piece's first statement."""
    first = modules[0]
    body = list(first.body)
    carried = list(first.footer)
    for module in modules[1:]:
        if module.default_indent != first.default_indent or module.default_newline != first.default_newline:
            return None  # the pieces would print differently than the whole
        if not module.body:
            return None
        head, *rest = module.body
        leading = [*carried, *module.header, *head.leading_lines]
        body += [head.with_changes(leading_lines=leading), *rest]
        carried = list(module.footer)
    last = modules[-1]
    return first.with_changes(body=body, footer=carried, has_trailing_newline=last.has_trailing_newline)


def _parse_whole(source: str) -> cst.Module:
    from libcst._nodes import base

    node_class = base.CSTNode
    with _PARSE_LOCK, _gc_paused():
        validate = node_class.__dict__.get("__post_init__")
        if validate is not None:
            node_class.__post_init__ = _no_validation
        try:
            return cst.parse_module(source)
        finally:
            if validate is not None:
                node_class.__post_init__ = validate


class Unparsable(Exception):
    """Source that CPython's own parser refuses: its message, and its position when it gives one (1-based)."""

    def __init__(self, message: str, line: int = 1, column: int = 1, end_line: int | None = None, end_column: int | None = None):
        super().__init__(message)
        self.message = message
        self.line, self.column = line, column
        self.end_line = end_line if end_line is not None and end_line >= line else line
        same_line = self.end_line == line
        self.end_column = end_column if end_column is not None and (not same_line or end_column > column) else column + 1


def python_tree(source: str) -> ast.Module:
    """CPython's syntax tree of `source`, or Unparsable with what CPython says about it.

    A MemoryError is raised as it is when this process came near its memory cap
    (`kerlint.limits`); otherwise it is the parser's own stack overflowing on
    source too complex for Python to run (Python 3.11 raises it without a message).
    """
    try:
        return python_ast(source)
    except SyntaxError as error:  # and IndentationError, TabError
        raise Unparsable(error.msg, error.lineno or 1, error.offset or 1, error.end_lineno, error.end_offset) from None
    except ValueError as error:  # null bytes, before Python 3.12
        raise Unparsable(str(error)) from None
    except RecursionError:
        raise Unparsable("too deeply nested for Python's parser (maximum recursion depth exceeded)") from None
    except MemoryError:
        if near_memory_cap():
            raise
        raise Unparsable("too complex for Python's parser (its stack overflowed)") from None


def python_ast(source: str) -> ast.Module:
    """CPython's own syntax tree of `source` (raises SyntaxError, ValueError...), built without cyclic-GC
    passes as `parse` does: ASTs are acyclic, and collections triggered while building one scan
    every tree already in memory. Warnings about the source (invalid escapes) are kerlint's to give, not the parser's."""
    with _gc_paused(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc_was_enabled:
            gc.enable()


def _no_validation(self) -> None:
    return None
