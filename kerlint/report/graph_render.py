"""``kerlint graph``: the static layer graph as Mermaid or Graphviz DOT, findings highlighted.

One node per layer (as Keras's ``plot_model`` draws it: a shared layer is one node
with several inputs), one per model input and one per tensor operation
(``x + y``); an edge wherever a tensor flows. Each node shows the name, the
class, the output shape and the parameter count. Layers with a finding are
drawn red and list the rule codes; findings about a whole model (a budget, say)
go into its title. Several models are drawn side by side, one subgraph each.

Nothing here needs Graphviz or a browser: the output is text. Mermaid renders
in GitHub Markdown (inside a ```` ```mermaid ```` fence); DOT renders with
``dot -Tsvg``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Iterable, TextIO

from kerlint.findings import Finding
from kerlint.graph import InputNode, Layer, LayerCall, ModelGraph
from kerlint.memory import model_nodes
from kerlint.units import exact_count, shape_str

if TYPE_CHECKING:
    from kerlint.interpret.analysis import FileAnalysis
    from kerlint.notebook import Notebook

FORMATS = ("mermaid", "dot")
MERMAID_MAX_EDGES = 500
"""Mermaid's default ``maxEdges``: renderers (GitHub's included) refuse larger flowcharts."""
FINDING_FILL, FINDING_STROKE = "#ffd6d6", "#d00000"


@dataclass
class Node:
    id: str
    lines: list[str]
    codes: list[str] = field(default_factory=list)


@dataclass
class Picture:
    """One model's graph, ready to print."""

    title: str
    nodes: list[Node]
    edges: list[tuple[str, str]]
    codes: list[str]  # findings about the model as a whole


def pictures(
    analysis: FileAnalysis, findings: Iterable[Finding], models: list[ModelGraph], start: int = 0, notebook: Notebook | None = None
) -> list[Picture]:
    """A picture per model; node ids are numbered from ``start`` so that several files can share one diagram.

    A notebook's models are titled with their cell (`explore.ipynb:cell 5:line 2`), as findings are placed.
    """
    by_start: dict[tuple[int, int], list[str]] = {}
    for finding in findings:
        by_start.setdefault((finding.span.line, finding.span.column), []).append(finding.code)
    locator = analysis.locator
    result = []
    counter = start
    for model in models:
        ids: dict[int, str] = {}
        nodes: list[Node] = []
        edges: dict[tuple[str, str], None] = {}  # in order, each once
        in_model = {id(call) for call in model.calls}

        def node_for(key: object, describe: Callable[[], tuple[list[str], list]]) -> str:
            """The node of `key`, described (lines, spans) once: a layer shared by 1,000 calls is one node."""
            nonlocal counter
            if id(key) not in ids:
                ids[id(key)] = f"n{counter}"
                counter += 1
                lines, spans = describe()
                codes = sorted({code for span in spans for code in by_start.get((span.line, span.column), [])})
                nodes.append(Node(ids[id(key)], lines, codes))
            return ids[id(key)]

        def layer_node(layer: Layer, spans: Callable[[], list]) -> str:
            return node_for(layer, lambda: (_layer_lines(layer, in_model), spans()))

        for tensor in model.inputs:
            producer = tensor.producer
            if isinstance(producer, InputNode):
                node_for(producer, lambda: ([producer.name, "InputLayer", shape_str(producer.shape)], [locator.span(producer.node)]))
        if not model.calls and model.sequence:
            previous = None
            for layer in model.sequence:
                target = layer_node(layer, lambda: [locator.span(layer.node)])
                if previous is not None:
                    edges[previous, target] = None
                previous = target
        for call in model_nodes(model):
            if isinstance(call, LayerCall):
                layer = call.layer
                target = layer_node(layer, lambda: [locator.span(layer.node)] + [locator.span(c.node) for c in layer.calls])
            else:
                target = node_for(call, lambda: ([call.name, "operation", ", ".join(shape_str(t.shape) for t in call.outputs) or "(?)"], [locator.span(call.node)]))
            for tensor in call.inputs:
                producer = tensor.producer
                key = producer.layer if isinstance(producer, LayerCall) else producer
                if id(key) in ids:
                    edges[ids[id(key)], target] = None
        model_span = locator.span(model.node)
        model_codes = sorted(set(by_start.get((model_span.line, model_span.column), [])))
        where = f"{analysis.path}:{model_span.line if notebook is None else notebook.position(model_span.line)}"
        result.append(Picture(f"{model.name} ({where})", nodes, list(edges), model_codes))
    return result


