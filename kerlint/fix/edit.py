"""What a fix is: text edits at source positions, and whether a user must agree to them.

Edits are plain data (positions and text), so findings that carry them cross
process boundaries like any other finding; the libcst nodes they were computed
from stay in the worker.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, Iterable

from kerlint.findings import Span


class Applicability(str, enum.Enum):
    """As ruff's: safe fixes keep what the program means (or do exactly what the rule page
    prescribes); unsafe ones change it in a way the user must agree to (parameters, weights
    that load, results), and are applied only with `--unsafe-fixes`."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class Availability(str, enum.Enum):
    """What a rule's page says about its fix (ruff: "Fix is always available.")."""

    ALWAYS = "always"
    SOMETIMES = "sometimes"


@dataclass(frozen=True, order=True)
class Edit:
    """Replace the text in `span` (1-based lines and columns, end column exclusive) with `content`.

    An empty span inserts; an empty `content` deletes.
    """

    span: Span
    content: str


@dataclass(frozen=True)
class Fix:
    """Edits that are applied together or not at all; `title` says what they do (`--show-fixes`)."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability

    def applies(self, unsafe: bool) -> bool:
        return self.applicability is Applicability.SAFE or unsafe

    def to_json(self) -> list[Any]:
        """`[title, applicability, [[line, column, end_line, end_column, content], ...]]`, for the cache."""
        edits = [[edit.span.line, edit.span.column, edit.span.end_line, edit.span.end_column, edit.content] for edit in self.edits]
        return [self.title, self.applicability.value, edits]

    @classmethod
    def from_json(cls, value: Any) -> Fix | None:
        """A fix back from `to_json` (None from None); ValueError or TypeError when anything about it is off."""
        if value is None:
            return None
        title, applicability, edits = value
        spans = [(Span(*positions), content) for *positions, content in edits]
        if not isinstance(title, str) or not spans or not all(
            isinstance(content, str) and all(type(n) is int and n > 0 for n in (span.line, span.column, span.end_line, span.end_column))
            for span, content in spans
        ):
            raise ValueError(f"not a fix: {value!r}")
        return cls(title, tuple(Edit(span, content) for span, content in spans), Applicability(applicability))


def make_fix(title: str, applicability: Applicability, edits: Iterable[Edit] | None) -> Fix | None:
    """A fix of `edits`; None when there are none (an edit could not be computed)."""
    edits = tuple(edits or ())
    return Fix(title, edits, applicability) if edits else None
