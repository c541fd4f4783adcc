"""What the catalogue knows about one Keras layer class.

An entry turns a layer's bound configuration plus the shapes it is called on
into output shapes and weight shapes. Weight *shapes* (not just counts) are
what Keras's ``build`` creates, so a later call whose shapes would need other
weights is exactly a call Keras rejects (how KER301 is decided).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from kerlint.unknown import UNKNOWN

Dim = int | None
Shape = tuple[Dim, ...]
"""A tensor shape including the batch axis (``None`` = unknown size)."""

ShapeTree = Shape | list["ShapeTree"]
"""One shape, or a list of them (what a merge layer is called on)."""


class CannotInfer(Exception):
    """The entry needs a value the interpreter could not evaluate."""


class IncompatibleShape(Exception):
    """Keras would raise at build/call time: the message says why, with shapes."""


class SpatialCollapse(IncompatibleShape):
    """A kernel, pool or crop does not fit the feature map: no output position is left."""


@dataclass(frozen=True)
class Weight:
    name: str
    shape: tuple[int, ...]
    trainable: bool = True

    @property
    def size(self) -> int:
        return math.prod(self.shape)


MAX_RANK = 64
"""Real models stay under 10 axes; kerlint takes a shape of more as unknown."""

LARGEST_SIZE = 2**128
"""The most values one tensor or weight may hold, or FLOPs one call may take, for kerlint to compute with it.

Far past any machine (10**38), yet model totals stay well inside what a float holds,
so rules that compare shares and ratios in floats never overflow."""


def shape_size(shape: Shape) -> int:
    """Values per tensor of `shape`, unknown sizes (the batch axis) counted as 1."""
    return math.prod(d for d in shape if d is not None)


def within_limits(shape: Shape) -> bool:
    """At most MAX_RANK axes (checked first: the product of 100,000 huge sizes alone takes minutes) and LARGEST_SIZE values."""
    return len(shape) <= MAX_RANK and shape_size(shape) <= LARGEST_SIZE


@dataclass
class Inference:
    """Result of calling a layer on input shapes."""

    outputs: ShapeTree
    weights: list[Weight] | None = field(default_factory=list)
    """None when they depend on sizes known only at run time (``interpret/run_time_sizes.py`` keeps them)."""
    flops: int | None = None
    """Floating-point operations for ONE sample (batch size 1); None when not modelled."""

    def too_large(self) -> bool:
        """Whether an output, a weight or the FLOPs pass LARGEST_SIZE: ``Dense(10**150)`` is no model to cost."""
        if self.flops is not None and self.flops > LARGEST_SIZE or any(w.size > LARGEST_SIZE for w in self.weights or ()):
            return True
        shapes = [self.outputs]
        while shapes:
            shape = shapes.pop()
            if isinstance(shape, list):
                shapes.extend(shape)
            elif not within_limits(shape):
                return True
        return False


class LayerConfig(Mapping[str, Any]):
    """A layer's constructor arguments bound to its signature, defaults filled.

    Values the interpreter could not evaluate are stored as ``UNKNOWN``;
    ``config[name]`` raises ``CannotInfer`` for them so entries never guess.
    """

    def __init__(self, values: dict[str, Any]):
        self._values = values

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            raise CannotInfer(f"argument `{key}` was not given")
        value = self._values[key]
        if value is UNKNOWN:
            raise CannotInfer(f"argument `{key}` is not statically known")
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def raw(self, key: str, default: Any = None) -> Any:
        """The stored value, possibly ``UNKNOWN``, without raising."""
        return self._values.get(key, default)

    def __iter__(self):
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


@dataclass(frozen=True)
class LayerSpec:
    """One catalogue entry.

    ``signature`` is the Keras 3 constructor's positional parameter order,
    ``defaults`` the defaults of the parameters the entry reads,
    ``aliases`` legacy keyword spellings (Keras 1/2) mapped to Keras 3 names,
    ``call_args`` the tensor arguments of ``call`` after the first (e.g. MHA's
    ``value``, ``key``), ``infer`` computes output and weight shapes.
    """

    class_name: str
    signature: tuple[str, ...]
    defaults: Mapping[str, Any]
    infer: Callable[[LayerConfig, ShapeTree, Mapping[str, ShapeTree]], Inference]
    aliases: Mapping[str, str] = field(default_factory=dict)
    call_args: tuple[str, ...] = ()
    weighted: bool = False
    """True when the layer has a kernel (Dense/Conv/RNN/...): what rules mean by weighted."""
    methods: Mapping[str, Callable[[LayerConfig], Any]] = field(default_factory=dict)
    """Methods of the layer object whose result follows from the configuration
    (``lookup.vocabulary_size()``); each raises ``CannotInfer`` when it does not."""
