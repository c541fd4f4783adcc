"""Which files to lint, and reading them: discovery, a byte-level prefilter, decoding.

Discovery must be deterministic (sorted output, so reports and caches are stable)
and robust on real trees: virtualenvs, symlink loops and unreadable directories
are skipped rather than crashing or recursing forever.
"""

from __future__ import annotations

import bisect
import codecs
import errno
import hashlib
import io
import os
import re
import stat
import tokenize
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

if TYPE_CHECKING:  # annotations only: the parser reads files and need not load the configuration and its rules
    from kerlint.config import Settings

SOURCE_SUFFIXES = (".py", ".ipynb")
"""What directory walks pick up; paths given explicitly are linted whatever their suffix."""

LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Python's own line breaks (not str.splitlines's \f, \x1c...): the lines of the parser, of positions and of findings."""


class SourceError(Exception):
    """A file whose bytes are not Python source text; the message says why, for a KER001 finding."""


class PathError(Exception):
    """A path given to lint that does not exist; the message names it and is shown as is (exit 2)."""


Warn = Callable[[str], None]
"""Where discovery reports what it had to skip (an unreadable directory): one line for the user."""


def _ignore(message: str) -> None:
    pass


def discover(
    paths: Iterable[Path], settings_for: Callable[[Path], Settings], force_exclude: bool = False, warn: Warn = _ignore
) -> Iterator[Path]:
    """The `.py` and `.ipynb` files under `paths`, sorted and without duplicates.

    Inside directories, hidden directories, virtualenvs (a `pyvenv.cfg` inside),
    and files or directories matching the exclude globs of `settings_for(directory)`
    are skipped. Paths given explicitly (files of any extension, and directories)
    are always used, unless `force_exclude` is set and they or a directory between
    them and the settings' root match an exclude glob. `settings_for` is called
    once per directory walked and once per explicit path, so it should be cached.
    A path that does not exist raises PathError (a typo must not pass as a clean
    run); a directory that cannot be read is skipped and reported through `warn`.
    """
    found: set[Path] = set()
    visited: set[Path] = set()
    for path in paths:
        if not os.path.lexists(path):
            raise PathError(f"{path}: no such file or directory")
        if force_exclude and is_force_excluded(path, settings_for(path)):
            continue
        if path.is_dir():
            found.update(_walk(path, settings_for, visited, warn))
        else:
            found.add(path)
    yield from sorted(found)


def _walk(top: Path, settings_for: Callable[[Path], Settings], visited: set[Path], warn: Warn) -> Iterator[Path]:
    """Source files below `top`; `visited` holds resolved directories, which breaks symlink loops."""
    stack = [top]
    while stack:
        directory = stack.pop()
        try:
            real = directory.resolve()
        except (OSError, RuntimeError):  # a symlink loop raises RuntimeError before Python 3.13
            continue
        if real in visited:
            continue
        visited.add(real)
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)  # deterministic path through symlinks
        except FileNotFoundError:  # vanished since it was listed
            continue
        except OSError as error:
            warn(f"cannot read directory {directory}: {error.strerror or error}; skipped")
            continue
        settings = settings_for(directory)
        for entry in entries:
            child = directory / entry.name
            try:
                is_dir = entry.is_dir()
            except OSError:
                continue
            if is_dir:
                # os.path.exists: False, not PermissionError, inside a directory that cannot be searched
                if not (entry.name.startswith(".") or settings.is_excluded(child) or os.path.exists(child / "pyvenv.cfg")):
                    stack.append(child)
            elif entry.name.endswith(SOURCE_SUFFIXES) and entry.is_file() and not settings.is_excluded(child):
                yield child


def is_force_excluded(path: Path, settings: Settings) -> bool:
    """Whether `path`, or a directory above it but below the settings' root, matches an exclude."""
    absolute = Path(os.path.abspath(path))
    candidates = [absolute]
    for parent in absolute.parents:
        if parent == settings.root or settings.root not in parent.parents:
            break
        candidates.append(parent)
    return any(settings.is_excluded(candidate) for candidate in candidates)


_KERAS_NAMES = (b"keras", b"tensorflow")

MODEL_BUILDING_WORDS = (b"layers", b"Layer", b"Model", b"Sequential", b"Input", b"applications", b"compile", b"fit", b"optimizers")
"""Every Keras layer, model, optimizer or training call is reached through one of these words
(`keras.layers.Dense`, `from keras.layers import Dense`, `class Block(Layer)`, `keras.Model`,
`model.compile`...): a file without any of them builds and trains nothing kerlint checks."""

STRINGS_AND_COMMENTS = (
    rb"#[^\r\n]*"
    rb'|"""(?:[^"\\]|\\.|"(?!""))*(?:"""|$)'
    rb"|'''(?:[^'\\]|\\.|'(?!''))*(?:'''|$)"
    rb'|"(?:[^"\\\r\n]|\\.)*"?'
    rb"|'(?:[^'\\\r\n]|\\.)*'?"
)
"""A regular expression (bytes, DOTALL) for Python's comments and string literals, unterminated ones
included. Prefixes (r, b, f, u...) need no handling: the quote that follows them starts the string."""

