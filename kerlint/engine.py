"""The one per-file pipeline: source -> parse -> interpret -> rules -> suppressions.

The CLI, the cost report, the pylint plugin and the tests all go through
``analyze_source``; there is no second way to analyze a file. ``analyze_bytes``
is the way in for a file's raw bytes (from disk or stdin): it prefilters,
decodes, and turns a notebook into the one program that ``analyze_source`` reads.
``analyze_files`` runs that same pipeline over files: results from the
content-hash cache where they are still valid, the rest in worker processes
(``kerlint.pool``) that call ``analyze_bytes`` under the per-file limits of
``kerlint.limits`` and send back only what the command needs (``extract``).
Every entry point that analyzes user files (the CLI's commands, standard input,
the pylint plugin) goes through ``analyze_files``: the process that reports
parses no user file before a worker has analyzed it within the limits, so no
file can crash, hang or exhaust it.
"""

from __future__ import annotations

import os
import json
import re
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from kerlint.config import Settings
from kerlint.files import SourceError, decode_source, digest, might_build_keras_models, read_file
from kerlint.findings import Finding, Span
from kerlint.limits import RULE as RESOURCE_LIMIT
from kerlint.notebook import Notebook, is_notebook, read_notebook
from kerlint.rules import ALL_RULES, BY_CODE
from kerlint.rules.base import RuleContext
from kerlint.suppress import apply_suppressions, parse_suppressions

if TYPE_CHECKING:
    import libcst as cst

    from kerlint.interpret.analysis import FileAnalysis

_NUMBERED_NAME = re.compile(r"(`[A-Za-z]\w*?)_\d+`")
"""A quoted name with Keras's numbering (`dense_3`): one problem reached twice differs only there."""
_PYTHON2_HINTS = re.compile(r"^\s*(print\s+[^\s(=]|exec\s+[\"']|except\s+\w+\s*,\s*\w+\s*:)", re.MULTILINE)


@dataclass
class FileResult:
    path: str  # as shown to the user
    source: str | None
    findings: list[Finding]
    analysis: FileAnalysis | None = None
    notebook: Notebook | None = None
    """Set for a notebook, whose `source` is then its code cells as one program."""
    data: Any = None
    """What an `extract` function kept of `analysis` for its command (e.g. model costs); picklable."""
    stopped: list[tuple[int, str]] = field(default_factory=list)
    """(line, reason) where a budget stopped the analysis early, kept by the `extract` of commands that show it: what runs
    after was not analyzed (not cached)."""

    def stop_notes(self) -> list[str]:
        """``path:line: reason`` for each place the analysis stopped early (a notebook's line as its cell's)."""
        stopped = self.stopped if self.analysis is None else located_stops(self)
        return [f"{self.path}:{self.notebook.position(line) if self.notebook else line}: {reason}" for line, reason in stopped]


Extract = Callable[[FileResult], FileResult]
"""Runs where the file was analyzed (a pool worker): keeps what the command needs, picklably."""


def for_report(result: FileResult) -> FileResult:
    """What `check` needs: the findings, and the text and cells for excerpts when there are findings."""
    keep = bool(result.findings)
    return FileResult(result.path, result.source if keep else None, result.findings, None, result.notebook if keep else None)


def for_verbose_report(result: FileResult) -> FileResult:
    """What `check --verbose` needs: `for_report`'s, and where the analysis stopped early (lines in the notebook's cells)."""
    report = for_report(result)
    report.stopped = located_stops(result)
    if report.stopped:
        report.notebook = result.notebook
    return report


def located_stops(result: FileResult) -> list[tuple[int, str]]:
    """(line, reason) where a budget stopped the analysis early; located only for commands that show them (locating
    regenerates the file's code)."""
    if result.analysis is None:
        return []
    return [(result.analysis.locator.line(stop.node), stop.reason) for stop in result.analysis.stops]


