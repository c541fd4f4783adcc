"""``kerlint cost --diff REV``: every model's cost at a git revision against the working tree.

The files of the revision are written from git's object store into a temporary
directory (the user's working tree and index are never touched, and no code is
run), then analyzed by the same discovery, per-file pipeline and cost figures as
the working tree, so that imports between project modules resolve to the
revision's own files. Models are matched by file path, the function that builds
them and Keras name (the n-th such model with the n-th); a renamed file reads as
its models removed and added. Per model the parameters, the FLOPs and the training-memory
estimate are compared, and per layer (matched by name) what was added, removed
or changed class, output shape, parameters or FLOPs. ``fail-on-increase`` turns
the comparison into a gate on relative increases.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import math
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Sequence, TextIO

from kerlint.config import Settings, display_path
from kerlint.cost import LayerRow, ModelCost, human_flops
from kerlint.files import SOURCE_SUFFIXES
from kerlint.memory import human_bytes

if TYPE_CHECKING:
    from kerlint.engine import FileResult

METRICS = ("params", "flops", "memory")
METRIC_LABELS = {"params": "parameters", "flops": "FLOPs", "memory": "training memory"}
FILE_ERRORS = ("KER000", "KER001")
WORKING_TREE = "working tree"


class DiffError(Exception):
    """A comparison that cannot be made as asked; the message is shown as is (exit code 2)."""


class RevisionError(DiffError):
    """No git, not a repository, an unknown revision."""


class ThresholdError(DiffError):
    """A ``fail-on-increase`` value that cannot be read; the message says what was expected."""


# ---------------------------------------------------------------- thresholds

_PERCENT = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*%\s*")

Thresholds = tuple[tuple[str, float], ...]
"""(metric, largest allowed relative increase) pairs: ``(("params", 0.05),)`` for 5% on parameters."""


def parse_thresholds(value: Any, where: str) -> Thresholds:
    """``"5%"`` for every metric, or per metric: a table ``{params = "5%"}`` or ``"params=5%,flops=10%"``."""
    if isinstance(value, str) and "=" in value:
        pairs = [item.partition("=") for item in value.split(",") if item.strip()]
        value = {metric.strip(): limit for metric, _, limit in pairs}
    if isinstance(value, dict):
        unknown = sorted(set(value) - set(METRICS))
        if unknown:
            raise ThresholdError(f"{where}: unknown metric {unknown[0]!r} (allowed: {', '.join(METRICS)})")
        return tuple((metric, _percent(value[metric], f"{where} {metric}")) for metric in METRICS if metric in value)
    limit = _percent(value, where)
    return tuple((metric, limit) for metric in METRICS)


def _percent(value: Any, where: str) -> float:
    match = _PERCENT.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ThresholdError(f"{where}: expected a percentage such as \"5%\", got {value!r}")
    return float(match.group(1)) / 100


def percent(fraction: float) -> str:
    """``0.05`` -> ``5%``; ``0.125`` -> ``12.5%``."""
    return f"{fraction * 100:g}%"


# ---------------------------------------------------------------- the revision's files


@dataclass(frozen=True)
class Revision:
    name: str  # as the user wrote it
    commit: str
    toplevel: Path  # the repository's working tree, resolved


def resolve_revision(name: str, paths: Sequence[Path]) -> Revision:
    """The commit `name` names in the repository that holds `paths` (all of them)."""
    first = os.path.realpath(paths[0]) if paths else os.getcwd()
    where = first if os.path.isdir(first) else os.path.dirname(first)
    top = _git(["rev-parse", "--show-toplevel"], where, f"{display_path(Path(where))} is not in a git repository (--diff compares with a git revision)")
    toplevel = Path(os.path.realpath(top.decode().strip()))
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}"], str(toplevel), f"unknown git revision {name!r}")
    for path in paths:
        if _relative_to(path, toplevel) is None:
            raise RevisionError(f"{path} is outside the git repository {toplevel}")
    return Revision(name, commit.decode().strip(), toplevel)


@contextlib.contextmanager
def revision_tree(revision: Revision) -> Iterator[Path]:
    """A temporary directory holding the revision's `.py` and `.ipynb` files at their paths; removed afterwards.

    Read with ``git ls-tree`` and one ``git cat-file --batch``: nothing in the
    repository, its index or its working tree changes.
    """
    top = str(revision.toplevel)
    listing = _git(["ls-tree", "-r", "-z", "--full-tree", revision.commit], top, f"cannot list the files of {revision.name!r}")
    wanted: list[tuple[str, str]] = []  # (blob, path)
    for entry in listing.split(b"\0"):
        meta, _, name = entry.partition(b"\t")
        fields = meta.split()
        path = os.fsdecode(name)
        if len(fields) == 3 and fields[1] == b"blob" and fields[0] in (b"100644", b"100755") and path.endswith(SOURCE_SUFFIXES):
            wanted.append((fields[2].decode(), path))
    with tempfile.TemporaryDirectory(prefix="kerlint-diff-") as directory:
        tree = Path(directory)
        if wanted:
            batch = _git(["cat-file", "--batch"], top, f"cannot read the files of {revision.name!r}", "".join(f"{blob}\n" for blob, _ in wanted).encode())
            offset = 0
            for _, path in wanted:
                header_end = batch.index(b"\n", offset)
                size = int(batch[offset:header_end].split()[2])
                target = tree / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(batch[header_end + 1 : header_end + 1 + size])
                offset = header_end + 1 + size + 1  # the content is followed by a newline
        yield tree


def analyze_revision(
    revision: Revision,
    paths: Sequence[Path],
    settings_for: Callable[[Path], Settings],
    analyze: Callable[[list[Path], Callable[[Path], Settings]], list[FileResult]],
    display: Callable[[Path], str],
) -> list[FileResult]:
    """`analyze` (the command's own discovery and pipeline) run on the revision's copy of `paths`.

    Each file is analyzed at its place in the copy, so that the modules it
    imports are the revision's; its results are then named as the working
    tree's file would be (`display`), and the working tree's configuration applies.
    """
    with revision_tree(revision) as tree:
        copies = {tree / _relative_to(path, revision.toplevel): path for path in paths}

        def user_path(copy: Path) -> Path:
            copy = Path(os.path.abspath(copy))
            return next(path / copy.relative_to(top) for top, path in copies.items() if copy == top or top in copy.parents)

        @functools.lru_cache(maxsize=None)
        def moved(settings: Settings) -> Settings:
            inside = _relative_to(settings.root, revision.toplevel)
            return settings if inside is None else dataclasses.replace(settings, root=tree / inside)

        present = [copy for copy in copies if copy.exists()]  # a path the revision lacks holds only new models
        results = analyze(present, lambda copy: moved(settings_for(user_path(copy)))) if present else []
        return [_renamed(result, display(user_path(Path(result.path)))) for result in results]


def _renamed(result: FileResult, path: str) -> FileResult:
    """`result` with the copy's path replaced by the working tree's everywhere it is shown."""
    costs = [
        dataclasses.replace(cost, path=path, unresolved=[{**item, "path": path} if item["path"] == cost.path else item for item in cost.unresolved])
        for cost in result.data or []
    ]
    findings = [dataclasses.replace(finding, path=path) for finding in result.findings]
    return dataclasses.replace(result, path=path, findings=findings, data=costs)


def _git(arguments: list[str], cwd: str, failure: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", *arguments], cwd=cwd, input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise RevisionError("git is not installed (--diff reads the revision with git)") from None
    except OSError as error:
        raise RevisionError(f"cannot run git: {error.strerror or error}") from None
    if done.returncode != 0:
        # git's own words when they add something (a repository owned by another user, say)
        said = done.stderr.decode(errors="replace").strip().splitlines()
        detail = f" (git: {said[0].removeprefix('fatal: ')})" if said and "not a git repository" not in said[0] else ""
        raise RevisionError(failure + detail)
    return done.stdout


def _relative_to(path: Path | str, top: Path) -> Path | None:
    relative = os.path.relpath(os.path.realpath(path), top)
    return None if relative == ".." or relative.startswith(".." + os.sep) else Path(relative)


# ---------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class Change:
    """One figure of one model before and after; None where it is not statically known."""

    metric: str
    before: int | None
    after: int | None

    @property
    def increase(self) -> float | None:
        """(after - before) / before; infinite from zero; None when either side is unknown."""
        if self.before is None or self.after is None:
            return None
        if self.before == 0:
            return 0.0 if self.after == 0 else math.inf
        return (self.after - self.before) / self.before


@dataclass(frozen=True)
class LayerChange:
    kind: str  # "added", "removed" or "changed"
    before: LayerRow | None
    after: LayerRow | None

    @property
    def name(self) -> str:
        return (self.after or self.before).name  # type: ignore[union-attr]


@dataclass(frozen=True)
class ModelDiff:
    path: str
    name: str
    before: ModelCost | None
    after: ModelCost | None
    layers: tuple[LayerChange, ...] = ()
    failed: str | None = None  # why the file could not be analyzed on the side where the model is missing

    @property
    def function(self) -> str | None:
        return (self.after or self.before).function  # type: ignore[union-attr]

    @property
    def line(self) -> int:
        return (self.after or self.before).line  # type: ignore[union-attr]

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(Change(metric, _figure(self.before, metric), _figure(self.after, metric)) for metric in METRICS)

    @property
    def unresolved(self) -> list[tuple[str, dict]]:
        """(side, {path, line, reason}) for what kerlint could not reconstruct on either side."""
        items = [(side, item) for side, cost in (("before", self.before), ("after", self.after)) if cost is not None for item in cost.unresolved]
        if self.failed is not None:
            items.append(("before" if self.before is None else "after", {"path": self.path, "line": 1, "reason": self.failed}))
        return items

    @property
    def status(self) -> str:
        """added, removed, unresolved (not completely reconstructed on a side), changed or unchanged."""
        if self.failed is not None or any(cost is not None and cost.params is None for cost in (self.before, self.after)):
            return "unresolved"
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        if self.layers or any(change.before != change.after for change in self.changes):
            return "changed"
        return "unchanged"


@dataclass(frozen=True)
class Exceeded:
    """A model whose figure grew more than its limit allows."""

    model: ModelDiff
    change: Change
    limit: float
    source: str  # where the limit was set

    def message(self) -> str:
        label = METRIC_LABELS[self.change.metric]
        where = f"{self.model.path}:{self.model.line}"
        return (
            f"{where}: model `{self.model.name}`: {label} grew {format_increase(self.change.increase)} "
            f"({format_figure(self.change.metric, self.change.before)} -> {format_figure(self.change.metric, self.change.after)}), "
            f"over the limit of {percent(self.limit)} ({self.source})"
        )


@dataclass(frozen=True)
class CostReview:
    revision: str
    commit: str
    batch_size: int
    dtype: str
    models: tuple[ModelDiff, ...]
    exceeded: tuple[Exceeded, ...] = ()


@dataclass(frozen=True)
class Side:
    """One side of the comparison: its models' costs, and the files that could not be analyzed (path -> why)."""

    models: list[ModelCost]
    failed: dict[str, str]

    @classmethod
    def of(cls, models: list[ModelCost], results: list[FileResult]) -> Side:
        failed = {}
        for result in results:
            errors = [finding for finding in result.findings if finding.code in FILE_ERRORS]
            if errors:
                failed[result.path] = f"{errors[0].code} {errors[0].message}"
        return cls(models, failed)


def compare(before: Side, after: Side) -> list[ModelDiff]:
    """Model by model, in file order: the revision (`before`) against the working tree (`after`).

    A file that could not be analyzed on one side (KER000, KER001) makes its
    models on the other side unresolved rather than added or removed.
    """
    old, new = _by_key(before.models), _by_key(after.models)
    diffs = []
    for key in sorted(dict.fromkeys([*new, *old]), key=lambda key: (key[0], (new.get(key) or old[key])[0].line)):
        path = key[0]
        for was, now in itertools.zip_longest(old.get(key, []), new.get(key, [])):
            failed = before.failed.get(path) if was is None else after.failed.get(path) if now is None else None
            diffs.append(ModelDiff(path, key[2], was, now, tuple(layer_changes(was, now)), failed))
    return diffs


def layer_changes(before: ModelCost | None, after: ModelCost | None) -> Iterator[LayerChange]:
    """Layers matched by name: those added, removed, or changed in class, output shape, parameters or FLOPs.

    Nothing for a model added or removed as a whole: all its layers would be listed.
    """
    if before is None or after is None:
        return
    old = {row.name: row for row in before.layers}
    new = {row.name for row in after.layers}
    for row in after.layers:
        was = old.get(row.name)
        if was is None:
            yield LayerChange("added", None, row)
        elif _layer_key(was) != _layer_key(row):
            yield LayerChange("changed", was, row)
    for row in before.layers:
        if row.name not in new:
            yield LayerChange("removed", row, None)


def over_limits(diffs: Iterable[ModelDiff], limits_for: Callable[[ModelDiff], tuple[Thresholds, str]]) -> list[Exceeded]:
    """Each figure, of a model present and known on both sides, that grew more than its limit."""
    exceeded = []
    for diff in diffs:
        if diff.before is None or diff.after is None:
            continue
        limits, source = limits_for(diff)
        by_metric = dict(limits)
        for change in diff.changes:
            limit = by_metric.get(change.metric)
            increase = change.increase
            if limit is not None and increase is not None and increase > limit:
                exceeded.append(Exceeded(diff, change, limit, source))
    return exceeded


def _figure(cost: ModelCost | None, metric: str) -> int | None:
    if cost is None:
        return None
    if metric == "params":
        return cost.params
    if metric == "flops":
        return cost.total_flops
    return None if cost.memory is None else cost.memory.training


def _layer_key(row: LayerRow) -> tuple:
    return (row.class_name, row.output_shape, row.params, row.flops)


def _by_key(models: list[ModelCost]) -> dict[tuple[str, str, str], list[ModelCost]]:
    """Models by file, building function ("" at module level) and Keras name: two functions of a file
    often build models of one name (each as if first: ``sequential``)."""
    by_key: dict[tuple[str, str, str], list[ModelCost]] = {}
    for cost in models:
        by_key.setdefault((cost.path, cost.function or "", cost.name), []).append(cost)
    return by_key


# ---------------------------------------------------------------- figures as text


def format_figure(metric: str, value: int | None) -> str:
    """A figure as the cost report prints it: parameters exactly, FLOPs and bytes in human units."""
    if value is None:
        return "?"
    if metric == "params":
        return f"{value:,}"
    return human_flops(value) if metric == "flops" else human_bytes(value)


def format_increase(increase: float | None) -> str:
    """``+25.0%``, ``-3.1%``, ``0%``; ``from zero``."""
    if increase is None:
        return "?"
    if math.isinf(increase):
        return "from zero"
    return "0%" if increase == 0 else f"{increase * 100:+.1f}%"


def limits_from_settings(
    settings_for: Callable[[Path], Settings], command_line: Thresholds | None
) -> Callable[[ModelDiff], tuple[Thresholds, str]]:
    """The limits for a model: from the command line, else `fail-on-increase` in its file's configuration."""
    def limits_for(diff: ModelDiff) -> tuple[Thresholds, str]:
        if command_line is not None:
            return command_line, "--fail-on-increase"
        settings = settings_for(Path(diff.path))
        where = display_path(settings.source) if settings.source is not None else "configuration"
        return settings.fail_on_increase, f"fail-on-increase in {where}"

    return limits_for


def run(
    args: Any,
    models: list[ModelCost],
    results: list[FileResult],
    settings_for: Callable[[Path], Settings],
    analyze: Callable[[list[Path], Callable[[Path], Settings]], list[FileResult]],
    display: Callable[[Path], str],
    stdout: TextIO,
    stderr: TextIO,
) -> bool:
    """``kerlint cost --diff``: compare, print the review, and each limit exceeded on `stderr`; True if any was.

    `models` and `results` are the working tree's, as ``kerlint cost`` computed
    them; `analyze` runs that same analysis on other paths (the revision's copy).
    Raises RevisionError and ThresholdError for the command line to report.
    """
    from kerlint.report import cost_diff as report

    if args.mermaid and args.format != "markdown":
        raise DiffError("--mermaid draws the changed models into the Markdown report: add --format markdown")
    if Path("-") in args.paths:
        raise DiffError("--diff compares files of a git repository, not standard input")
    command_line = None if args.fail_on_increase is None else parse_thresholds(args.fail_on_increase, "--fail-on-increase")
    revision = resolve_revision(args.diff, args.paths)
    old = analyze_revision(revision, args.paths, settings_for, analyze, display)
    before = Side.of([cost for result in old for cost in result.data or []], old)
    diffs = compare(before, Side.of(models, results))
    exceeded = over_limits(diffs, limits_from_settings(settings_for, command_line))
    review = CostReview(revision.name, revision.commit, args.batch_size, args.dtype, tuple(diffs), tuple(exceeded))
    analyses = {result.path: result.analysis for result in results if result.analysis is not None} if args.mermaid else None
    report.render(args.format, review, stdout, analyses)
    for item in exceeded:
        stderr.write(f"kerlint: error: {item.message()}\n")
    return bool(exceeded)
