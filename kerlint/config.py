"""`[tool.kerlint]` in pyproject.toml -> `Settings`, the resolved configuration of one project.

Everything is validated when it is loaded, so that a typo in the configuration stops
the run with the file and the key named instead of silently linting with defaults.
Rules are looked up only through the registry, so rules registered later are
configurable without touching this module.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import json
import os
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on old interpreters
    import tomli as tomllib

from kerlint.fix.settings import FixSettings
from kerlint.limits import LimitError, Limits, parse_limits
from kerlint.rules import BY_CODE, DEFAULT_CODES, codes_for_selector, rule_for

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git", ".hg", ".venv", "venv", "__pypackages__", "build", "dist", "node_modules",
    "site-packages", ".tox", ".nox", ".eggs", ".mypy_cache", ".pytest_cache",
    "__pycache__", ".kerlint_cache",
)
"""Like ruff's defaults: directories that never hold the user's own model code."""

_LIST_KEYS = ("select", "extend-select", "ignore", "exclude", "extend-exclude")
_PER_FILE_KEYS = ("per-file-ignores", "extend-per-file-ignores")
_FIX_KEYS = ("fix", "unsafe-fixes", "fixable", "unfixable")
ALLOWED_KEYS: tuple[str, ...] = tuple(sorted(_LIST_KEYS + _PER_FILE_KEYS + _FIX_KEYS + ("options", "budgets", "limits", "fail-on", "fail-on-increase")))
FAIL_ON = ("error", "warning")
"""`fail-on` values: the least severe finding that fails a run (`error`: warnings are printed but pass)."""
ALWAYS_ENABLED = frozenset({"KER001"})
"""Syntax errors are reported whatever the selection, as ruff does: a file that cannot be read is
not a file that passed, and a mistyped path must not turn into "All checks passed!"."""
BUDGET_RULE = "KER901"
"""The rule that checks `[tool.kerlint.budgets]`; it receives them as its `budgets` option."""


def _glob(pattern: str) -> str:
    """A configured glob as matched: surrounding spaces, a leading `./` and trailing `/` dropped."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    return pattern.rstrip("/") or pattern


@functools.lru_cache(maxsize=256)
def _any_glob(patterns: tuple[str, ...]) -> re.Pattern:
    """One regular expression matching what any of the globs matches (as `fnmatch.fnmatchcase`):
    excludes are matched against every file and directory walked."""
    return re.compile("|".join(f"(?:{fnmatch.translate(_glob(pattern))})" for pattern in patterns) or "(?!)")


class ConfigError(Exception):
    """A configuration problem; the message names the file and key and is meant to be shown as is."""