def analyze_path(path: Path, display: str, settings: Settings) -> FileResult:
    """Read and analyze one file in this process, without the limits of `analyze_files` (tests, benchmarks);
    an unreadable file is KER001."""
    try:
        data = read_file(path)
    except OSError as error:
        return _file_error(display, f"cannot read file: {error.strerror or error}", settings)
    return analyze_bytes(data, display, settings)


def analyze_bytes(data: bytes, path: str, settings: Settings) -> FileResult:
    """Prefilter, decode and analyze a file's bytes; a `path` ending in `.ipynb` is read as a notebook.

    Undecodable files and broken notebooks are KER001.
    """
    if not might_build_keras_models(data, notebook=is_notebook(path)):
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
    # The parser and the interpreter are imported by the first file analyzed, not with the engine:
    # a run whose results all come from the cache never uses them (they were a third of its time).
    import libcst as cst

    from kerlint import parsing, skeleton
    from kerlint.interpret.analysis import analyze_module
    from kerlint.interpret.modules import ModuleResolver

    enabled = settings.codes_for(path)
    try:
        # CPython's parser first: it refuses what Python cannot run (200 nested brackets, expressions
        # too deep for its stack, where libcst's parser would crash) and says where, as Python does.
        tree = parsing.python_tree(source)
        resolver = ModuleResolver(path)  # shared with the interpreter: it remembers what it found on disk
        parsed = skeleton.parse(source, resolver.may_follow, tree)  # takes the only reference to `tree`
    except parsing.Unparsable as error:
        span = Span(error.line, error.column, error.end_line, error.end_column)
        return FileResult(path, source, _syntax_error(path, source, error.message, span, enabled))
    except cst.ParserSyntaxError as error:  # Python's syntax, but not libcst's
        span = Span(error.raw_line, error.raw_column + 1, error.raw_line, error.raw_column + 2)
        return FileResult(path, source, _syntax_error(path, source, error.message, span, enabled))
    except RecursionError:
        finding = _meta(path, "KER001", "file nests too deeply to parse")
        return FileResult(path, source, [finding] if "KER001" in enabled else [])
    try:
        analysis = analyze_module(parsed.module, path, deferred=parsed.deferred, resolver=resolver)
        findings = list(_run_rules(analysis, path, settings, enabled))
    except MemoryError:
        raise  # over the file's memory limit: the worker reports it (KER003)
    except RecursionError:
        return FileResult(path, source, [_meta(path, "KER000", "analysis nests too deeply (recursion limit)")])
    except Exception as error:  # a bug in kerlint must not stop the run
        return FileResult(path, source, [internal_error(path, error)])
    # `# noqa: KER902` belongs to `kerlint confirm`: a static run cannot tell whether it is used.
    checkable = frozenset(code for code in enabled if not BY_CODE[code].emitted_by_confirm)
    findings = apply_suppressions(findings, parse_suppressions(source), path, checkable)
    return FileResult(path, source, findings, analysis)


