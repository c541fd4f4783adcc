"""A project's fix settings, as ruff's: `fix`, `unsafe-fixes`, `fixable`, `unfixable` in `[tool.kerlint]`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kerlint.fix.edit import Applicability

if TYPE_CHECKING:
    from kerlint.findings import Finding


@dataclass(frozen=True)
class FixSettings:
    fix: bool = False
    """`kerlint check` fixes as with `--fix` (`--no-fix` turns it off)."""
    unsafe_fixes: bool = False
    """Unsafe fixes count as fixable and are applied (`--no-unsafe-fixes` turns it off)."""
    fixable: frozenset[str] | None = None
    """The rules whose fixes may be applied; None: every rule."""
    unfixable: frozenset[str] = frozenset()
    """Rules whose fixes are never applied, whatever `fixable` says."""

    def allows(self, code: str) -> bool:
        return (self.fixable is None or code in self.fixable) and code not in self.unfixable

    def applies(self, finding: Finding) -> bool:
        """Is the finding's fix one to apply (and to mark `[*]`)?"""
        return finding.fix is not None and self.allows(finding.code) and finding.fix.applies(self.unsafe_fixes)

    def hidden(self, finding: Finding) -> bool:
        """Is the finding's fix one that only `--unsafe-fixes` would apply?"""
        unsafe = finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
        return unsafe and not self.unsafe_fixes and self.allows(finding.code)
