"""``kerlint cost`` output: a ``model.summary()``-like table per model, Markdown, or JSON."""

from __future__ import annotations

import json
from typing import Any, Mapping, TextIO

from kerlint.cost import LayerRow, ModelCost, flops_summary
from kerlint.memory import ModelMemory, human_bytes
from kerlint.notebook import Notebook
from kerlint.units import LARGEST_PLAIN, exact_count, human_count, scientific, shape_str

FORMATS = ("table", "markdown", "json")


def render(format_name: str, models: list[ModelCost], stream: TextIO, notebooks: Mapping[str, Notebook] | None = None) -> None:
    """`notebooks` (path -> cells) places the models of notebooks in their cells, as findings are."""
    {"table": render_table, "markdown": render_markdown, "json": render_json}[format_name](models, stream, notebooks)


# ---------------------------------------------------------------- table


def render_table(models: list[ModelCost], stream: TextIO, notebooks: Mapping[str, Notebook] | None = None) -> None:
    if not models:
        stream.write("No models found.\n")
    for model in models:
        stream.write(f'Model "{model.name}" ({_where(model, notebooks)})\n')
        header = ("Layer (type)", "Output Shape", "Param #", "FLOPs", "Activations")
        rows = [_cells(row) for row in model.layers]
        widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
        line = "  ".join("-" * w for w in widths)
        stream.write(_format(header, widths) + "\n" + line + "\n")
        for row in rows:
            stream.write(_format(row, widths) + "\n")
        stream.write(line + "\n")
        if model.run_time is not None:
            stream.write(f"Total params: {model.run_time.params} (sizes known only at run time, see below)\n")
            stream.write(f"Trainable params: {model.run_time.trainable_params}\n")
            stream.write(f"Non-trainable params: {model.run_time.non_trainable_params}\n")
        elif model.params is None:
            stream.write("Total params: unknown (partial model, see below)\n")
        else:
            stream.write(f"Total params: {exact_count(model.params)} ({_params(model.params)})\n")
            stream.write(f"Trainable params: {exact_count(model.trainable_params)}\n")
            stream.write(f"Non-trainable params: {exact_count(model.non_trainable_params)}\n")
        flops = flops_summary(model.flops) if model.run_time is None or model.run_time.flops is None else f"{model.run_time.flops} FLOPs"
        stream.write(f"Total FLOPs (batch {model.batch_size}): {flops}\n")
        for label, value in _memory_lines(model.memory):
            stream.write(f"{label}: {value}\n")
        stream.write(f"Summary: {model.summary()}\n")
        for text in _data_lines(model.data):
            stream.write(f"Data: {text}\n")
        for text in _unknown_lines(model, notebooks):
            stream.write(f"Known at run time: {text}\n")
        for item in model.unresolved:
            stream.write(f"  unresolved: {_at(item['path'], item['line'], notebooks)}: {item['reason']}\n")
        stream.write("\n")


def _data_lines(data: dict | None) -> list[str]:
    """``fit (line 7): x (None, 28, 28) int from mnist.load_data() (line 3), y ...``: one line per call that fed the model."""
    if data is None:
        return []
    return [f"{call['method']} (line {call['line']}): x {_array_text(call['x'])}"
            + ("" if call["y"] is None else f", y {_array_text(call['y'])}") for call in data["calls"]]


def _unknown_lines(model: ModelCost, notebooks: Mapping[str, Notebook] | None) -> list[str]:
    """``num_classes = len(class_names) (model.py:7)``: one line per named unknown of the totals."""
    if model.run_time is None:
        return []
    return [name + ("" if where["source"] == name else f" = {where['source']}") + f" ({_at(model.path, where['line'], notebooks)})"
            for name, where in model.run_time.unknowns.items()]


