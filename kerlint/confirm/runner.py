"""The parent side of ``kerlint confirm``: one guarded worker process per file, then the comparison.

For each file the static analysis (``kerlint.engine``, the one pipeline) comes
first; then ``python -m kerlint.confirm.worker`` runs the file in a fresh
temporary directory and answers with JSON lines on a pipe of its own:

    {"event": "progress", "step": "running line 12"}
    {"event": "missing", "message": "..."}        TensorFlow or Keras cannot be imported
    {"event": "error", "message": "..."}          the run cannot start (--device gpu without a GPU)
    {"event": "executed", "device", "errors", "stopped", "events", "captured"}
    {"event": "model", "order": 0, "measured": {...}}   or  {"event": "model", "order": 0, "error": "..."}
    {"event": "done"}

The runner enforces the wall-clock limit (it kills the worker's process group
at the deadline; the worker stops the user's code itself at half of it, so that
the models built so far are still measured), removes the temporary directory,
and never imports TensorFlow.
"""

from __future__ import annotations

import importlib.util
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, TextIO

import kerlint
from kerlint.config import Settings
from kerlint.confirm import compare
from kerlint.confirm.measure import environment
from kerlint.engine import FileResult
from kerlint.findings import Finding
from kerlint.rules.estimate_mismatch import EstimateMismatch
from kerlint.rules.model_not_reconstructed import ModelNotReconstructed
from kerlint.suppress import apply_suppressions, parse_suppressions

INSTALL = "pip install 'kerlint[confirm]'"
EXIT_MISSING = 3  # the worker's status when it cannot import TensorFlow or Keras (worker.EXIT_MISSING)
CONFIRM_CODES = frozenset({EstimateMismatch.code, ModelNotReconstructed.code})
NOTICE = (
    "kerlint confirm runs your code: each file executes with TensorFlow in a separate process, in a temporary "
    "directory, with training, saving and downloads stubbed out and network access and outside writes refused"
)


class MissingDependencies(Exception):
    """TensorFlow or Keras is not importable; the message is the one line to show."""


@dataclass
class ConfirmOptions:
    device: str = "cpu"
    batch_size: int = 32
    timeout: float = 300.0
    model: str | None = None
    memory_limit: int | None = None  # bytes; None: no limit
    jobs: int = 1
    execution_share: float = 0.5
    python: str = sys.executable


@dataclass
class FileOutcome:
    path: str
    result: FileResult
    skipped: str | None = None  # why the file was not run
    executed: dict | None = None
    measured: dict[int, dict] = field(default_factory=dict)
    failure: str | None = None  # the worker did not finish: crash, time limit, fatal error
    missing: str | None = None
    log_tail: str = ""
    seconds: float = 0.0
    comparisons: list[compare.ModelComparison] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def device(self) -> dict | None:
        return (self.executed or {}).get("device")


def missing_message(reason: str) -> str:
    return f"kerlint confirm needs TensorFlow and Keras ({reason}); install them with: {INSTALL}"


def check_dependencies() -> None:
    """Raise MissingDependencies when TensorFlow or Keras cannot be found, without importing them."""
    for module in ("tensorflow", "keras"):
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError) as error:
            raise MissingDependencies(missing_message(f"cannot import {module}: {error}")) from None
        if spec is None:
            raise MissingDependencies(missing_message(f"{module} is not installed"))


