"""pylint plugin: kerlint's findings as pylint messages, so that editors running pylint show them.

Load it with ``--load-plugins=kerlint.pylint_plugin`` or ``load-plugins`` in
``[tool.pylint.main]``. Every registered rule is a message (``E9301``,
``kerlint-incompatible-shared-layer``; see ``kerlint.report.pylint``). The file
goes through kerlint's own per-file pipeline with the ``[tool.kerlint]``
settings of its nearest pyproject.toml, so kerlint's selection, options,
excludes, limits and suppression comments apply (a file that ``exclude`` or
``extend-exclude`` matches gets no kerlint messages); pylint's enable/disable
options and ``# pylint: disable=kerlint-...`` comments apply on top, as for any
message. Like every kerlint entry point, the analysis runs in a worker process
within the per-file limits, so no file can crash or hang the editor's pylint.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from astroid import nodes
from pylint.checkers import BaseRawFileChecker

from kerlint.config import ConfigError, find_pyproject, load_settings
from kerlint.engine import Task, analyze_files
from kerlint.files import is_force_excluded
from kerlint.report.pylint import message_id, symbol, with_help
from kerlint.rules import ALL_RULES, BY_CODE

if TYPE_CHECKING:
    from pylint.lint import PyLinter


_WORKER: list = []
"""The worker process that analyzes every module of this pylint run, forked once (`pool.run`'s `standing`)."""


class KerlintChecker(BaseRawFileChecker):
    name = "kerlint"
    msgs = {
        message_id(rule): ("%s", symbol(rule), f"{rule.summary} (kerlint {rule.code}; `kerlint rule {rule.code}` explains it).")
        for rule in ALL_RULES
    }

    def check_consistency(self) -> None:
        """pylint wants one checker id (the two digits after the letter) per checker.

        kerlint's codes have three digits, so its ids take the hundreds digit as
        part of the checker id (E9301, W9101); the mapping is deterministic and
        `message_id` keeps the ids unique, which is what the check protects.
        """

    def process_module(self, node: nodes.Module) -> None:
        path = node.file or node.name
        try:
            settings = load_settings(find_pyproject(Path(path)))
        except ConfigError as error:
            self.add_message("config-parse-error", line=1, args=str(error))
            return
        if is_force_excluded(Path(path), settings):
            return
        with node.stream() as stream:
            data = stream.read()
        (result,) = analyze_files([Task(Path(path), path, settings, data)], standing=_WORKER)
        for finding in result.findings:
            span = finding.span
            self.add_message(
                symbol(BY_CODE[finding.code]),
                line=span.line,
                col_offset=span.column - 1,
                end_lineno=span.end_line,
                end_col_offset=span.end_column - 1,
                args=(with_help(finding.message, finding.help),),
            )


def register(linter: PyLinter) -> None:
    linter.register_checker(KerlintChecker(linter))
