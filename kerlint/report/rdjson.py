"""Reviewdog Diagnostic Format (rdjson): `reviewdog -f=rdjson` turns it into review comments.

One `DiagnosticResult` object: the source (kerlint), then a diagnostic per
finding with its message, location, severity and rule code. Reviewdog's
columns count UTF-8 bytes, not characters, so columns on the finding's first
line are converted from its source text (an end on a later line keeps
kerlint's column: only the first line's text is at hand). A notebook
finding has no range (its lines are cell lines, not lines of the notebook
file); its message starts with the cell position.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from kerlint.findings import Severity
from kerlint.report.results import Located, Results
from kerlint.report.sarif import INFORMATION_URI, message_text

SEVERITIES = {Severity.ERROR: "ERROR", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}


def render(results: Results, stream: TextIO) -> None:
    result = {
        "source": {"name": "kerlint", "url": INFORMATION_URI},
        "diagnostics": [_diagnostic(item) for item in results.located],
    }
    json.dump(result, stream, indent=2)
    stream.write("\n")


def _diagnostic(item: Located) -> dict[str, Any]:
    finding = item.finding
    location: dict[str, Any] = {"path": finding.path}
    if item.cell is None:
        span = item.span
        end_column = _byte_column(item.text, span.end_column) if span.end_line == span.line else span.end_column
        location["range"] = {
            "start": {"line": span.line, "column": _byte_column(item.text, span.column)},
            "end": {"line": span.end_line, "column": end_column},
        }
    return {
        "message": message_text(item),
        "location": location,
        "severity": SEVERITIES[finding.severity],
        "code": {"value": finding.code},
    }


def _byte_column(text: str | None, column: int) -> int:
    """1-based character column -> 1-based UTF-8 byte column on `text` (unchanged when the text is unknown)."""
    if text is None:
        return column
    return len(text[: column - 1].encode("utf-8", errors="surrogatepass")) + max(column - 1 - len(text), 0) + 1
