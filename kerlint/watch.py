"""`kerlint check --watch`: check, then check again whenever a watched file changes.

It polls instead of subscribing to the operating system's file events: every
half second it compares the modification times and sizes of the source files
and pyproject.toml files under the paths, which needs no dependency and costs
little on a source tree. Each round clears the terminal and prints the report
afresh, as ruff's watch mode does; Ctrl-C ends it with exit code 0.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Callable, Sequence, TextIO

from kerlint.config import DEFAULT_EXCLUDE
from kerlint.files import SOURCE_SUFFIXES

POLL_SECONDS = 0.5
CLEAR_SCREEN = "\x1b[2J\x1b[H"
CONFIG_NAME = "pyproject.toml"

Snapshot = dict[str, tuple[int, int]]


def watch(check: Callable[[], object], paths: Sequence[Path], stream: TextIO, poll_seconds: float = POLL_SECONDS) -> int:
    """Run `check` now and after every change under `paths` until interrupted; the exit code (0)."""
    banner = "Starting linter in watch mode..."
    try:
        while True:
            if stream.isatty():
                stream.write(CLEAR_SCREEN)
            stream.write(f"[{time.strftime('%H:%M:%S')}] {banner}\n")
            stream.flush()
            before = snapshot(paths)  # taken first: a change made while checking starts the next round
            check()
            stream.flush()
            while snapshot(paths) == before:
                time.sleep(poll_seconds)
            banner = "File change detected..."
    except KeyboardInterrupt:
        return 0


def snapshot(paths: Sequence[Path]) -> Snapshot:
    """Modification time and size of each watched file under `paths` (files given explicitly, whatever their suffix)."""
    state: Snapshot = {}
    for path in paths:
        if path.is_dir():
            for directory, subdirectories, names in os.walk(path):
                subdirectories[:] = [name for name in subdirectories if name not in DEFAULT_EXCLUDE]
                for name in names:
                    if name.endswith(SOURCE_SUFFIXES) or name == CONFIG_NAME:
                        _record(state, os.path.join(directory, name))
        else:
            _record(state, str(path))
    return state


def _record(state: Snapshot, path: str) -> None:
    try:
        stat = os.stat(path)
    except OSError:  # gone between listing and stat: its absence is the change
        return
    state[path] = (stat.st_mtime_ns, stat.st_size)
