"""``kerlint confirm``: instantiate the models with TensorFlow/Keras and check the static estimates.

- ``runner``: the parent side (no TensorFlow): one worker process per file, time limit, results;
- ``worker``: the child (``python -m kerlint.confirm.worker``), the only module that imports TensorFlow;
- ``sandbox``: the operating-system sandbox (bubblewrap) the worker runs in, and its resource limits;
- ``protocol``: the worker's messages, checked before the runner believes them;
- ``guards``: the Python-level stand-ins and refusals around the file's code;
- ``measure``: parameters, FLOPs (TensorFlow's profiler), memory and wall time of a real model;
- ``compare``: static against measured, relative differences, KER902/KER903 findings;
- ``report``: the table and the JSON.

Importing this package (and ``runner``, ``compare``, ``report``) never imports TensorFlow.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="*", type=Path, help="files or directories (default: .)")
    parser.add_argument("--model", help="only the model of this name (Keras's model name, or the function that builds it)")
    parser.add_argument("--device", choices=("cpu", "gpu", "auto"), default="cpu",
                        help="where to instantiate the models (default: cpu; auto: a GPU when TensorFlow sees one)")
    parser.add_argument("--batch-size", type=_positive_int, default=32,
                        help="batch size of the measured forward pass and training step (default: 32)")
    parser.add_argument("--timeout", type=_positive_float, default=300.0,
                        help="seconds per file, TensorFlow's import included; the code itself gets half (default: 300)")
    parser.add_argument("--memory-limit", type=_non_negative_int, metavar="MIB",
                        help="data-segment limit of the worker in MiB (default: half the physical memory, at most "
                             "8 GiB; 0: none)")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="run the code even where no operating-system sandbox is available (Python guards only)")
    parser.add_argument("--check-sandbox", action=_CheckSandbox,
                        help="say what the sandbox isolates on this machine and exit (0: usable, 2: not)")
    parser.add_argument("--format", choices=("table", "json"), default="table")
    parser.add_argument("--layers", action="store_true", help="a row per layer under each model")
    parser.add_argument("--jobs", type=_positive_int, default=1, help="files run in parallel (default: 1)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    config = parser.add_mutually_exclusive_group()
    config.add_argument("--config", type=Path, help="use this pyproject.toml instead of discovering one per file")
    config.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    parser.set_defaults(select=None, extend_select=None, ignore=None, exclude=[], stdin_filename=None,
                        show_settings=False, force_exclude=False)


def run(args: argparse.Namespace, results: list, settings_for: Callable) -> int:
    """The ``confirm`` command on the static results of the discovered files; the exit code."""
    from kerlint.confirm import report, runner, sandbox

    try:
        runner.check_dependencies()
    except runner.MissingDependencies as error:
        print(f"kerlint: error: {error}", file=sys.stderr)
        return 2
    isolation = sandbox.detect()
    if not isolation.usable and not args.unsafe_no_sandbox:
        print(f"kerlint: error: no sandbox to run the code in ({isolation.problem}); without one it would run with "
              "your rights, network and files. `kerlint confirm --check-sandbox` says what is missing; "
              "--unsafe-no-sandbox runs it anyway", file=sys.stderr)
        return 2
    if args.memory_limit is None:
        limit = runner.default_memory_limit()
    else:
        limit = args.memory_limit * (1 << 20) or None
    options = runner.ConfirmOptions(
        device=args.device, batch_size=args.batch_size, timeout=args.timeout, model=args.model,
        memory_limit=limit, jobs=args.jobs, isolation=isolation,
    )
    runnable = [result for result in results if result.source is not None]
    notice = runner.NOTICE if isolation.usable else runner.UNSAFE_NOTICE
    print(f"{notice} ({len(runnable)} file{'s' if len(runnable) != 1 else ''}).", file=sys.stderr)
    outcomes = runner.confirm_files(results, settings_for, options)
    missing = next((o.missing for o in outcomes if o.missing), None)
    if missing:
        print(f"kerlint: error: {missing}", file=sys.stderr)
        return 2
    if args.format == "json":
        report.render_json(outcomes, sys.stdout)
    else:
        report.render_table(outcomes, sys.stdout, layers=args.layers, model=args.model)
    return runner.exit_code(outcomes, exit_zero=args.exit_zero)


class _CheckSandbox(argparse.Action):
    """``--check-sandbox``: the report at once, before any file is looked for (as ``--version`` does)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        from kerlint.confirm import sandbox

        isolation = sandbox.detect()
        print(isolation.describe())
        parser.exit(0 if isolation.usable else 2)


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {value}")
    return value