def _array_text(value: Any) -> str:
    if value is None:
        return "?"
    if isinstance(value, list):
        return "[" + ", ".join(_array_text(item) for item in value) + "]"
    if "origin" not in value:
        return "{" + ", ".join(f"{key}: {_array_text(item)}" for key, item in value.items()) + "}"
    shape = "(?)" if value["shape"] is None else shape_str(tuple(value["shape"]))
    return f"{shape} {value['dtype'] or '?'} from {value['origin']} (line {value['line']})"


def _cells(row: LayerRow) -> tuple[str, ...]:
    return (
        f"{row.name} ({row.class_name})",
        row.output_shape,
        row.params_expression or _count(row.params),
        "?" if row.flops is None else human_count(row.flops),
        "?" if row.activation_bytes is None else human_bytes(row.activation_bytes),
    )


def _format(cells: tuple[str, ...], widths: list[int]) -> str:
    name, shape, *numbers = cells
    text = f"{name:<{widths[0]}}  {shape:<{widths[1]}}"
    for value, width in zip(numbers, widths[2:]):
        text += f"  {value:>{width}}"
    return text


def _memory_lines(memory: ModelMemory | None) -> list[tuple[str, str]]:
    if memory is None:
        return []
    setting = f"batch {memory.batch_size}, {memory.precision.name}"
    weights = "unknown" if memory.weights is None else human_bytes(memory.weights)
    if memory.weights is not None and memory.non_trainable_weights:
        weights += f" ({human_bytes(memory.trainable_weights)} trainable, {human_bytes(memory.non_trainable_weights)} non-trainable)"
    lines = [
        (f"Weights ({memory.precision.variable_dtype})", weights),
        (f"Activations ({setting})", _bytes(memory.activations)),
        (f"Inference peak ({setting})", _approx(memory.inference_peak)),
        (f"Training peak ({setting}, {memory.optimizer.describe()})", _approx(memory.training) + _training_parts(memory)),
    ]
    lines += [("  note", note) for note in memory.notes]
    return lines


def _training_parts(memory: ModelMemory) -> str:
    """How the training figure adds up: the fixed part, then whichever phase is larger."""
    if memory.training is None:
        return ""
    parts = [f"weights {human_bytes(memory.weights)}"]
    if memory.weight_copies:
        parts.append(f"{memory.precision.compute_dtype} weight copies {human_bytes(memory.weight_copies)}")
    if memory.optimizer_state:
        parts.append(f"optimizer state {human_bytes(memory.optimizer_state)}")
    backward = memory.backward_gradients + memory.saved_activations + memory.backward_workspace
    if backward >= memory.gradients + memory.update_workspace:
        parts.append(
            f"backprop (gradients {human_bytes(memory.backward_gradients)}, saved activations "
            f"{human_bytes(memory.saved_activations)}, activation gradient {human_bytes(memory.backward_workspace)})"
        )
    else:
        parts.append(
            f"update (gradients {human_bytes(memory.gradients)}, optimizer temporaries {human_bytes(memory.update_workspace)})"
        )
    return " = " + " + ".join(parts)


# ---------------------------------------------------------------- markdown


