"""`--statistics`: how many findings each rule has, most first, like ruff's.

As ruff's, a rule with findings `--fix` would fix is marked `[*]` (the others
`[ ]`, when any is marked); JSON rows say `fixable`.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Iterable, TextIO

from kerlint.findings import Finding


def render(findings: Iterable[Finding], stream: TextIO, as_json: bool = False) -> None:
    findings = list(findings)
    counts = Counter((finding.code, finding.name) for finding in findings)
    fixable = {finding.code for finding in findings if finding.fix is not None}
    rows = sorted(counts.items(), key=lambda row: (-row[1], row[0]))
    if as_json:
        json.dump([{"code": code, "name": name, "count": count, "fixable": code in fixable} for (code, name), count in rows], stream, indent=2)
        stream.write("\n")
        return
    width = len(str(rows[0][1])) if rows else 1
    for (code, name), count in rows:
        marker = ("[*] " if code in fixable else "[ ] ") if fixable else ""
        stream.write(f"{count:>{width}}  {code}  {marker}{name}\n")
