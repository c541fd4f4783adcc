"""The code inside a libcst node, without its whitespace, comments and punctuation, for scans that run often.

A libcst visitor dispatches two methods for every node, whitespace included,
and rebuilds each node's children: scanning one function for the names it binds
took 3 ms that way, a tenth of it here.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

import libcst as cst

_LAYOUT = frozenset({
    "lpar", "rpar", "lbracket", "rbracket", "lbrace", "rbrace", "comma", "semicolon", "colon", "first_colon",
    "second_colon", "equal", "dot", "star", "asynchronous", "relative", "separator", "posonly_ind", "trailing_comma",
    "leading_lines", "lines_after_decorators", "trailing_whitespace", "header", "footer", "newline", "indent",
    "empty_lines", "comment", "encoding", "default_indent", "default_newline", "has_trailing_newline",
})
"""Fields of libcst nodes that hold layout, not code (with every ``whitespace*`` field)."""

_CODE_FIELDS: dict[type, tuple[str, ...]] = {}


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The nodes of code directly inside `node`, in the order of its fields (source order but for decorators)."""
    kind = type(node)
    names = _CODE_FIELDS.get(kind)
    if names is None:
        names = _CODE_FIELDS[kind] = tuple(
            field.name for field in dataclasses.fields(kind) if field.name not in _LAYOUT and not field.name.startswith("whitespace")
        )
    found: list[cst.CSTNode] = []
    for name in names:
        value = getattr(node, name)
        if value is None or type(value) is str:
            continue
        if type(value) is tuple or type(value) is list:
            found.extend(item for item in value if isinstance(item, cst.CSTNode))
        elif isinstance(value, cst.CSTNode):
            found.append(value)
    return found


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """`node` and every node of code inside it, depth first."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        pending.extend(reversed(children(current)))


def target_names(target: cst.CSTNode) -> list[str]:
    """The plain names an assignment target binds: ``x``, ``a, (b, *c)``; not ``obj.attr`` or ``d[k]``."""
    if type(target) is cst.Name:
        return [target.value]
    if type(target) is cst.Tuple or type(target) is cst.List:
        return [name for element in target.elements for name in target_names(element.value)]
    if type(target) is cst.StarredElement:
        return target_names(target.value)
    return []


def root_name(expression: cst.CSTNode | None) -> str | None:
    """``args`` of ``args.units``, ``x[0].shape`` or ``args``: the name an expression of attributes and items starts from."""
    while type(expression) is cst.Attribute or type(expression) is cst.Subscript:
        expression = expression.value
    return expression.value if type(expression) is cst.Name else None
