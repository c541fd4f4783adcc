"""Content-hash cache of per-file findings, in `.kerlint_cache/` (like ruff's `.ruff_cache/`).

An entry answers for a file when all of these are unchanged: the file's bytes
(digest), its resolved settings (`Settings.fingerprint()`), kerlint itself (the
version and the size and mtime of every kerlint source file, so an edited
checkout never serves stale results), and the bytes of every project module the
interpreter followed while analyzing it. Only findings are stored: what `check`
reports; excerpts are re-read from the file when there is something to show.

The cache is JSON, never pickle: a `.kerlint_cache/` committed to a repository
under review must not be a way to run code. A file that cannot be read or
parsed, or that another kerlint wrote, is ignored and rewritten; writes go to a
temporary file that is renamed over the old one, so a reader never sees half a
file and two concurrent runs at worst lose each other's new entries.

The cache never loses a user's data: kerlint writes and deletes only inside a
directory it created itself (marked by its CACHEDIR.TAG, with a `.gitignore` of
`*`, both written when the directory is made), deletes only version directories
that carry its marker file, and never follows a symbolic link to do either. A
directory that is a link, the home directory, a project root, or that holds
anything kerlint did not write is refused (`CacheRefused`); a directory that
git tracks is neither written nor pruned. Cache files are opened without
following links or blocking (a FIFO is never read), their size is bounded, and
each entry is checked (its key, types, rule codes) before it answers.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

from kerlint import __version__
from kerlint.config import Settings
from kerlint.files import digest as content_digest, read_file
from kerlint.findings import Finding, Severity, Span
from kerlint.fix.edit import Fix
from kerlint.rules import BY_CODE

CACHE_DIR_NAME = ".kerlint_cache"
FORMAT = 3
KEEP_VERSIONS = 4
"""Cache directories of other kerlint versions kept besides the current one (newest first)."""
MAX_CACHE_BYTES = 256 * 2**20
"""A cache file larger than this is not read: a forged or runaway file must not exhaust memory."""
MISSING = "missing"
"""The digest of a dependency that is not there: a module the interpreter looked for and did not find."""

CACHEDIR_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by kerlint.\n"
    "# For information about cache directory tags, see https://bford.info/cachedir/\n"
)
GITIGNORE = "# Automatically created by kerlint.\n*\n"
VERSION_MARKER = "KERLINT_CACHE_VERSION"
"""The file in each version directory that says kerlint made it (and may delete it)."""
PROJECT_FILES = ("pyproject.toml", "setup.py", "setup.cfg", ".git", ".hg", ".svn")
"""Any of these in a directory makes it a project root, never a cache."""
_VERSION_NAME = re.compile(r"[0-9A-Za-z.+!_-]+-[0-9a-f]{16}")
"""How `code_version()` names a version directory."""


class CacheRefused(Exception):
    """A directory kerlint will not use for its cache; the message names it and says why.

    `chosen`: the user named it (`--cache-dir`, `$KERLINT_CACHE_DIR`), rather than the default.
    """

    chosen = False


def open_cache(requested: Path | None, root: Path) -> ResultCache:
    """The cache in `requested` (`--cache-dir`), else `$KERLINT_CACHE_DIR`, else `.kerlint_cache` in `root`."""
    configured = requested or os.environ.get("KERLINT_CACHE_DIR")
    try:
        return ResultCache(Path(configured) if configured else root / CACHE_DIR_NAME)
    except CacheRefused as refusal:
        refusal.chosen = bool(configured)
        raise


def code_version() -> str:
    """kerlint's version plus a digest of its own source files' sizes and modification times."""
    package = Path(__file__).resolve().parent
    state = hashlib.blake2b(f"{FORMAT}|{__version__}|{sys.version_info[:2]}".encode(), digest_size=8)
    for path in sorted(package.rglob("*.py")):
        try:
            stat = path.stat()
        except OSError:
            continue
        state.update(f"{path.relative_to(package)}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return f"{__version__}-{state.hexdigest()}"


class ResultCache:
    """Findings per file, for one kind of result (`namespace`, e.g. "check").

    CacheRefused when `directory` is not kerlint's to use (see the module's docstring).
    """

    def __init__(self, directory: Path, namespace: str = "check", version: str | None = None):
        self.directory = Path(directory)
        self.version = version or code_version()
        self.file = self.directory / self.version / f"{namespace}.json"
        self.entries: dict[str, dict[str, Any]] = self._load() if _inspect(self.directory) else {}
        self.dirty = False
        self.hits = self.misses = 0
        self.warning: str | None = None
        """Why the cache was not written, for the user (set by `save`)."""
        self._digests: dict[str, str | None] = {}
        self._fingerprints: dict[int, tuple[Settings, str]] = {}

    # ------------------------------------------------------------------ reading

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            document = json.loads(_read_regular_file(self.file, MAX_CACHE_BYTES))
        except (OSError, ValueError, RecursionError):  # missing, not a regular file, too large, not JSON, nested too deep
            return {}
        if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != self.version:
            return {}
        entries = document.get("entries")
        if not isinstance(entries, dict):
            return {}
        return {key: value for key, value in entries.items() if isinstance(value, dict)}

    def lookup(self, path: Path, settings: Settings) -> list[Finding] | None:
        """The cached findings for `path` as it is now, or None."""
        key = _key(path)
        entry = self.entries.get(key)
        if (
            entry is None
            or entry.get("path") != key
            or entry.get("settings") != self.fingerprint(settings)
            or not isinstance(entry.get("digest"), str)
            or entry["digest"] != self.digest_of(key)
        ):
            self.misses += 1
            return None
        deps = entry.get("deps")
        findings = _findings(entry.get("findings"))
        if not isinstance(deps, dict) or findings is None or any((self.digest_of(dep) or MISSING) != value for dep, value in deps.items()):
            self.misses += 1
            return None
        self.hits += 1
        return findings

    def digest_of(self, path: str) -> str | None:
        """Digest of the file's bytes now (once per run and path); None when it cannot be read."""
        if path not in self._digests:
            try:
                self._digests[path] = content_digest(read_file(Path(path)))
            except OSError:
                self._digests[path] = None
        return self._digests[path]

    def fingerprint(self, settings: Settings) -> str:
        known = self._fingerprints.get(id(settings))
        if known is None or known[0] is not settings:
            known = self._fingerprints[id(settings)] = (settings, settings.fingerprint())
        return known[1]

    # ------------------------------------------------------------------ writing

    def store(self, path: Path, settings: Settings, digest: str, deps: dict[str, str], findings: list[Finding]) -> None:
        """Remember the findings of `path` whose bytes had `digest`, and the modules it followed or looked for."""
        key = _key(path)
        self._digests.setdefault(key, digest)
        self.entries[key] = {
            "path": key,
            "digest": digest,
            "settings": self.fingerprint(settings),
            "deps": dict(deps),
            "findings": [_finding_json(finding) for finding in findings],
        }
        self.dirty = True

    def save(self) -> None:
        """Write the cache atomically, only into directories kerlint made; a cache that cannot be written is not written."""
        if not self.dirty:
            return
        document = {"format": FORMAT, "version": self.version, "entries": self.entries}
        try:
            if not self._prepare():
                return
            descriptor, temporary = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=self.file.parent)
            try:
                with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                    json.dump(document, handle, separators=(",", ":"))
                os.chmod(temporary, 0o666 & ~_umask())
                os.replace(temporary, self.file)
            except BaseException:
                _remove(temporary)
                raise
        except OSError:
            return
        self.dirty = False
        self._prune_versions()

    def _prepare(self) -> bool:
        """Make the cache directory and this version's directory where they are missing; whether both are kerlint's.

        The directory is inspected again: it may have changed since the run began.
        """
        try:
            made = _inspect(self.directory)
        except CacheRefused:
            return False
        if not made:
            if not _make_cache_dir(self.directory):
                return False
        elif _tracked_by_git(self.directory):
            self.warning = f"cache not written: git tracks files in {self.directory}"
            return False
        version_dir = self.file.parent
        try:
            os.mkdir(version_dir)
        except FileExistsError:
            return _is_version_dir(version_dir)
        _create(version_dir / VERSION_MARKER, _marker(version_dir.name))
        return True

    def _prune_versions(self) -> None:
        """Delete the directories of all but the newest few other kerlint versions: only those with kerlint's marker."""
        try:
            with os.scandir(self.directory) as listing:
                versions = [
                    (entry.stat(follow_symlinks=False).st_mtime, entry.path)
                    for entry in listing
                    if entry.name != self.version and entry.is_dir(follow_symlinks=False) and _is_version_dir(Path(entry.path))
                ]
        except OSError:
            return
        versions.sort(reverse=True)
        stale = versions[KEEP_VERSIONS:]
        if stale and _tracked_by_git(self.directory) is False:  # None: git cannot tell; then nothing is deleted
            for _, directory in stale:
                shutil.rmtree(directory, ignore_errors=True)  # refuses a link; never follows one inside


