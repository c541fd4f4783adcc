"""`--statistics`: how many findings each rule has, most first, like ruff's."""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable, TextIO

from kerlint.findings import Finding


def render(findings: Iterable[Finding], stream: TextIO, as_json: bool = False) -> None:
    counts = Counter((finding.code, finding.name) for finding in findings)
    rows = sorted(counts.items(), key=lambda row: (-row[1], row[0]))
    if as_json:
        json.dump([{"code": code, "name": name, "count": count} for (code, name), count in rows], stream, indent=2)
        stream.write("\n")
        return
    width = len(str(rows[0][1])) if rows else 1
    for (code, name), count in rows:
        stream.write(f"{count:>{width}}  {code}  {name}\n")
