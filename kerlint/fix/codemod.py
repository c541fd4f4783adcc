"""Edits at libcst nodes: a keyword argument set, renamed or removed, text put around a node.

Each edit touches only the characters of the node it is about (an argument's
value, the gap before the next argument), located by the file's `Locator`, so
everything else, comments and formatting included, stays as written. A node
kerlint reached in another file, or one whose position is unknown, yields no
edit: the finding then carries no fix, which is why most rules' fixes are
"sometimes available".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable

import libcst as cst

from kerlint.findings import Span
from kerlint.fix.edit import Edit

if TYPE_CHECKING:
    from kerlint.graph import Layer
    from kerlint.interpret.analysis import Locator

_NOWHERE = Span(1, 1, 1, 1)
"""What the locator answers for a node it cannot place."""


class Editor:
    """Edits to the nodes of one analyzed file."""

    def __init__(self, locator: Locator):
        self.locator = locator

    def span(self, node: cst.CSTNode) -> Span | None:
        """Where `node` is in this file; None for a node of another file or of unknown position."""
        if id(node) in self.locator.anchors:
            return None
        span = self.locator.span(node)
        return None if span == _NOWHERE else span

    def replace(self, node: cst.CSTNode, content: str) -> list[Edit] | None:
        span = self.span(node)
        return None if span is None else [Edit(span, content)]

    def insert_before(self, node: cst.CSTNode, content: str) -> list[Edit] | None:
        span = self.span(node)
        return None if span is None else [Edit(_point(span.line, span.column), content)]

    def insert_after(self, node: cst.CSTNode, content: str) -> list[Edit] | None:
        span = self.span(node)
        return None if span is None else [Edit(_point(span.end_line, span.end_column), content)]

    def wrap(self, node: cst.CSTNode, before: str, after: str) -> list[Edit] | None:
        """`before` + the node as written + `after`: two insertions, so the node's own text is not rewritten."""
        span = self.span(node)
        if span is None:
            return None
        return [Edit(_point(span.line, span.column), before), Edit(_point(span.end_line, span.end_column), after)]

    def insert_layer_before(self, node: cst.CSTNode, layer: str) -> list[Edit] | None:
        """The code `layer` (`keras.layers.Flatten()`) put before the layer `node` of a Sequential model:
        as the list entry before it (`Sequential([..., node])`), or as a `model.add(layer)` statement
        before `model.add(node)`, indented as that one is."""
        modules = [self.locator.module, *(d.module for d in self.locator.deferred if d.module is not None)]
        for module in modules:
            place = _Place(node, module.default_indent)
            module.visit(place)
            if place.listed:
                return self.insert_before(node, f"{layer}, ")
            if place.added is not None:
                add, indent = place.added
                receiver = _code(add.func.value)
                return self.insert_before(add, f"{receiver}.add({layer}){module.default_newline}{indent}")
        return None

    def layer_class(self, like: cst.BaseExpression, name: str) -> str | None:
        """Code that names the Keras layer class `name` in this file: spelled as `like` (the callee of another
        layer: `keras.layers.Dense` gives `keras.layers.Flatten`), else as a top-level `from ...layers import`
        binds it, else through the file's `keras` (`tf.keras.layers.Flatten`); None when it cannot be named."""
        if isinstance(like, cst.Attribute):
            return f"{_code(like.value)}.{name}"
        for small in self._top_level_imports():
            if isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
                if _code(small.module).rpartition(".")[2] == "layers":
                    if isinstance(small.names, cst.ImportStar):
                        return name
                    for alias in small.names:
                        if _code(alias.name) == name:
                            return _code(alias.asname.name) if alias.asname else name
        keras = self.keras_module()
        return None if keras is None else f"{keras}.layers.{name}"

    def keras_module(self) -> str | None:
        """Code that names the `keras` package in this file, from its top-level imports: `keras` (or its
        alias), `tf.keras` after `import tensorflow as tf`; None when the file imports neither."""
        for small in self._top_level_imports():
            if isinstance(small, cst.Import):
                for alias in small.names:
                    imported = _code(alias.name)
                    bound = _code(alias.asname.name) if alias.asname else None
                    if imported in ("keras", "tensorflow.keras"):
                        return bound or imported
                    if imported == "tensorflow" or (imported.startswith("tensorflow.") and bound is None):
                        return f"{bound or 'tensorflow'}.keras"
                    if imported.startswith("keras.") and bound is None:  # `import keras.layers` binds `keras`
                        return "keras"
            elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
                if _code(small.module) == "tensorflow" and not isinstance(small.names, cst.ImportStar):
                    for alias in small.names:
                        if _code(alias.name) == "keras":
                            return _code(alias.asname.name) if alias.asname else "keras"
        return None

    def _top_level_imports(self) -> Iterable[cst.BaseSmallStatement]:
        for statement in self.locator.module.body:
            if isinstance(statement, cst.SimpleStatementLine):
                yield from (small for small in statement.body if isinstance(small, (cst.Import, cst.ImportFrom)))

    def set_argument(self, layer: Layer, name: str, value: str) -> list[Edit] | None:
        """The layer's constructor argument `name` set to the code `value`: its value replaced where it is
        written (by keyword, legacy keyword or position), else `name=value` added after the last argument.

        Only a literal is replaced: a name or expression (a helper's parameter) may serve other calls too.
        """
        call = layer.node
        if not isinstance(call, cst.Call):
            return None
        arg = layer_argument(layer, name)
        if arg is not None:
            return self.replace(arg.value, value) if is_literal(arg.value) else None
        if not _may_add(layer, name):
            return None
        return self.add_keyword(call, f"{name}={value}")

    def add_keyword(self, call: cst.Call, text: str) -> list[Edit] | None:
        """`text` (`name=value`) added as the call's last argument."""
        if call.args:
            last = call.args[-1]
            return self.insert_after(last, f", {text}")
        if not (_empty(call.whitespace_after_func) and _empty(call.whitespace_before_args)):
            return None
        span = self.span(call.func)
        return None if span is None else [Edit(_point(span.end_line, span.end_column + 1), text)]

    def remove_arguments(self, layer: Layer, names: Iterable[str]) -> list[Edit] | None:
        """The arguments `names` taken out of the layer's constructor call, with the commas that
        separated them, so that what remains is well formed; None unless each is written as a keyword
        with a literal value."""
        call = layer.node
        if not isinstance(call, cst.Call):
            return None
        doomed = [layer_argument(layer, name) for name in names]
        if any(arg is None or arg.keyword is None or not is_literal(arg.value) for arg in doomed):
            return None
        removed = [any(arg is candidate for candidate in doomed) for arg in call.args]
        edits = []
        for first, last in _runs(removed):
            if last + 1 < len(call.args):  # up to the next argument kept: the run, its commas and spaces
                start, end = self.span(call.args[first]), self.span(call.args[last + 1])
                edit = None if start is None or end is None else Edit(Span(start.line, start.column, end.line, end.column), "")
            elif first > 0:  # a run at the end: from the end of the argument before it, whose comma goes too
                start, end = self.span(call.args[first - 1]), self.span(call.args[last])
                edit = None if start is None or end is None else Edit(Span(start.end_line, start.end_column, end.end_line, end.end_column), "")
            elif not isinstance(call.args[last].comma, cst.Comma):  # every argument, no trailing comma
                start, end = self.span(call.args[first]), self.span(call.args[last])
                edit = None if start is None or end is None else Edit(Span(start.line, start.column, end.end_line, end.end_column), "")
            else:
                edit = None
            if edit is None:
                return None
            edits.append(edit)
        return edits

    def rename_argument(self, layer: Layer, name: str, new_name: str) -> list[Edit] | None:
        """The keyword of argument `name` written as `new_name`, its value kept."""
        arg = layer_argument(layer, name)
        if arg is None or arg.keyword is None or not is_literal(arg.value):
            return None
        return self.replace(arg.keyword, new_name)