def _key(path: Path) -> str:
    return os.path.abspath(path)


def _finding_json(finding: Finding) -> list[Any]:
    span = finding.span
    return [finding.path, span.line, span.column, span.end_line, span.end_column, finding.code, finding.name, finding.message, finding.severity.value, finding.help, finding.fix and finding.fix.to_json()]


def _findings(value: Any) -> list[Finding] | None:
    """Findings back from JSON; None when anything about them is off (the entry is then a miss)."""
    if not isinstance(value, list):
        return None
    findings = []
    try:
        for path, line, column, end_line, end_column, code, name, message, severity, suggestion, fix in value:
            if not all(isinstance(n, int) for n in (line, column, end_line, end_column)):
                return None
            if not all(isinstance(s, str) for s in (path, code, name, message)) or not isinstance(suggestion, (str, type(None))):
                return None
            rule = BY_CODE.get(code)
            if rule is None or rule.name != name:  # a code this kerlint does not have: forged, or another kerlint's
                return None
            findings.append(Finding(path, Span(line, column, end_line, end_column), code, name, message, Severity(severity), help=suggestion, fix=Fix.from_json(fix)))
    except (TypeError, ValueError):
        return None
    return findings


def _inspect(directory: Path) -> bool:
    """Whether `directory` is a cache kerlint made (True) or is yet to be made (False: absent or empty).

    CacheRefused for anything else: a link, not a directory, the home directory,
    a project root, or a directory that holds something kerlint did not write.
    """
    try:
        info = os.lstat(directory)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise CacheRefused(f"cannot use {directory} as the cache directory: {error.strerror or error}") from None
    if stat.S_ISLNK(info.st_mode):
        raise CacheRefused(f"cache directory {directory} is a symbolic link; kerlint follows none")
    if not stat.S_ISDIR(info.st_mode):
        raise CacheRefused(f"cache directory {directory} is not a directory")
    if _is_home(info):
        raise CacheRefused(f"cache directory {directory} is your home directory")
    project = next((name for name in PROJECT_FILES if os.path.lexists(directory / name)), None)
    if project is not None:
        raise CacheRefused(f"cache directory {directory} is a project root (it holds {project})")
    try:
        with os.scandir(directory) as listing:
            entries = list(listing)
        if not entries:
            return False
        tagged = _is_tagged(directory)
    except OSError as error:
        raise CacheRefused(f"cannot use {directory} as the cache directory: {error.strerror or error}") from None
    foreign = sorted(entry.name for entry in entries if not (tagged and _written_by_kerlint(entry)))
    if foreign:
        named = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise CacheRefused(f"cache directory {directory} holds files kerlint did not write ({named})")
    return True


