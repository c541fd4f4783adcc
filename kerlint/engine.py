"""The one per-file pipeline: source -> parse -> interpret -> rules -> suppressions.

The CLI, the cost report, the pylint plugin and the tests all go through
``analyze_source``; there is no second way to analyze a file. ``analyze_bytes``
is the way in for a file's raw bytes (from disk or stdin): it prefilters,
decodes, and turns a notebook into the one program that ``analyze_source`` reads.
"""

from __future__ import annotations

import re
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

import libcst as cst

from kerlint.config import Settings
from kerlint.files import SourceError, decode_source, might_contain_keras
from kerlint.findings import Finding, Span
from kerlint.interpret.analysis import FileAnalysis, analyze_module
from kerlint.notebook import Notebook, is_notebook, read_notebook
from kerlint.rules import ALL_RULES, BY_CODE
from kerlint.rules.base import RuleContext
from kerlint.suppress import apply_suppressions, parse_suppressions

_PYTHON2_HINTS = re.compile(r"^\s*(print\s+[^\s(=]|exec\s+[\"']|except\s+\w+\s*,\s*\w+\s*:)", re.MULTILINE)


@dataclass
class FileResult:
    path: str  # as shown to the user
    source: str | None
    findings: list[Finding]
    analysis: FileAnalysis | None = None
    notebook: Notebook | None = None
    """Set for a notebook, whose `source` is then its code cells as one program."""


def analyze_path(path: Path, display: str, settings: Settings) -> FileResult:
    """Read and analyze one file; an unreadable file is KER001."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return _file_error(display, f"cannot read file: {error.strerror or error}", settings)
    return analyze_bytes(data, display, settings)


def analyze_bytes(data: bytes, path: str, settings: Settings) -> FileResult:
    """Prefilter, decode and analyze a file's bytes; a `path` ending in `.ipynb` is read as a notebook.

    Undecodable files and broken notebooks are KER001.
    """
    if not might_contain_keras(data):
        return FileResult(path, None, [])
    try:
        if is_notebook(path):
            notebook = read_notebook(data)
            return replace(analyze_source(notebook.source, path, settings), notebook=notebook)
        source = decode_source(data)
    except SourceError as error:
        return _file_error(path, str(error), settings)
    return analyze_source(source, path, settings)


def analyze_source(source: str, path: str, settings: Settings) -> FileResult:
    enabled = settings.codes_for(path)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return FileResult(path, source, _syntax_error(path, source, error, enabled))
    except RecursionError:
        finding = _meta(path, "KER001", "file nests too deeply to parse")
        return FileResult(path, source, [finding] if "KER001" in enabled else [])
    try:
        analysis = analyze_module(module, path)
        findings = list(_run_rules(analysis, path, settings, enabled))
    except RecursionError:
        return FileResult(path, source, [_meta(path, "KER000", "analysis nests too deeply (recursion limit)")])
    except Exception as error:  # a bug in kerlint must not stop the run
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = f"internal error: {type(error).__name__}: {error} (at {Path(where.filename).name}:{where.lineno})"
        return FileResult(path, source, [_meta(path, "KER000", message)])
    findings = apply_suppressions(findings, parse_suppressions(source), path, enabled)
    return FileResult(path, source, findings, analysis)


def _run_rules(analysis: FileAnalysis, path: str, settings: Settings, enabled: frozenset[str]):
    for rule_class in ALL_RULES:
        if rule_class.emitted_by_engine or rule_class.code not in enabled:
            continue
        context = RuleContext(path, analysis, settings.options_for(rule_class.code))
        for report in rule_class().check(context):
            yield Finding(path, report.span, rule_class.code, rule_class.name, report.message, rule_class.severity)


def _file_error(path: str, message: str, settings: Settings) -> FileResult:
    """KER001 for a file that cannot be read as source, unless KER001 is off for it."""
    findings = [_meta(path, "KER001", message)] if "KER001" in settings.codes_for(path) else []
    return FileResult(path, None, findings)


def _syntax_error(path: str, source: str, error: cst.ParserSyntaxError, enabled: frozenset[str]) -> list[Finding]:
    if "KER001" not in enabled:
        return []
    message = f"syntax error: {error.message}"
    if _PYTHON2_HINTS.search(source):
        message += " (this looks like Python 2 code; kerlint reads Python 3)"
    line, column = error.raw_line, error.raw_column + 1
    return [_meta(path, "KER001", message, Span(line, column, line, column + 1))]


def _meta(path: str, code: str, message: str, span: Span = Span(1, 1, 1, 1)) -> Finding:
    rule = BY_CODE[code]
    return Finding(path, span, code, rule.name, message, rule.severity)
