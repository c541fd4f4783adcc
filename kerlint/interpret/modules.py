"""Finding the project's own modules that a file imports, so the interpreter can follow them.

A module is followed when its source is a sibling of the analyzed file (or a
package next to it), or belongs to the same top-level package as the analyzed
file. Installed libraries are never interpreted, and neither are the Keras
namespaces kerlint models itself (``keras.layers``, ``keras.ops``...): their
meaning comes from the catalogue and the API model, not from their source.
"""

from __future__ import annotations

from pathlib import Path

from kerlint.interpret.imports import canonical, is_keras

FOLLOWED_KERAS = "keras.applications."
"""The one part of Keras read from source (when linting Keras itself): model-building code, like users' own."""

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
    def __init__(self, path: str):
        self.directory = Path(path).resolve().parent
        top = _outermost_package(self.directory)
        self.package = top.name if top is not None else None
        self.package_root = top.parent if top is not None else None

    def may_follow(self, dotted: str) -> bool:
        """A cheap test: could an absolute import of ``dotted`` name one of the project's modules?"""
        top = dotted.partition(".")[0]
        if not top or is_modelled(dotted):
            return False
        return top == self.package or (self.directory / top).is_dir() or (self.directory / f"{top}.py").is_file()

    def find(self, dotted: str, level: int = 0) -> Path | None:
        """The source file of ``dotted`` (``level`` leading dots if relative), or None if not followed."""
        if level:
            base = self.directory
            for _ in range(level - 1):
                base = base.parent
            return _module_file(base, dotted)
        if not dotted or is_modelled(dotted):
            return None
        found = _module_file(self.directory, dotted)
        if found is None and self.package_root is not None and dotted.split(".")[0] == self.package:
            found = _module_file(self.package_root, dotted)
        return found


def _outermost_package(directory: Path) -> Path | None:
    top = None
    while (directory / "__init__.py").is_file() and directory.parent != directory:
        top, directory = directory, directory.parent
    return top


def _module_file(base: Path, dotted: str) -> Path | None:
    target = base.joinpath(*dotted.split(".")) if dotted else base
    candidates = [target / "__init__.py"] if not dotted else [target.with_name(target.name + ".py"), target / "__init__.py"]
    return next((c for c in candidates if c.is_file()), None)
