"""Machine-readable output: a JSON list of findings, for tools and CI annotations."""

from __future__ import annotations

import json
from typing import Mapping, TextIO

from kerlint.findings import Finding


def render(findings: list[Finding], sources: Mapping[str, str], stream: TextIO) -> None:
    ordered = sorted(findings, key=lambda finding: finding.sort_key)
    json.dump([finding.to_json() for finding in ordered], stream, indent=2)
    stream.write("\n")
