"""`kerlint graph`: Mermaid and DOT that real parsers accept, with findings highlighted.

Three levels of checking, strongest first:
- DOT goes through Graphviz's `dot` when it is installed (CI installs it: .ci/run);
- Mermaid goes through the `mermaid` package's own parser in node, when a
  node_modules with `mermaid` and `jsdom` is available: set
  KERLINT_MERMAID_NODE_MODULES to it (`npm install --prefix DIR mermaid@11 jsdom`),
  or install both globally;
- always: a strict grammar of the Mermaid subset kerlint emits (below), so a
  change that leaves it fails here even where node is absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from helpers import DATA, ROOT, kerlint

LABEL = r'"(?:[^"<>\n]|<br/>)*"'
MERMAID_LINES = {
    "header": re.compile(r"^flowchart TD$"),
    "subgraph": re.compile(rf"^  subgraph (m\d+)\[{LABEL}\]$"),
    "direction": re.compile(r"^    direction TB$"),
    "node": re.compile(rf"^    (n\d+)\[{LABEL}\]$"),
    "edge": re.compile(r"^    (n\d+) --> (n\d+)$"),
    "end": re.compile(r"^  end$"),
    "style": re.compile(r"^  style (m\d+) stroke:#[0-9a-f]{6},stroke-width:2px$"),
    "classdef": re.compile(r"^  classDef finding fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6},stroke-width:2px$"),
    "class": re.compile(r"^  class (n\d+(?:,n\d+)*) finding$"),
}
QUOTED_NAMES = """
import keras
inputs = keras.Input(shape=(4,), name='in "quoted" #1')
x = keras.layers.Dense(3, name="a<b>&c`d")(inputs)
model = keras.Model(inputs, x, name='model "x"')
"""


def check_mermaid_subset(text: str) -> dict[str, list[str]]:
    """Every line is one of the forms above; ids are defined before use; subgraphs close."""
    lines = text.rstrip("\n").split("\n")
    assert MERMAID_LINES["header"].match(lines[0]), lines[0]
    nodes: list[str] = []
    flagged: list[str] = []
    subgraphs: list[str] = []
    depth = 0
    for line in lines[1:]:
        kind = next((k for k, pattern in MERMAID_LINES.items() if pattern.match(line)), None)
        assert kind is not None and kind != "header", f"not in kerlint's Mermaid subset: {line!r}"
        match = MERMAID_LINES[kind].match(line)
        if kind == "subgraph":
            assert depth == 0
            depth += 1
            subgraphs.append(match.group(1))
        elif kind == "end":
            assert depth == 1
            depth -= 1
        elif kind in ("node", "edge", "direction"):
            assert depth == 1, f"{line!r} outside a subgraph"
            if kind == "node":
                assert match.group(1) not in nodes, f"duplicate id {match.group(1)}"
                nodes.append(match.group(1))
            if kind == "edge":
                assert match.group(1) in nodes and match.group(2) in nodes, line
        elif kind == "style":
            assert match.group(1) in subgraphs
        elif kind == "class":
            flagged = match.group(1).split(",")
            assert set(flagged) <= set(nodes)
    assert depth == 0
    return {"nodes": nodes, "flagged": flagged, "subgraphs": subgraphs}


def _mermaid_modules() -> Path | None:
    configured = os.environ.get("KERLINT_MERMAID_NODE_MODULES")
    candidates = [Path(configured)] if configured else []
    if shutil.which("npm"):
        done = subprocess.run(["npm", "root", "-g"], capture_output=True, text=True, timeout=30)
        if done.returncode == 0:
            candidates.append(Path(done.stdout.strip()))
    for candidate in candidates:
        if (candidate / "mermaid" / "package.json").is_file() and (candidate / "jsdom" / "package.json").is_file():
            return candidate
    return None


def mermaid_parse(text: str, tmp_path: Path) -> str:
    modules = _mermaid_modules()
    if shutil.which("node") is None or modules is None:
        pytest.skip("no node with the `mermaid` and `jsdom` packages (set KERLINT_MERMAID_NODE_MODULES)")
    script = tmp_path / "mermaid_parse.mjs"
    shutil.copy(DATA / "mermaid_parse.mjs", script)
    (tmp_path / "node_modules").symlink_to(modules, target_is_directory=True)
    done = subprocess.run(["node", str(script)], input=text, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def dot_render(text: str) -> str:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed (apt-get install graphviz)")
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and not done.stderr, done.stderr
    return done.stdout


def test_mermaid_of_all_examples_is_in_the_subset_and_parses(tmp_path):
    result = kerlint("graph", "examples")
    assert result.returncode == 0, result.stderr
    shape = check_mermaid_subset(result.stdout)
    assert len(shape["subgraphs"]) >= 10 and len(shape["nodes"]) > 50
    assert mermaid_parse(result.stdout, tmp_path).startswith("OK flowchart")


def test_dot_of_all_examples_renders_with_graphviz():
    result = kerlint("graph", "examples", "--format", "dot")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("digraph kerlint {") and result.stdout.rstrip().endswith("}")
    assert "<svg" in dot_render(result.stdout)


def test_findings_are_highlighted():
    mermaid = kerlint("graph", "examples/multiview_wide_concat.py").stdout
    shape = check_mermaid_subset(mermaid)
    labels = dict(re.findall(r'^    (n\d+)\["([^"]*)"\]$', mermaid, re.MULTILINE))
    flagged = {labels[node].split("<br/>")[0]: labels[node].split("<br/>")[-1] for node in shape["flagged"]}
    assert flagged == {
        "flatten": "⚠ KER103", "flatten_1": "⚠ KER103", "flatten_2": "⚠ KER103", "concatenate": "⚠ KER101, KER102",
    }
    assert 'n19["dense<br/>Dense<br/>(None, 256)<br/>12,583,168 params"]' in mermaid
    dot = kerlint("graph", "examples/multiview_wide_concat.py", "--format", "dot").stdout
    assert re.search(r'n18 \[label="concatenate\\nConcatenate\\n\(None, 49152\)\\n0 params\\n! KER101, KER102", fillcolor="#ffd6d6"', dot)
    assert 'label="multiview (examples/multiview_wide_concat.py:27)";' in dot


def test_model_level_findings_mark_the_model(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.kerlint.budgets]\nmax-params = "1M"\n', encoding="utf-8")
    shutil.copy(ROOT / "examples" / "multiview_wide_concat.py", tmp_path / "model.py")
    mermaid = kerlint("graph", "model.py", cwd=tmp_path).stdout
    check_mermaid_subset(mermaid)
    assert 'subgraph m0["multiview (model.py:27) — KER901"]' in mermaid
    assert "  style m0 stroke:#d00000,stroke-width:2px" in mermaid
    dot = kerlint("graph", "model.py", "--format", "dot", cwd=tmp_path).stdout
    assert 'label="multiview (model.py:27) — KER901";' in dot and 'fontcolor="#d00000";' in dot
    dot_render(dot)


def test_names_are_escaped(tmp_path):
    (tmp_path / "model.py").write_text(QUOTED_NAMES, encoding="utf-8")
    mermaid = kerlint("graph", "model.py", cwd=tmp_path).stdout
    check_mermaid_subset(mermaid)
    assert 'in #quot;quoted#quot; #35;1' in mermaid and "a#lt;b#gt;&c#96;d" in mermaid
    mermaid_parse(mermaid, tmp_path)
    dot = kerlint("graph", "model.py", "--format", "dot", cwd=tmp_path).stdout
    assert 'label="in \\"quoted\\" #1\\nInputLayer' in dot
    dot_render(dot)


def test_model_selection_and_output_file(tmp_path):
    only = kerlint("graph", "examples", "--model", "multi*")
    assert only.returncode == 0 and only.stdout.count("subgraph m") == 1 and "multiview" in only.stdout
    missing = kerlint("graph", "examples", "--model", "nothing-like-this")
    assert missing.returncode == 2 and "no model named 'nothing-like-this'" in missing.stderr
    target = tmp_path / "out" / "model.dot"
    written = kerlint("graph", "examples/mnist_cnn.py", "--format", "dot", "--output-file", str(target))
    assert written.returncode == 0 and written.stdout == "" and target.read_text().startswith("digraph kerlint {")


def test_sequential_without_input_shape_is_drawn_as_a_chain(tmp_path):
    (tmp_path / "model.py").write_text(
        "import keras\nmodel = keras.Sequential([keras.layers.Dense(8), keras.layers.Dense(1)])\n", encoding="utf-8"
    )
    mermaid = kerlint("graph", "model.py", cwd=tmp_path).stdout
    shape = check_mermaid_subset(mermaid)
    assert len(shape["nodes"]) == 2 and "? params" in mermaid and "    n0 --> n1" in mermaid


def test_graph_never_imports_tensorflow():
    probe = (
        "import sys, contextlib, io\n"
        "from kerlint.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['graph', 'examples'])\n"
        "    main(['cost', 'examples', '--format', 'markdown', '--batch-size', '8'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras')))\n"
    )
    import sys

    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_mermaid_warns_past_its_default_edge_limit():
    import io

    from kerlint.report.graph_render import MERMAID_MAX_EDGES, Node, Picture, render

    nodes = [Node(f"n{i}", [f"layer_{i}"]) for i in range(MERMAID_MAX_EDGES + 2)]
    big = Picture("big (model.py:1)", nodes, [(f"n{i}", f"n{i + 1}") for i in range(MERMAID_MAX_EDGES + 1)], [])
    warning = render("mermaid", [big], io.StringIO())
    assert warning is not None and "501 edges" in warning and "--format dot" in warning
    assert render("dot", [big], io.StringIO()) is None
    small = Picture("small (model.py:1)", nodes[:2], [("n0", "n1")], [])
    assert render("mermaid", [small], io.StringIO()) is None
