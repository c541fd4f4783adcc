"""Command line: ``kerlint [check] PATH...``, ``kerlint rule``, ``kerlint cost``, ``kerlint graph``.

Exit codes follow ruff: 0 clean, 1 findings, 2 usage, configuration or
internal error. Nothing here imports TensorFlow or Keras.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import fnmatch
import functools
import os
import sys
import traceback
from pathlib import Path
from typing import Callable, Iterator, Sequence, TextIO

from kerlint import __version__, confirm
from kerlint.color import COLORED, MODES, PLAIN, use_color
from kerlint.config import FAIL_ON, ConfigError, Settings, find_pyproject, has_kerlint_table, load_settings
from kerlint.cost import model_costs
from kerlint.engine import FileResult, Task, analyze_files, for_report, for_verbose_report, located_stops
from kerlint.files import PathError, discover, is_force_excluded
from kerlint.findings import Severity
from kerlint.fix import command as fixes
from kerlint.fix.noqa import add_noqa
from kerlint.report import FOR_PEOPLE, FORMATS, render, show_settings, statistics
from kerlint.memory import OPTIMIZER_NAMES, PRECISIONS
from kerlint.report import cost_table, graph_render
from kerlint.rules import ALL_RULES, rule_for
from kerlint.rules.docs import render_page, rule_set

COMMANDS = ("check", "rule", "cost", "graph", "confirm")
EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT, what a shell reports for a command stopped with Ctrl-C."""
VERBOSE_FLAGS = frozenset({"-v", "--verbose"})
STDIN = Path("-")
OUTPUT_FORMAT_VARIABLE = "KERLINT_OUTPUT_FORMAT"


