"""Machine-readable output: a JSON list of findings, for tools and CI annotations.

A notebook finding has a `cell` key (the 1-based cell number) and its `line`,
`column`, `end_line` and `end_column` count within that cell; other findings
have no `cell` key. `help` is the suggested change, or null when the rule has
none (as ruff's `fix` is null).
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from kerlint.report.results import Located, Results


def render(results: Results, stream: TextIO) -> None:
    json.dump([record(item) for item in results.located], stream, indent=2)
    stream.write("\n")


def record(item: Located) -> dict[str, Any]:
    """The finding's JSON object with its user-facing position; shared with json-lines."""
    fields = {**item.finding.to_json(), "message": item.message}
    if item.cell is not None:
        span = item.span
        fields.update(cell=item.cell, line=span.line, column=span.column, end_line=span.end_line, end_column=span.end_column)
    return fields