def render_markdown(models: list[ModelCost], stream: TextIO, notebooks: Mapping[str, Notebook] | None = None) -> None:
    """GitHub-flavoured Markdown: a heading, a summary line and a table per model, for PR comments."""
    if not models:
        stream.write("No models found.\n")
    for index, model in enumerate(models):
        if index:
            stream.write("\n")
        stream.write(f"### `{_md(model.name)}` ({_md(_where(model, notebooks))})\n\n")
        stream.write(f"**{_md(model.summary())}**")
        memory = model.memory
        if memory is not None:
            stream.write(
                f" · batch {memory.batch_size}, {memory.precision.name} · inference peak {_approx(memory.inference_peak)}"
                f" · training peak {_approx(memory.training)} ({_md(memory.optimizer.describe())})"
            )
        stream.write("\n\n")
        stream.write("| Layer | Class | Output shape | Params | FLOPs | Activations |\n")
        stream.write("| --- | --- | --- | ---: | ---: | ---: |\n")
        for row in model.layers:
            name, shape, params, flops, activations = _cells(row)
            stream.write(
                f"| {_md(row.name)} | {_md(row.class_name)} | `{shape}` | {params} | {flops} | {activations} |\n"
            )
        if model.params is not None or model.run_time is not None:
            total = exact_count(model.params) if model.params is not None else _md(model.run_time.params)
            stream.write(
                f"| **Total** | | | **{total}** | **{_total_flops(model)}** | "
                f"**{_bytes(None if memory is None else memory.activations)}** |\n"
            )
        data = _data_lines(model.data)
        if data:
            stream.write("\nData:\n\n" + "".join(f"- {_md(text)}\n" for text in data))
        unknowns = _unknown_lines(model, notebooks)
        if unknowns:
            stream.write("\nKnown at run time:\n\n" + "".join(f"- `{_md(text)}`\n" for text in unknowns))
        if model.unresolved:
            stream.write("\nNot statically known:\n\n")
            for item in model.unresolved:
                stream.write(f"- `{_md(_at(item['path'], item['line'], notebooks))}`: {_md(item['reason'])}\n")
        if memory is not None and memory.notes:
            stream.write("\n" + "".join(f"> {_md(note)}\n" for note in memory.notes))


def _total_flops(model: ModelCost) -> str:
    total = model.total_flops
    if total is None and model.run_time is not None and model.run_time.flops is not None:
        return _md(model.run_time.flops)
    return "?" if total is None else human_count(total)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


# ---------------------------------------------------------------- json


def render_json(models: list[ModelCost], stream: TextIO, notebooks: Mapping[str, Notebook] | None = None) -> None:
    """A notebook's model (and what is unresolved in it) has a `cell`, and its `line` counts within that cell."""
    records = [model.to_json() for model in models]
    for record in records:
        for place in (record, *record["unresolved"]):
            _in_cell(place, notebooks)
        for place in _data_places([record["data"], record["unknowns"]]):
            _in_cell(place, notebooks, record["path"])
    json.dump({"models": records}, stream, indent=2)
    stream.write("\n")


def _data_places(value: Any) -> list[dict]:
    """Every dict with a `line` in a model's `data`: its inputs, outputs, calls and their arrays."""
    if isinstance(value, list):
        return [place for item in value for place in _data_places(item)]
    if not isinstance(value, dict):
        return []
    inner = [place for item in value.values() for place in _data_places(item)]
    return ([value] if isinstance(value.get("line"), int) else []) + inner


def _in_cell(place: dict[str, Any], notebooks: Mapping[str, Notebook] | None, path: str | None = None) -> None:
    """`path`: the file of a place that does not name its own (the arrays in a model's `data`)."""
    notebook = (notebooks or {}).get(path or place["path"])
    if notebook is not None and isinstance(place.get("line"), int):
        place["cell"], place["line"] = notebook.cell_line(place["line"])


# ---------------------------------------------------------------- helpers


def _where(model: ModelCost, notebooks: Mapping[str, Notebook] | None) -> str:
    return _at(model.path, model.line, notebooks) + (f" in {model.function}()" if model.function else "")


def _at(path: str, line: int, notebooks: Mapping[str, Notebook] | None) -> str:
    """`model.py:12`, or `explore.ipynb:cell 5:line 2` in a notebook."""
    notebook = (notebooks or {}).get(path)
    return f"{path}:{line}" if notebook is None else f"{path}:{notebook.position(line)}"


def _count(value: int | None) -> str:
    return "?" if value is None else exact_count(value)


def _params(value: int) -> str:
    if value >= LARGEST_PLAIN:
        return scientific(value)
    return f"{value / 1e6:.1f}M" if value >= 1e6 else f"{value:,}"


def _bytes(value: int | None) -> str:
    return "unknown" if value is None else human_bytes(value)


def _approx(value: int | None) -> str:
    return "unknown" if value is None else f"~{human_bytes(value)}"