class UsageError(Exception):
    """A command line that cannot be carried out; shown as is, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kerlint", description="Static analyzer and linter for Keras model code.")
    parser.add_argument("--version", action="version", version=f"kerlint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint files (the default command)")
    _add_selection_arguments(check)
    check.add_argument("--output-format", choices=list(FORMATS), help=f"how findings are printed (default: ${OUTPUT_FORMAT_VARIABLE}, else full)")
    check.add_argument("-o", "--output-file", type=Path, help="write the report to this file instead of standard output")
    check.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    check.add_argument("-e", "--exit-zero", action="store_true", help="exit 0 even when there are findings")
    check.add_argument("--fail-on", choices=FAIL_ON, help="the least severe finding that fails the run; error: warnings are printed but exit 0 (default: fail-on in [tool.kerlint], else warning)")
    check.add_argument("--color", choices=MODES, default="auto", help="colour the full and concise formats: auto (default: on a terminal, unless $NO_COLOR; $FORCE_COLOR forces it), always or never")
    verbosity = check.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="print the findings only, without the summary line")
    verbosity.add_argument("-s", "--silent", action="store_true", help="print nothing: the exit code tells")
    check.add_argument("-w", "--watch", action="store_true", help="check again whenever a file under the paths changes (Ctrl-C stops)")
    fixes.add_arguments(check)

    rule = commands.add_parser("rule", help="explain a rule")
    rule.add_argument("rule", nargs="?", help="a rule code (KER101) or name (unshared-duplicate-layer)")
    rule.add_argument("--all", action="store_true", help="list every rule")

    cost = commands.add_parser("cost", help="per-model table of shapes, parameters, FLOPs and memory, computed statically")
    _add_selection_arguments(cost)
    cost.add_argument("--format", choices=cost_table.FORMATS, default="table", help="table (default), markdown (for pull-request comments) or json")
    cost.add_argument("--batch-size", type=_positive_int, default=1, help="batch size for FLOPs and memory (default: 1)")
    cost.add_argument("--dtype", choices=list(PRECISIONS), default="float32", help="dtype policy for memory (default: float32)")
    cost.add_argument("--optimizer", choices=OPTIMIZER_NAMES, help="optimizer for the training-memory estimate (default: the model's compile(), else adam)")
    cost.add_argument("--diff", metavar="REV", help="compare every model with the git revision REV (branch, tag or commit): parameters, FLOPs, training memory, changed layers")
    cost.add_argument("--fail-on-increase", metavar="LIMIT", help='with --diff: exit 1 when a model\'s parameters, FLOPs or training memory grow more than LIMIT ("5%%", or "params=5%%,flops=10%%"; default: fail-on-increase in [tool.kerlint])')
    cost.add_argument("--mermaid", action="store_true", help="with --diff --format markdown: draw each changed model in Mermaid, changed layers highlighted")

    graph = commands.add_parser("graph", help="draw the static layer graph (Mermaid or Graphviz DOT), findings highlighted")
    _add_selection_arguments(graph)
    graph.add_argument("--format", choices=graph_render.FORMATS, default="mermaid", help="mermaid (default; renders in GitHub Markdown) or dot (Graphviz)")
    graph.add_argument("--model", metavar="NAME", help="only models whose name matches NAME (a glob)")
    graph.add_argument("--output-file", type=Path, help="write the picture to this file instead of standard output")

    confirm_parser = commands.add_parser(
        "confirm", help="instantiate the models with TensorFlow/Keras (runs your code) and check the static estimates"
    )
    confirm.add_arguments(confirm_parser)
    for command in commands.choices.values():
        command.add_argument("-v", "--verbose", action="store_true", help="show the traceback when kerlint fails, and where a file's analysis stopped early (files are analyzed anew)")
    return parser


def _add_selection_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .); - reads standard input")
    config = parser.add_mutually_exclusive_group()
    config.add_argument("--config", type=Path, help="use this pyproject.toml instead of discovering one per file")
    config.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.add_argument("--stdin-filename", type=Path, help="the path of the file read from standard input: its name in the report, and where its configuration is looked up")
    parser.add_argument("--show-settings", action="store_true", help="print the settings resolved for the first path, and exit")
    parser.add_argument("--select", type=_csv, help="comma-separated rule codes, prefixes or names to enable")
    parser.add_argument("--extend-select", type=_csv, help="rules to enable on top of the selection")
    parser.add_argument("--ignore", type=_csv, help="rules to disable")
    parser.add_argument("--exclude", type=_csv, default=[], help="extra glob patterns of paths to skip")
    parser.add_argument("--force-exclude", action="store_true", help="apply excludes to paths given explicitly too")
    parser.add_argument("--jobs", "-j", type=_positive_int, help="worker processes (default: every core; small inputs use one)")
    parser.add_argument("-n", "--no-cache", action="store_true", help="neither read nor write the cache of results")
    parser.add_argument("--cache-dir", type=Path, help="where the cache lives (default: $KERLINT_CACHE_DIR, else .kerlint_cache in the project root)")


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return number


def _csv(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    """The `kerlint` command: every failure ends in one line on standard error and an exit code.

    A crash is exit 2 with `kerlint: error: <reason>` (the traceback only with
    --verbose), so CI never mistakes it for findings (1); Ctrl-C is 130, as
    shells report it; a reader that stops early (`| head`) ends the run quietly.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        return _main(argv)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Python's advice (docs: signal, "Note on SIGPIPE"): point stdout at devnull so that
        # flushing it at exit does not raise again, and exit 1 (a shell reports the reader's status).
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FINDINGS
    except Exception as error:  # a bug in kerlint, or the system failing under it
        verbose = bool(VERBOSE_FLAGS.intersection(argv))
        hint = "" if verbose else " (run again with --verbose for the traceback)"
        print(f"kerlint: error: {_one_line(error)}{hint}", file=sys.stderr)
        if verbose:
            traceback.print_exc()
        return EXIT_ERROR


def _one_line(error: BaseException) -> str:
    """`PermissionError: [Errno 13] Permission denied: 'x'`: the exception's type and message, on one line."""
    return " ".join(f"{type(error).__name__}: {error}".split())


