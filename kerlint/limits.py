"""What one file may cost kerlint: `[tool.kerlint.limits]`, and how a worker process keeps to it.

```toml
[tool.kerlint.limits]
file-timeout = 120         # seconds to analyze one file (parse, interpret, rules)
file-memory = "2 GiB"      # memory one file may add to the process that analyzes it
max-file-size = "10 MiB"   # larger files are not read at all
```

Every file is analyzed in a worker process (`kerlint.pool`), whichever command or
entry point asked, so that no input can take the run down with it: the parent
stops a worker that runs past `file-timeout`; a worker caps its own address space
at what it uses plus `file-memory` (RLIMIT_AS) before each file, so an allocation
over the cap fails (a MemoryError in Python, an abort in libcst's native parser)
instead of swapping the machine to a halt. A file over a limit gets a KER003
finding that names the limit and the key that raises it; the run goes on.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
from dataclasses import dataclass, fields
from typing import Any

RULE = "KER003"
"""The finding for a file over a limit (`kerlint.rules.meta.ResourceLimit`)."""


@dataclass(frozen=True)
class Limits:
    file_timeout: float = 120.0
    file_memory: int = 2 * 2**30
    max_file_size: int = 10 * 2**20

    def timeout_message(self) -> str:
        return f"analysis stopped: over the {self.file_timeout:g} s time limit for one file{_raise_with('file-timeout')}"

    def memory_message(self, aborted: bool = False) -> str:
        """`aborted`: the worker died of SIGABRT, which is how libcst's native parser fails an allocation."""
        how = " (the parser aborted when an allocation failed)" if aborted else ""
        return f"analysis stopped: over the {_bytes_text(self.file_memory)} memory limit for one file{how}{_raise_with('file-memory')}"

    def size_message(self, size: int) -> str:
        return f"file not analyzed: {_bytes_text(size)}, over the {_bytes_text(self.max_file_size)} limit on file size{_raise_with('max-file-size')}"


KEYS = tuple(field.name.replace("_", "-") for field in fields(Limits))


class LimitError(ValueError):
    """A `[tool.kerlint.limits]` value that cannot be used; the message names the key."""


def parse_limits(table: Any, where: str) -> Limits:
    """`[tool.kerlint.limits]` -> Limits; `where` (e.g. `pyproject.toml: [tool.kerlint.limits]`) starts each error."""
    from kerlint.budgets import BudgetError, parse_bytes

    if not isinstance(table, dict):
        raise LimitError(f"{where} must be a table with keys {', '.join(KEYS)}, got {type(table).__name__}")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise LimitError(f"{where} unknown key {unknown[0]!r} (allowed: {', '.join(KEYS)})")
    values: dict[str, Any] = {}
    if "file-timeout" in table:
        seconds = table["file-timeout"]
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds < float("inf"):
            raise LimitError(f"{where} 'file-timeout' must be a positive number of seconds, got {seconds!r}")
        values["file_timeout"] = float(seconds)
    for key in ("file-memory", "max-file-size"):
        if key in table:
            try:
                size = parse_bytes(table[key], f"{where} {key!r}")
            except BudgetError as error:
                raise LimitError(str(error)) from None
            if size <= 0:
                raise LimitError(f"{where} {key!r} must be more than 0 bytes, got {table[key]!r}")
            values[key.replace("-", "_")] = size
    return Limits(**values)


def _raise_with(key: str) -> str:
    return f" (raise it with `{key}` in [tool.kerlint.limits])"


def _bytes_text(size: int) -> str:
    """`2 GiB`, `10 MiB`, `50.3 MiB`: sizes as `max-file-size` and `file-memory` accept them."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} B"


# ------------------------------------------------------------------ in the worker process


def cap_memory(allowance: int) -> None:
    """Let this process's address space grow by at most `allowance` bytes from now on (soft RLIMIT_AS),
    or less where a limit was already set; `uncap_memory` puts that back.

    Only where /proc tells the address space in use (Linux): a cap set blind could be below it.
    """
    global _allowance, _before
    used = _address_space()
    if not used:
        return
    _before = resource.getrlimit(resource.RLIMIT_AS)
    soft, hard = _before
    ceiling = used + allowance
    for limit in (soft, hard):
        if limit != resource.RLIM_INFINITY:
            ceiling = min(ceiling, limit)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    _allowance = allowance


def uncap_memory() -> None:
    """The limit as it was before `cap_memory`: sending a result must not fail on the file's cap."""
    if _before is not None:
        resource.setrlimit(resource.RLIMIT_AS, _before)


def near_memory_cap(margin: float = 0.25) -> bool:
    """Whether this process's peak address space came within `margin` of the last `cap_memory` allowance
    of its soft RLIMIT_AS: tells a MemoryError of the cap from the one that CPython's parser raises for
    source too complex for its stack (Python 3.11 words both alike)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return False
    return _status_bytes("VmPeak") >= soft - margin * _allowance


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when `parent` dies (Linux), so that a killed kerlint leaves no worker."""
    if sys.platform.startswith("linux"):
        import ctypes  # here, not at the top: every run imports this module with its configuration

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request above took effect
        os._exit(1)


_PR_SET_PDEATHSIG = 1
_allowance = 0
_before: tuple[int, int] | None = None


def _address_space() -> int:
    return _status_bytes("VmSize")


def _status_bytes(field_name: str) -> int:
    """A `kB` field of /proc/self/status, in bytes (0 where there is no /proc)."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(field_name.encode() + b":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0
