"""SARIF 2.1.0, the format of GitHub code scanning and other static-analysis dashboards.

The log carries every registered rule with its documentation (shown as the
alert's help), and each result points at its file relative to `%SRCROOT%`, the
working directory, so that code scanning resolves it against the checkout.
Columns count Unicode code points, as kerlint's do (`columnKind`).

A notebook result's region counts lines within its cell; the cell number is
in the location's `properties.cell`, and the message starts with
`cell 3:line 4:col 10:` since viewers show regions against the notebook's JSON.
A finding's suggested change follows its message on a `help:` line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from kerlint import __version__
from kerlint.findings import Severity
from kerlint.report.results import Located, Results
from kerlint.rules import ALL_RULES
from kerlint.rules.base import Rule

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/kerlint/kerlint"
SRCROOT = "%SRCROOT%"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
_WHAT_IT_DOES = re.compile(r"^## What it does\s*\n(.*?)(?=^## |\Z)", re.MULTILINE | re.DOTALL)


def render(results: Results, stream: TextIO) -> None:
    rule_index = {rule.code: index for index, rule in enumerate(ALL_RULES)}
    run = {
        "tool": {
            "driver": {
                "name": "kerlint",
                "version": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in ALL_RULES],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_result(item, rule_index[item.finding.code]) for item in results.located],
    }
    json.dump({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, stream, indent=2)
    stream.write("\n")


def _rule(rule: type[Rule]) -> dict[str, Any]:
    documentation = rule.documentation()
    what = _WHAT_IT_DOES.search(documentation)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(what[1].split()) if what else rule.summary},
        "help": {"text": documentation, "markdown": documentation},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _result(item: Located, rule_index: int) -> dict[str, Any]:
    finding, span = item.finding, item.span
    location: dict[str, Any] = {
        "physicalLocation": {
            "artifactLocation": _artifact(finding.path),
            "region": {
                "startLine": span.line,
                "startColumn": span.column,
                "endLine": span.end_line,
                "endColumn": span.end_column,
            },
        }
    }
    if item.cell is not None:
        location["properties"] = {"cell": item.cell}
    return {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": message_text(item)},
        "locations": [location],
    }


def message_text(item: Located) -> str:
    """The message of a format with one text per finding: the headline, then `help: ...` on its own line.

    A notebook finding's message starts with its cell position, since such
    formats place it on the notebook file. Shared with the gitlab and rdjson formats.
    """
    text = item.message if item.cell is None else f"{item.position()}: {item.message}"
    return text if item.finding.help is None else f"{text}\nhelp: {item.finding.help}"


def _artifact(path: str) -> dict[str, str]:
    """Relative paths against `%SRCROOT%` (portable across checkouts); absolute ones as file URIs."""
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(Path(path).as_posix()), "uriBaseId": SRCROOT}
