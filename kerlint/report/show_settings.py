"""`--show-settings`: the configuration kerlint resolves for one file, to debug a pyproject.toml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, TextIO

from kerlint.config import Settings, display_path
from kerlint.rules import ALL_RULES, BY_CODE


def render(path: Path | str, settings: Settings, stream: TextIO) -> None:
    enabled = settings.codes_for(path)
    options = []
    for rule in ALL_RULES:
        if rule.options and rule.code in enabled:
            options.append(f"  [{rule.code}] {rule.name}")
            options += [f"    {key} = {json.dumps(value)}" for key, value in settings.options_for(rule.code).items()]
    sections = {
        f"enabled rules ({len(enabled)})": _rules(enabled),
        "ignored for this file by per-file-ignores": _rules(settings.enabled - enabled),
        "disabled rules": _rules(set(BY_CODE) - settings.enabled),
        "per-file-ignores": [f"  {json.dumps(glob)} = {json.dumps(sorted(codes))}" for glob, codes in settings.per_file_ignores],
        "exclude": [f"  {glob}" for glob in settings.exclude],
        "options": options,
    }
    source = display_path(settings.source) if settings.source is not None else "none (defaults)"
    lines = [f"Settings for {path}", f"config file: {source}", f"root: {settings.root}"]
    for title, body in sections.items():
        lines += [f"{title}:", *body] if body else [f"{title}: none"]
    stream.write("\n".join(lines) + "\n")


def _rules(codes: Iterable[str]) -> list[str]:
    wanted = set(codes)
    return [f"  {rule.code} {rule.name}" for rule in ALL_RULES if rule.code in wanted]
