"""The facts one file yields: models, layer calls, data loads, gaps; and where things are."""

from __future__ import annotations

import sys
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from kerlint.findings import Span
from kerlint.graph import InputNode, LayerCall, ModelGraph, Unresolved
from kerlint.interpret.interpreter import Budget, Interpreter
from kerlint.interpret.values import Data

# libcst computes positions by regenerating the code recursively: several frames
# per nesting level, so a 300-deep expression overflows Python's default 1,000.
_POSITION_RECURSION_LIMIT = 10_000


class Locator:
    """Source positions, computed once and only when something is reported.

    Nodes of another file (code this file imported and ran) are located at
    the call or import in this file through which it ran (``anchors``).
    """

    def __init__(self, module: cst.Module, anchors: dict[int, cst.CSTNode] | None = None):
        self.module = module
        self.anchors = anchors or {}
        self._positions = None

    def span(self, node: cst.CSTNode) -> Span:
        if self._positions is None:
            self._positions = self._resolve()
        position = self._positions.get(node)
        if position is None and id(node) in self.anchors:
            position = self._positions.get(self.anchors[id(node)])
        if position is None:
            return Span(1, 1, 1, 1)
        return Span(position.start.line, position.start.column + 1, position.end.line, position.end.column + 1)

    def _resolve(self):
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, _POSITION_RECURSION_LIMIT))
        try:
            return MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)
        except RecursionError:
            return {}  # every span falls back to the file's start
        finally:
            sys.setrecursionlimit(limit)

    def line(self, node: cst.CSTNode) -> int:
        return self.span(node).line


@dataclass
class FileAnalysis:
    path: str
    models: list[ModelGraph]
    calls: list[LayerCall]
    data_loads: list[Data]
    unresolved: list[Unresolved]
    locator: Locator
    inputs: list[InputNode]  # every keras.Input evaluated, used by a model or not


def analyze_module(module: cst.Module, path: str, budget: Budget = Budget()) -> FileAnalysis:
    interpreter = Interpreter(module, path, budget)
    interpreter.run()
    models = [m.graph for m in interpreter.models]
    return FileAnalysis(
        path, models, interpreter.calls, interpreter.data_loads, interpreter.unresolved,
        Locator(module, interpreter.anchors), interpreter.inputs
    )
