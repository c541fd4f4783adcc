"""Project modules the interpreter follows: read and parsed once per process, and recorded per analysis.

A followed module is parsed as a skeleton with every long definition left out
(`kerlint.skeleton`): the interpreter evaluates a followed module's definitions
only when the importing file uses them, and most never are. Trees are
immutable, so one parsed module serves every analysis in the process (keyed by
content digest); `track_imports` records which files an analysis read, and
which module files it looked for and did not find, so that the result cache can
be invalidated when one of them changes or appears.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from pathlib import Path
from typing import Iterable, Iterator

from kerlint import skeleton
from kerlint.cache import MISSING
from kerlint.files import digest
from kerlint.parsing import check_nesting
from kerlint.skeleton import Skeleton


class _ModuleCache:
    """Parsed modules by content digest, least recently used dropped past `max_bytes` of source."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict[bytes, tuple[Skeleton, int]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: bytes) -> Skeleton | None:
        entry = self.entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        return entry[0]

    def put(self, key: bytes, module: Skeleton, size: int) -> None:
        if size > self.max_bytes // 4:
            return  # one huge module would evict everything useful
        self.entries[key] = (module, size)
        self.size += size
        while self.size > self.max_bytes and self.entries:
            _, (_, dropped) = self.entries.popitem(last=False)
            self.size -= dropped

    def clear(self) -> None:
        self.entries.clear()
        self.size = 0


MODULE_CACHE = _ModuleCache(max_bytes=2_000_000)
"""Per process. ~20 bytes of tree per byte of source: 2 MB of source is ~40 MB of memory."""

_tracking: list[dict[str, str]] = []


def load_module(path: Path) -> Skeleton:
    """The parsed module of a project file the interpreter follows, its long definitions left out.

    Same text as `path.read_text(encoding="utf-8")` (universal newlines), same
    exceptions (OSError, UnicodeDecodeError, ParserSyntaxError, RecursionError:
    NestingError for a file too deep to parse safely), but parsed once per
    process and recorded for `track_imports`.
    """
    try:
        data = path.read_bytes()
    except OSError:
        record_missing([path])  # readable later: then the importing file is analyzed again
        raise
    key = digest(data)
    for deps in _tracking:
        deps[str(path)] = key
    raw = bytes.fromhex(key)
    parsed = MODULE_CACHE.get(raw)
    if parsed is not None:
        return parsed
    text = data.decode("utf-8")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    check_nesting(data)
    parsed = skeleton.parse(text)
    MODULE_CACHE.put(raw, parsed, len(data))
    return parsed


def record_missing(paths: Iterable[Path]) -> None:
    """Record module files looked for and not found (`MISSING`): creating one changes what the importing file means."""
    for deps in _tracking:
        for path in paths:
            deps.setdefault(str(path), MISSING)


@contextlib.contextmanager
def track_imports() -> Iterator[dict[str, str]]:
    """Collect {path: digest} of every module `load_module` reads inside the block, {path: MISSING} of those not found."""
    deps: dict[str, str] = {}
    _tracking.append(deps)
    try:
        yield deps
    finally:
        _tracking.remove(deps)
