"""The fix options of `kerlint check`, as ruff has them: --fix, --unsafe-fixes, --diff, --show-fixes.

`--fix` applies the fixes that are safe (and, with `--unsafe-fixes`, the unsafe
ones too) and writes the files; the report then shows what remains, closed by
`Found N findings (M fixed, K remaining).` `--diff` prints what `--fix` would
change and writes nothing. Without either, findings whose fix would apply are
marked `[*]` and counted (`[*] N fixable with the --fix option.`).

The files are fixed after the run that found their findings, from the fixes
those carry: only the files with a fix to apply are read again, and their fixed
texts are linted again (`apply`). Notebooks and standard input are not fixed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, TextIO

from kerlint.config import Settings
from kerlint.engine import FileResult
from kerlint.files import SourceError, decode_source, read_file
from kerlint.findings import Finding
from kerlint.fix.apply import FixedSource, fix_sources
from kerlint.fix.settings import FixSettings
from kerlint.report.concise import summary_line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--fix", action="store_true", default=None, help="apply the safe fixes, write the files, and report what remains (default: fix in [tool.kerlint])")
    parser.add_argument("--no-fix", action="store_false", dest="fix", help="do not fix, whatever [tool.kerlint] says")
    parser.add_argument("--unsafe-fixes", action="store_true", default=None, help="count unsafe fixes as fixable, and apply them with --fix or --diff (default: unsafe-fixes in [tool.kerlint])")
    parser.add_argument("--no-unsafe-fixes", action="store_false", dest="unsafe_fixes", help="only safe fixes, whatever [tool.kerlint] says")
    parser.add_argument("--diff", action="store_true", help="print the changes --fix would make as a unified diff, write nothing (exit 1 if there are any)")
    parser.add_argument("--show-fixes", action="store_true", help="with --fix, list the findings that were fixed")
    parser.add_argument("--add-noqa", action="store_true", help="write a `# noqa: CODE` comment for each finding, so that the next check passes; nothing else is printed")


def fix_settings(args: argparse.Namespace, settings: Settings) -> FixSettings:
    """The fix settings of the run: `check`'s --fix/--no-fix and --unsafe-fixes/--no-unsafe-fixes over the
    configured `fix` and `unsafe-fixes` (the working directory's project's, as for `fail-on`)."""
    fixes = settings.fixes
    if args.command != "check":  # `cost --diff REV` is another thing
        return fixes
    fix = fixes.fix if args.fix is None else args.fix
    unsafe = fixes.unsafe_fixes if args.unsafe_fixes is None else args.unsafe_fixes
    return replace(fixes, fix=fix, unsafe_fixes=unsafe)


def with_command_line(args: argparse.Namespace, settings: Settings) -> Settings:
    """`settings` with the run's fix settings, for --show-settings."""
    return replace(settings, fixes=fix_settings(args, settings))


def requested(args: argparse.Namespace, settings: Settings) -> bool:
    """Does this `check` change files (`--fix`, or `fix = true`), or show how it would (`--diff`)?"""
    return args.command == "check" and bool(args.diff or fix_settings(args, settings).fix)


def fix_results(args: argparse.Namespace, results: list[FileResult], settings_for: Callable[[Path], Settings]) -> list[FileResult]:
    """`results` with each file that has fixes to apply fixed (and written, unless `--diff`): its findings
    those that remain, its `FixedSource` in `data`."""
    from kerlint.fix.write import ChangedOnDisk, source_encoding, write_fixed  # what only writing needs

    fixes = fix_settings(args, settings_for(Path.cwd()))
    read: dict[int, bytes] = {}
    files: dict[int, FixedSource] = {}
    for index, result in enumerate(results):
        if not any(fixes.applies(finding) for finding in result.findings):
            continue
        if result.notebook is not None:
            _warn(f"{result.path}: notebooks are not fixed; apply the fixes in its cells by hand")
            continue
        path = Path(result.path)  # shown relative to the working directory, or absolute
        try:
            read[index] = read_file(path)
            source = decode_source(read[index])
        except (OSError, SourceError) as error:
            _warn(f"{result.path}: not fixed: {error}")
            continue
        if source != result.source:
            _warn(f"{result.path}: not fixed: it changed since it was checked")
            continue
        files[index] = FixedSource(path, result.path, settings_for(path), source_encoding(read[index]), source, result.findings)
    fix_sources(files.values(), fixes.applies)
    fixed = list(results)
    for index, file in files.items():
        if file.undone:
            codes = ", ".join(sorted({finding.code for finding in file.undone}))
            _warn(f"{file.display}: fixes for {codes} would leave the file unanalyzable and were not applied; please report this")
        if not file.changed:
            continue
        if not args.diff:
            try:
                write_fixed(file.path, read[index], file.source)
            except (ChangedOnDisk, OSError, UnicodeEncodeError) as error:
                _warn(f"{file.display}: not fixed: {error}")
                continue
        fixed[index] = FileResult(file.display, file.source, file.findings, data=file)
    return fixed


