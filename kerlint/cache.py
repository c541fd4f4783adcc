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
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from kerlint import __version__
from kerlint.config import Settings
from kerlint.files import digest as content_digest, read_file
from kerlint.findings import Finding, Severity, Span

CACHE_DIR_NAME = ".kerlint_cache"
FORMAT = 1
KEEP_VERSIONS = 4
"""Cache directories of other kerlint versions kept besides the current one (newest first)."""


def default_cache_dir(root: Path) -> Path:
    """`$KERLINT_CACHE_DIR`, else `.kerlint_cache` in `root` (the project root or the working directory)."""
    configured = os.environ.get("KERLINT_CACHE_DIR")
    return Path(configured) if configured else root / CACHE_DIR_NAME


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
    """Findings per file, for one kind of result (`namespace`, e.g. "check")."""

    def __init__(self, directory: Path, namespace: str = "check", version: str | None = None):
        self.directory = Path(directory)
        self.version = version or code_version()
        self.file = self.directory / self.version / f"{namespace}.json"
        self.entries: dict[str, dict[str, Any]] = self._load()
        self.dirty = False
        self.hits = self.misses = 0
        self._digests: dict[str, str | None] = {}
        self._fingerprints: dict[int, tuple[Settings, str]] = {}

    # ------------------------------------------------------------------ reading

    def _load(self) -> dict[str, dict[str, Any]]:
        try:
            with open(self.file, "rb") as handle:
                document = json.loads(handle.read())
        except (OSError, ValueError):  # missing, unreadable, not JSON, not UTF-8
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
        if entry is None or entry.get("settings") != self.fingerprint(settings) or entry.get("digest") != self.digest_of(key):
            self.misses += 1
            return None
        deps = entry.get("deps")
        findings = _findings(entry.get("findings"))
        if not isinstance(deps, dict) or findings is None or any(self.digest_of(dep) != value for dep, value in deps.items()):
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
        """Remember the findings of `path` whose bytes had `digest`, and the modules it followed."""
        key = _key(path)
        self._digests.setdefault(key, digest)
        self.entries[key] = {
            "digest": digest,
            "settings": self.fingerprint(settings),
            "deps": dict(deps),
            "findings": [_finding_json(finding) for finding in findings],
        }
        self.dirty = True

    def save(self) -> None:
        """Write the cache atomically; a cache that cannot be written is silently not written."""
        if not self.dirty:
            return
        document = {"format": FORMAT, "version": self.version, "entries": self.entries}
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            _mark_cache_dir(self.directory)
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

    def _prune_versions(self) -> None:
        """Drop the directories of all but the newest few other kerlint versions."""
        try:
            others = [entry for entry in self.directory.iterdir() if entry.is_dir() and entry.name != self.version]
            others.sort(key=lambda entry: entry.stat().st_mtime, reverse=True)
        except OSError:
            return
        for stale in others[KEEP_VERSIONS:]:
            shutil.rmtree(stale, ignore_errors=True)


def _key(path: Path) -> str:
    return os.path.abspath(path)


def _finding_json(finding: Finding) -> list[Any]:
    span = finding.span
    return [finding.path, span.line, span.column, span.end_line, span.end_column, finding.code, finding.name, finding.message, finding.severity.value]


def _findings(value: Any) -> list[Finding] | None:
    """Findings back from JSON; None when anything about them is off (the entry is then a miss)."""
    if not isinstance(value, list):
        return None
    findings = []
    try:
        for path, line, column, end_line, end_column, code, name, message, severity in value:
            if not all(isinstance(n, int) for n in (line, column, end_line, end_column)):
                return None
            if not all(isinstance(s, str) for s in (path, code, name, message)):
                return None
            findings.append(Finding(path, Span(line, column, end_line, end_column), code, name, message, Severity(severity)))
    except (TypeError, ValueError):
        return None
    return findings


def _mark_cache_dir(directory: Path) -> None:
    """A `.gitignore` that ignores everything and a CACHEDIR.TAG, as ruff and pytest write them."""
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("# Automatically created by kerlint.\n*\n", encoding="utf-8")
    tag = directory / "CACHEDIR.TAG"
    if not tag.exists():
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# This file is a cache directory tag created by kerlint.\n"
            "# For information about cache directory tags, see https://bford.info/cachedir/\n",
            encoding="utf-8",
        )


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
