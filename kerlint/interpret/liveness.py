"""Layer calls whose output never reaches a model: a branch overwritten, left behind, or discarded.

Keras builds a functional model from what lies between its inputs and its
outputs; a layer called on the way and then forgotten is not part of it. The
interpreter records each layer output that nothing can read any more
(`LostOutput`); a branch is dead when that output, and everything upstream
that fed only it, reaches no model output and went nowhere else. Precision
first: a read kerlint cannot account for (the tensor stored, returned, passed
to a function, named again) keeps it alive, and so does a name that the code
mentions where the interpreter may not have looked (a nested function, an
``except`` body).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import libcst as cst

from kerlint import walk
from kerlint.graph import InputNode, Layer, LayerCall, LostOutput, ModelGraph, OpCall, Tensor, topological

_INTROSPECTION = {"locals", "vars", "eval", "exec", "globals"}


@dataclass(frozen=True)
class DeadBranch:
    """The layer calls of one branch (the one whose output was lost first, then those that fed only it) and the loss."""

    calls: list[LayerCall]
    lost: LostOutput


def dead_branches(lost: list[LostOutput], models: list[ModelGraph]) -> list[DeadBranch]:
    """One branch per lost layer output that provably reaches no model output (first loss of each call site)."""
    live = {id(node) for model in models for node in topological(model.outputs)[0]}
    outputs = {id(t) for model in models for t in model.outputs}
    known_inputs = {id(t.producer) for model in models if _fully_known(model) for t in model.inputs}
    branches: list[DeadBranch] = []
    seen: set[tuple[int, int]] = set()
    for loss in lost:
        key = (id(loss.tensor.producer.node), id(loss.lost or loss.bound))
        if key in seen or not _quiet(loss):
            continue
        calls = _branch(loss.tensor, live, outputs)
        roots = _roots(calls)
        if roots and roots <= known_inputs and not any(_used_elsewhere(c.layer, live) for c in calls):
            seen.add(key)
            branches.append(DeadBranch(calls, loss))
    return branches


def _fully_known(model: ModelGraph) -> bool:
    """Inputs and outputs evaluated, nothing noted as unknown: only then is "reaches no output" a fact."""
    return bool(model.inputs) and bool(model.outputs) and not model.notes


def _branch(lost: Tensor, live: set[int], outputs: set[int]) -> list[LayerCall]:
    """The layer calls that fed only `lost` (its producer first), or [] when any part of it may be used."""
    dead: dict[int, bool] = {}

    def tensor_dead(tensor: Tensor) -> bool:
        if id(tensor) in outputs:
            return False
        occurrences = sum(sum(1 for t in c.inputs if t is tensor) for c in tensor.consumers)
        if tensor.reads > occurrences:  # read somewhere that is not a layer or operation: stored, returned, passed on
            return False
        return all(node_dead(c) for c in tensor.consumers) and (bool(tensor.consumers) or tensor is lost)

    def node_dead(node: LayerCall | OpCall) -> bool:
        if id(node) not in dead:
            dead[id(node)] = False  # a cycle (never in a real graph) counts as alive
            dead[id(node)] = id(node) not in live and bool(node.outputs) and all(tensor_dead(t) for t in node.outputs)
        return dead[id(node)]

    producer = lost.producer
    if not isinstance(producer, LayerCall) or not node_dead(producer):
        return []
    found: list[LayerCall] = []
    pending: list[LayerCall | OpCall] = [producer]
    visited: set[int] = set()
    while pending:
        node = pending.pop(0)
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, LayerCall):
            found.append(node)
        for tensor in node.inputs:
            upstream = tensor.producer
            if not isinstance(upstream, InputNode) and node_dead(upstream):
                pending.append(upstream)
    return found


def _roots(calls: list[LayerCall]) -> set[int]:
    """The inputs (ids of their `InputNode`s) a branch is computed from."""
    return {id(node) for node in topological([t for call in calls for t in call.inputs])[1]}


def _used_elsewhere(layer: Layer, live: set[int]) -> bool:
    """A layer object also called where a model uses it: sharing it, not a dead layer."""
    return any(id(call) in live for call in layer.calls)


# ------------------------------------------------------------ the code's own say


def _quiet(loss: LostOutput) -> bool:
    """Whether the code mentions the lost name nowhere the interpreter may not have evaluated.

    Overwritten: the two assignments are in one block and no statement between
    them (around the loop, when it is one statement) names it. Left at a
    function's end: the assignment is in the function's own body, nothing after
    it names it, and no nested function or class does.
    """
    if loss.how == "discarded":
        return True
    body = _body(loss.owner)
    if body is None or loss.name is None:
        return False
    if loss.how == "overwritten":
        block = _block_of(body, loss.bound)
        if block is None or _block_of(block, loss.lost, deep=False) is None:
            return False
        start, end = _index(block, loss.bound), _index(block, loss.lost)
        between = block[start + 1:end] if start < end else [*block[start + 1:], *block[:end]]
        if start == end:
            between = [*block[:start], *block[start + 1:]]
        return not _mentions(between, loss.name) and not _mentions_beside(block[start], loss.bound, loss.name)
    at = _index(body, loss.bound)
    if at is None or not isinstance(loss.owner, cst.FunctionDef):
        return False
    nested = [n for root in body for n in walk.descendants(root) if isinstance(n, (cst.FunctionDef, cst.Lambda, cst.ClassDef))]
    if _mentions(nested, loss.name) or any(_mentions(body, name) for name in _INTROSPECTION):
        return False
    return not _mentions(body[at + 1:], loss.name) and not _mentions_beside(body[at], loss.bound, loss.name)


def _body(owner: cst.CSTNode) -> list[cst.CSTNode] | None:
    if isinstance(owner, cst.Module):
        return list(owner.body)
    if isinstance(owner, cst.FunctionDef) and isinstance(owner.body, cst.IndentedBlock):
        return list(owner.body.body)
    return None


def _index(block: list[cst.CSTNode], small: cst.CSTNode) -> int | None:
    """Where in `block` the simple statement line holding `small` is."""
    for index, statement in enumerate(block):
        if isinstance(statement, cst.SimpleStatementLine) and any(s is small for s in statement.body):
            return index
    return None


def _block_of(block: list[cst.CSTNode], small: cst.CSTNode, deep: bool = True) -> list[cst.CSTNode] | None:
    """The statement list that holds `small` directly: `block` itself, or (`deep`) one nested in it."""
    if _index(block, small) is not None:
        return block
    if not deep:
        return None
    for statement in block:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        for inner in _blocks(statement):
            found = _block_of(inner, small)
            if found is not None:
                return found
    return None


def _blocks(statement: cst.CSTNode) -> Iterable[list[cst.CSTNode]]:
    """The statement lists of a compound statement (bodies, ``else``, handlers, ``finally``); not nested definitions'."""
    for child in statement.children:
        if isinstance(child, cst.IndentedBlock):
            yield list(child.body)
        elif isinstance(child, (cst.If, cst.Else, cst.ExceptHandler, cst.ExceptStarHandler, cst.Finally)):
            yield from _blocks(child)


def _mentions_beside(line: cst.CSTNode, small: cst.CSTNode, name: str) -> bool:
    """Whether another statement on `small`'s line (``h = f(x); y = h``) names `name`."""
    others = [s for s in getattr(line, "body", ()) if s is not small]
    return _mentions(others, name)


def _mentions(nodes: Iterable[cst.CSTNode], name: str) -> bool:
    return any(type(node) is cst.Name and node.value == name for root in nodes for node in walk.descendants(root))
