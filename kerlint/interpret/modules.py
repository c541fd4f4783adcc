"""Finding the project's own modules that a file imports, so the interpreter can follow them.

A module is followed when its source is a sibling of the analyzed file (or a
package next to it), or belongs to the same top-level package as the analyzed
file. Installed libraries are never interpreted, and neither are the Keras
namespaces kerlint models itself (``keras.layers``, ``keras.ops``...): their
meaning comes from the catalogue and the API model, not from their source.

A project module looked for and not found is recorded too (``record_missing``):
the file that imports it means something else once it is created.
"""

from __future__ import annotations

import functools
import importlib.machinery
import sys
from pathlib import Path

from kerlint.followed import record_missing
from kerlint.interpret.imports import canonical, is_keras

FOLLOWED_KERAS = "keras.applications."
"""The one part of Keras read from source: model-building code, like users' own (when linting Keras itself, and
for backbones in user code: `kerlint.interpret.applications`)."""

MODELLED_KERAS_HELPERS = ("keras.applications.imagenet_utils",)
"""Helpers inside the followed part whose meaning comes from kerlint's model (``keras_helpers``)."""


def is_modelled(dotted: str) -> bool:
    """Whether ``dotted`` is Keras whose meaning comes from kerlint's models, never from its source.

    That is all of Keras, in every spelling, except the applications: following
    Keras's (or tf_keras's) internals from Keras's own files would interpret the
    framework itself (``engine/base_layer.py``, ``trainers``...), which builds no
    model and costs seconds per file.
    """
    path = canonical(dotted)
    if not is_keras(path):
        return False
    return not path.startswith(FOLLOWED_KERAS) or path.startswith(MODELLED_KERAS_HELPERS)


class ModuleResolver:
    """The project modules one file's imports name. Answers are remembered: the skeleton and the
    interpreter ask about the same imports, and the files on disk do not change during an analysis."""

    def __init__(self, path: str):
        self.directory = Path(path).resolve().parent
        top = _outermost_package(self.directory)
        self.package = top.name if top is not None else None
        self.package_root = top.parent if top is not None else None
        self._follows: dict[str, bool] = {}
        self._found: dict[tuple[str, int], Path | None] = {}

    def may_follow(self, dotted: str) -> bool:
        """A cheap test: could an absolute import of ``dotted`` name one of the project's modules?"""
        if dotted not in self._follows:
            top = dotted.partition(".")[0]
            base = None if not top or is_modelled(dotted) else self._absolute_base(top)
            follows = base is not None and ((base / top).is_dir() or (base / f"{top}.py").is_file())
            if base is not None and not follows:
                record_missing(_candidates(base, top))
            self._follows[dotted] = follows
        return self._follows[dotted]

    def find(self, dotted: str, level: int = 0) -> Path | None:
        """The source file of ``dotted`` (``level`` leading dots if relative), or None if not followed."""
        if (dotted, level) not in self._found:
            self._found[dotted, level] = self._find(dotted, level)
        return self._found[dotted, level]

    def _find(self, dotted: str, level: int) -> Path | None:
        if level:
            return None if is_modelled(self.absolute(dotted, level)) else _module_file(self._relative_base(level), dotted)
        if not dotted or is_modelled(dotted):
            return None
        base = self._absolute_base(dotted.partition(".")[0])
        return _module_file(base, dotted) if base is not None else None

    def _absolute_base(self, top: str) -> Path | None:
        """Where an absolute import of the project module ``top`` is looked for, if anywhere.

        A script's own directory (Python puts it first on ``sys.path``). A module of a
        package is imported from above its package: there ``import numpy`` is numpy,
        not a sibling ``numpy.py`` (``keras/src/ops/numpy.py``), unless nothing installed
        has that name (then the file is a script run from inside a package directory).
        """
        if self.package_root is None:
            return self.directory
        if top == self.package:
            return self.package_root
        return None if _installed(top) else self.directory

    def absolute(self, dotted: str, level: int) -> str:
        """The absolute name of a relative import (``level`` leading dots), or '' outside a package."""
        if self.package_root is None:
            return ""
        try:
            package = ".".join(self._relative_base(level).relative_to(self.package_root).parts)
        except ValueError:
            return ""
        return f"{package}.{dotted}" if package and dotted else package

    def _relative_base(self, level: int) -> Path:
        """The package directory that ``level`` leading dots name."""
        base = self.directory
        for _ in range(level - 1):
            base = base.parent
        return base


@functools.lru_cache(maxsize=512)
def _installed(top: str) -> bool:
    """Whether a top-level module of that name is importable here (looked up, never imported)."""
    if top in sys.stdlib_module_names or top in sys.builtin_module_names:
        return True
    try:
        return importlib.machinery.PathFinder.find_spec(top) is not None
    except (ImportError, ValueError, OSError):
        return False


def _outermost_package(directory: Path) -> Path | None:
    top = None
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        top, directory = directory, directory.parent
    return top


def _module_file(base: Path, dotted: str) -> Path | None:
    candidates = _candidates(base, dotted)
    found = next((c for c in candidates if c.is_file()), None)
    if found is None:
        record_missing(candidates)
    return found


def _candidates(base: Path, dotted: str) -> list[Path]:
    """Where module ``dotted`` is looked for under ``base``: ``a/b.py``, then ``a/b/__init__.py``."""
    target = base.joinpath(*dotted.split(".")) if dotted else base
    return [target / "__init__.py"] if not dotted else [target.with_name(target.name + ".py"), target / "__init__.py"]
