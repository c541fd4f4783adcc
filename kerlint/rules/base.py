"""The rule contract: one class per rule holds its code, name, docs, options and examples.

A rule's docstring is its documentation (the `rules/` pages are generated from
it); ``valid``/``invalid`` are programs that run as tests.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Iterator, Mapping

from kerlint.findings import Severity, Span

if TYPE_CHECKING:
    from kerlint.fix.edit import Availability, Fix
    from kerlint.interpret.analysis import FileAnalysis


@dataclass(frozen=True)
class Report:
    """What a rule yields; the engine adds path, code, name and severity."""

    span: Span
    message: str
    help: str | None = None
    """The suggested change, kept out of `message` so that concise output stays one short line."""
    fix: Fix | None = None
    """Edits that make the change (see `kerlint.fix.codemod`), when the rule can compute them."""


@dataclass(frozen=True)
class RuleContext:
    path: str
    analysis: "FileAnalysis"
    options: Mapping[str, Any]


class Rule:
    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    options: ClassVar[dict[str, Any]] = {}
    """Option name -> default value; documented under ``## Options`` in the docstring."""
    valid: ClassVar[list[str]] = []
    invalid: ClassVar[list[str]] = []
    default: ClassVar[bool] = True
    """In the default rule set; False: opt-in by `select`/`extend-select` (docs/precision.md gives the evidence)."""
    emitted_by_engine: ClassVar[bool] = False
    """Meta rules (syntax errors, suppressions, internal errors) that no ``check`` emits."""
    fix_availability: ClassVar[Availability | None] = None
    """Whether the rule's reports carry a fix always or sometimes (its page says so); None: never."""
    emitted_by_confirm: ClassVar[bool] = False
    """Rules only ``kerlint confirm`` emits (it runs the code): their examples are programs to run, not to lint."""

    def check(self, ctx: RuleContext) -> Iterator[Report]:
        return iter(())

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")
