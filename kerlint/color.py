"""Colour for the human formats (`full`, `concise`), decided once per run.

Colour is on for a terminal and off otherwise, so that piped and redirected
output stays byte-for-byte what it was. `--color always|never` decides first;
then `FORCE_COLOR` (any non-empty value) turns it on and `NO_COLOR` (any
non-empty value, per https://no-color.org) turns it off.
"""

from __future__ import annotations

import os
from typing import Mapping, TextIO

from kerlint.findings import Severity

MODES = ("auto", "always", "never")
RESET = "\x1b[0m"
BOLD = "1"
RED, YELLOW, BLUE, CYAN = "31", "33", "34", "36"
SEVERITY_COLORS = {Severity.ERROR: RED, Severity.WARNING: YELLOW, Severity.INFO: BLUE}


def use_color(mode: str, stream: TextIO, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether to colour what is written to `stream` under `--color mode`."""
    if mode != "auto":
        return mode == "always"
    if environ.get("FORCE_COLOR"):
        return True
    if environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Palette:
    """How each part of a finding is styled; the plain palette returns text unchanged."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def _style(self, text: str, *codes: str) -> str:
        return f"\x1b[{';'.join(codes)}m{text}{RESET}" if self.enabled else text

    def path(self, text: str) -> str:
        return self._style(text, BOLD)

    def code(self, text: str, severity: Severity) -> str:
        return self._style(text, BOLD, SEVERITY_COLORS[severity])

    def carets(self, text: str, severity: Severity) -> str:
        return self._style(text, BOLD, SEVERITY_COLORS[severity])

    def gutter(self, text: str) -> str:
        return self._style(text, BOLD, BLUE)

    def help(self, text: str) -> str:
        return self._style(text, BOLD, CYAN)


PLAIN = Palette(enabled=False)
COLORED = Palette(enabled=True)