_CODE_NAME = re.compile(
    STRINGS_AND_COMMENTS + rb"|(?P<keras>" + rb"|".join(_KERAS_NAMES) + rb")|(?P<word>\b(?:" + rb"|".join(MODEL_BUILDING_WORDS) + rb")\b)",
    re.DOTALL,
)
"""Strings and comments (skipped whole), or a name of Keras or a model-building word in code."""

_STRINGS_AND_COMMENTS_TEXT = re.compile(STRINGS_AND_COMMENTS.decode("ascii"), re.DOTALL)


def comments(text: str) -> Iterator[re.Match]:
    """The comments of Python source `text`; strings are skipped, so a `#` inside one starts no comment."""
    return (match for match in _STRINGS_AND_COMMENTS_TEXT.finditer(text) if match.group().startswith("#"))


def blank_strings_and_comments(text: str) -> str:
    """`text` with each string literal and comment replaced by a space: the code's own words."""
    return _STRINGS_AND_COMMENTS_TEXT.sub(" ", text)


def might_build_keras_models(source_bytes: bytes, notebook: bool = False) -> bool:
    """Cheap check before parsing: does the file's code name Keras (or TensorFlow) and its model-building API?

    Files that fail it are never parsed. First a substring test on the raw bytes
    (`tf_keras` contains `keras`; coding cookies only allow ASCII-compatible
    encodings), then the same names in the code alone, the words as whole words,
    strings and comments skipped: Keras's own ops, backends and utilities name
    `keras.layers` and `model.fit` in their docstrings. 44% of
    the benchmark corpus's files (Keras, keras-hub, tf-keras...) fail it. A
    notebook's code is inside JSON strings, so for notebooks only the byte test
    applies. A file that fails it but cannot be read (bytes that do not decode,
    a notebook that is not nbformat 4 JSON) passes all the same, so that reading
    it reports KER001: a broken file must not pass as a clean one.
    """
    if _names_keras(source_bytes) and any(word in source_bytes for word in MODEL_BUILDING_WORDS):
        if notebook:
            return True
        found = set()
        for match in _CODE_NAME.finditer(source_bytes):  # stops at the first pair, usually among the imports
            if match.lastgroup is not None:
                found.add(match.lastgroup)
                if len(found) == 2:
                    return True
    return not _readable(source_bytes, notebook)


def _readable(source_bytes: bytes, notebook: bool) -> bool:
    """Whether the bytes decode as Python source (or read as a notebook): cheap next to parsing."""
    from kerlint.notebook import read_notebook  # imported here: kerlint.notebook imports this module

    try:
        read_notebook(source_bytes) if notebook else decode_source(source_bytes)
    except SourceError:
        return False
    return True


def _names_keras(text: bytes) -> bool:
    return any(name in text for name in _KERAS_NAMES)


def read_file(path: Path) -> bytes:
    """The bytes of a regular file; OSError for anything else (a FIFO or a device would block or never end)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(descriptor, "rb") as handle:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, "Is a directory")
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file")
        return handle.read()


def decode_source(source_bytes: bytes) -> str:
    """Source bytes -> text as Python would read them: PEP 263 cookie, UTF-8 BOM stripped.

    Raises SourceError for null bytes, unknown encodings and undecodable bytes.
    """
    if source_bytes.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):  # UTF-32's BOMs start the same way
        raise SourceError("cannot decode file: it is UTF-16 or UTF-32 text; Python reads source as UTF-8 (save it as UTF-8)")
    if b"\0" in source_bytes:
        raise SourceError("file contains a null byte (UTF-16 text, or not text at all)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source_bytes).readline)
    except SyntaxError as error:  # unknown encoding in the cookie, a cookie that contradicts the BOM, or not UTF-8
        _decode(source_bytes, "utf-8")  # says where, when bytes that are not UTF-8 were the trouble
        raise SourceError(f"cannot detect the file's encoding: {error.msg}") from None
    return _decode(source_bytes, encoding)


def _decode(source_bytes: bytes, encoding: str) -> str:
    try:
        return source_bytes.decode(encoding)  # "utf-8-sig" strips the BOM
    except UnicodeDecodeError as error:
        name = "UTF-8" if encoding.startswith("utf-8") else encoding
        raise SourceError(f"cannot decode file as {name}: {error.reason} at byte {error.start}") from None


def read_source(path: Path | str) -> str:
    """The text of a Python file; OSError propagates (missing, unreadable), SourceError as above."""
    return decode_source(read_file(Path(path)))


class LineIndex:
    """Where each line of a text starts, to turn character offsets into lines and columns."""

    def __init__(self, text: str):
        self.starts = [0, *(match.end() for match in LINE_BREAK.finditer(text))]

    def line_and_column(self, offset: int) -> tuple[int, int]:
        """The 1-based line and 0-based column of `offset`."""
        index = bisect.bisect_right(self.starts, offset) - 1
        return index + 1, offset - self.starts[index]


def split_lines(text: str) -> list[str]:
    """`text` cut at Python's line breaks, so that line numbers agree with the parser's."""
    return LINE_BREAK.split(text)


def digest(data: bytes) -> str:
    """Content digest of a file's bytes, for cache keys and dependency records."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()
