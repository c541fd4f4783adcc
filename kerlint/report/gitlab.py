"""GitLab Code Quality: the JSON array a CI job hands to `artifacts:reports:codequality`.

GitLab shows these issues in the merge request and compares them with the
target branch's by `fingerprint`, so the fingerprint leaves out line numbers
(the finding's, and those its message cites): a finding does not turn "new"
because code above it moved. It digests the path, code and message, and the
number of identical findings before it in the file.
Each issue has the fields GitLab requires (`description`, `check_name`,
`fingerprint`, `severity`, `location.path`, `location.lines.begin`); a notebook
finding is placed on line 1 of the notebook, its cell position in the description.
Paths are relative to the working directory: run kerlint from the project root.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from typing import Any, TextIO

from kerlint.findings import Severity
from kerlint.report.results import Located, Results
from kerlint.report.sarif import message_text

CITED_LINE = re.compile(r"\b(line|cell) \d+")
"""`(line 13)` in a message: where another part of the finding is, which moves with the code."""
SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
"""GitLab's scale is info, minor, major, critical, blocker."""


def render(results: Results, stream: TextIO) -> None:
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for item in results.located:
        identity = (item.finding.path, item.finding.code, CITED_LINE.sub(r"\1", item.message))
        issues.append(_issue(item, _fingerprint(*identity, seen[identity])))
        seen[identity] += 1
    json.dump(issues, stream, indent=2)
    stream.write("\n")


def _issue(item: Located, fingerprint: str) -> dict[str, Any]:
    finding = item.finding
    return {
        "description": message_text(item),
        "check_name": finding.code,
        "fingerprint": fingerprint,
        "severity": SEVERITIES[finding.severity],
        "location": {"path": finding.path, "lines": {"begin": item.span.line if item.cell is None else 1}},
    }


def _fingerprint(path: str, code: str, message: str, occurrence: int) -> str:
    return hashlib.sha256(f"{path}\0{code}\0{message}\0{occurrence}".encode()).hexdigest()[:32]
