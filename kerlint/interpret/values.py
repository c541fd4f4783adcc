"""Abstract values the interpreter computes with.

Known Python data is represented by itself (ints, strings, tuples, lists,
dicts of abstract values); ``UNKNOWN`` stands for anything not statically
known. The classes below add what plain Python values cannot express: Keras
API references, user functions, layers and models. Arrays, frames and
datasets are values of their own, in ``arrays.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from kerlint.graph import CompileFacts, FitFacts, Layer, ModelGraph, Tensor
from kerlint.interpret.arrays import Data, DataShape
from kerlint.unknown import UNKNOWN

if TYPE_CHECKING:
    import libcst as cst

__all__ = [
    "UNKNOWN", "ApiRef", "Function", "BoundMethod", "LayerValue", "ModelValue", "Data", "DataShape", "Opaque", "LazyValue", "resolved",
    "is_native", "contains_unknown", "activation_name",
]

_NATIVE = (int, float, str, bool, type(None), tuple, list, dict, range, slice)


def is_native(value: Any) -> bool:
    """Plain Python data, which the interpreter computes with as itself."""
    return isinstance(value, _NATIVE)


MAX_ELEMENTS = 100_000
"""The most items a value may hold for Python's own operations to run on it.

Items are counted through nesting, each reference anew: ``[[0] * 100_000] * 100_000``
is cheap to build but holds 10**10 items for ``==``, ``copy.deepcopy`` or ``zip(*...)``
to visit. Characters of strings and numbers of a range count as items.
"""
MAX_INT_BITS = 512
"""The largest int (in bits) Python's own operations run on; model sizes need far fewer."""

_CONTAINERS = (list, tuple, dict)


def footprint(value: Any, unknown_ok: bool = True) -> int | None:
    """Items in `value` counted through nesting (see MAX_ELEMENTS), or None.

    None when the count passes MAX_ELEMENTS (a cycle does), an int passes
    MAX_INT_BITS, or, unless `unknown_ok`, UNKNOWN is inside: the guard in front
    of every builtin and operator the interpreter runs on known values.
    """
    count, pending = 0, [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is int:
            if item.bit_length() > MAX_INT_BITS:
                return None
        elif kind is str or kind is range or kind in _CONTAINERS:
            count += len(item)
            if count > MAX_ELEMENTS:
                return None
            if kind is dict:
                pending.extend(item.keys())
                pending.extend(item.values())
            elif kind is not str and kind is not range:
                pending.extend(item)
        elif item is UNKNOWN and not unknown_ok:
            return None
    return count


def contains_unknown(value: Any) -> bool:
    """Whether UNKNOWN is `value` or inside it; a value too big to look through (see `footprint`) counts as unknown."""
    return footprint(value, unknown_ok=False) is None


@dataclass(frozen=True)
class ApiRef:
    """A reference into a library by canonical dotted path (``keras.layers.Dense``, ``numpy.load``)."""

    path: str

    def attr(self, name: str) -> "ApiRef":
        return ApiRef(f"{self.path}.{name}")

    @property
    def leaf(self) -> str:
        return self.path.rpartition(".")[2]


@dataclass(eq=False)
class ModuleValue:
    """A module of the analyzed project that the interpreter followed: its names are its globals."""

    dotted: str
    level: int
    scope: Any  # interpreter.Scope


@dataclass(eq=False)
class Function:
    """A user function or lambda with the environment it closes over."""

    node: cst.FunctionDef | cst.Lambda
    closure: "Any"  # interpreter.Scope
    name: str
    defaults: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class BoundMethod:
    """``obj.method`` waiting to be called (``list.append``, ``model.compile``...)."""

    receiver: Any
    name: str


@dataclass(eq=False)
class LayerValue:
    layer: Layer


@dataclass(eq=False)
class ModelValue:
    """A model under construction (Sequential) or built (Functional)."""

    graph: ModelGraph
    head: Tensor | None = None  # Sequential: output of the last added layer, once built
    as_layer: Layer | None = None  # the node it is when another model calls it
    undecided: int = 0  # the undecided branches it was made in (``Interpreter.undecided``): one it is changed under is not

    @property
    def compiles(self) -> list[CompileFacts]:
        return self.graph.compiles

    @property
    def fits(self) -> list[FitFacts]:
        return self.graph.fits


@dataclass(eq=False)
class Opaque:
    """An object of a known library kind whose contents we do not model (optimizers, losses, callbacks)."""

    kind: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


class LazyValue:
    """A name whose value is computed on first use: an imported helper (most never are), a definition the skeleton left out."""

    _UNSET = object()

    def __init__(self, resolve: Callable[[], Any]):
        self._resolve = resolve
        self._value = self._UNSET

    def value(self) -> Any:
        if self._value is self._UNSET:
            self._value = UNKNOWN  # a module that imports itself back sees the name as unknown
            self._value = self._resolve()
        return self._value


def resolved(value: Any) -> Any:
    """`value`, or what it stands for if it is a LazyValue (computed now, if not yet)."""
    return value.value() if isinstance(value, LazyValue) else value


def activation_name(value: Any) -> Any:
    """``"relu"``, ``keras.activations.relu`` and ``tf.nn.relu`` all mean ``"relu"``; None means linear."""
    if value is None or isinstance(value, str):
        return value.lower() if isinstance(value, str) else None
    if isinstance(value, ApiRef) and (".activations." in value.path or value.path.startswith("tensorflow.nn.")):
        return value.leaf
    return UNKNOWN