def internal_error(path: str, error: BaseException | str) -> Finding:
    """KER000 for a bug in kerlint on this file: the exception and where it was raised, or a message."""
    if isinstance(error, str):
        return _meta(path, "KER000", f"internal error: {error}")
    frames = traceback.extract_tb(error.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return _meta(path, "KER000", f"internal error: {type(error).__name__}: {error}{where}")


def _run_rules(analysis: FileAnalysis, path: str, settings: Settings, enabled: frozenset[str]):
    """Every rule's findings, each problem once: a model-building function reached from several
    places is interpreted once per path, and its rules report the same thing on each (with the
    automatic names Keras would number on: `dense` on the first path, `dense_3` on the next)."""
    reported: set[tuple] = set()
    for rule_class in ALL_RULES:
        if rule_class.emitted_by_engine or rule_class.code not in enabled:
            continue
        context = RuleContext(path, analysis, settings.options_for(rule_class.code))
        for report in rule_class().check(context):
            key = (rule_class.code, report.span, _NUMBERED_NAME.sub(r"\1`", report.message))
            if key in reported:
                continue
            reported.add(key)
            yield Finding(path, report.span, rule_class.code, rule_class.name, report.message, rule_class.severity, help=report.help, fix=report.fix)


def _file_error(path: str, message: str, settings: Settings) -> FileResult:
    """KER001 for a file that cannot be read as source, unless KER001 is off for it."""
    findings = [_meta(path, "KER001", message)] if "KER001" in settings.codes_for(path) else []
    return FileResult(path, None, findings)


def _syntax_error(path: str, source: str, message: str, span: Span, enabled: frozenset[str]) -> list[Finding]:
    if "KER001" not in enabled:
        return []
    message = f"syntax error: {message}"
    if _PYTHON2_HINTS.search(source):
        message += " (this looks like Python 2 code; kerlint reads Python 3)"
    return [_meta(path, "KER001", message, span)]


def _meta(path: str, code: str, message: str, span: Span = Span(1, 1, 1, 1)) -> Finding:
    rule = BY_CODE[code]
    return Finding(path, span, code, rule.name, message, rule.severity)


# ------------------------------------------------------------------ many files


@dataclass(frozen=True)
class Task:
    """One file to analyze: where it is, how it is shown, its settings, and its bytes when they
    do not come from `path` (standard input, an editor's buffer)."""

    path: Path
    display: str
    settings: Settings
    data: bytes | None = None


TIMINGS_VARIABLE = "KERLINT_TIMINGS"
"""When set, `analyze_files` writes {absolute path: seconds} of the files it analyzed to that file (benchmarks)."""

ONE_WORKER_BYTES = 256 * 1024
"""Up to this much source in all, one worker analyzes every file: more workers would not pay off."""

LARGE_FILE_BYTES = 64 * 1024
"""Files from this size up are sent to the workers first (they take longest)."""


def analyze_files(
    tasks: Sequence[Task],
    *,
    extract: Extract | None = for_report,
    jobs: int | None = None,
    cache: "Any | None" = None,
    standing: list[Any] | None = None,
) -> list[FileResult]:
    """Analyze `tasks` (in order) through `analyze_bytes` in worker processes, each result passed through `extract`.

    `jobs` workers (default: every core) share the work unless the input is
    small or `jobs` is 1, when one worker takes every file. With `extract`
    None (full results with their analysis, for `graph` and `confirm`), a
    file that a worker analyzed within the limits is analyzed again in this
    process: the worker has shown that it is safe to. `cache` (a
    `kerlint.cache.ResultCache`) answers for files whose content, settings and
    followed modules are unchanged, and learns the rest; it is used only with
    `extract=for_report`, whose results it can store. A file over a limit of
    `kerlint.limits` is KER003; one that crashes its worker is KER000; the run
    goes on. `standing` keeps workers between calls (see `pool.run`).
    """
    from kerlint import pool

    results: list[FileResult | None] = [None] * len(tasks)
    pending: list[tuple[int, Task, int]] = []  # (index, task, size)
    use_cache = cache is not None and extract is for_report
    for index, task in enumerate(tasks):
        if use_cache:
            hit = cache.lookup(task.path, task.settings)
            if hit is not None:
                results[index] = _from_cache(task, hit)
                continue
        if task.data is not None and not might_build_keras_models(task.data, notebook=is_notebook(task.display)):
            results[index] = FileResult(task.display, None, [])  # bytes in hand (an editor's): no worker for them
            continue
        size = len(task.data) if task.data is not None else _size(task.path)
        if size > task.settings.limits.max_file_size:
            results[index] = _over_limit(task, task.settings.limits.size_message(size))
            continue
        pending.append((index, task, size))
    if not pending:
        return _finish(results, cache if use_cache else None, None)

    timings: dict[str, float] | None = {} if os.environ.get(TIMINGS_VARIABLE) else None
    jobs = pool.default_jobs() if jobs is None else max(1, jobs)
    if len(pending) < 2 or sum(size for _, _, size in pending) <= ONE_WORKER_BYTES:
        jobs = 1
    if jobs > 1 or extract is None:
        # Once, before workers fork: they share it instead of each importing it, and this process
        # analyzes files itself with extract None. One worker imports it on its own: this process
        # then never needs it, and a smaller process forks with fewer pages to copy on write.
        _load_analysis_stack()
    # Large files first balances the workers; the rest in path order, so that files of one
    # package follow each other and find the modules they import in the worker's cache.
    pending.sort(key=lambda item: (0, -item[2]) if item[2] >= LARGE_FILE_BYTES else (1, item[0]))
    by_index = {index: task for index, task, _ in pending}
    work = [(index, task) for index, task, _ in pending]
    for index, outcome in pool.run(work, extract or for_report, jobs, standing):
        task = by_index[index]
        if isinstance(outcome, pool.Failure):
            if outcome.code == "KER000":
                results[index] = FileResult(task.display, None, [internal_error(task.display, outcome.message)])
            else:
                results[index] = _over_limit(task, outcome.message)
            continue
        if extract is None and not any(f.code in ("KER000", "KER001") for f in outcome[0].findings):
            outcome = run_task(task, None)  # within the limits, and parsable: safe to analyze here
        results[index] = _keep(task, outcome, cache if use_cache else None, timings)
    return _finish(results, cache if use_cache else None, timings)


def _finish(results: list[FileResult | None], cache: Any, timings: dict[str, float] | None) -> list[FileResult]:
    if cache is not None:
        cache.save()
    if timings is not None:
        _write_timings(timings)
    return results  # type: ignore[return-value]


def _load_analysis_stack() -> None:
    """Import what `analyze_source` imports when it first runs: the parser, the interpreter, followed modules."""
    import kerlint.followed  # noqa: F401
    import kerlint.interpret.analysis  # noqa: F401


def _over_limit(task: Task, message: str) -> FileResult:
    """KER003 for a file over a limit of `kerlint.limits`, unless KER003 is off for it."""
    enabled = RESOURCE_LIMIT in task.settings.codes_for(task.display)
    return FileResult(task.display, None, [_meta(task.display, RESOURCE_LIMIT, message)] if enabled else [])


def _keep(task: Task, outcome: tuple[FileResult, dict[str, str], str | None, float], cache: Any, timings: dict[str, float] | None) -> FileResult:
    result, deps, digest, seconds = outcome
    if timings is not None:
        timings[os.path.abspath(task.path)] = seconds
    if cache is not None and digest is not None and not any(f.code == "KER000" for f in result.findings):
        cache.store(task.path, task.settings, digest, deps, result.findings)
    return result


def run_task(task: Task, extract: Extract | None) -> tuple[FileResult, dict[str, str], str | None, float]:
    """Analyze one file: (result, {followed module: digest}, digest of its bytes or None if unreadable, seconds).

    Runs in a worker (`kerlint.pool`), or in the process that asked once a worker has analyzed the file.
    """
    from kerlint.followed import track_imports

    started = time.perf_counter()
    data = task.data
    if data is None:
        try:
            data = read_file(task.path)
        except OSError as error:
            return _file_error(task.display, f"cannot read file: {error.strerror or error}", task.settings), {}, None, 0.0
    with track_imports() as deps:
        result = analyze_bytes(data, task.display, task.settings)
    if extract is not None:
        result = extract(result)
    return result, deps, digest(data), time.perf_counter() - started


def _from_cache(task: Task, findings: list[Finding]) -> FileResult:
    """A cached result: findings under today's display path; text and cells re-read only for excerpts."""
    findings = [finding if finding.path == task.display else replace(finding, path=task.display) for finding in findings]
    if not findings:
        return FileResult(task.display, None, [])
    source = notebook = None
    try:
        data = read_file(task.path)
        if is_notebook(task.display):
            notebook = read_notebook(data)
            source = notebook.source
        else:
            source = decode_source(data)
    except (OSError, SourceError):
        pass
    return FileResult(task.display, source, findings, None, notebook)


def _write_timings(timings: dict[str, float]) -> None:
    try:
        with open(os.environ[TIMINGS_VARIABLE], "w", encoding="utf-8") as handle:
            json.dump(timings, handle)
    except OSError:
        pass


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
