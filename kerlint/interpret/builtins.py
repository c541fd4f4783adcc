"""Python builtins and pure library functions (``math.ceil``...) on known values.

Structural builtins (``len``, ``zip``, ``list``...) work on containers whose
elements are unknown; numeric ones need every argument known.
"""

from __future__ import annotations

import builtins
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from kerlint.interpret.values import ApiRef, contains_unknown, is_native
from kerlint.unknown import UNKNOWN

_LARGEST_RANGE = 1_000_000
_LARGEST_COPY = 100_000
WIDE_FORMAT = re.compile(r"\d{4}")
"""A format width or precision of 1000 or more: ``f"{0:>999999999}"`` would fill memory."""


@dataclass(frozen=True)
class Builtin:
    name: str
    function: Callable[..., Any]
    structural: bool = False

    def call(self, interpreter: Any, args: list, kwargs: dict) -> Any:
        values = [*args, *kwargs.values()]
        if not all(is_native(v) or v is UNKNOWN for v in values):
            return UNKNOWN
        if not self.structural and any(contains_unknown(v) for v in values):
            return UNKNOWN
        if self.structural and any(v is UNKNOWN for v in values):
            return UNKNOWN
        try:
            return self.function(*args, **kwargs)
        except Exception:  # wrong types or values: Python would raise, we just don't know
            return UNKNOWN


def _range(*args: int) -> Any:
    result = range(*args)
    return result if len(result) <= _LARGEST_RANGE else UNKNOWN


def _bounded(function: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse to materialize huge results from a user-controlled call."""

    def call(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        return result if len(result) <= _LARGEST_RANGE else UNKNOWN

    return call


_BUILTINS = [
    Builtin("range", _range),
    Builtin("len", len, structural=True),
    Builtin("list", _bounded(list), structural=True),
    Builtin("tuple", _bounded(tuple), structural=True),
    Builtin("dict", dict, structural=True),
    Builtin("zip", _bounded(lambda *a: list(zip(*a))), structural=True),
    Builtin("enumerate", _bounded(lambda a, start=0: list(enumerate(a, start))), structural=True),
    Builtin("reversed", _bounded(lambda a: list(reversed(a))), structural=True),
    Builtin("sorted", sorted),
    Builtin("min", min),
    Builtin("max", max),
    Builtin("sum", sum),
    Builtin("abs", abs),
    Builtin("round", round),
    Builtin("int", int),
    Builtin("float", float),
    Builtin("str", str),
    Builtin("bool", bool),
    Builtin("any", any),
    Builtin("all", all),
    Builtin("divmod", divmod),
    Builtin("chr", chr),
    Builtin("ord", ord),
    Builtin("print", lambda *a, **k: None, structural=True),
]

BUILTINS: dict[str, Builtin] = {b.name: b for b in _BUILTINS}

def copy_structure(value: Any) -> Any:
    """``copy.deepcopy`` of containers; abstract objects (tensors, layers) are shared, never cloned."""
    if isinstance(value, list):
        return [copy_structure(v) for v in value]
    if isinstance(value, tuple):
        return tuple(copy_structure(v) for v in value)
    if isinstance(value, dict):
        return {k: copy_structure(v) for k, v in value.items()}
    return value


def linspace(start: float, stop: float, num: int = 50, endpoint: bool = True) -> list[float]:
    """``np.linspace`` as a list: enough for the loops and comprehensions that read it."""
    if num <= 1:
        return [float(start)] * max(num, 0)
    step = (stop - start) / (num - 1 if endpoint else num)
    return [start + i * step for i in range(num)]


LIBRARY: dict[str, Builtin] = {
    f"math.{name}": Builtin(f"math.{name}", getattr(math, name))
    for name in ("ceil", "floor", "sqrt", "log", "log2", "exp", "prod", "gcd", "isqrt")
}
LIBRARY["copy.deepcopy"] = Builtin("copy.deepcopy", copy_structure, structural=True)
LIBRARY["copy.copy"] = Builtin("copy.copy", copy_structure, structural=True)
LIBRARY["numpy.linspace"] = Builtin("numpy.linspace", _bounded(linspace))


SUPER = ApiRef("builtins.super")
"""``super``: the interpreter binds it to the running method's class and instance."""
_CONSTANTS = {"None": None, "True": True, "False": False, "super": SUPER}


def lookup(name: str) -> Any:
    """A global name no scope defines: a constant, a builtin, or UNKNOWN."""
    if name in _CONSTANTS:
        return _CONSTANTS[name]
    return BUILTINS.get(name, UNKNOWN)


def could_be_huge(receiver: Any, args: list, kwargs: dict) -> bool:
    """Whether a str/list method could build a huge value in one call.

    ``s.replace("a", s)`` and ``s.join([s] * n)`` multiply sizes, ``x.extend(x)``
    in a loop doubles: bound the product of every operand's size.
    """
    sizes = [_size(v) for v in (receiver, *args, *kwargs.values())]
    wide = isinstance(receiver, str) and WIDE_FORMAT.search(receiver) is not None
    return wide or math.prod(max(size, 1) for size in sizes) > _LARGEST_COPY


def _size(value: Any) -> int:
    """Items or characters; a list counts the characters of its strings (what ``join`` copies)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        return sum(len(v) if isinstance(v, str) else 1 for v in value)
    return 1


def is_builtin(name: str) -> bool:
    """A name Python resolves without any import, modelled or not (``range``, ``None``, ``ValueError``)."""
    return hasattr(builtins, name)
