"""Python builtins and pure library functions (``math.ceil``...) on known values.

Structural builtins (``len``, ``zip``, ``list``...) work on containers whose
elements are unknown; numeric ones need every argument known.
"""

from __future__ import annotations

import builtins
import itertools
import math
import re
import string
from dataclasses import dataclass
from typing import Any, Callable

from kerlint.graph import Tensor
from kerlint.interpret.imports import is_keras
from kerlint.interpret.values import MAX_ELEMENTS, MAX_INT_BITS, ApiRef, LayerValue, ModelValue, footprint, is_native
from kerlint.layers import CATALOGUE, LEGACY_CLASS_NAMES
from kerlint.unknown import UNKNOWN

WIDE_FORMAT = re.compile(r"\d{4}")
"""A format width or precision of 1000 or more: ``f"{0:>999999999}"`` would fill memory."""


@dataclass(frozen=True)
class Builtin:
    name: str
    function: Callable[..., Any]
    structural: bool = False

    def call(self, interpreter: Any, args: list, kwargs: dict) -> Any:
        values = [*args, *kwargs.values()]
        if not all(is_native(v) for v in values):
            return UNKNOWN
        # Structural builtins copy unknown elements as they are; none may run on a huge value.
        if footprint(values, unknown_ok=self.structural) is None:
            return UNKNOWN
        try:
            return self.function(*args, **kwargs)
        except Exception:  # wrong types or values: Python would raise, we just don't know
            return UNKNOWN


class _IsInstance(Builtin):
    """``isinstance(inputs, (list, tuple))``, ``isinstance(layer, layers.BatchNormalization)``: answered where the
    value's class is known (fine-tuning loops freeze layers by class); anything else stays undecided."""

    def call(self, interpreter: Any, args: list, kwargs: dict) -> Any:
        if len(args) != 2 or kwargs:
            return UNKNOWN
        kinds = args[1] if isinstance(args[1], tuple) else (args[1],)
        answers = [_is_instance(args[0], kind) for kind in kinds]
        if any(answer is True for answer in answers):
            return True
        return False if all(answer is False for answer in answers) else UNKNOWN


