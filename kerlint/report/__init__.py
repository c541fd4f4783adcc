"""Output formats by name; each is `render(findings, sources, stream)`.

`sources` maps a finding's path to the file's text, for excerpts; a path may be
missing (e.g. an unreadable file), and the formats then print what they can.
"""

from __future__ import annotations

from typing import Callable, Mapping, TextIO

from kerlint.findings import Finding
from kerlint.report import concise, full, json

Renderer = Callable[[list[Finding], Mapping[str, str], TextIO], None]

FORMATS: dict[str, Renderer] = {
    "full": full.render,
    "concise": concise.render,
    "json": json.render,
}


def render(format_name: str, findings: list[Finding], sources: Mapping[str, str], stream: TextIO) -> None:
    try:
        renderer = FORMATS[format_name]
    except KeyError:
        raise ValueError(f"unknown output format {format_name!r} (allowed: {', '.join(FORMATS)})") from None
    renderer(findings, sources, stream)
