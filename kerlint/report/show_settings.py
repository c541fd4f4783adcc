"""`--show-settings`: the configuration kerlint resolves for one file, to debug a pyproject.toml."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, TextIO

from kerlint.budgets import Budgets, Limit
from kerlint.config import BUDGET_RULE, Settings, display_path
from kerlint.fix.settings import FixSettings
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
        "budgets": _budget_lines(settings.options_for(BUDGET_RULE).get("budgets")) if BUDGET_RULE in enabled else [],
        "fixes": _fix_lines(settings.fixes),
    }
    source = display_path(settings.source) if settings.source is not None else "none (defaults)"
    lines = [f"Settings for {path}", f"config file: {source}", f"root: {settings.root}"]
    for title, body in sections.items():
        lines += [f"{title}:", *body] if body else [f"{title}: none"]
    stream.write("\n".join(lines) + "\n")


def _fix_lines(fixes: FixSettings) -> list[str]:
    """`fix`, `unsafe-fixes` (the command line's --fix/--unsafe-fixes included), `fixable`, `unfixable`."""
    fixable = "all" if fixes.fixable is None else json.dumps(sorted(fixes.fixable))
    return [
        f"  fix = {json.dumps(fixes.fix)}",
        f"  unsafe-fixes = {json.dumps(fixes.unsafe_fixes)}",
        f"  fixable = {fixable}",
        f"  unfixable = {json.dumps(sorted(fixes.unfixable))}",
    ]


def _budget_lines(budgets: Budgets | None) -> list[str]:
    """`[tool.kerlint.budgets]` as resolved: the top-level settings, then each glob's table in order."""
    if budgets is None:
        return []
    lines = [f"  {key} = {_budget_value(value)}" for key, value in budgets.settings.items()]
    for pattern, settings in budgets.models:
        lines.append(f"  models.{json.dumps(pattern)}:")
        lines += [f"    {key} = {_budget_value(value)}" for key, value in settings.items()]
    return lines


def _budget_value(value: object) -> str:
    """A limit as written and as read (`25M (25,000,000)`); other settings as JSON."""
    if not isinstance(value, Limit):
        return json.dumps(value)
    read = f"{value.value:,}"
    return value.text if value.text == read else f"{value.text} ({read})"


def _rules(codes: Iterable[str]) -> list[str]:
    wanted = set(codes)
    return [f"  {rule.code} {rule.name}" for rule in ALL_RULES if rule.code in wanted]
