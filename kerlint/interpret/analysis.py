"""The facts one file yields: models, layer calls, data loads, gaps; and where things are."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Iterable

import libcst as cst

from kerlint.findings import Span
from kerlint.graph import InputNode, LayerCall, ModelGraph, Unresolved
from kerlint.interpret.interpreter import Budget, Interpreter
from kerlint.interpret.liveness import DeadBranch, dead_branches
from kerlint.interpret.modules import ModuleResolver
from kerlint.interpret.arrays import Data, DataUse
from kerlint.positions import NodePositions
from kerlint.skeleton import DeferredDefinition

# libcst computes positions by regenerating the code recursively: several frames
# per nesting level, so a 300-deep expression overflows Python's default 1,000.
_POSITION_RECURSION_LIMIT = 10_000


class Locator:
    """Source positions, computed once and only when something is reported.

    Nodes of another file (code this file imported and ran) are located at
    the call or import in this file through which it ran (``anchors``); nodes
    of a definition the skeleton left out, in that definition once parsed.
    """

    def __init__(self, module: cst.Module, anchors: dict[int, cst.CSTNode] | None = None, deferred: Iterable[DeferredDefinition] = ()):
        self.module = module
        self.anchors = anchors if anchors is not None else {}  # the interpreter's, filled as it runs
        self.deferred = list(deferred)
        self._positions: dict[int, NodePositions | dict] = {}  # id(module) -> its positions

    def span(self, node: cst.CSTNode) -> Span:
        position = self._position(node)
        if position is None and id(node) in self.anchors:
            position = self._position(self.anchors[id(node)])
        if position is None:
            return Span(1, 1, 1, 1)
        line, column, end_line, end_column = position
        return Span(line, column + 1, end_line, end_column + 1)

    def _position(self, node: cst.CSTNode) -> tuple[int, int, int, int] | None:
        """Where `node` is in this file's skeleton, or in one of its left-out definitions parsed since."""
        position = self._positions_of(self.module, 0).get(node)
        if position is not None:
            return position
        for definition in self.deferred:
            if definition.module is not None:
                position = self._positions_of(definition.module, definition.line_offset).get(node)
                if position is not None:
                    return position
        return None

    def _positions_of(self, module: cst.Module, line_offset: int) -> NodePositions | dict:
        if id(module) not in self._positions:
            limit = sys.getrecursionlimit()
            sys.setrecursionlimit(max(limit, _POSITION_RECURSION_LIMIT))
            try:
                self._positions[id(module)] = NodePositions(module, line_offset)
            except RecursionError:
                self._positions[id(module)] = {}  # its spans fall back to the file's start
            finally:
                sys.setrecursionlimit(limit)
        return self._positions[id(module)]

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
    dead: list[DeadBranch] = field(default_factory=list)  # layer calls that reach no model (KER106); not in `calls`
    data_uses: list[DataUse] = field(default_factory=list)  # what fit/evaluate/predict received, per call
    stops: list[Unresolved] = field(default_factory=list)  # where a budget stopped the analysis early (also in `unresolved`)


def analyze_module(
    module: cst.Module,
    path: str,
    budget: Budget = Budget(),
    deferred: dict[int, DeferredDefinition] | None = None,
    resolver: ModuleResolver | None = None,
) -> FileAnalysis:
    """Interpret `module` (a skeleton if `deferred` maps its placeholders, see `kerlint.skeleton`)."""
    interpreter = Interpreter(module, path, budget, deferred, resolver)
    interpreter.run()
    models = [m.graph for m in interpreter.models]
    for model in models:
        model.notes.extend(model.refusals())  # a model Keras refuses has no figures to print
    dead = dead_branches(interpreter.lost, models) if interpreter.lost else []
    dead_calls = {id(call) for branch in dead for call in branch.calls}
    return FileAnalysis(
        path, models, [c for c in interpreter.calls if id(c) not in dead_calls], interpreter.data_loads, interpreter.unresolved,
        interpreter.locator, interpreter.inputs, dead, interpreter.data_uses, interpreter.stops
    )