def _layer_lines(layer: Layer, in_model: set[int]) -> list[str]:
    """Name, class, output shape ("multiple" when the model's calls of it differ) and parameters; `in_model`: ids of the model's calls."""
    shapes = {shape_str(c.output_shape) for c in layer.calls if id(c) in in_model}
    shape = shapes.pop() if len(shapes) == 1 else ("multiple" if shapes else "(?)")
    params = "? params" if layer.params is None else f"{exact_count(layer.params)} params"
    return [layer.name, layer.class_name, shape, params]


# ---------------------------------------------------------------- mermaid


def render_mermaid(items: list[Picture], stream: TextIO) -> None:
    """A Mermaid ``flowchart`` with one titled subgraph per model."""
    out = ["flowchart TD"]
    flagged: list[str] = []
    for index, picture in enumerate(items):
        title = picture.title + (f" — {', '.join(picture.codes)}" if picture.codes else "")
        out.append(f'  subgraph m{index}["{_mermaid_text(title)}"]')
        out.append("    direction TB")
        for node in picture.nodes:
            lines = node.lines + ([f"⚠ {', '.join(node.codes)}"] if node.codes else [])
            label = "<br/>".join(_mermaid_text(line) for line in lines)
            out.append(f'    {node.id}["{label}"]')
            if node.codes:
                flagged.append(node.id)
        for source, target in picture.edges:
            out.append(f"    {source} --> {target}")
        out.append("  end")
        if picture.codes:
            out.append(f"  style m{index} stroke:{FINDING_STROKE},stroke-width:2px")
    if flagged:
        out.append(f"  classDef finding fill:{FINDING_FILL},stroke:{FINDING_STROKE},stroke-width:2px")
        out.append(f"  class {','.join(flagged)} finding")
    stream.write("\n".join(out) + "\n")


_MERMAID_ENTITIES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "`": "#96;", "\n": " ", "\r": " "}


def _mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: quotes, hashes and angle brackets as entity codes."""
    return "".join(_MERMAID_ENTITIES.get(char, char) for char in text)


# ---------------------------------------------------------------- dot


def render_dot(items: list[Picture], stream: TextIO) -> None:
    """A Graphviz ``digraph``; one labelled cluster per model when there are several."""
    out = [
        "digraph kerlint {",
        "  rankdir=TB;",
        '  node [shape=box, style="rounded,filled", fillcolor="#f4f6fa", fontname="Helvetica", fontsize=10];',
        '  edge [color="#555555"];',
    ]
    nested = len(items) > 1
    for index, picture in enumerate(items):
        indent = "  "
        title = picture.title + (f" — {', '.join(picture.codes)}" if picture.codes else "")
        if nested:
            out.append(f"  subgraph cluster_{index} {{")
            indent = "    "
        out.append(f'{indent}label="{_dot_text(title)}";')
        out.append(f"{indent}labelloc=t;")
        if picture.codes:
            out.append(f'{indent}fontcolor="{FINDING_STROKE}";')
        for node in picture.nodes:
            lines = node.lines + ([f"! {', '.join(node.codes)}"] if node.codes else [])
            label = "\\n".join(_dot_text(line) for line in lines)
            style = f', fillcolor="{FINDING_FILL}", color="{FINDING_STROKE}", penwidth=2' if node.codes else ""
            out.append(f'{indent}{node.id} [label="{label}"{style}];')
        for source, target in picture.edges:
            out.append(f"{indent}{source} -> {target};")
        if nested:
            out.append("  }")
    out.append("}")
    stream.write("\n".join(out) + "\n")


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")


def render(format_name: str, items: list[Picture], stream: TextIO) -> str | None:
    """Write the picture; returns a warning for the user when Mermaid will not render it."""
    (render_dot if format_name == "dot" else render_mermaid)(items, stream)
    edges = sum(len(picture.edges) for picture in items)
    if format_name == "mermaid" and edges > MERMAID_MAX_EDGES:
        return (
            f"the diagram has {edges} edges; Mermaid renders at most {MERMAID_MAX_EDGES} by default (GitHub too): "
            "pick one model with --model, or use --format dot"
        )
    return None