KERAS_SUBCLASSES = {
    "RNN": frozenset({"ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "GRU", "LSTM", "SimpleRNN"}),
    "Wrapper": frozenset({"Bidirectional", "SpectralNormalization", "TimeDistributed"}),
    "Dropout": frozenset({"SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"}),
    "Attention": frozenset({"AdditiveAttention"}),
    "Embedding": frozenset({"ReversibleEmbedding"}),
    "JaxLayer": frozenset({"FlaxLayer"}),
    "Conv1D": frozenset({"Conv1DTranspose"}),  # Keras 2 only
    "Conv2D": frozenset({"Conv2DTranspose"}),
    "Conv3D": frozenset({"Conv3DTranspose"}),
}
"""Public ``keras.layers`` classes that subclass another public one, in Keras 3 or Keras 2: ``isinstance`` of one
against the other is left undecided (tests/test_interpreter.py reads both Kerases' hierarchies)."""


def _is_instance(value: Any, kind: Any) -> Any:
    if isinstance(kind, Builtin) and kind.name in _PYTHON_TYPES:
        if is_native(value):
            return isinstance(value, _PYTHON_TYPES[kind.name])
        return False if isinstance(value, (Tensor, LayerValue, ModelValue)) else UNKNOWN
    if isinstance(kind, ApiRef) and is_keras(kind.path):
        return _is_keras_layer(value, _class_name(kind.leaf))
    return UNKNOWN  # ``tf.Tensor``, a user class...


def _is_keras_layer(value: Any, wanted: str) -> Any:
    """Whether `value` is an instance of the ``keras.layers`` class `wanted`, when the catalogue can tell."""
    if wanted not in CATALOGUE and wanted != "Layer":
        return UNKNOWN  # keras.Model, keras.KerasTensor, a class kerlint does not know
    if isinstance(value, ModelValue):
        return True if wanted == "Layer" else False
    if isinstance(value, LayerValue):
        actual = _class_name(value.layer.class_name)
        if wanted in ("Layer", actual):
            return True
        return UNKNOWN if actual in KERAS_SUBCLASSES.get(wanted, ()) else False
    return False if is_native(value) or isinstance(value, Tensor) else UNKNOWN


def _class_name(name: str) -> str:
    """``Convolution2D`` and ``Conv2D`` are one class."""
    spec = CATALOGUE.get(name) or CATALOGUE.get(LEGACY_CLASS_NAMES.get(name, ""))
    return spec.class_name if spec is not None else name


def distinct(items: Any) -> Any:
    """A set as a tuple of its distinct items, in order (``len`` and iteration are what models read); UNKNOWN when an
    item is unknown (two unknown items may or may not be equal) or cannot be hashed."""
    items = list(items)
    if footprint(items, unknown_ok=False) is None:
        return UNKNOWN
    try:
        return tuple(dict.fromkeys(items))
    except TypeError:
        return UNKNOWN


def _range(*args: int) -> Any:
    result = range(*args)
    return result if len(result) <= MAX_ELEMENTS else UNKNOWN


def _sum(items: Any, start: Any = 0) -> Any:
    """``sum``; sequences are joined in one copy, where Python copies the growing total at each step."""
    if isinstance(start, (list, tuple)):
        if not all(type(item) is type(start) for item in items):
            raise TypeError("can only concatenate sequences of one type")
        return type(start)(itertools.chain(start, *items))
    return sum(items, start)


def _product(items: Any, start: Any = 1) -> Any:
    """``math.prod``, refused when the product could pass MAX_INT_BITS (its bits are at most the factors' sum)."""
    items = list(items)
    bits = sum(item.bit_length() for item in (start, *items) if isinstance(item, int))
    return math.prod(items, start=start) if bits <= MAX_INT_BITS else UNKNOWN


_BUILTINS = [
    Builtin("range", _range),
    Builtin("len", len, structural=True),
    Builtin("list", list, structural=True),
    Builtin("tuple", tuple, structural=True),
    Builtin("dict", dict, structural=True),
    Builtin("set", lambda items=(): distinct(items)),
    Builtin("frozenset", lambda items=(): distinct(items)),
    Builtin("zip", lambda *a: list(zip(*a)), structural=True),
    Builtin("enumerate", lambda a, start=0: list(enumerate(a, start)), structural=True),
    Builtin("reversed", lambda a: list(reversed(a)), structural=True),
    Builtin("sorted", sorted),
    Builtin("min", min),
    Builtin("max", max),
    Builtin("sum", _sum),
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
    _IsInstance("isinstance", isinstance),
]
_PYTHON_TYPES = {"int": int, "float": float, "str": str, "bool": bool, "list": list, "tuple": tuple, "dict": dict}

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


def linspace(start: float, stop: float, num: int = 50, endpoint: bool = True) -> Any:
    """``np.linspace`` as a list: enough for the loops and comprehensions that read it."""
    if num > MAX_ELEMENTS:
        return UNKNOWN
    if num <= 1:
        return [float(start)] * max(num, 0)
    step = (stop - start) / (num - 1 if endpoint else num)
    return [start + i * step for i in range(num)]


LIBRARY: dict[str, Builtin] = {
    f"math.{name}": Builtin(f"math.{name}", getattr(math, name))
    for name in ("ceil", "floor", "sqrt", "log", "log2", "exp", "gcd", "isqrt")
}
LIBRARY["math.prod"] = Builtin("math.prod", _product)
LIBRARY["copy.deepcopy"] = Builtin("copy.deepcopy", copy_structure, structural=True)
LIBRARY["copy.copy"] = Builtin("copy.copy", copy_structure, structural=True)
LIBRARY["numpy.linspace"] = Builtin("numpy.linspace", linspace)
CONSTANTS: dict[str, float] = {
    "math.pi": math.pi, "math.e": math.e, "math.tau": math.tau, "math.inf": math.inf,
    "numpy.pi": math.pi, "numpy.e": math.e, "numpy.inf": math.inf,
}
"""Library constants by canonical path (``2 * math.pi * frequencies``, ``from numpy import pi``)."""


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
    operands = (receiver, *args, *kwargs.values())
    if footprint(operands) is None:  # comparisons (``index``, ``count``) and copies visit every nested item
        return True
    wide = isinstance(receiver, str) and (WIDE_FORMAT.search(receiver) is not None or _nested_spec(receiver))
    return wide or math.prod(max(_size(operand), 1) for operand in operands) > MAX_ELEMENTS


def _nested_spec(template: str) -> bool:
    """``"{0:{1}}".format(1, 10**9)``: a width taken from the arguments; unreadable templates count too."""
    try:
        return any(spec and "{" in spec for _, _, spec, _ in string.Formatter().parse(template))
    except ValueError:
        return True


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
