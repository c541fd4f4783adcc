"""A finding: one problem at one place, what every reporter prints."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kerlint.fix.edit import Fix


class Severity(str, enum.Enum):
    ERROR = "error"  # Keras would raise, or the model cannot learn
    WARNING = "warning"  # wasteful or risky, but runs
    INFO = "info"


@dataclass(frozen=True, order=True)
class Span:
    """1-based line and column, end inclusive of line, exclusive of column."""

    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Finding:
    path: str
    span: Span
    code: str
    name: str
    message: str
    severity: Severity
    help: str | None = None
    """The suggested change (`help:` under the finding); the message says what is wrong."""
    fix: Fix | None = None
    """Edits that make the suggested change (`kerlint.fix`); None when the rule cannot fix this one."""

    @property
    def sort_key(self) -> tuple:
        return (self.path, self.span, self.code)

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "message": self.message,
            "help": self.help,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
        }
