"""Sizes the program computes from data, named by its text and followed as polynomials.

The interpreter's value for ``len(class_names)`` stays UNKNOWN: no
interpreter path sees a new kind of value. Where kerlint needs a size (a layer
constructor argument, an ``Input`` shape) and the value is UNKNOWN, the
argument's expression is read again here: a name bound to UNKNOWN becomes the
unknown of that name (``num_classes``), ``x_train.shape[1]`` or ``args.units``
the unknown of that text, and ``+``, ``-``, ``*`` combine them
(`kerlint.symbolic`). Layer calls on such sizes run the catalogue on the
polynomials: output shapes keep them (``LayerCall.symbolic_shapes``), weights
too (``Layer.symbolic_weights``), and the ordinary shapes read None where a
size is known only at run time, so ranks and the other sizes still flow.

An unknown must stand for one value wherever it is read, or an expression
would mix two sizes under one name. A name qualifies when its scope binds it
once, outside any loop. A longer expression (``args.units``, ``x.shape[1]``)
needs its root bound so too; it is one unknown wherever it is read when the
code around never changes the root (no ``args.units = ...``, no method called
on it), else an unknown of its own at each place it is read outside loops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import libcst as cst

from kerlint import walk
from kerlint.graph import Layer, LayerCall, Tensor
from kerlint.interpret.values import UNKNOWN, contains_unknown, resolved
from kerlint.layers.base import CannotInfer, IncompatibleShape, Inference, LayerConfig, Weight
from kerlint.symbolic import Labels, Polynomial, Unknown, concrete, has_unknowns

if TYPE_CHECKING:
    from kerlint.interpret.interpreter import Interpreter, Scope

_SYMBOLIC_FAILURES = (CannotInfer, TypeError, ValueError, ArithmeticError)
"""What the catalogue raises on a polynomial it cannot follow (a comparison, ``range(n)``): no expression then."""
_ARITHMETIC = {cst.Add: lambda a, b: a + b, cst.Subtract: lambda a, b: a - b, cst.Multiply: lambda a, b: a * b,
               cst.FloorDivide: lambda a, b: a // b}


class _Registry:
    """The unknowns of one interpreter run, and what it learned about the scopes that bind them."""

    def __init__(self) -> None:
        self.unknowns: dict[tuple, Unknown] = {}
        self.keep: list[Any] = []  # scopes and nodes whose ids are keys: alive as long as the keys
        self.bindings: dict[int, _Bindings] = {}
        self.labels = Labels()

    def unknown(self, key: tuple, name: str, source: str, node: cst.CSTNode, owner: Any) -> Unknown:
        if key not in self.unknowns:
            self.keep.append(owner)
            self.unknowns[key] = Unknown(name, source, node, self.labels)
        return self.unknowns[key]

    def bindings_of(self, owner: cst.CSTNode) -> "_Bindings":
        if id(owner) not in self.bindings:
            self.keep.append(owner)
            self.bindings[id(owner)] = _Bindings(owner)
        return self.bindings[id(owner)]


def _registry(interp: "Interpreter") -> _Registry:
    if interp.run_time_sizes is None:
        interp.run_time_sizes = _Registry()
    return interp.run_time_sizes


def named_any(interp: "Interpreter") -> bool:
    """Whether this run named an unknown size: until then nothing here costs anything."""
    return interp.run_time_sizes is not None and bool(interp.run_time_sizes.unknowns)


# ------------------------------------------------------------- naming


def arguments(interp: "Interpreter", signature: tuple[str, ...], aliases: dict, args: list, kwargs: dict, node: cst.CSTNode) -> dict[str, Any]:
    """Constructor arguments whose values are UNKNOWN but whose expressions are sizes in named unknowns.

    `signature` and `aliases` bind the call's arguments as ``construct_layer``
    does; a call whose written arguments do not line up with the values it
    received (``*args``, a merge function's list) names nothing.
    """
    if not _unknown_sizes([*args, *kwargs.values()]):  # every layer constructed passes here
        return {}
    written = _written_arguments(interp, node, len(args), kwargs)
    if written is None:
        return {}
    positional, keywords, scope = written
    found: dict[str, Any] = {}
    for name, value, expression in [*zip(signature, args, positional), *((k, kwargs[k], e) for k, e in keywords.items())]:
        if contains_unknown(value):
            size = _structure(interp, expression, scope)
            if size is not _NOT_A_SIZE and has_unknowns(size):
                found[aliases.get(name, name)] = size
    return found


def input_shape(interp: "Interpreter", args: list, kwargs: dict, node: cst.CSTNode) -> tuple | None:
    """``Input(shape=...)`` whose sizes are named unknowns, batch axis first; None when it has none."""
    written = _written_arguments(interp, node, len(args), kwargs)
    if written is None:
        return None
    positional, keywords, scope = written
    for key, expression in [*zip(("shape",), positional), *keywords.items()]:
        if key in ("shape", "batch_shape"):
            size = _structure(interp, expression, scope)
            shape = _shape(size)
            if shape is None:
                return None
            return shape if key == "batch_shape" else (None, *shape)
    return None


def declared_input(arguments: dict[str, Any]) -> tuple | None:
    """The batch-first shape a first layer's ``input_shape=``/``input_dim=`` declares in named unknowns."""
    for key in ("batch_shape", "batch_input_shape"):
        if key in arguments:
            return _shape(arguments[key])
    if isinstance(arguments.get("input_dim"), Polynomial):
        return (None, arguments["input_dim"])
    for key in ("shape", "input_shape"):
        if key in arguments:
            shape = _shape(arguments[key])
            return None if shape is None else (None, *shape)
    return None


def _shape(size: Any) -> tuple | None:
    """A shape written as a tuple or list whose sizes include a named unknown.

    A name alone is no shape: ``Input(shape=input_size)`` may hold a whole tuple.
    """
    if isinstance(size, (tuple, list)) and all(d is None or isinstance(d, (int, Polynomial)) for d in size) and has_unknowns(size):
        return tuple(size)
    return None


def _unknown_sizes(values: list) -> bool:
    """Whether a value is UNKNOWN, or a tuple or list holding one: what `_structure` may name (``(None, n)``)."""
    for value in values:
        if value is UNKNOWN or (type(value) is tuple or type(value) is list) and any(item is UNKNOWN for item in value):
            return True
    return False


def _written_arguments(interp: "Interpreter", node: cst.CSTNode, count: int, kwargs: dict) -> tuple | None:
    """(positional expressions, keyword expressions, scope) of the call at `node`, if they are what it received."""
    site = interp.call_site
    if site is None or site[0] is not node or not isinstance(node, cst.Call):
        return None
    if any(arg.star for arg in node.args):
        return None
    positional = [arg.value for arg in node.args if arg.keyword is None]
    keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
    if len(positional) != count or keywords.keys() != kwargs.keys():
        return None
    return positional, keywords, site[1]


_NOT_A_SIZE = object()


def _structure(interp: "Interpreter", expression: cst.BaseExpression, scope: "Scope") -> Any:
    """A size, or a tuple/list of sizes and None, as the program writes it; _NOT_A_SIZE otherwise."""
    if isinstance(expression, (cst.Tuple, cst.List)):
        items = []
        for element in expression.elements:
            if isinstance(element, cst.StarredElement):
                return _NOT_A_SIZE
            value = element.value
            item = None if isinstance(value, cst.Name) and value.value == "None" else size(interp, value, scope)
            if item is _NOT_A_SIZE:
                return _NOT_A_SIZE
            items.append(item)
        return tuple(items) if isinstance(expression, cst.Tuple) else items
    return size(interp, expression, scope)


def size(interp: "Interpreter", expression: cst.BaseExpression, scope: "Scope") -> Any:
    """The int or polynomial `expression` stands for in `scope`, or _NOT_A_SIZE."""
    if isinstance(expression, cst.Integer):
        value = expression.evaluated_value
        return value if isinstance(value, int) else _NOT_A_SIZE
    if isinstance(expression, cst.UnaryOperation) and isinstance(expression.operator, cst.Minus):
        inner = size(interp, expression.expression, scope)
        return _NOT_A_SIZE if inner is _NOT_A_SIZE else -inner
    if isinstance(expression, cst.BinaryOperation) and type(expression.operator) in _ARITHMETIC:
        left, right = size(interp, expression.left, scope), size(interp, expression.right, scope)
        if left is _NOT_A_SIZE or right is _NOT_A_SIZE:
            return _NOT_A_SIZE
        try:
            return _ARITHMETIC[type(expression.operator)](left, right)
        except _SYMBOLIC_FAILURES:
            return _NOT_A_SIZE
    if isinstance(expression, cst.Name):
        return _name(interp, expression, scope)
    if isinstance(expression, (cst.Attribute, cst.Subscript)) or _builtin_call(expression):
        return _read(interp, expression, scope)
    return _NOT_A_SIZE


_SIZE_BUILTINS = frozenset({"len", "int", "round", "max", "min", "sum"})
"""Builtins whose result, when a size, is one the program computes from its data (``len(np.unique(y))``).

A call of anything else (a project's ``choose_width()``) is left unknown as kerlint finds it: its reason says why."""


def _builtin_call(expression: cst.BaseExpression) -> bool:
    return isinstance(expression, cst.Call) and isinstance(expression.func, cst.Name) and expression.func.value in _SIZE_BUILTINS


def _name(interp: "Interpreter", name: cst.Name, scope: "Scope") -> Any:
    holder = _holder(scope, name.value)
    value = resolved(scope.lookup(name.value))
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value is not UNKNOWN or holder is None or not _bound_once(interp, holder, name.value):
        return _NOT_A_SIZE
    registry = _registry(interp)
    binding = registry.bindings_of(holder.owner).sites[name.value][0]
    unknown = registry.unknown((id(holder), name.value), name.value, _source(holder, binding, name.value), binding, holder)
    return Polynomial.of(unknown)


def _source(holder: "Scope", binding: cst.CSTNode, name: str) -> str:
    """What a name's one binding gives it: ``len(class_names)``, ``parameter `num_classes```, or the name."""
    if isinstance(binding, cst.Param):
        return f"parameter `{name}`"
    single = isinstance(binding, cst.Assign) and len(binding.targets) == 1 and isinstance(binding.targets[0].target, cst.Name)
    if single or isinstance(binding, cst.AnnAssign) and binding.value is not None:
        return _code(holder, binding.value)
    return name


def _read(interp: "Interpreter", expression: cst.BaseExpression, scope: "Scope") -> Any:
    """``x_train.shape[1]``, ``args.units``, ``int(args.units * 2)``: the unknown of its text.

    One unknown wherever it is read when it reads attributes, items and ``len()``
    from a name bound once that nothing changes; else one where it is written,
    evaluated once (outside loops) in each run of its function.
    """
    if not isinstance(scope.owner, (cst.Module, cst.FunctionDef)):
        return _NOT_A_SIZE
    registry = _registry(interp)
    here = registry.bindings_of(scope.owner)
    text = _code(scope, expression)
    root = _root(expression)
    holder = None if root is None else _holder(scope, root.value)
    if holder is not None and _bound_once(interp, holder, root.value) and root.value not in here.exposed | registry.bindings_of(holder.owner).exposed:
        return Polynomial.of(registry.unknown((id(holder), text), text, text, expression, holder))
    if id(expression) in here.in_loops:
        return _NOT_A_SIZE
    return Polynomial.of(registry.unknown((id(scope), id(expression)), text, text, expression, scope))


def _root(expression: cst.BaseExpression) -> cst.Name | None:
    """The name a chain of attributes, constant subscripts and ``len()`` reads from, or None."""
    while True:
        if isinstance(expression, cst.Name):
            return expression
        if isinstance(expression, cst.Attribute):
            expression = expression.value
        elif isinstance(expression, cst.Subscript):
            index = expression.slice[0].slice if len(expression.slice) == 1 else None
            if not isinstance(index, cst.Index) or not isinstance(index.value, (cst.Integer, cst.SimpleString, cst.UnaryOperation)):
                return None
            expression = expression.value
        elif isinstance(expression, cst.Call) and isinstance(expression.func, cst.Name) and expression.func.value == "len" and len(expression.args) == 1:
            expression = expression.args[0].value
        else:
            return None


def _holder(scope: "Scope", name: str) -> "Scope | None":
    """The scope whose variables hold `name`, if it is a module's or a function's."""
    holder = scope.holder(name)
    return holder if name in holder.vars and isinstance(holder.owner, (cst.Module, cst.FunctionDef)) else None


def _bound_once(interp: "Interpreter", holder: "Scope", name: str) -> bool:
    bindings = _registry(interp).bindings_of(holder.owner)
    return len(bindings.sites.get(name, ())) == 1 and name not in bindings.rebound


def _code(scope: "Scope", node: cst.CSTNode) -> str:
    return scope.module.code_for_node(node).strip() if scope.module is not None else "?"


class _Bindings:
    """Where a module's or function's own code binds each name, and which of its nodes run in loops.

    ``rebound``: names bound in a loop, declared ``global``/``nonlocal`` anywhere
    inside, or deleted: a name among them may stand for several values.
    ``exposed``: names whose object the code itself changes, or may: an
    attribute or item assigned or deleted, a method called. (A function the
    object is passed to could change it too; kerlint takes it that none does
    between two reads that build one model.) Definitions nested inside bind
    nothing here, but what they change is exposed.
    """

    def __init__(self, owner: cst.CSTNode):
        self.sites: dict[str, list[cst.CSTNode]] = {}
        self.rebound: set[str] = set()
        self.in_loops: set[int] = set()
        self.exposed: set[str] = set()
        root = owner
        if isinstance(owner, cst.FunctionDef):
            for param in (*owner.params.posonly_params, *owner.params.params, *owner.params.kwonly_params,
                          owner.params.star_arg, owner.params.star_kwarg):
                if isinstance(param, cst.Param):
                    self.sites.setdefault(param.name.value, []).append(param)
            root = owner.body
        pending: list[tuple[cst.CSTNode, bool, bool]] = [(root, False, False)]  # (node, in a loop, in a nested scope)
        while pending:
            node, looping, nested = pending.pop()
            if looping and not nested:
                self.in_loops.add(id(node))
            kind = type(node)
            if kind is cst.For or kind is cst.While:
                looping = True
                if kind is cst.For:
                    self._bind(node.target, node, looping, nested)
            elif kind is cst.FunctionDef or kind is cst.ClassDef or kind is cst.Lambda:
                if kind is not cst.Lambda:
                    self._bind(node.name, node, looping, nested)
                nested = True
            elif kind is cst.Assign:
                for target in node.targets:
                    self._bind(target.target, node, looping, nested)
                    self._expose(target.target)
            elif kind is cst.AnnAssign or kind is cst.AugAssign:
                self._bind(node.target, node, looping, nested)
                self._expose(node.target)
            elif kind is cst.Call:
                self._expose(node.func)
            elif kind is cst.NamedExpr:
                self._bind(node.target, node, looping, nested)
            elif kind is cst.AsName:
                self._bind(node.name, node, looping, nested)
            elif kind is cst.Del:
                self.rebound.update(walk.target_names(node.target))
                self._expose(node.target)
            elif kind is cst.Global or kind is cst.Nonlocal:
                self.rebound.update(item.name.value for item in node.names)
            pending.extend((child, looping, nested) for child in reversed(walk.children(node)))

    def _bind(self, target: cst.CSTNode, site: cst.CSTNode, looping: bool, nested: bool) -> None:
        if nested:
            return
        for name in walk.target_names(target):
            self.sites.setdefault(name, []).append(site)
            if looping:
                self.rebound.add(name)

    def _expose(self, target: cst.CSTNode) -> None:
        if isinstance(target, (cst.Attribute, cst.Subscript)):
            root = walk.root_name(target)
            if root is not None:
                self.exposed.add(root)


# ---------------------------------------------------------- inference


def symbolic_shape(tensor: Tensor) -> Any:
    """The tensor's shape with its run-time sizes as polynomials (its ordinary shape when it has none)."""
    shapes = getattr(tensor.producer, "symbolic_shapes", None)
    return shapes[tensor.index] if shapes else tensor.shape


def _symbolic_tree(value: Any) -> Any:
    if isinstance(value, Tensor):
        return symbolic_shape(value)
    if isinstance(value, (list, tuple)):
        shapes = [_symbolic_tree(v) for v in value]
        return None if any(s is None for s in shapes) else shapes
    return None


def infer(interp: "Interpreter", layer: Layer, call: LayerCall, first: Any, extra: dict[str, Any]) -> Inference | None:
    """The call's inference where sizes known only at run time are involved; None where none is (the ordinary one runs).

    The catalogue runs on the polynomials; what it cannot follow falls back to
    the ordinary inference on the sizes as None. There a None may stand for a
    run-time size, so a shape error is not one Keras would raise: the call is
    unresolved instead. Weights that depend on an unknown are kept on the
    layer as polynomials, and the returned inference has none (``weights=None``).
    """
    if not named_any(interp):
        return None
    inputs = _symbolic_tree(first)
    extras = {name: _symbolic_tree(value) for name, value in extra.items()}
    if not layer.symbolic_arguments and not has_unknowns([inputs, *extras.values()]):
        return _ordinary(layer, first, extra)
    config = LayerConfig({**{key: layer.config.raw(key) for key in layer.config}, **layer.symbolic_arguments})
    try:
        inference = layer.spec.infer(config, inputs, extras)
    except IncompatibleShape:
        if _has_none([inputs, *extras.values()]):
            return _ordinary(layer, first, extra)
        raise  # Keras raises whatever the run-time sizes are
    except _SYMBOLIC_FAILURES:
        return _ordinary(layer, first, extra)
    call.symbolic_shapes = inference.outputs if isinstance(inference.outputs, list) else [inference.outputs]
    weights: list[Weight] | None = inference.weights
    if any(has_unknowns(w.shape) for w in inference.weights):
        if layer.symbolic_weights is None:
            layer.symbolic_weights = inference.weights
        names = ", ".join(f"`{u.label}`" for u in _unknowns(inference.weights))
        call.unresolved = f"{layer.describe()} `{layer.name}`: its weights depend on {names}, known only at run time"
        weights = None
    if isinstance(inference.flops, Polynomial):
        call.symbolic_flops = inference.flops
        return Inference(concrete(inference.outputs), weights, None)
    return Inference(concrete(inference.outputs), weights, inference.flops)


def _ordinary(layer: Layer, first: Any, extra: dict[str, Any]) -> Inference:
    """The catalogue on ordinary shapes, where a None may be a size known at run time: no shape error is certain."""
    from kerlint.interpret.keras_api import shape_tree

    try:
        return layer.spec.infer(layer.config, shape_tree(first), {name: shape_tree(value) for name, value in extra.items()})
    except IncompatibleShape as error:
        if not _has_none([shape_tree(first), *(shape_tree(v) for v in extra.values())]):
            raise
        raise CannotInfer(f"{error} (a size known only at run time may stand for the None)") from None


def _has_none(shapes: Any) -> bool:
    """A None size past the batch axis in any of the shapes."""
    if isinstance(shapes, list):
        return any(_has_none(s) for s in shapes)
    return isinstance(shapes, tuple) and None in shapes[1:]


def _unknowns(weights: Iterable[Weight]) -> list[Unknown]:
    found: dict[Unknown, None] = {}
    for weight in weights:
        for dim in weight.shape:
            if isinstance(dim, Polynomial):
                found.update(dict.fromkeys(dim.unknowns))
    return sorted(found, key=lambda u: u.order)
