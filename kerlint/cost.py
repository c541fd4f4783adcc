"""Per-model cost figures, the ``model.summary()`` kerlint computes without TensorFlow.

Parameters come from the catalogue's weights, FLOPs from each call's per-sample
count (``LayerCall.flops``) times the batch size, memory from ``kerlint.memory``.
A figure that is not statically known is None, and a total over parts that are
not all known is None too: the known part is reported separately, labelled as
such, never as the total. Where the only unknowns are sizes the program computes
at run time (``len(class_names)``), parameter totals are expressions in them
(`RunTimeTotals`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kerlint.graph import Layer, LayerCall, ModelGraph
from kerlint.interpret.arrays import data_json
from kerlint.memory import PRECISIONS, ModelMemory, Precision, estimate, human_bytes, layer_activation_bytes, model_nodes, model_optimizer
from kerlint.symbolic import Polynomial, Size, size_text, symbolic_size
from kerlint.units import human_count, scientific, shape_str

if TYPE_CHECKING:
    from kerlint.interpret.analysis import FileAnalysis


@dataclass(frozen=True)
class LayerRow:
    name: str
    class_name: str
    output_shape: str
    params: int | None
    flops: int | None = None  # at the report's batch size, every call of the layer in this model
    activation_bytes: int | None = None  # its outputs at the batch size
    weight_bytes: int | None = None
    params_expression: str | None = None  # in named unknowns, when its weights depend on sizes known only at run time

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "class": self.class_name,
            "output_shape": self.output_shape,
            "params": self.params,
            "params_expression": self.params_expression,
            "flops": self.flops,
            "memory": {"activations": self.activation_bytes, "weights": self.weight_bytes},
        }


@dataclass(frozen=True)
class Flops:
    """FLOPs of a whole model at a batch size: ``total`` only when every part is known."""

    known: int  # the sum over the calls whose FLOPs are known
    unknown: tuple[str, ...]  # names of layers (or ops) whose FLOPs are not known

    @property
    def total(self) -> int | None:
        return None if self.unknown else self.known


@dataclass(frozen=True)
class RunTimeTotals:
    """Parameter totals that depend on sizes known only at run time: expressions in named unknowns.

    ``unknowns`` says where each comes from: ``{"num_classes": {"line": 7, "source": "len(class_names)"}}``.
    """

    params: str  # "12,544·num_classes + 1,180,672"
    trainable_params: str
    non_trainable_params: str
    flops: str | None  # at the report's batch size; None when an operation's FLOPs are not modelled
    unknowns: dict[str, dict]

    def to_json(self) -> dict:
        return {
            "params_expression": self.params,
            "trainable_params_expression": self.trainable_params,
            "non_trainable_params_expression": self.non_trainable_params,
            "flops_expression": self.flops,
            "unknowns": self.unknowns,
        }


_NO_RUN_TIME_TOTALS = dict.fromkeys(RunTimeTotals("", "", "", None, {}).to_json())


@dataclass(frozen=True)
class ModelCost:
    name: str
    path: str
    line: int
    function: str | None
    params: int | None  # None: not every part of the model is known
    trainable_params: int | None
    layers: list[LayerRow]
    unresolved: list[dict]
    batch_size: int = 1
    flops: Flops | None = None
    memory: ModelMemory | None = None
    graph: ModelGraph | None = field(default=None, compare=False, repr=False)
    data: dict | None = None
    """What fit/evaluate/predict received, next to the model's inputs and outputs (`arrays.data_json`); None if never called."""
    run_time: RunTimeTotals | None = None
    """Totals in named unknowns when sizes known only at run time are all that keeps ``params`` unknown."""

    @property
    def non_trainable_params(self) -> int | None:
        return None if self.params is None else self.params - self.trainable_params

    @property
    def total_flops(self) -> int | None:
        return None if self.flops is None else self.flops.total

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "line": self.line,
            "function": self.function,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            **(_NO_RUN_TIME_TOTALS if self.run_time is None else self.run_time.to_json()),
            "batch_size": self.batch_size,
            "flops": self.total_flops,
            "flops_known": None if self.flops is None else self.flops.known,
            "flops_unknown": None if self.flops is None else list(self.flops.unknown),
            "memory": None if self.memory is None else self.memory.to_json(),
            "layers": [row.to_json() for row in self.layers],
            "unresolved": self.unresolved,
            "data": self.data,
        }

    def summary(self) -> str:
        """``25.6M params, 7.7 GFLOPs, 97.8 MB weights``: the one line a pull-request comment needs."""
        if self.params is not None:
            parts = [f"{human_count(self.params)} params"]
        else:
            parts = ["? params" if self.run_time is None else f"{self.run_time.params} params"]
        run_time_flops = None if self.run_time is None else self.run_time.flops
        parts.append(flops_summary(self.flops) if run_time_flops is None else f"{run_time_flops} FLOPs")
        weights = None if self.memory is None else self.memory.weights
        parts.append(f"{human_bytes(weights)} weights" if weights is not None else "? weights")
        return ", ".join(parts)


def model_costs(
    analysis: FileAnalysis,
    batch_size: int = 1,
    dtype: str = "float32",
    optimizer: str | None = None,
) -> list[ModelCost]:
    precision = PRECISIONS[dtype]
    return [model_cost(analysis, model, batch_size, precision, optimizer) for model in analysis.models]


def model_cost(
    analysis: FileAnalysis,
    model: ModelGraph,
    batch_size: int = 1,
    precision: Precision = PRECISIONS["float32"],
    optimizer: str | None = None,
) -> ModelCost:
    locator = analysis.locator
    unresolved = [{"path": analysis.path, "line": locator.line(item.node), "reason": item.reason} for item in model.unresolved]
    chosen = model_optimizer(model, locator.line, optimizer)
    return ModelCost(
        name=model.name,
        path=analysis.path,
        line=locator.line(model.node),
        function=model.function,
        params=model.params,
        trainable_params=model.trainable_params,
        layers=[_row(model, layer, batch_size, precision) for layer in model.layers],
        unresolved=unresolved,
        batch_size=batch_size,
        flops=model_flops(model, batch_size),
        memory=estimate(model, batch_size, precision, chosen),
        graph=model,
        data=data_json(model, analysis.data_uses, locator.line),
        run_time=run_time_totals(model, locator.line, batch_size),
    )


def run_time_totals(model: ModelGraph, line_of, batch_size: int = 1) -> RunTimeTotals | None:
    """`run_time_params` and `run_time_flops` as text, with the line and source of each unknown."""
    totals = run_time_params(model)
    if totals is None:
        return None
    total, trainable = totals
    flops = run_time_flops(model, batch_size)
    named = {u: None for value in (*totals, flops) if isinstance(value, Polynomial) for u in value.unknowns}
    return RunTimeTotals(
        size_text(total), size_text(trainable), size_text(total - trainable), None if flops is None else size_text(flops),
        {u.label: {"line": line_of(u.node), "source": u.source} for u in sorted(named, key=lambda u: u.order)},
    )


def run_time_flops(model: ModelGraph, batch_size: int = 1) -> Size | None:
    """FLOPs of a model `run_time_params` counts, as a polynomial; None when a layer's or an operation's are not modelled."""
    total: Size = 0
    for node in model_nodes(model):
        flops = node.flops if node.flops is not None else getattr(node, "symbolic_flops", None)
        if flops is None:
            return None
        total += flops * batch_size
    return total


def run_time_params(model: ModelGraph) -> tuple[Size, Size] | None:
    """(parameters, trainable parameters) as polynomials, when sizes known only at run time are the model's only unknowns.

    Every layer's weights must be known, as numbers or polynomials, and nothing
    else may be unresolved (a layer outside the catalogue, a trainable flag
    kerlint cannot read): otherwise a total would be a guess, and there is none.
    """
    if model.params is not None or not model.outputs or model.notes:
        return None
    if any(call.error or (call.unresolved and call.layer.symbolic_weights is None) for call in model.calls):
        return None
    total: Size = 0
    trainable: Size = 0
    for layer in model.layers:
        if layer.trainable_unknown or (layer.params is None and (layer.symbolic_weights is None or layer.nested is not None)):
            return None
        if layer.params is not None:
            total, trainable = total + layer.params, trainable + layer.trainable_params
        else:
            total += symbolic_size(layer.symbolic_weights)
            trainable += 0 if layer.trainable is False else symbolic_size(w for w in layer.symbolic_weights if w.trainable)
    return total, 0 if model.trainable is False else trainable


def model_flops(model: ModelGraph, batch_size: int = 1) -> Flops:
    """FLOPs of every layer call and tensor operation of the model.

    ``total`` is None unless every part is known; a model kerlint could not
    reconstruct completely lists ``"(unresolved parts)"`` among the unknown.
    """
    known, unknown = 0, []
    for node in model_nodes(model):
        if node.flops is None:
            layer = getattr(node, "layer", None)
            unknown.append(layer.name if layer is not None else getattr(node, "name", "op"))
        else:
            known += node.flops * batch_size
    if not model.complete:
        unknown.append(UNRESOLVED_PARTS)
    return Flops(known, tuple(dict.fromkeys(unknown)))


UNRESOLVED_PARTS = "(unresolved parts)"


def layer_flops(model: ModelGraph, layer: Layer, batch_size: int = 1) -> int | None:
    per_call = [call.flops for call in model.calls if call.layer is layer]
    if not per_call or any(f is None for f in per_call):
        return None
    return sum(per_call) * batch_size


def _row(model: ModelGraph, layer: Layer, batch_size: int, precision: Precision) -> LayerRow:
    in_model = [call for call in layer.calls if call in model.calls]
    shapes = {shape_str(_shown_shape(call)) for call in in_model}
    shown = shapes.pop() if len(shapes) == 1 else ("multiple" if shapes else "?")
    return LayerRow(
        layer.name,
        layer.class_name,
        shown,
        layer.params,
        flops=layer_flops(model, layer, batch_size),
        activation_bytes=layer_activation_bytes(model, layer, batch_size, precision),
        weight_bytes=None if layer.params is None else layer.params * precision.variable_bytes,
        params_expression=None if layer.params is not None or layer.symbolic_weights is None else size_text(symbolic_size(layer.symbolic_weights)),
    )


def _shown_shape(call: LayerCall) -> Any:
    """The output shape, with sizes known only at run time by their names: ``(None, num_classes)``."""
    return call.symbolic_shapes[0] if call.symbolic_shapes and len(call.symbolic_shapes) == 1 else call.output_shape


def human_flops(n: int | float) -> str:
    """``7_700_000_000`` -> ``7.7 GFLOPs``; below a thousand, the exact count; from 1,000 PFLOPs, ``2.0e+21 FLOPs``."""
    if abs(n) >= 1e18:
        return f"{scientific(n)} FLOPs"
    for limit, prefix in ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= limit:
            return f"{n / limit:.1f} {prefix}FLOPs"
    return f"{int(n)} FLOPs"


def flops_summary(flops: Flops | None) -> str:
    """``7.7 GFLOPs``, or ``? FLOPs (at least 7.2 GFLOPs; unknown: lambda, ...)`` when some are unknown."""
    if flops is None:
        return "? FLOPs"
    if flops.total is not None:
        return human_flops(flops.total)
    names = ", ".join(flops.unknown[:3]) + (", ..." if len(flops.unknown) > 3 else "")
    if flops.known:
        return f"? FLOPs (at least {human_flops(flops.known)}; not known for {names})"
    return f"? FLOPs (not known for {names})"
