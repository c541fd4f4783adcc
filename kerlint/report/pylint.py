"""pylint's text format, and how kerlint's rules are named as pylint messages.

`path:line:column: E9301: message (kerlint-incompatible-shared-layer)`: the
lines pylint itself prints for kerlint's findings through `kerlint.pylint_plugin`
(which takes its message ids and symbols from here), columns 0-based as pylint's
are. Tools that parse pylint's output read kerlint's the same way. They expect
`path:line:column`, and a notebook's lines are lines of its cells, not of the
JSON file, so a notebook finding is placed at `1:0` of the notebook and its
message starts with the cell position (`cell 5:line 2:col 10: ...`), as ruff
does for notebooks in this format.
"""

from __future__ import annotations

from typing import TextIO

from kerlint.findings import Severity
from kerlint.report.results import Results
from kerlint.rules import BY_CODE
from kerlint.rules.base import Rule

CATEGORIES = {Severity.ERROR: "E", Severity.WARNING: "W", Severity.INFO: "I"}


def message_id(rule: type[Rule]) -> str:
    """pylint's id for a rule: its category letter, then 9 and the code's digits (KER301 -> E9301).

    Message ids 9xxx are free for plugins, and the digits keep the mapping
    deterministic as rules are added.
    """
    return CATEGORIES[rule.severity] + "9" + rule.code.removeprefix("KER")


def symbol(rule: type[Rule]) -> str:
    return f"kerlint-{rule.name}"


def render(results: Results, stream: TextIO) -> None:
    for item in results.located:
        rule = BY_CODE[item.finding.code]
        if item.cell is None:
            where, message = item.where(column_base=0), item.message
        else:
            where, message = f"{item.finding.path}:1:0", f"{item.position()}: {item.message}"
        stream.write(f"{where}: {message_id(rule)}: {with_help(message, item.finding.help)} ({symbol(rule)})\n")


def with_help(message: str, suggestion: str | None) -> str:
    """The message, then the suggested change as a second sentence: pylint has one text per message."""
    return message if suggestion is None else f"{message}. {suggestion}"
