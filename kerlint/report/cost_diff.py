"""``kerlint cost --diff`` output: a table, Markdown for a pull-request comment (optionally with
Mermaid graphs of the changed models), or JSON."""

from __future__ import annotations

import io
import json
import math
from typing import TYPE_CHECKING, Any, Mapping, TextIO

from kerlint.cost_diff import METRIC_LABELS, METRICS, Change, CostReview, LayerChange, ModelDiff, format_figure, format_increase, percent
from kerlint.report.cost_table import _md
from kerlint.units import human_count

if TYPE_CHECKING:
    from kerlint.interpret.analysis import FileAnalysis

HEADERS = {"params": "Params", "flops": "FLOPs", "memory": "Training memory"}
LAYER_MARKS = {"added": "+", "removed": "-", "changed": "~"}
HIGHLIGHTS = {"added": "fill:#dafbe1,stroke:#1a7f37,stroke-width:2px", "changed": "fill:#fff8c5,stroke:#9a6700,stroke-width:2px"}
"""Mermaid styles of the layers a change added or changed (GitHub's green and yellow)."""


def render(format_name: str, review: CostReview, stream: TextIO, analyses: Mapping[str, FileAnalysis] | None = None) -> None:
    """`analyses` (the working tree's, by path): draw each changed model in Mermaid (Markdown only)."""
    if format_name == "json":
        render_json(review, stream)
    elif format_name == "markdown":
        render_markdown(review, stream, analyses)
    else:
        render_table(review, stream)


def _setting(review: CostReview) -> str:
    return f"batch {review.batch_size}, {review.dtype}; memory is the training-peak estimate"


def _side(side: str, review: CostReview) -> str:
    return f"at {review.revision}" if side == "before" else "in the working tree"


def _label(diff: ModelDiff) -> str:
    return f"{diff.name} ({_where(diff)})"


def _where(diff: ModelDiff) -> str:
    return f"{diff.path}:{diff.line}" + (f" in {diff.function}()" if diff.function else "")


def _cell(diff: ModelDiff, change: Change, arrow: str, emphasis: str = "") -> str:
    """``1,234 -> 1,543 (+25.0%)``; one figure when it did not change; ``-`` for a side without the model."""
    before, after = (
        "-" if cost is None else format_figure(change.metric, value)
        for cost, value in ((diff.before, change.before), (diff.after, change.after))
    )
    if before == after:
        return after
    increase = change.increase
    delta = "" if increase is None else f" ({emphasis}{format_increase(increase)}{emphasis})"
    return f"{before} {arrow} {after}{delta}"


def _layer_text(change: LayerChange, arrow: str, code: str = "") -> tuple[str, str, str, str]:
    """(class, output shape, params, FLOPs) of a layer change, ``before -> after`` where they differ;
    shapes between `code` marks (Markdown's backticks)."""

    def field(get, fmt, mark="") -> str:
        values = [f"{mark}{fmt(get(row))}{mark}" for row in (change.before, change.after) if row is not None]
        return f"{values[0]} {arrow} {values[1]}" if len(values) == 2 and values[0] != values[1] else values[-1]

    return (
        field(lambda row: row.class_name, str),
        field(lambda row: row.output_shape, str, code),
        field(lambda row: row.params, lambda value: "?" if value is None else f"{value:,}"),
        field(lambda row: row.flops, lambda value: "?" if value is None else human_count(value)),
    )


# ---------------------------------------------------------------- table


def render_table(review: CostReview, stream: TextIO) -> None:
    stream.write(f"Cost review: {review.revision} ({review.commit[:12]}) -> working tree ({_setting(review)})\n")
    if not review.models:
        stream.write("No models found.\n")
        return
    header = ("Model", "Status", *(HEADERS[metric] for metric in METRICS))
    rows = [(_label(diff), diff.status, *(_cell(diff, change, "->") for change in diff.changes)) for diff in review.models]
    widths = [max(len(cells[i]) for cells in (header, *rows)) for i in range(len(header))]
    rule = "  ".join("-" * width for width in widths)
    stream.write("\n" + _row(header, widths) + "\n" + rule + "\n")
    for cells in rows:
        stream.write(_row(cells, widths) + "\n")
    for diff in review.models:
        if diff.layers or diff.unresolved:
            stream.write(f"\n{_label(diff)}: {diff.status}\n")
        for change in diff.layers:
            class_name, shape, params, flops = _layer_text(change, "->")
            stream.write(f"  {LAYER_MARKS[change.kind]} {change.name} ({class_name})  {shape}  params {params}  FLOPs {flops}\n")
        for side, item in diff.unresolved:
            stream.write(f"  unresolved {_side(side, review)}: {item['path']}:{item['line']}: {item['reason']}\n")


def _row(cells: tuple[str, ...], widths: list[int]) -> str:
    name, status, *figures = cells
    return "  ".join([f"{name:<{widths[0]}}", f"{status:<{widths[1]}}", *(f"{value:>{width}}" for value, width in zip(figures, widths[2:]))]).rstrip()


# ---------------------------------------------------------------- markdown