class _Place(cst.CSTVisitor):
    """Where a layer's constructor call stands: an entry of a list, or the one argument of a
    `model.add(...)` statement (with that statement's indentation)."""

    def __init__(self, node: cst.CSTNode, default_indent: str):
        self.node, self.default_indent = node, default_indent
        self.indents: list[str] = []
        self.listed = False
        self.added: tuple[cst.Call, str] | None = None

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self.indents.append(self.default_indent if node.indent is None else node.indent)

    def leave_IndentedBlock(self, original_node: cst.IndentedBlock) -> None:
        self.indents.pop()

    def visit_Element(self, node: cst.Element) -> None:
        self.listed = self.listed or node.value is self.node

    def visit_Expr(self, node: cst.Expr) -> None:
        call = node.value
        if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "add":
            if len(call.args) == 1 and call.args[0].value is self.node:
                self.added = (call, "".join(self.indents))


def layer_argument(layer: Layer, name: str) -> cst.Arg | None:
    """The argument of the layer's constructor call that sets `name`: by keyword, a legacy keyword
    (`LayerSpec.aliases`) or position; None when it is not written there (or may hide in `*args`/`**kwargs`)."""
    call = layer.node
    if not isinstance(call, cst.Call):
        return None
    spellings = {name} | {legacy for legacy, modern in (layer.spec.aliases if layer.spec else {}).items() if modern == name}
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in spellings:
            return arg
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    position = _position(layer, name)
    if position is not None and position < len(positional):
        return positional[position]
    return None


def is_literal(node: cst.BaseExpression) -> bool:
    """A constant written in place (`True`, `0.2`, `-1`, `"tanh"`): changing it changes this call only."""
    if isinstance(node, cst.UnaryOperation):
        node = node.expression
    if isinstance(node, cst.Name):
        return node.value in ("True", "False", "None")
    return isinstance(node, (cst.SimpleString, cst.Integer, cst.Float))


def _may_add(layer: Layer, name: str) -> bool:
    """Can `name=` be added without repeating an argument: no `*args`/`**kwargs` that might set it,
    and fewer positional arguments than its position."""
    call = layer.node
    if any(arg.star for arg in call.args):
        return False
    position = _position(layer, name)
    positional = sum(1 for arg in call.args if arg.keyword is None)
    return position is None or positional <= position


def _runs(flags: list[bool]) -> Iterable[tuple[int, int]]:
    """(first, last) index of each run of consecutive True flags."""
    first = None
    for index, flag in enumerate([*flags, False]):
        if flag and first is None:
            first = index
        elif not flag and first is not None:
            yield first, index - 1
            first = None


def _position(layer: Layer, name: str) -> int | None:
    signature = layer.spec.signature if layer.spec else ()
    return signature.index(name) if name in signature else None


def _empty(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(whitespace, cst.SimpleWhitespace) and not whitespace.value


def _code(node: cst.CSTNode) -> str:
    return cst.Module([]).code_for_node(node)


def _point(line: int, column: int) -> Span:
    return Span(line, column, line, column)
