"""Worker processes for the per-file pipeline, robust to files that crash, hang or bloat them.

Every analyzed file goes through a worker, one file or thousands: the parent
process never parses user code. `multiprocessing.Pool` loses a task whose worker
dies (a segfault in libcst's native parser, the OOM killer) and then waits forever;
`concurrent.futures` fails every pending task. This pool gives each worker one file
at a time over its own pipe, so when a worker dies the parent knows which file
killed it: that file becomes a `Failure` (reported as KER000), a fresh worker takes
the worker's place, and the run goes on. The limits of `kerlint.limits` are kept
here: a file that runs past its `file-timeout` has its worker stopped, and a worker
caps its own memory at `file-memory` more than it uses before each file; a file
over either is a `Failure` with code KER003. A worker whose memory grew past
`WORKER_MAX_RSS` finishes its file and is replaced, which bounds the peak memory of
the whole process tree. Workers die with the parent, even one killed with SIGKILL.

Workers call `engine.run_task`, the same pipeline as every other path, and send
back `extract(result)` (for `check`, findings only), never syntax trees.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing import connection, get_context
from typing import TYPE_CHECKING, Any, Callable, Iterator, Sequence

from kerlint import limits

if TYPE_CHECKING:
    from kerlint.engine import Task

WORKER_MAX_RSS = 110 * 1024 * 1024
"""A worker whose resident memory exceeds this after a file is replaced by a fresh one..."""

WORKER_MAX_GROWTH = 55 * 1024 * 1024
"""...unless it started larger, forked from a large process (pylint, with the plugin): then when its
resident memory grew by more than this."""


@dataclass(frozen=True)
class Failure:
    """A file whose analysis did not finish; `message` says why: over a limit of `kerlint.limits`
    (`code` KER003), or a crash, or a result that could not be sent back (KER000)."""

    message: str
    code: str = "KER000"


def default_jobs() -> int:
    """Every core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


Work = tuple[int, "Task"]
"""(index, task): one file for `engine.run_task`."""


def run(work: Sequence[Work], extract: Callable, jobs: int, standing: list[Any] | None = None) -> Iterator[tuple[int, Any]]:
    """Yield (index, `engine.run_task` outcome or Failure) for every item of `work`, in completion order.

    `standing`: workers kept from one call to the next (a caller that analyzes one file per call,
    like the pylint plugin, forks once instead of once per file); the caller keeps the list, the
    same for every call, and always passes the same `extract`, which a worker keeps from its start.
    """
    if not work:
        return
    context = get_context("fork" if sys.platform.startswith("linux") else "spawn")
    jobs = max(1, min(jobs, len(work)))
    queue = _Schedule(work, jobs)
    workers: list[_Worker] = []
    if jobs > 1:
        gc.collect()  # what is freed now is not frozen below (10 ms: not worth it for one worker)
    gc.freeze()  # forked children share the parent's objects without touching their pages
    try:
        while standing and len(workers) < jobs:
            worker = standing.pop()
            if worker.alive():
                workers.append(worker)
            else:
                worker.stop()
        while len(workers) < jobs:
            workers.append(_Worker(context, extract, workers))
        for position, worker in enumerate(workers):
            if queue:
                worker.send(queue.next_for(position))
        while any(worker.busy for worker in workers):
            busy = [worker for worker in workers if worker.busy]
            waitables: list[Any] = []
            for worker in busy:
                waitables += [worker.conn, worker.process.sentinel]
            timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            ready = set(connection.wait(waitables, timeout=timeout))
            for position, worker in enumerate(workers):
                if not worker.busy:
                    continue
                index, task = worker.item
                if worker.conn in ready or worker.process.sentinel in ready:
                    outcome, retiring = worker.receive()
                elif time.monotonic() >= worker.deadline:
                    outcome, retiring = Failure(task.settings.limits.timeout_message(), limits.RULE), True
                else:
                    continue
                worker.item = None
                if retiring or not worker.alive():
                    worker.stop()
                    if queue:
                        worker = workers[position] = _Worker(context, extract, workers)
                if queue:
                    worker.send(queue.next_for(position))
                yield index, outcome
    finally:
        for worker in workers:
            if standing is not None and not worker.busy and worker.alive():
                standing.append(worker)
            else:
                worker.stop()
        gc.unfreeze()


