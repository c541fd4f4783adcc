"""`--diff`: what `--fix` would change, as a unified diff per file (ruff prints the same)."""

from __future__ import annotations

import difflib

from kerlint.files import split_lines


def unified_diff(path: str, before: str, after: str) -> str:
    """`--- path` / `+++ path` and the changed hunks, with three lines of context."""
    return "".join(difflib.unified_diff(_lines(before), _lines(after), fromfile=path, tofile=path))


def _lines(text: str) -> list[str]:
    """Each line ending in one newline, so that hunks print a line each whatever the file's line endings."""
    lines = split_lines(text)
    if lines[-1] == "":  # what follows the last line break
        lines.pop()
    return [line + "\n" for line in lines]