def default_memory_limit() -> int | None:
    """Three quarters of the physical memory, at least 4 GiB: generous for TensorFlow, fatal for a runaway."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return max(4 << 30, physical * 3 // 4)


class Progress:
    """One line on a terminal, rewritten in place; nothing at all when the stream is not a terminal."""

    def __init__(self, stream: TextIO, total: int):
        self.stream, self.total = stream, total
        self.enabled = _isatty(stream)
        self.lock = threading.Lock()

    def show(self, index: int, path: str, step: str) -> None:
        if not self.enabled:
            return
        width = shutil.get_terminal_size((100, 20)).columns - 1
        text = f"[{index}/{self.total}] {path}: {step}"
        with self.lock:
            self.stream.write("\r\033[K" + text[:width])
            self.stream.flush()

    def clear(self) -> None:
        if self.enabled:
            with self.lock:
                self.stream.write("\r\033[K")
                self.stream.flush()


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def confirm_files(
    results: list[FileResult],
    settings_for: Callable[[Path], Settings],
    options: ConfirmOptions,
    progress_stream: TextIO = sys.stderr,
) -> list[FileOutcome]:
    """Run and measure every file of ``results`` (the static analyses of the files, in order)."""
    progress = Progress(progress_stream, len(results))

    def one(item: tuple[int, FileResult]) -> FileOutcome:
        index, result = item
        outcome = confirm_file(result, options, lambda step: progress.show(index, result.path, step))
        finish(outcome, settings_for(Path(result.path)), options)
        return outcome

    try:
        if options.jobs > 1 and len(results) > 1:
            with ThreadPoolExecutor(max_workers=options.jobs) as pool:
                outcomes = list(pool.map(one, enumerate(results, start=1)))
        else:
            outcomes = [one(item) for item in enumerate(results, start=1)]
    finally:
        progress.clear()
    return outcomes


def confirm_file(result: FileResult, options: ConfirmOptions, progress: Callable[[str], None] = lambda s: None
                 ) -> FileOutcome:
    """Run one file in a worker and collect what it reports."""
    outcome = FileOutcome(result.path, result)
    reason = _not_runnable(result)
    if reason:
        outcome.skipped = reason
        return outcome
    statics = compare.static_models(result.analysis, options.batch_size)
    base = tempfile.mkdtemp(prefix="kerlint-confirm-")
    workdir = os.path.join(base, "run")
    os.mkdir(workdir)
    start = time.monotonic()
    try:
        _run_worker(outcome, result, statics, options, base, workdir, progress)
    finally:
        outcome.seconds = round(time.monotonic() - start, 1)
        shutil.rmtree(base, ignore_errors=True)
    return outcome


def _not_runnable(result: FileResult) -> str | None:
    if result.source is None:
        return "no Keras code in the file: not run"
    if any(f.code == "KER001" for f in result.findings):
        return "the file cannot be parsed (KER001): not run"
    if result.analysis is None:
        return "kerlint could not analyze the file (KER000): not run"
    return None


def _run_worker(outcome: FileOutcome, result: FileResult, statics: list, options: ConfirmOptions, base: str,
                workdir: str, progress: Callable[[str], None]) -> None:
    deadline = time.time() + options.timeout
    request = {
        "path": os.path.abspath(result.path),
        "source": result.source,
        "workdir": workdir,
        "batch_size": options.batch_size,
        "device": options.device,
        "deadline": deadline,
        "execution_share": options.execution_share,
        "memory_limit": options.memory_limit,
        "model": options.model,
        "static_models": [model.to_request() for model in statics],
    }
    request_path = os.path.join(base, "request.json")
    with open(request_path, "w", encoding="utf-8") as handle:
        json.dump(request, handle)
    read_fd, write_fd = os.pipe()
    log = tempfile.TemporaryFile(dir=base)
    progress("starting")
    try:
        process = subprocess.Popen(
            [options.python, "-m", "kerlint.confirm.worker", request_path, str(write_fd)],
            cwd=workdir, env=_worker_env(options.device, base, workdir), stdin=subprocess.DEVNULL,
            stdout=log, stderr=log, pass_fds=(write_fd,), start_new_session=True,
        )
    except OSError as error:
        os.close(read_fd)
        os.close(write_fd)
        outcome.failure = f"could not start the worker ({options.python}): {error}"
        return
    os.close(write_fd)
    finished = False
    try:
        finished = _read_events(read_fd, outcome, progress, deadline)
    finally:
        os.close(read_fd)
        _stop(process, grace=5 if finished else 0)
        log.seek(0)
        outcome.log_tail = _tail(log.read().decode("utf-8", "replace"))
        log.close()
    if outcome.missing:
        return
    if not finished and outcome.failure is None:
        if time.time() >= deadline:
            outcome.failure = _timeout_message(outcome, options.timeout)
        else:
            outcome.failure = _crash_message(process.returncode, outcome.log_tail, options)


def _worker_env(device: str, base: str, workdir: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(environment(device))
    env.update({"TMPDIR": workdir, "KERAS_HOME": os.path.join(base, "keras"), "MPLCONFIGDIR": os.path.join(base, "mpl")})
    package_root = str(Path(kerlint.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


def _read_events(fd: int, outcome: FileOutcome, progress: Callable[[str], None], deadline: float) -> bool:
    """Read the worker's JSON lines until "done" (True), end of stream or the deadline (False)."""
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    buffer = b""
    try:
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                return False
            if not selector.select(timeout=min(remaining, 1.0)):
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                return False
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if _handle(line, outcome, progress):
                    return True
    finally:
        selector.close()


