"""One JSON object per line, the `json` format's records: streams well into `jq` and log pipelines."""

from __future__ import annotations

import json
from typing import TextIO

from kerlint.report.json import record
from kerlint.report.results import Results


def render(results: Results, stream: TextIO) -> None:
    for item in results.located:
        stream.write(json.dumps(record(item)) + "\n")