def _main(argv: list[str]) -> int:
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "check")
    args = build_parser().parse_args(argv)
    if args.command != "rule" and not args.paths:
        args.paths = [STDIN if args.stdin_filename else Path(".")]
    try:
        if args.command == "rule":
            return run_rule(args)
        settings_for = _settings_resolver(args)
        if args.show_settings:
            return run_show_settings(args, settings_for)
        if args.command == "check" and args.watch:
            return _check_and_watch(args)
        results = _analyze(args, settings_for)
        if args.command == "confirm":
            return confirm.run(args, results, settings_for)
        if args.command == "cost":
            return run_cost(args, results, settings_for)
        if args.command == "graph":
            return run_graph(args, results)
        return run_check(args, results, settings_for)
    except (ConfigError, UsageError, PathError) as error:
        print(f"kerlint: error: {error}", file=sys.stderr)
        return EXIT_ERROR


def run_check(args: argparse.Namespace, results: list[FileResult], settings_for: Callable[[Path], Settings]) -> int:
    project = settings_for(Path.cwd())
    fixing = not args.add_noqa and fixes.requested(args, project)
    if args.add_noqa or fixing:
        if STDIN in args.paths:
            raise UsageError("--fix, --diff and --add-noqa do not read standard input")
        if args.add_noqa:
            if args.fix or args.diff:
                raise UsageError("--add-noqa cannot be combined with --fix or --diff")
            return add_noqa(results)
        results = fixes.fix_results(args, results, settings_for)
        if args.diff:
            return fixes.write_diff(results, sys.stdout)
    findings = fixes.shown(args, project, [finding for result in results for finding in result.findings])
    output_format = _output_format(args)
    with _output(None if args.silent else args.output_file) as stream:
        if args.silent:
            pass
        elif args.statistics:
            statistics.render(findings, stream, as_json=output_format in ("json", "json-lines"))
        else:
            sources = {result.path: result.source for result in results if result.source is not None}
            notebooks = {result.path: result.notebook for result in results if result.notebook is not None}
            files = [result.path for result in results]
            palette = COLORED if use_color(args.color, stream) else PLAIN
            render(output_format, findings, sources, stream, notebooks=notebooks, files=files, palette=palette, summary=not args.quiet and not fixing)
            if output_format in FOR_PEOPLE and not args.quiet:
                stream.write(fixes.summary(args, project, results))
    if args.verbose:
        _report_stops(results)
    if any(finding.code == "KER000" for finding in findings):
        return EXIT_ERROR
    fail_on = args.fail_on or project.fail_on
    failing = [finding for finding in findings if fail_on == "warning" or finding.severity is Severity.ERROR]
    return EXIT_FINDINGS if failing and not args.exit_zero else EXIT_CLEAN


def _output_format(args: argparse.Namespace) -> str:
    """`--output-format`, else $KERLINT_OUTPUT_FORMAT (as ruff reads RUFF_OUTPUT_FORMAT), else full."""
    if args.output_format is not None:
        return args.output_format
    configured = os.environ.get(OUTPUT_FORMAT_VARIABLE) or "full"
    if configured not in FORMATS:
        raise UsageError(f"${OUTPUT_FORMAT_VARIABLE}: unknown output format {configured!r} (allowed: {', '.join(FORMATS)})")
    return configured


def _check_and_watch(args: argparse.Namespace) -> int:
    """`check --watch`: each round resolves the settings again, so edits to pyproject.toml count too."""
    from kerlint.watch import watch

    if STDIN in args.paths:
        raise UsageError("--watch checks files and directories, not standard input")

    def check_once() -> int:
        try:
            settings_for = _settings_resolver(args)
            return run_check(args, _analyze(args, settings_for), settings_for)
        except (ConfigError, UsageError) as error:
            print(f"kerlint: error: {error}", file=sys.stderr)
            return EXIT_ERROR

    return watch(check_once, [path for path in args.paths if path != STDIN], sys.stdout)


def run_show_settings(args: argparse.Namespace, settings_for: Callable[[Path], Settings]) -> int:
    path = (args.stdin_filename or STDIN) if args.paths[0] == STDIN else args.paths[0]
    show_settings.render(_display(path), fixes.with_command_line(args, settings_for(path)), sys.stdout)
    return EXIT_CLEAN


