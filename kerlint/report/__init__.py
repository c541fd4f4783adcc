"""Output formats by name; each is `render(results, stream)`.

`render` puts the findings in report order, maps notebook findings to their
cells and, for the formats written as text, escapes the control characters of
what users wrote (see `results`), so a format only decides how a finding is printed.
"""

from __future__ import annotations

from typing import Callable, Iterable, Mapping, TextIO

from kerlint.findings import Finding
from kerlint.notebook import Notebook
from kerlint.color import PLAIN, Palette
from kerlint.report import concise, full, github, gitlab, json, json_lines, junit, pylint, rdjson, sarif
from kerlint.report.results import Results, collect, printable_results

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
    "gitlab": gitlab.render,
    "rdjson": rdjson.render,
}
AS_TEXT = frozenset({"full", "concise", "pylint", "github", "junit"})
"""Formats whose findings are written as text (not through a JSON encoder): they get `printable_results`."""
FOR_PEOPLE = frozenset({"full", "concise"})
"""Formats read on a terminal: they take a palette (colour) and end with a summary line."""


def render(
    format_name: str,
    findings: Iterable[Finding],
    sources: Mapping[str, str],
    stream: TextIO,
    *,
    notebooks: Mapping[str, Notebook] | None = None,
    files: Iterable[str] = (),
    palette: Palette = PLAIN,
    summary: bool = True,
) -> None:
    """Write `findings` in the named format.

    `sources` maps a path to the text that was analyzed, for excerpts (a path may
    be missing, e.g. an unreadable file: formats print what they can);
    `notebooks` maps the paths of notebooks to their cells. `palette` and
    `summary` (the closing count) concern only the formats for people.
    """
    try:
        renderer = FORMATS[format_name]
    except KeyError:
        raise ValueError(f"unknown output format {format_name!r} (allowed: {', '.join(FORMATS)})") from None
    styling = {"palette": palette, "summary": summary} if format_name in FOR_PEOPLE else {}
    results = collect(findings, sources, notebooks or {}, files)
    renderer(printable_results(results) if format_name in AS_TEXT else results, stream, **styling)
