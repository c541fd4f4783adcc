"""The parent side of ``kerlint confirm``: one sandboxed worker process per file, then the comparison.

For each file the static analysis (``kerlint.engine``, the one pipeline) comes
first; then ``python -m kerlint.confirm.worker FD`` runs the file in the
operating-system sandbox (``sandbox``), in a fresh run directory, reads the
request (JSON) on its standard input and answers with JSON lines on a pipe of
its own, each checked by ``protocol``:

    {"event": "progress", "step": "running line 12"}
    {"event": "missing", "message": "..."}        TensorFlow or Keras cannot be imported
    {"event": "error", "message": "..."}          the run cannot start (--device gpu without a GPU)
    {"event": "executed", "device", "errors", "stopped", "events", "captured"}
    {"event": "model", "order": 0, "measured": {...}}   or  {"event": "model", "order": 0, "error": "..."}
    {"event": "done"}

The runner trusts none of it: a message that is not one of these, or comes out
of order, makes the run's report untrusted (exit 2). It keeps the last 64 KiB of
the worker's output, enforces the wall-clock limit (it kills the sandbox at the
deadline, and every process in it dies; the worker stops the user's code itself
at half of it, so that the models built so far are still measured), and never
imports TensorFlow.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, TextIO

import kerlint
from kerlint.config import Settings
from kerlint.confirm import compare, protocol, sandbox
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
    "kerlint confirm runs your code: each file executes with TensorFlow in a sandbox (bubblewrap: no network, "
    "no new processes, read-only files outside a temporary directory, an empty environment, memory limit), "
    "with training, saving and downloads stubbed out"
)
UNSAFE_NOTICE = (
    "kerlint confirm runs your code WITHOUT A SANDBOX (--unsafe-no-sandbox): each file executes with TensorFlow in "
    "a separate process with your rights, network and files; only Python-level guards stub out training, saving "
    "and downloads, and code can go around them"
)
OUTPUT_KEPT = 64 << 10
"""Bytes of the worker's output (stdout and stderr) kept for the report: the last ones."""


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
    isolation: sandbox.Isolation | None = None  # None: detected when the run starts


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


def default_memory_limit() -> int:
    """Half the physical memory, at most 8 GiB: room for TensorFlow and a model, none for a runaway."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 4 << 30
    return min(8 << 30, physical // 2)


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
    if options.isolation is None:
        options = replace(options, isolation=sandbox.detect(options.python))

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
    workdir = tempfile.mkdtemp(prefix="kerlint-confirm-")  # in the sandbox, a tmpfs of its own is mounted on it
    start = time.monotonic()
    try:
        _run_worker(outcome, result, statics, options, workdir, progress)
    finally:
        outcome.seconds = round(time.monotonic() - start, 1)
        shutil.rmtree(workdir, ignore_errors=True)
    return outcome


def _not_runnable(result: FileResult) -> str | None:
    if result.source is None:
        return "no Keras code in the file: not run"
    if any(f.code == "KER001" for f in result.findings):
        return "the file cannot be parsed (KER001): not run"
    if result.analysis is None:
        return "kerlint could not analyze the file (KER000): not run"
    return None


def _run_worker(outcome: FileOutcome, result: FileResult, statics: list, options: ConfirmOptions, workdir: str,
                progress: Callable[[str], None]) -> None:
    deadline = time.time() + options.timeout
    token = secrets.token_hex(16)
    request = {
        "path": os.path.abspath(result.path),
        "source": result.source,
        "workdir": workdir,
        "token": token,
        "batch_size": options.batch_size,
        "device": options.device,
        "deadline": deadline,
        "execution_share": options.execution_share,
        "memory_limit": options.memory_limit,
        "model": options.model,
        "static_models": [model.to_request() for model in statics],
    }
    read_fd, write_fd = os.pipe()
    output_fd, output_write_fd = os.pipe()
    progress("starting")
    try:
        process = options.isolation.popen(
            [options.python, "-m", "kerlint.confirm.worker", str(write_fd)], env=_worker_env(options.device, workdir),
            workdir=workdir, device=options.device, visible=[os.path.dirname(request["path"])],
            stdin=subprocess.PIPE, stdout=output_write_fd, stderr=output_write_fd, pass_fds=(write_fd,),
        )
    except OSError as error:
        for fd in (read_fd, write_fd, output_fd, output_write_fd):
            os.close(fd)
        outcome.failure = f"could not start the worker ({options.python}): {error}"
        return
    os.close(write_fd)
    os.close(output_write_fd)
    finished = False
    output = bytearray()
    try:
        _send_request(process, request)
        finished = _read_events(read_fd, output_fd, output, outcome, progress, deadline, token)
    finally:
        _stop(process, grace=5 if finished else 0)
        _drain(output_fd, output)
        os.close(read_fd)
        os.close(output_fd)
        outcome.log_tail = _tail(output.decode("utf-8", "replace"))
    if outcome.missing or outcome.failure:
        return
    if not finished:
        if time.time() >= deadline:
            outcome.failure = _timeout_message(outcome, options.timeout)
        else:
            outcome.failure = _crash_message(process.returncode, outcome.log_tail, options)


def _send_request(process: subprocess.Popen, request: dict) -> None:
    """The request on the worker's standard input: nothing of it on a disk the sandbox can read."""
    try:
        process.stdin.write(json.dumps(request).encode("utf-8"))
        process.stdin.close()
    except OSError:
        pass  # the worker is gone already: its exit status says why