def run_cost(args: argparse.Namespace, results: list[FileResult], settings_for: Callable[[Path], Settings]) -> int:
    models = [
        cost
        for result in results
        for cost in (
            result.data if result.data is not None
            else model_costs(result.analysis, args.batch_size, args.dtype, args.optimizer) if result.analysis is not None
            else []
        )
    ]
    if args.diff is not None:
        return _run_cost_diff(args, models, results, settings_for)
    if args.fail_on_increase is not None or args.mermaid:
        raise UsageError("--fail-on-increase and --mermaid compare with a revision: add --diff REV")
    cost_table.render(args.format, models, sys.stdout, notebooks={r.path: r.notebook for r in results if r.notebook is not None})
    _report_stops(results)
    return _report_file_errors(results)


def _run_cost_diff(args: argparse.Namespace, models: list, results: list[FileResult], settings_for: Callable[[Path], Settings]) -> int:
    """`cost --diff REV` (kerlint.cost_diff): the revision's files go through this command's own analysis."""
    from kerlint import cost_diff

    def analyze(paths: list[Path], settings: Callable[[Path], Settings]) -> list[FileResult]:
        return _analyze(argparse.Namespace(**{**vars(args), "paths": paths, "mermaid": False}), settings)

    try:
        exceeded = cost_diff.run(args, models, results, settings_for, analyze, _display, sys.stdout, sys.stderr)
    except cost_diff.DiffError as error:
        raise UsageError(str(error)) from None
    return _report_file_errors(results) or (EXIT_FINDINGS if exceeded else EXIT_CLEAN)


def run_graph(args: argparse.Namespace, results: list[FileResult]) -> int:
    pictures = []
    for result in results:
        if result.analysis is None:
            continue
        models = [m for m in result.analysis.models if args.model is None or fnmatch.fnmatchcase(m.name, args.model)]
        start = sum(len(p.nodes) for p in pictures)
        pictures += graph_render.pictures(result.analysis, result.findings, models, start=start, notebook=result.notebook)
    if not pictures:
        _report_file_errors(results)  # a file that could not be analyzed may be why
        which = f" named {args.model!r}" if args.model else ""
        raise UsageError(f"no model{which} found in {', '.join(str(p) for p in args.paths)}")
    with _output(args.output_file) as stream:
        warning = graph_render.render(args.format, pictures, stream)
    if warning:
        print(f"kerlint: warning: {warning}", file=sys.stderr)
    return _report_file_errors(results)


def _report_stops(results: list[FileResult]) -> None:
    """Files whose analysis a budget stopped early, and where, on standard error: models after that point are not seen."""
    for result in results:
        for note in result.stop_notes():
            print(f"kerlint: note: {note}", file=sys.stderr)


