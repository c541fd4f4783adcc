"""``kerlint cost`` output: a ``model.summary()``-like table per model, or JSON."""

from __future__ import annotations

import json
from typing import TextIO

from kerlint.cost import ModelCost
from kerlint.units import human_count


def render_table(models: list[ModelCost], stream: TextIO) -> None:
    if not models:
        stream.write("No models found.\n")
    for model in models:
        where = f"{model.path}:{model.line}" + (f" in {model.function}()" if model.function else "")
        stream.write(f'Model "{model.name}" ({where})\n')
        header = ("Layer (type)", "Output Shape", "Param #")
        rows = [(f"{r.name} ({r.class_name})", r.output_shape, _count(r.params)) for r in model.layers]
        widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(header)]
        line = "  ".join("-" * w for w in widths)
        stream.write(_format(header, widths) + "\n" + line + "\n")
        for row in rows:
            stream.write(_format(row, widths) + "\n")
        stream.write(line + "\n")
        if model.params is None:
            stream.write("Total params: unknown (partial model, see below)\n")
        else:
            stream.write(f"Total params: {model.params:,} ({human_count(model.params)})\n")
            stream.write(f"Trainable params: {model.trainable_params:,}\n")
            stream.write(f"Non-trainable params: {model.non_trainable_params:,}\n")
        for item in model.unresolved:
            stream.write(f"  unresolved: {item['path']}:{item['line']}: {item['reason']}\n")
        stream.write("\n")


def render_json(models: list[ModelCost], stream: TextIO) -> None:
    json.dump({"models": [model.to_json() for model in models]}, stream, indent=2)
    stream.write("\n")


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _format(cells: tuple[str, ...], widths: list[int]) -> str:
    name, shape, params = cells
    return f"{name:<{widths[0]}}  {shape:<{widths[1]}}  {params:>{widths[2]}}"
