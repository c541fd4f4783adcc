"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

`::error file=F,line=L,col=C,endLine=...,endColumn=...,title=T::message`, escaped
as the actions toolkit does (`%`, CR and LF in the message; also `:` and `,` in
properties). A notebook finding is annotated on the notebook file without a line
(its lines are cell lines, not lines of the JSON file GitHub shows), and its
message starts with `cell 3:line 4:col 10:`.
"""

from __future__ import annotations

from typing import TextIO

from kerlint.findings import Severity
from kerlint.report.results import Results

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render(results: Results, stream: TextIO) -> None:
    for item in results.located:
        finding, span = item.finding, item.span
        properties = {"file": finding.path}
        message = item.message
        if item.cell is None:
            properties.update(line=span.line, col=span.column, endLine=span.end_line, endColumn=span.end_column)
        else:
            message = f"{item.position()}: {message}"
        properties["title"] = f"{finding.code} {finding.name}"
        listed = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
        if finding.help is not None:
            message += f"\nhelp: {finding.help}"
        stream.write(f"::{COMMANDS[finding.severity]} {listed}::{escape_data(message)}\n")


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