def write_diff(results: Iterable[FileResult], stream: TextIO) -> int:
    """`--diff`: the unified diff of each file fixing would change; exit 1 if there is one, else 0."""
    from kerlint.fix.diff import unified_diff

    changed = [result.data for result in results if isinstance(result.data, FixedSource)]
    for result in results:
        if isinstance(result.data, FixedSource):
            stream.write(unified_diff(result.path, result.data.original, result.data.source))
    count = sum(len(fixed.fixed) for fixed in changed)
    print(f"Would fix {_findings(count)}." if count else "No findings would be fixed.", file=sys.stderr)
    return 1 if changed else 0


def shown(args: argparse.Namespace, settings: Settings, findings: list[Finding]) -> list[Finding]:
    """The findings as reported: a fix that would not apply (unsafe, without --unsafe-fixes) is not shown as `[*]`."""
    fixes = fix_settings(args, settings)
    return [finding if finding.fix is None or fixes.applies(finding) else replace(finding, fix=None) for finding in findings]


def summary(args: argparse.Namespace, settings: Settings, results: list[FileResult]) -> str:
    """The closing lines of the full and concise formats.

    After `--fix`: what was fixed (listed with `--show-fixes`) and what remains;
    otherwise the line the format printed, followed by how many findings
    `--fix` would fix.
    """
    fixes = fix_settings(args, settings)
    remaining = [finding for result in results for finding in result.findings]
    lines = []
    fixable = sum(1 for finding in remaining if fixes.applies(finding))
    hidden = sum(1 for finding in remaining if fixes.hidden(finding))
    if requested(args, settings):
        fixed = {result.path: result.data.fixed for result in results if isinstance(result.data, FixedSource)}
        count = sum(len(findings) for findings in fixed.values())
        if args.show_fixes and count:
            lines += [f"Fixed {_findings(count)}:", *_listing(fixed)]
        total = count + len(remaining)
        lines.append(f"Found {_findings(total)} ({count} fixed, {len(remaining)} remaining)." if count else summary_line(remaining))
    if fixable:
        lines.append(f"[*] {fixable} fixable with the `--fix` option{_hidden_note(hidden, ' (', ')')}.")
    elif hidden:
        lines.append(f"No fixes available{_hidden_note(hidden, ' (', ')')}.")
    return "".join(line + "\n" for line in lines)


def _listing(fixed: dict[str, list[Finding]]) -> list[str]:
    """ruff's `--show-fixes` list: each file, then `N × CODE (name)` per rule."""
    lines = []
    for path, findings in sorted(fixed.items()):
        counts = Counter((finding.code, finding.name) for finding in findings)
        lines.append(f"- {path}:")
        lines += [f"    {count} × {code} ({name})" for (code, name), count in sorted(counts.items())]
    return lines


def _hidden_note(hidden: int, before: str, after: str) -> str:
    if not hidden:
        return ""
    fixes = "1 hidden fix" if hidden == 1 else f"{hidden} hidden fixes"
    return f"{before}{fixes} can be enabled with the `--unsafe-fixes` option{after}"


def _findings(count: int) -> str:
    return f"{count} finding" if count == 1 else f"{count} findings"


def _warn(message: str) -> None:
    print(f"kerlint: warning: {message}", file=sys.stderr)
