"""Sizes known only at run time, kept as polynomials in named unknowns.

``num_classes = len(class_names)`` is no number kerlint can know, but it is a
name: ``Dense(num_classes)`` after ``Dense(128)`` holds ``129·num_classes``
parameters. Shapes and weight sizes are built from sizes with +, - and *, so
they stay polynomials with integer coefficients. Any other use (a comparison
whose answer depends on the unknowns, a division that is not exact, ``int()``)
raises ``CannotInfer``: catalogue code that branches on a size fails cleanly
instead of guessing.

Each unknown is a positive integer: a length, a count or a shape entry that a
model is built with (Keras refuses a layer or an axis of size 0). That much
decides ``4·units > 0`` and ``n == -1``, as the catalogue asks, and nothing more.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from kerlint.layers.base import CannotInfer

_ORDER = itertools.count()


class Labels:
    """How one analysis shows its unknowns: as the program names them, numbered (``filters#2``) from the second of a name.

    A number is given when an unknown is first shown, so every message and
    total of a file calls it the same, and ``filters`` is the first shown.
    """

    def __init__(self) -> None:
        self.given: dict[Unknown, str] = {}
        self.counts: dict[str, int] = {}

    def label(self, unknown: "Unknown") -> str:
        if unknown not in self.given:
            count = self.counts[unknown.name] = self.counts.get(unknown.name, 0) + 1
            self.given[unknown] = unknown.name if count == 1 else f"{unknown.name}#{count}"
        return self.given[unknown]


@dataclass(frozen=True, eq=False)
class Unknown:
    """One size the program computes at run time, named as the program writes it.

    Equal only to itself: two unknowns of the same name (a helper's parameter
    on two calls) are two sizes, told apart by their `label`.
    """

    name: str  # `num_classes`, `x_train.shape[1]`, `args.units`
    source: str  # what it stands for: the expression bound to the name, or the name itself
    node: Any = field(repr=False)  # where it is bound or read: the line a report gives
    labels: Labels = field(default_factory=Labels, repr=False)  # shared by the unknowns of one analysis
    order: int = field(default_factory=lambda: next(_ORDER), repr=False)

    @property
    def label(self) -> str:
        """Its name in messages and totals: ``filters``, or ``filters#2`` for a second size of that name."""
        return self.labels.label(self)


Monomial = tuple[tuple[Unknown, int], ...]
"""Unknowns and their powers, in creation order; ``()`` is the constant term."""


class Polynomial:
    """An immutable polynomial in `Unknown` sizes with integer coefficients.

    Arithmetic with ints and other polynomials gives a polynomial, or a plain
    int once no unknown is left, so a size that cancels out is a number again.
    """

    __slots__ = ("terms",)

    def __init__(self, terms: Mapping[Monomial, int]):
        self.terms: dict[Monomial, int] = {m: c for m, c in terms.items() if c}

    @staticmethod
    def of(unknown: Unknown) -> "Polynomial":
        return Polynomial({((unknown, 1),): 1})

    @property
    def unknowns(self) -> list[Unknown]:
        """Its unknowns in creation order."""
        found = {u: None for monomial in self.terms for u, _ in monomial}
        return sorted(found, key=lambda u: u.order)

    def substitute(self, values: Mapping[str, int]) -> int:
        """Its value with each unknown, by its label, replaced by ``values[label]``."""
        total = 0
        for monomial, coefficient in self.terms.items():
            for unknown, power in monomial:
                coefficient *= values[unknown.label] ** power
            total += coefficient
        return total

    # ------------------------------------------------------------ arithmetic

    def __add__(self, other: Any) -> Any:
        terms = _terms(other)
        if terms is None:
            return NotImplemented
        summed = dict(self.terms)
        for monomial, coefficient in terms.items():
            summed[monomial] = summed.get(monomial, 0) + coefficient
        return _simplified(summed)

    __radd__ = __add__

    def __neg__(self) -> "Polynomial":
        return Polynomial({m: -c for m, c in self.terms.items()})

    def __sub__(self, other: Any) -> Any:
        terms = _terms(other)
        return NotImplemented if terms is None else self + -Polynomial(terms)

    def __rsub__(self, other: Any) -> Any:
        terms = _terms(other)
        return NotImplemented if terms is None else Polynomial(terms) + -self

    def __mul__(self, other: Any) -> Any:
        terms = _terms(other)
        if terms is None:
            return NotImplemented
        product: dict[Monomial, int] = {}
        for (left, a), (right, b) in itertools.product(self.terms.items(), terms.items()):
            monomial = _multiply(left, right)
            product[monomial] = product.get(monomial, 0) + a * b
        return _simplified(product)

    __rmul__ = __mul__

    def __pow__(self, exponent: Any) -> Any:
        if not _is_int(exponent) or exponent < 0:
            raise CannotInfer(f"`{self}` to the power {exponent!r}")
        result: Any = 1
        for _ in range(exponent):
            result = result * self
        return result

    def __floordiv__(self, other: Any) -> Any:
        """Exact division by one term only: ``(6·n²) // (2·n)`` is ``3·n``; ``n // 2`` depends on ``n``."""
        divisor = _terms(other)
        if divisor is None or len(divisor) != 1:
            raise CannotInfer(f"`{self}` divided by `{size_text(other)}` depends on the value of its unknowns")
        [(monomial, coefficient)] = divisor.items()
        quotient = {}
        for term, c in self.terms.items():
            remaining = _divide(term, monomial)
            if remaining is None or c % coefficient:
                raise CannotInfer(f"`{self}` divided by `{size_text(other)}` depends on the value of its unknowns")
            quotient[remaining] = c // coefficient
        return _simplified(quotient)

    def __mod__(self, other: Any) -> Any:
        if not _is_int(other) or other == 0 or any(c % other for c in self.terms.values()):
            raise CannotInfer(f"`{self}` modulo {other!r} depends on the value of its unknowns")
        return 0

    def _undecidable(self, *_: Any) -> Any:
        raise CannotInfer(f"`{self}` is known only at run time")

    def __rfloordiv__(self, other: Any) -> Any:
        terms = _terms(other)
        return NotImplemented if terms is None else Polynomial(terms).__floordiv__(self)

    __rmod__ = __truediv__ = __rtruediv__ = __rpow__ = _undecidable
    __int__ = __index__ = __float__ = __abs__ = _undecidable

    def __bool__(self) -> bool:
        return self != 0

    # ------------------------------------------------------------ comparison

    def _compare(self, other: Any, holds: Callable[[int], bool]) -> Any:
        """Whether ``holds(self - other)`` for every value of the unknowns (each at least 1); raises when that varies."""
        terms = _terms(other)
        if terms is None:
            return NotImplemented
        difference = self - Polynomial(terms)
        if not isinstance(difference, Polynomial):
            return holds(difference)
        # With every unknown >= 1, a polynomial whose other coefficients share one sign is monotone:
        # at least (or at most) its value where all are 1, unbounded on the other side.
        at_one = sum(difference.terms.values())
        signs = {c > 0 for m, c in difference.terms.items() if m}
        if len(signs) == 1:
            answer = _always(holds, at_one, None) if True in signs else _always(holds, None, at_one)
            if answer is not None:
                return answer
        raise CannotInfer(f"comparing `{self}` with `{size_text(other)}` depends on the value of its unknowns")

    def __eq__(self, other: Any) -> Any:
        return self._compare(other, lambda d: d == 0)

    def __ne__(self, other: Any) -> Any:
        return self._compare(other, lambda d: d != 0)

    def __lt__(self, other: Any) -> Any:
        return self._compare(other, lambda d: d < 0)

    def __le__(self, other: Any) -> Any:
        return self._compare(other, lambda d: d <= 0)

    def __gt__(self, other: Any) -> Any:
        return self._compare(other, lambda d: d > 0)

    def __ge__(self, other: Any) -> Any:
        return self._compare(other, lambda d: d >= 0)

    def __hash__(self) -> int:
        return hash(frozenset(self.terms.items()))

    # ------------------------------------------------------------ formatting

    def __str__(self) -> str:
        """``12,544·num_classes + 1,180,672``: highest degree first, thousands separated."""
        ordered = sorted(self.terms.items(), key=lambda item: (-_degree(item[0]), [(u.order, -p) for u, p in item[0]]))
        text = ""
        for monomial, coefficient in ordered:
            magnitude = abs(coefficient)
            product = "·".join(u.label + _superscript(p) for u, p in monomial)
            body = product if magnitude == 1 and product else "·".join(filter(None, (f"{magnitude:,}", product)))
            text += ("-" if coefficient < 0 else "") + body if not text else f" {'-' if coefficient < 0 else '+'} {body}"
        return text

    __repr__ = __str__  # in a shape or a message: ``(None, num_classes)``, ``Dense(num_classes)``


Size = int | Polynomial
"""A dimension known now (an int) or only at run time (a polynomial)."""


def concrete(shape: Any) -> Any:
    """A shape (or list of shapes) with each size known only at run time as None, as the rest of kerlint reads shapes."""
    if isinstance(shape, list):
        return [concrete(s) for s in shape]
    if isinstance(shape, tuple):
        return tuple(None if isinstance(d, Polynomial) else d for d in shape)
    return shape


def symbolic_size(weights: Iterable[Any]) -> Size:
    """The number of values in `weights`, a polynomial where their shapes hold one."""
    return sum((w.size for w in weights), 0)


def has_unknowns(value: Any) -> bool:
    """Whether a size, shape or list of shapes holds a `Polynomial`."""
    if isinstance(value, (list, tuple)):
        return any(has_unknowns(v) for v in value)
    return isinstance(value, Polynomial)


def _always(holds: Callable[[int], bool], low: int | None, high: int | None) -> bool | None:
    """``holds(d)`` for every integer ``d`` in [low, high] (None: unbounded) when that is one answer, else None.

    A comparison with 0 answers the same on every integer below -1 and above 1,
    so the bounds and -1, 0, 1 within them decide it.
    """
    points = [p for p in (low, high, -1, 0, 1) if p is not None and (low is None or p >= low) and (high is None or p <= high)]
    answers = {holds(p) for p in points}
    return answers.pop() if len(answers) == 1 else None


def _divide(term: Monomial, divisor: Monomial) -> Monomial | None:
    """``term / divisor`` when it is a monomial, else None."""
    powers = dict(term)
    for unknown, power in divisor:
        if powers.get(unknown, 0) < power:
            return None
        powers[unknown] -= power
    return tuple((u, p) for u, p in sorted(powers.items(), key=lambda item: item[0].order) if p)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _terms(value: Any) -> dict[Monomial, int] | None:
    if isinstance(value, Polynomial):
        return value.terms
    if isinstance(value, int):  # bools too: ``use_bias * units`` counts a bias
        return {(): int(value)}
    return None


def _simplified(terms: dict[Monomial, int]) -> Size:
    polynomial = Polynomial(terms)
    if not polynomial.terms:
        return 0
    if set(polynomial.terms) == {()}:
        return polynomial.terms[()]
    return polynomial


def _multiply(left: Monomial, right: Monomial) -> Monomial:
    powers: dict[Unknown, int] = dict(left)
    for unknown, power in right:
        powers[unknown] = powers.get(unknown, 0) + power
    return tuple(sorted(powers.items(), key=lambda item: item[0].order))


def _degree(monomial: Monomial) -> int:
    return sum(power for _, power in monomial)


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _superscript(power: int) -> str:
    return "" if power == 1 else str(power).translate(_SUPERSCRIPTS)


def size_text(value: Any) -> str:
    """``1,180,672`` or ``12,544·num_classes + 1,180,672``."""
    return f"{value:,}" if _is_int(value) else str(value)