def render_markdown(review: CostReview, stream: TextIO, analyses: Mapping[str, FileAnalysis] | None = None) -> None:
    """A heading, a table of the models that changed (those that did not folded away), the limits
    exceeded, then each changed model's layers."""
    stream.write("## kerlint cost review\n\n")
    stream.write(f"Compared with `{_md(review.revision)}` (`{review.commit[:12]}`); {_md(_setting(review))}.\n\n")
    if not review.models:
        stream.write("No models found.\n")
        return
    unchanged = [diff for diff in review.models if diff.status == "unchanged"]
    if len(unchanged) < len(review.models):
        _markdown_models([diff for diff in review.models if diff.status != "unchanged"], stream)
    else:
        stream.write("No model changed.\n")
    if unchanged:
        plural = "s" if len(unchanged) > 1 else ""
        stream.write(f"\n<details><summary>{len(unchanged)} unchanged model{plural}</summary>\n\n")
        _markdown_models(unchanged, stream)
        stream.write("\n</details>\n")
    if review.exceeded:
        stream.write("\n**Over the limit:**\n\n")
        for item in review.exceeded:
            change = item.change
            stream.write(
                f"- `{_md(item.model.name)}` ({_md(_where(item.model))}): {METRIC_LABELS[change.metric]} "
                f"{format_increase(change.increase)}, over {percent(item.limit)} ({_md(item.source)})\n"
            )
    for diff in review.models:
        if not (diff.layers or diff.unresolved):
            continue
        stream.write(f"\n### `{_md(diff.name)}` ({_md(_where(diff))}): {diff.status}\n")
        if diff.layers:
            stream.write("\n| | Layer | Class | Output shape | Params | FLOPs |\n| --- | --- | --- | --- | ---: | ---: |\n")
            for change in diff.layers:
                cells = " | ".join(_md(text) for text in _layer_text(change, "→", "`"))
                stream.write(f"| {change.kind} | `{_md(change.name)}` | {cells} |\n")
        if diff.unresolved:
            stream.write("\nNot statically known:\n\n")
            for side, item in diff.unresolved:
                stream.write(f"- {_side(side, review)}, `{_md(item['path'])}:{item['line']}`: {_md(item['reason'])}\n")
        analysis = None if analyses is None or diff.after is None else analyses.get(diff.path)
        if analysis is not None and diff.after.graph is not None and diff.layers:
            stream.write(f"\n<details><summary>Graph of `{_md(diff.name)}`, changed layers highlighted</summary>\n\n")
            stream.write(mermaid(diff, analysis))
            stream.write("\n</details>\n")


def _markdown_models(diffs: list[ModelDiff], stream: TextIO) -> None:
    stream.write("| Model | Status | " + " | ".join(HEADERS[metric] for metric in METRICS) + " |\n")
    stream.write("| --- | --- |" + " ---: |" * len(METRICS) + "\n")
    for diff in diffs:
        cells = " | ".join(_md(_cell(diff, change, "→", "**")) for change in diff.changes)
        stream.write(f"| `{_md(diff.name)}` ({_md(_where(diff))}) | {diff.status} | {cells} |\n")


def mermaid(diff: ModelDiff, analysis: FileAnalysis) -> str:
    """The working tree's graph of the model in a Mermaid fence: added layers green, changed yellow.

    Removed layers are named in the title. Drawn by ``kerlint graph``'s renderer;
    a graph past Mermaid's edge limit is left out with a line that says so.
    """
    from kerlint.report import graph_render

    [picture] = graph_render.pictures(analysis, [], [diff.after.graph])
    if len(picture.edges) > graph_render.MERMAID_MAX_EDGES:
        return f"The graph has {len(picture.edges)} edges, more than Mermaid draws ({graph_render.MERMAID_MAX_EDGES}).\n"
    kinds = {change.name: change.kind for change in diff.layers}
    marked: dict[str, list[str]] = {kind: [] for kind in HIGHLIGHTS}
    for node in picture.nodes:
        kind = kinds.get(node.lines[0])
        if kind in marked and node.lines[1] not in ("InputLayer", "operation"):
            node.lines.append(kind)
            marked[kind].append(node.id)
    removed = [change.name for change in diff.layers if change.kind == "removed"]
    if removed:
        picture.title += f" — removed: {', '.join(removed)}"
    text = io.StringIO()
    graph_render.render_mermaid([picture], text)
    for kind, ids in marked.items():
        if ids:
            text.write(f"  classDef {kind} {HIGHLIGHTS[kind]}\n  class {','.join(ids)} {kind}\n")
    return f"```mermaid\n{text.getvalue()}```\n"


# ---------------------------------------------------------------- json


def render_json(review: CostReview, stream: TextIO) -> None:
    json.dump(to_json(review), stream, indent=2)
    stream.write("\n")


def to_json(review: CostReview) -> dict[str, Any]:
    return {
        "revision": review.revision,
        "commit": review.commit,
        "batch_size": review.batch_size,
        "dtype": review.dtype,
        "models": [
            {
                "path": diff.path,
                "name": diff.name,
                "function": diff.function,
                "line": diff.line,
                "status": diff.status,
                **{change.metric: _change_json(change) for change in diff.changes},
                "layers": [
                    {
                        "change": change.kind,
                        "name": change.name,
                        "before": None if change.before is None else change.before.to_json(),
                        "after": None if change.after is None else change.after.to_json(),
                    }
                    for change in diff.layers
                ],
                "unresolved": [{"side": "revision" if side == "before" else "working tree", **item} for side, item in diff.unresolved],
            }
            for diff in review.models
        ],
        "exceeded": [
            {"path": item.model.path, "name": item.model.name, **_change_json(item.change), "metric": item.change.metric, "limit": item.limit, "source": item.source}
            for item in review.exceeded
        ],
    }


def _change_json(change: Change) -> dict[str, Any]:
    """`increase` is relative ((after - before) / before); null when unknown or from zero."""
    increase = change.increase
    return {"before": change.before, "after": change.after, "increase": None if increase is None or math.isinf(increase) else increase}