def _handle(line: bytes, outcome: FileOutcome, progress: Callable[[str], None]) -> bool:
    try:
        message = json.loads(line)
    except json.JSONDecodeError:
        return False
    event = message.get("event")
    if event == "progress":
        progress(message.get("step", ""))
    elif event == "missing":
        outcome.missing = missing_message(message.get("message", "cannot import TensorFlow"))
    elif event == "error":
        outcome.failure = message.get("message", "the worker failed")
    elif event == "executed":
        outcome.executed = message
    elif event == "model":
        outcome.measured[message["order"]] = message
    elif event == "done":
        return True
    return False


def _stop(process: subprocess.Popen, grace: float) -> None:
    """Wait ``grace`` seconds for the worker to exit, then kill its process group."""
    try:
        process.wait(timeout=grace)
        return
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _timeout_message(outcome: FileOutcome, timeout: float) -> str:
    executed = outcome.executed
    if executed is None:
        return (f"timed out after {timeout:g} s before the code finished running (--timeout); the worker was "
                "killed: the code ignores the soft time limit, or importing TensorFlow took too long")
    done = len(outcome.measured)
    return f"timed out after {timeout:g} s while measuring the models ({done} measured); the worker was killed"


def _crash_message(status: int | None, log_tail: str, options: ConfirmOptions) -> str:
    if status is not None and status < 0:
        cause = f"killed by signal {-status}"
        if -status in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT) and options.memory_limit:
            cause += f" (out of memory? the limit is {compare.human_bytes(options.memory_limit)}, --memory-limit)"
    else:
        cause = f"exited with status {status}"
    last = log_tail.strip().splitlines()[-1:] if log_tail.strip() else []
    return f"the worker {cause}" + (f": {last[0]}" if last else "")


def _tail(text: str, lines: int = 20) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def finish(outcome: FileOutcome, settings: Settings, options: ConfirmOptions) -> None:
    """Compare and find: the outcome's model comparisons and its KER902/KER903 findings."""
    if outcome.skipped or outcome.missing or (outcome.failure and outcome.executed is None):
        return  # nothing ran: the failure says why, and there is nothing to compare
    result = outcome.result
    outcome.comparisons = compare.compare_file(
        outcome.path, result.analysis, outcome.executed, outcome.measured, options.batch_size, options.model
    )
    enabled = settings.codes_for(outcome.path) & CONFIRM_CODES
    found = []
    for comparison in outcome.comparisons:
        found += compare.findings(
            comparison, result.analysis, settings.options_for(EstimateMismatch.code),
            settings.options_for(ModelNotReconstructed.code), enabled,
        )
    outcome.findings = apply_suppressions(found, parse_suppressions(result.source or ""), outcome.path, enabled)


def exit_code(outcomes: list[FileOutcome], exit_zero: bool = False) -> int:
    """2 when a file could not be confirmed (the worker failed, a model was not built); 1 with findings; else 0."""
    if any(o.failure or o.missing for o in outcomes):
        return 2
    if any(c.status in ("not-built", "not-measured") and not _covered(o, c) for o in outcomes for c in o.comparisons):
        return 2
    if any(o.findings for o in outcomes) and not exit_zero:
        return 1
    return 0


def _covered(outcome: FileOutcome, comparison: compare.ModelComparison) -> bool:
    """A model reported as a finding (KER903) is not also a failure."""
    return any(f.span.line == comparison.line for f in outcome.findings)