def _worker_env(device: str, workdir: str) -> dict[str, str]:
    """The worker's whole environment: what Python and TensorFlow need, none of the caller's secrets."""
    package_root = str(Path(kerlint.__file__).resolve().parent.parent)
    env = {
        "PATH": os.defpath, "HOME": workdir, "TMPDIR": workdir, "LANG": "C.UTF-8",
        "KERAS_HOME": os.path.join(workdir, ".keras"), "MPLCONFIGDIR": os.path.join(workdir, ".matplotlib"),
        "PYTHONPATH": os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH")) if p),
    }
    if os.environ.get("LD_LIBRARY_PATH"):  # where CUDA's libraries are, often
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    env.update(environment(device))
    return env


def _read_events(fd: int, output_fd: int, output: bytearray, outcome: FileOutcome, progress: Callable[[str], None],
                 deadline: float, token: str) -> bool:
    """Read the worker's messages until "done" (True), end of stream, an untrusted message or the deadline (False).

    Its output is read meanwhile (a worker blocked on a full pipe would never
    finish), keeping the last ``OUTPUT_KEPT`` bytes.
    """
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    selector.register(output_fd, selectors.EVENT_READ)
    buffer = b""
    sequence = _Sequence(outcome, progress)
    try:
        while True:
            remaining = deadline - time.time()
            if remaining <= 0:
                return False
            for key, _ in selector.select(timeout=min(remaining, 1.0)):
                chunk = os.read(key.fd, 1 << 16)
                if key.fd == output_fd:
                    if not chunk:
                        selector.unregister(output_fd)
                    _keep_tail(output, chunk)
                    continue
                if not chunk:
                    return False
                buffer += chunk
                try:
                    while b"\n" in buffer:
                        line, buffer = buffer.split(b"\n", 1)
                        if sequence.take(protocol.parse(line, token)):
                            return True
                    if len(buffer) > protocol.MAX_LINE:
                        raise protocol.Untrusted(f"a message of more than {protocol.MAX_LINE >> 20} MiB")
                except protocol.Untrusted as error:
                    outcome.failure = (f"the run's report could not be trusted ({error}): the worker was stopped "
                                       "and nothing it reported is shown")
                    outcome.executed, outcome.measured = None, {}
                    return False
    finally:
        selector.close()


class _Sequence:
    """The order of the worker's messages: one "executed", then a "model" per built model at most, then "done"."""

    def __init__(self, outcome: FileOutcome, progress: Callable[[str], None]):
        self.outcome, self.progress = outcome, progress

    def take(self, message: dict) -> bool:
        """Apply one checked message to the outcome; True when the worker is done."""
        outcome, event = self.outcome, message.pop("event")
        if event == "progress":
            self.progress(message["step"])
        elif event == "missing":
            outcome.missing = missing_message(message["message"])
        elif event == "error":
            outcome.failure = message["message"]
        elif outcome.executed is None and event != "executed":
            raise protocol.Untrusted(f"{event} before executed")
        elif event == "executed":
            if outcome.executed is not None:
                raise protocol.Untrusted("executed twice")
            outcome.executed = message
        elif event == "model":
            order = message["order"]
            built = {c["order"] for c in outcome.executed["captured"] if c["built"]}
            if order not in built or order in outcome.measured:
                raise protocol.Untrusted(f"model {order}: not a built model, or measured twice")
            outcome.measured[order] = message
        return event == "done"


def _keep_tail(output: bytearray, chunk: bytes) -> None:
    output += chunk
    if len(output) > OUTPUT_KEPT:
        del output[:-OUTPUT_KEPT]


def _drain(fd: int, output: bytearray) -> None:
    """What the worker wrote before it exited (the pipe is at its end once every process in the sandbox is gone)."""
    os.set_blocking(fd, False)
    try:
        while chunk := os.read(fd, 1 << 16):
            _keep_tail(output, chunk)
    except OSError:
        pass


def _stop(process: subprocess.Popen, grace: float) -> None:
    """Wait ``grace`` seconds for the worker to exit, then kill its process group (in the sandbox: everything)."""
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