class _Schedule:
    """The work cut into one run of consecutive files per worker; a worker whose run is done takes
    from the end of the longest other run. Neighbouring files import the same project modules, which
    a worker then parses once (`kerlint.followed`) instead of every worker parsing each of them."""

    def __init__(self, work: Sequence[Work], workers: int):
        size = -(-len(work) // workers)
        self.runs = [deque(work[start : start + size]) for start in range(0, size * workers, size)]

    def __bool__(self) -> bool:
        return any(self.runs)

    def next_for(self, position: int) -> Work:
        own = self.runs[position]
        return own.popleft() if own else max(self.runs, key=len).pop()


class _Worker:
    def __init__(self, context: Any, extract: Callable, others: Sequence[_Worker]):
        self.conn, child = context.Pipe()
        # A forked child closes the parent's ends of every pipe it inherits, its own included: while
        # a child holds one, the worker at its other end never sees EOF when the parent dies.
        forked = context.get_start_method() == "fork"
        inherited = [worker.conn.fileno() for worker in (*others, self) if forked and not worker.conn.closed]
        self.process = context.Process(target=_serve, args=(child, extract, os.getpid(), inherited), daemon=True)
        self.process.start()
        child.close()
        self.item: Work | None = None
        self.deadline = float("inf")

    @property
    def busy(self) -> bool:
        return self.item is not None

    def alive(self) -> bool:
        return self.process.is_alive() and not self.conn.closed

    def send(self, item: Work) -> None:
        self.item = item
        self.deadline = time.monotonic() + item[1].settings.limits.file_timeout
        try:
            self.conn.send(item)
        except (OSError, ValueError):
            pass  # a dead worker: its sentinel says so, and receive() reports it

    def receive(self) -> tuple[Any, bool]:
        """(outcome of the current item or a Failure when the worker died on it, whether the worker is done)."""
        try:
            if self.conn.poll():
                outcome, retiring = self.conn.recv()
                return outcome, bool(retiring)
        except (EOFError, OSError):
            pass
        except Exception as error:  # a result that could not be unpickled
            return Failure(f"result could not be read back from the worker: {type(error).__name__}: {error}"), True
        self.process.join(timeout=5)
        if self.process.exitcode == -signal.SIGABRT:
            # What libcst's native parser does when an allocation fails under the worker's memory cap.
            return Failure(self.item[1].settings.limits.memory_message(aborted=True), limits.RULE), True
        return Failure(f"kerlint crashed on this file ({_describe_exit(self.process.exitcode)}); the run went on"), True

    def stop(self) -> None:
        if self.process.is_alive():
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                pass
            self.process.join(timeout=0.5 if self.item is None else 0)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(timeout=5)
        self.conn.close()
        self.item = None


def _describe_exit(code: int | None) -> str:
    if code is None:
        return "worker unresponsive"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"worker killed by {name}"
    return f"worker exited with status {code}"


def _serve(conn: Any, extract: Callable, parent: int, inherited: Sequence[int]) -> None:
    """Worker main loop: analyze each file sent within its limits, send back the extracted outcome."""
    from kerlint.engine import run_task  # noqa: PLC0415 - the worker's only dependency

    limits.die_with_parent(parent)
    for descriptor in inherited:
        try:
            os.close(descriptor)
        except OSError:
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    faulthandler.disable()  # a crash is reported by the parent, as KER000 for the file
    gc.disable()  # one collection per file instead (below)
    most = max(WORKER_MAX_RSS, _rss() + WORKER_MAX_GROWTH)
    analyzed = False
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        if analyzed:
            # Automatic collections kept rescanning the syntax trees (acyclic, freed by reference
            # counting) and the parsed followed modules: 13% of a worker's time. The garbage of a
            # file is collected once after it, when another file comes (not while the parent waits
            # for the last one to exit); what outlives it is frozen, never scanned again.
            gc.collect()
            gc.freeze()
        analyzed = True
        _, task = item
        try:
            limits.cap_memory(task.settings.limits.file_memory)
            outcome: Any = run_task(task, extract)
        except MemoryError:
            outcome = Failure(task.settings.limits.memory_message(), limits.RULE)
        except BaseException as error:  # noqa: BLE001 - reported for this file, the worker goes on
            outcome = Failure(f"{type(error).__name__}: {error}")
        finally:
            limits.uncap_memory()
        retiring = _rss() > most  # then the parent starts a fresh worker
        try:
            conn.send((outcome, retiring))
        except Exception as error:  # an unpicklable result
            conn.send((Failure(f"result could not be sent back from the worker: {type(error).__name__}: {error}"), retiring))
        if retiring:
            return


def _rss() -> int:
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return 0
