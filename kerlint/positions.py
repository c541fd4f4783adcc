"""Where nodes are in the source: libcst's syntactic positions, from one cheap pass of code generation.

libcst's `PositionProvider`, run through a `MetadataWrapper`, gives the same
ranges but costs about six times a plain code generation (it builds a metadata
visitor over the whole tree, and splits every token on newlines to keep a
line and column). Here code generation only counts characters; offsets become
lines and columns by bisection, for the few nodes that are reported.
"""

from __future__ import annotations

import contextlib
from typing import Iterator

import libcst as cst
from libcst._nodes.internal import CodegenState

from kerlint.files import LineIndex



class _OffsetRecordingState(CodegenState):
    """Code generation that records each node's [start, end) character offsets, as PositionProvider would."""

    __slots__ = ("offset", "_starts", "ranges")

    def __init__(self, module: cst.Module):
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.offset = 0
        self._starts: list[int] = []
        self.ranges: dict[int, tuple[int, int]] = {}  # id(node) -> offsets

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        self.offset += len(value)

    def pop_trailing_newline(self) -> None:
        """Kept: PositionProvider counts the module's last newline before libcst drops it from the code."""

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        self.ranges.setdefault(id(node), (start, self.offset))  # a syntactic range recorded inside wins

    @contextlib.contextmanager
    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> Iterator[None]:
        start = self.offset
        try:
            yield
        finally:
            end = self.offset
            if start_node is not None:
                start = self.ranges[id(start_node)][0]
            if end_node is not None:
                end = self.ranges[id(end_node)][1]
            self.ranges[id(node)] = (start, end)


class NodePositions:
    """The syntactic range of every node of a module, as 1-based lines and 0-based columns."""

    def __init__(self, module: cst.Module, line_offset: int = 0):
        """`line_offset`: what to add to the module's lines, for a module cut out of a file (`kerlint.skeleton`)."""
        self._line_offset = line_offset
        state = _OffsetRecordingState(module)
        module._codegen(state)
        self._ranges = state.ranges
        self._lines = LineIndex("".join(state.tokens))  # PositionProvider's lines

    def get(self, node: cst.CSTNode) -> tuple[int, int, int, int] | None:
        """(start line, start column, end line, end column) of `node`, None for a node of another tree."""
        offsets = self._ranges.get(id(node))
        if offsets is None:
            return None
        return (*self._line_and_column(offsets[0]), *self._line_and_column(offsets[1]))

    def _line_and_column(self, offset: int) -> tuple[int, int]:
        line, column = self._lines.line_and_column(offset)
        return line + self._line_offset, column