@dataclass(frozen=True)
class Settings:
    """The resolved configuration: which codes run where, what is skipped, rule options."""

    enabled: frozenset[str]
    per_file_ignores: tuple[tuple[str, frozenset[str]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    root: Path = field(default_factory=Path.cwd)
    source: Path | None = None
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, hash=False)
    """Rule code -> the option values set in the file (defaults live on the rule class)."""
    fail_on: str = "warning"
    """One of FAIL_ON; decides the exit code only, so it is not part of `fingerprint()`."""
    fail_on_increase: tuple[tuple[str, float], ...] = ()
    """`kerlint cost --diff`'s gate: (metric, largest relative increase) pairs; not part of `fingerprint()` either."""
    limits: Limits = Limits()
    """`[tool.kerlint.limits]`; not part of `fingerprint()`: a result over a limit is never cached."""
    fixes: FixSettings = FixSettings()
    """`fix`, `unsafe-fixes`, `fixable`, `unfixable`; not part of `fingerprint()`: findings carry their fixes either way."""

    def options_for(self, code: str) -> Mapping[str, Any]:
        """The rule's defaults overlaid with the configured values (read-only: computed once per settings)."""
        return _rule_options(self, code)

    def relative(self, path: Path | str) -> str:
        """`path` as a POSIX string relative to `root` (absolute when outside it): what globs see.

        String operations, not pathlib: this runs for every file and directory walked.
        """
        absolute, root = os.path.abspath(path), str(self.root)
        if absolute == root:
            relative = "."
        elif absolute.startswith(root.rstrip(os.sep) + os.sep):
            relative = absolute[len(root.rstrip(os.sep)) + 1 :]
        else:
            relative = absolute
        return relative.replace(os.sep, "/") if os.sep != "/" else relative

    def matches(self, pattern: str, path: Path | str) -> bool:
        """Glob match against the path relative to `root` or its basename (ruff's behaviour)."""
        return self._matches_any((pattern,), path)

    def _matches_any(self, patterns: Iterable[str], path: Path | str) -> bool:
        regex = _any_glob(tuple(patterns))
        return bool(regex.match(self.relative(path)) or regex.match(os.path.basename(os.path.normpath(path))))

    def codes_for(self, path: Path | str) -> frozenset[str]:
        """The enabled codes minus those that per-file-ignores drop for `path`."""
        ignored: set[str] = set()
        for pattern, codes in self.per_file_ignores:
            if self.matches(pattern, path):
                ignored |= codes
        return self.enabled - ignored

    def is_excluded(self, path: Path | str) -> bool:
        return self._matches_any(self.exclude, path)

    def fingerprint(self) -> str:
        """A stable digest of everything that can change results, for use as a cache key."""
        payload = {
            "enabled": sorted(self.enabled),
            "per_file_ignores": [[pattern, sorted(codes)] for pattern, codes in self.per_file_ignores],
            "exclude": list(self.exclude),
            "root": self.root.as_posix(),
            "options": {code: dict(self.options_for(code)) for code in sorted(self.enabled) if code in BY_CODE},
        }
        text = json.dumps(payload, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()


@functools.lru_cache(maxsize=256)
def _rule_options(settings: Settings, code: str) -> Mapping[str, Any]:
    """`Settings.options_for`, once per rule and settings (every file of a run has the same); shared, so read-only."""
    return _read_only({**BY_CODE[code].options, **settings.options.get(code, {})})


def _read_only(value: Any) -> Any:
    """`value` with its lists as tuples and its dicts as read-only mappings, all the way down."""
    if isinstance(value, Mapping):
        return types.MappingProxyType({key: _read_only(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_read_only(item) for item in value)
    return value


def find_pyproject(start: Path, known: dict[str, Path | None] | None = None) -> Path | None:
    """The nearest pyproject.toml at or above `start` (a file or a directory) with `[tool.kerlint]`.

    A pyproject.toml without the table is skipped, as ruff does, so that a
    sub-package's packaging metadata does not hide the project's configuration.
    Raises ConfigError for a pyproject.toml that mentions kerlint but is not valid TOML.
    `known` remembers the answer per directory across calls (one run over a tree
    asks for every file; a long-lived caller would miss edits to pyproject files).
    """
    start_text = os.path.abspath(start)
    directory = start_text if os.path.isdir(start_text) else os.path.dirname(start_text)
    known = {} if known is None else known
    walked = []
    found: Path | None = None
    while True:
        if directory in known:
            found = known[directory]
            break
        walked.append(directory)
        candidate = Path(directory, "pyproject.toml")
        if has_kerlint_table(candidate):
            found = candidate
            break
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    known.update(dict.fromkeys(walked, found))
    return found


def load_settings(
    pyproject: Path | None,
    *,
    select: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extra_exclude: Iterable[str] = (),
) -> Settings:
    """Resolve `[tool.kerlint]` of `pyproject` (defaults when None) with the CLI overrides on top.

    Rule selection is layered like ruff: first the file (`select` replaces the
    default rule set, `extend-select` adds, `ignore` removes),
    then the CLI the same way, so the CLI wins over anything in the file.
    `extend-per-file-ignores` adds its globs to those of `per-file-ignores`.
    """
    if pyproject is None:
        table: dict[str, Any] = {}
        root, prefix = Path.cwd(), ""
    else:
        table = _read_table(pyproject) or {}
        root, prefix = Path(os.path.abspath(pyproject)).parent, f"{display_path(pyproject)}: "
    where = _section(prefix)

    unknown = sorted(set(table) - set(ALLOWED_KEYS))
    if unknown:
        raise ConfigError(f"{where} unknown key {unknown[0]!r} (allowed: {', '.join(ALLOWED_KEYS)})")
    lists = {key: _string_list(table[key], f"{where} {key!r}") for key in _LIST_KEYS if key in table}

    def file_codes(key: str) -> set[str]:
        return _codes(lists.get(key, ()), f"{where} {key}")

    enabled = _select_layer(
        set(DEFAULT_CODES),
        file_codes("select") if "select" in lists else None,
        file_codes("extend-select"),
        file_codes("ignore"),
    )
    enabled = _select_layer(
        enabled,
        None if select is None else _codes(select, "--select"),
        _codes(extend_select or (), "--extend-select"),
        _codes(ignore or (), "--ignore"),
    )

    exclude = tuple(lists.get("exclude", DEFAULT_EXCLUDE)) + tuple(lists.get("extend-exclude", ())) + tuple(extra_exclude)
    return Settings(
        enabled=frozenset(enabled),
        per_file_ignores=tuple(
            entry for key in _PER_FILE_KEYS for entry in _per_file_ignores(table.get(key, {}), key, prefix)
        ),
        exclude=exclude,
        root=root,
        source=pyproject,
        options=_with_budgets(_options(table.get("options", {}), prefix), table, pyproject, prefix),
        fail_on=_fail_on(table.get("fail-on", "warning"), f"{where} 'fail-on'"),
        fail_on_increase=_fail_on_increase(table, f"{where} 'fail-on-increase'"),
        limits=_limits(table, _section(prefix, "limits")),
        fixes=_fix_settings(table, where),
    )


def _fix_settings(table: dict[str, Any], where: str) -> FixSettings:
    flags = {}
    for key in ("fix", "unsafe-fixes"):
        flags[key] = table.get(key, False)
        if not isinstance(flags[key], bool):
            raise ConfigError(f"{where} {key!r} must be true or false, got {_type_name(flags[key])}")
    rules = {key: frozenset(_codes(_string_list(table[key], f"{where} {key!r}"), f"{where} {key}")) for key in ("fixable", "unfixable") if key in table}
    return FixSettings(flags["fix"], flags["unsafe-fixes"], rules.get("fixable"), rules.get("unfixable", frozenset()))


def _limits(table: dict[str, Any], where: str) -> Limits:
    try:
        return parse_limits(table["limits"], where) if "limits" in table else Limits()
    except LimitError as error:
        raise ConfigError(str(error)) from None


def _fail_on_increase(table: dict[str, Any], where: str) -> tuple[tuple[str, float], ...]:
    if "fail-on-increase" not in table:
        return ()
    from kerlint.cost_diff import ThresholdError, parse_thresholds

    try:
        return parse_thresholds(table["fail-on-increase"], where)
    except ThresholdError as error:
        raise ConfigError(str(error)) from None


def _fail_on(value: Any, where: str) -> str:
    if value not in FAIL_ON:
        raise ConfigError(f"{where} must be one of {', '.join(FAIL_ON)}, got {value!r}")
    return value


def _select_layer(enabled: set[str], select: set[str] | None, extend: set[str], ignore: set[str]) -> set[str]:
    """One layer of rule selection: `select` replaces, `extend-select` adds, `ignore` removes (but not ALWAYS_ENABLED)."""
    return (((enabled if select is None else select) | extend) - ignore) | ALWAYS_ENABLED


def has_kerlint_table(candidate: Path) -> bool:
    """Whether `candidate` is a readable pyproject.toml with `[tool.kerlint]`; ConfigError if it is not valid TOML."""
    try:
        if b"kerlint" not in candidate.read_bytes():  # cheap: don't parse every pyproject up the tree
            return False
    except OSError:
        return False
    return _read_table(candidate) is not None


def _read_table(pyproject: Path) -> dict[str, Any] | None:
    """The `[tool.kerlint]` table, or None when the file has none."""
    name = display_path(pyproject)
    try:
        with open(pyproject, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{name}: cannot read file: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name}: invalid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name}: invalid TOML: not UTF-8 ({error.reason} at byte {error.start})") from None
    tool = data.get("tool")
    table = tool.get("kerlint") if isinstance(tool, dict) else None
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{name}: [tool.kerlint] must be a table, got {_type_name(table)}")
    return table


def _section(prefix: str, *parts: str) -> str:
    """`pyproject.toml: [tool.kerlint.options.KER101]`: where an error is, for its message."""
    return prefix + "[" + ".".join(("tool.kerlint", *parts)) + "]"


def _per_file_ignores(value: Any, key: str, prefix: str) -> tuple[tuple[str, frozenset[str]], ...]:
    section = _section(prefix, key)
    if not isinstance(value, dict):
        raise ConfigError(f"{_section(prefix)} {key!r} must be a table of glob -> list of rule selectors, got {_type_name(value)}")
    result = []
    for pattern, selectors in value.items():
        where = f"{section} {pattern!r}"
        result.append((pattern, frozenset(_codes(_string_list(selectors, where), where) - ALWAYS_ENABLED)))
    return tuple(result)


def _options(value: Any, prefix: str) -> dict[str, dict[str, Any]]:
    """Validate `[tool.kerlint.options.<rule>]` tables against each rule's declared options."""
    if not isinstance(value, dict):
        raise ConfigError(f"{_section(prefix)} 'options' must be a table of rule -> table of options, got {_type_name(value)}")
    result: dict[str, dict[str, Any]] = {}
    for key, configured in value.items():
        rule = rule_for(key)
        if rule is None:
            raise ConfigError(f"{_section(prefix, 'options')} unknown rule {key!r} (known rules: {', '.join(sorted(BY_CODE))})")
        rule_section = _section(prefix, "options", key)
        if rule.code in result:
            raise ConfigError(f"{rule_section} rule {rule.code} ({rule.name}) is configured twice")
        if not isinstance(configured, dict):
            raise ConfigError(f"{rule_section} must be a table of option -> value, got {_type_name(configured)}")
        result[rule.code] = {}
        for option, option_value in configured.items():
            if option not in rule.options:
                allowed = f"allowed: {', '.join(sorted(rule.options))}" if rule.options else f"{rule.code} has no options"
                raise ConfigError(f"{rule_section} unknown option {option!r} ({allowed})")
            result[rule.code][option] = _coerce_option(option_value, rule.options[option], f"{rule_section} option {option!r}")
    return result


def _with_budgets(options: dict[str, dict[str, Any]], table: dict[str, Any], pyproject: Path | None, prefix: str) -> dict[str, dict[str, Any]]:
    """`[tool.kerlint.budgets]`, validated, handed to the budget rule as its `budgets` option."""
    if "budgets" not in table:
        return options
    from kerlint.budgets import BudgetError, parse_budgets

    source = display_path(pyproject) if pyproject is not None else "pyproject.toml"
    try:
        budgets = parse_budgets(table["budgets"], source, _section(prefix, "budgets"))
    except BudgetError as error:
        raise ConfigError(str(error)) from None
    options.setdefault(BUDGET_RULE, {})["budgets"] = budgets
    return options


def _coerce_option(value: Any, default: Any, where: str) -> Any:
    """Check `value` against the type of the rule's default (None accepts anything)."""
    if default is None:
        return value
    if isinstance(default, bool):
        ok, expected = isinstance(value, bool), "a boolean"
    elif isinstance(default, int):
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "an integer"
    elif isinstance(default, float):
        ok, expected = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif isinstance(default, (list, tuple, set, frozenset)):
        ok, expected = isinstance(value, list), "a list"
        if ok:
            value = type(default)(value)
    else:
        ok, expected = isinstance(value, type(default)), f"a {type(default).__name__}"
    if not ok:
        raise ConfigError(f"{where} must be {expected}, got {_type_name(value)}")
    return value


def _string_list(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where} must be a list of strings, got {_type_name(value)}")
    return value


def _codes(selectors: Iterable[str], where: str) -> set[str]:
    codes: set[str] = set()
    for selector in selectors:
        try:
            codes |= codes_for_selector(selector)
        except ValueError as error:
            raise ConfigError(f"{where}: {error}") from None
    return codes


def _type_name(value: Any) -> str:
    if isinstance(value, list):
        return "a list containing " + ", ".join(sorted({type(item).__name__ for item in value}))
    return {dict: "a table", str: "a string", bool: "a boolean", int: "an integer", float: "a float"}.get(
        type(value), type(value).__name__
    )


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it: what the user typed, roughly."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative
