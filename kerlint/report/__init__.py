"""Output formats by name; each is `render(results, stream)`.

`render` puts the findings in report order and maps notebook findings to their
cells (see `results`), so a format only decides how a finding is printed.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, TextIO

from kerlint.findings import Finding
from kerlint.notebook import Notebook
from kerlint.report import concise, full, github, json, json_lines, junit, pylint, sarif
from kerlint.report.results import Results, collect

Renderer = Callable[[Results, TextIO], None]

FORMATS: dict[str, Renderer] = {
    "full": full.render,
    "concise": concise.render,
    "json": json.render,
    "json-lines": json_lines.render,
    "github": github.render,
    "sarif": sarif.render,
    "pylint": pylint.render,
    "junit": junit.render,
}


def render(
    format_name: str,
    findings: Iterable[Finding],
    sources: Mapping[str, str],
    stream: TextIO,
    *,
    notebooks: Mapping[str, Notebook] | None = None,
    files: Iterable[str] = (),
) -> None:
    """Write `findings` in the named format.

    `sources` maps a path to the text that was analyzed, for excerpts (a path may
    be missing, e.g. an unreadable file: formats print what they can);
    `notebooks` maps the paths of notebooks to their cells.
    """
    try:
        renderer = FORMATS[format_name]
    except KeyError:
        raise ValueError(f"unknown output format {format_name!r} (allowed: {', '.join(FORMATS)})") from None
    renderer(collect(findings, sources, notebooks or {}, files), stream)