def _report_file_errors(results: list[FileResult]) -> int:
    """Files that could not be analyzed (KER000, KER001, KER003) go to standard error; exit 2 if any."""
    errors = [f for result in results for f in result.findings if f.code in ("KER000", "KER001", "KER003")]
    for finding in errors:
        print(f"{finding.path}:{finding.span.line}:{finding.span.column}: {finding.code} {finding.message}", file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_CLEAN


def run_rule(args: argparse.Namespace) -> int:
    if args.rule is None and not args.all:
        raise UsageError("rule: name a rule (a code like KER101 or a name like unshared-duplicate-layer), or --all to list them")
    if args.all:
        for rule in ALL_RULES:
            print(f"{rule.code}  {rule.name:<36} {rule.severity.value:<8} {rule_set(rule):<8} {rule.summary}")
        return EXIT_CLEAN
    rule = rule_for(args.rule)
    if rule is None:
        known = ", ".join(r.code for r in ALL_RULES)
        print(f"kerlint: error: unknown rule {args.rule!r} (known: {known})", file=sys.stderr)
        return EXIT_ERROR
    print(render_page(rule), end="")
    return EXIT_CLEAN


def _settings_resolver(args: argparse.Namespace) -> Callable[[Path], Settings]:
    """Settings per path: from the nearest pyproject.toml, or one set for all with --config or --isolated."""
    overrides = dict(select=args.select, extend_select=args.extend_select, ignore=args.ignore, extra_exclude=args.exclude)
    if args.config is not None or args.isolated:
        if args.config is not None and not args.config.is_file():
            raise UsageError(f"--config: no such file: {args.config}")
        if args.config is not None and not has_kerlint_table(args.config):
            _warn(f"--config {args.config} has no [tool.kerlint] table: the defaults apply")
        fixed = load_settings(args.config, **overrides)
        return lambda path: fixed

    @functools.lru_cache(maxsize=None)
    def for_pyproject(pyproject: Path | None) -> Settings:
        return load_settings(pyproject, **overrides)

    known: dict[str, Path | None] = {}  # directory -> its nearest pyproject.toml, for this run
    return lambda path: for_pyproject(find_pyproject(path, known))


def _analyze(args: argparse.Namespace, settings_for: Callable[[Path], Settings]) -> list[FileResult]:
    files = list(discover([path for path in args.paths if path != STDIN], settings_for, force_exclude=args.force_exclude, warn=_warn))
    if not files and STDIN not in args.paths:
        _warn("No Python files found under the given path(s)")
    tasks = [Task(path, _display(path), settings_for(path)) for path in files]
    extract = _extract_for(args)
    cache = None
    if extract is for_report and not getattr(args, "no_cache", True) and not getattr(args, "verbose", False):  # the cache keeps no stops
        from kerlint.cache import CacheRefused, open_cache

        try:
            cache = open_cache(args.cache_dir, settings_for(Path.cwd()).root)
        except CacheRefused as refusal:
            if refusal.chosen:  # --cache-dir or $KERLINT_CACHE_DIR: the user asked for that directory
                raise UsageError(str(refusal)) from None
            _warn(f"{refusal}; running without the cache")
    results = analyze_files(tasks, extract=extract, jobs=getattr(args, "jobs", None), cache=cache)
    if cache is not None and cache.warning:
        _warn(cache.warning)
    if STDIN in args.paths:
        results += _analyze_stdin(args, settings_for)
    return results


def _extract_for(args: argparse.Namespace) -> Callable[[FileResult], FileResult] | None:
    """What a worker sends back for this command; None: the whole analysis, kept in this process (graph, confirm)."""
    if args.command == "check":
        return for_verbose_report if args.verbose else for_report
    if args.command == "cost" and not args.mermaid:  # --mermaid draws from the analysis
        return functools.partial(cost_extract, batch_size=args.batch_size, dtype=args.dtype, optimizer=args.optimizer)
    return None


def cost_extract(result: FileResult, batch_size: int, dtype: str, optimizer: str | None) -> FileResult:
    """For `cost`: each model's figures (in `data`), computed where the file was analyzed, without its syntax tree."""
    costs = [] if result.analysis is None else model_costs(result.analysis, batch_size, dtype, optimizer)
    costs = [dataclasses.replace(cost, graph=None) for cost in costs]
    return FileResult(result.path, None, result.findings, notebook=result.notebook, data=costs, stopped=located_stops(result))


def _analyze_stdin(args: argparse.Namespace, settings_for: Callable[[Path], Settings]) -> list[FileResult]:
    """Source from standard input, as editors send it: reported and configured as `--stdin-filename`."""
    name = args.stdin_filename or STDIN
    settings = settings_for(name)
    if args.force_exclude and args.stdin_filename and is_force_excluded(name, settings):
        return []
    return analyze_files([Task(name, _display(name), settings, sys.stdin.buffer.read())], extract=_extract_for(args))


@contextlib.contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        stream = open(path, "w", encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--output-file: cannot write {path}: {error.strerror or error}") from None
    with stream:
        yield stream


def _warn(message: str) -> None:
    print(f"kerlint: warning: {message}", file=sys.stderr)


def _display(path: Path) -> str:
    """Paths relative to the working directory, as ruff prints them."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative
