"""Which array reaches which model input and which output's loss, in each fit/evaluate/predict call.

The data rules (KER211, KER212, KER311, KER312) compare the abstract arrays of
`kerlint.interpret.arrays` with the model; this module pairs them up. A pair
is made only where the program shows it: an array for each input (by
position or by the input's name), a target for each output head.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

from kerlint.graph import InputNode, LayerCall, Tensor
from kerlint.interpret.arrays import Data, DataUse
from kerlint.rules.base import RuleContext
from kerlint.rules.heads import Head, heads


@dataclass(frozen=True)
class Feed:
    """One ``(x, y)`` that a call hands the model: its data, or its ``validation_data``."""

    use: DataUse
    x: Any
    y: Any
    validation: bool = False

    @property
    def what(self) -> str:
        """``fit``, ``predict``, ``fit's validation_data``: how messages name the call."""
        return f"{self.use.method}'s validation_data" if self.validation else self.use.method


def feeds(ctx: RuleContext) -> Iterator[Feed]:
    for use in ctx.analysis.data_uses:
        yield Feed(use, use.x, use.y)
        if use.validation is not None:
            yield Feed(use, *use.validation, validation=True)


def inputs_fed(feed: Feed) -> Iterator[tuple[Tensor, Data]]:
    """Each model input with the known array fed to it."""
    return _pairs(feed.x, feed.use.model.inputs, _input_name)


def targets_fed(feed: Feed) -> Iterator[tuple[Head, Data]]:
    """Each output head with the known target array its loss compares it to."""
    model_heads = list(heads(feed.use.model))
    if len(model_heads) != len(feed.use.model.outputs):
        return iter(())
    return _pairs(feed.y, model_heads, lambda head: _output_name(head.output))


def _pairs(value: Any, slots: list, name_of: Any) -> Iterator[tuple[Any, Data]]:
    if isinstance(value, dict):
        by_name = {name_of(slot): slot for slot in slots}
        pairs = [(by_name.get(key), item) for key, item in value.items()]
    elif isinstance(value, (list, tuple)) and len(slots) > 1:
        pairs = list(zip(slots, value)) if len(value) == len(slots) else []
    elif len(slots) == 1:
        pairs = [(slots[0], value)]
    else:
        pairs = []
    for slot, item in pairs:
        if slot is not None and isinstance(item, Data) and item.kind != "dataset":
            yield slot, item


def _input_name(tensor: Tensor) -> str | None:
    return tensor.producer.name if isinstance(tensor.producer, InputNode) else None


def _output_name(tensor: Tensor) -> str | None:
    return tensor.producer.layer.name if isinstance(tensor.producer, LayerCall) else None


def data_fact(ctx: RuleContext, data: Data) -> str:
    """``int array of shape (None, 28, 28) in [0, 255] from `mnist.load_data()` (line 3)``."""
    return f"{data.describe()} from {origin_text(ctx, data)}"


def origin_text(ctx: RuleContext, data: Data) -> str:
    """The array's origin in backquotes and the line it was made on: where the facts about it come from."""
    where = f" (line {ctx.analysis.locator.line(data.node)})" if data.node is not None else ""
    return f"`{data.origin}`{where}"


def line_of(ctx: RuleContext, node: Any) -> int:
    return ctx.analysis.locator.line(node)
