"""A project's fix settings, as ruff's: `fix`, `unsafe-fixes`, `fixable`, `unfixable` in `[tool.kerlint]`."""

from __future__ import annotations

from dataclasses import dataclass


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