def _written_by_kerlint(entry: os.DirEntry) -> bool:
    """Could kerlint have written this entry of its cache directory: its tags (plain files) or a version directory?

    A version directory is named like `code_version()` or carries kerlint's marker.
    Those written before kerlint marked them (cache format 1) are kept, never deleted.
    """
    if entry.name in ("CACHEDIR.TAG", ".gitignore"):
        return entry.is_file(follow_symlinks=False)
    if not entry.is_dir(follow_symlinks=False):
        return False
    return _VERSION_NAME.fullmatch(entry.name) is not None or _is_version_dir(Path(entry.path))


def _is_home(info: os.stat_result) -> bool:
    try:
        return os.path.samestat(info, os.stat(Path.home()))
    except (OSError, RuntimeError):  # no home directory to compare with
        return False


def _is_tagged(directory: Path) -> bool:
    """Whether `directory` holds kerlint's CACHEDIR.TAG (a regular file with exactly kerlint's text)."""
    try:
        return _read_regular_file(directory / "CACHEDIR.TAG", 4096) == CACHEDIR_TAG.encode()
    except OSError:
        return False


def _make_cache_dir(directory: Path) -> bool:
    """Create the cache directory with its tags; whether it is kerlint's (another run may have just made it)."""
    directory.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.mkdir(directory)
    except FileExistsError:  # an empty directory found at the start, or one another run has just made
        try:
            if _inspect(directory):
                return True
        except CacheRefused:
            return False
    _create(directory / "CACHEDIR.TAG", CACHEDIR_TAG)
    _create(directory / ".gitignore", GITIGNORE)
    return True


def _create(path: Path, text: str) -> None:
    """Write a new file; one already there (another run's, or a link) is left alone."""
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        pass


def _marker(version: str) -> str:
    return f"kerlint result cache\n{version}\n"


def _is_version_dir(directory: Path) -> bool:
    """Whether `directory` carries kerlint's marker for its own name: kerlint made it, and may delete it."""
    try:
        return _read_regular_file(directory / VERSION_MARKER, 4096) == _marker(directory.name).encode()
    except OSError:
        return False


def _read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of `path`, a regular file of at most `limit` bytes; OSError for anything else.

    Opened without following a link or blocking, then checked: a FIFO, a device
    or a link planted in a cache directory is never read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    with open(os.open(path, flags), "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        data = handle.read(limit + 1)
    if info.st_size > limit or len(data) > limit:
        raise OSError(errno.EFBIG, "file too large", str(path))
    return data


def _tracked_by_git(directory: Path) -> bool | None:
    """Whether git tracks files in `directory`: False outside a work tree, None when git cannot tell.

    Asked only before kerlint writes into a directory it found, or deletes: a
    git command per warm run would cost more than the rest of it.
    """
    absolute = Path(os.path.abspath(directory))
    if not any(os.path.lexists(folder / ".git") for folder in (absolute, *absolute.parents)):
        return False
    import subprocess

    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", "."], cwd=absolute, capture_output=True, stdin=subprocess.DEVNULL, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(listed.stdout) if listed.returncode == 0 else None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
