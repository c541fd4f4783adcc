"""Per-model cost figures, the ``model.summary()`` kerlint computes without TensorFlow."""

from __future__ import annotations

from dataclasses import dataclass

from kerlint.graph import Layer, ModelGraph
from kerlint.interpret.analysis import FileAnalysis
from kerlint.units import shape_str


@dataclass(frozen=True)
class LayerRow:
    name: str
    class_name: str
    output_shape: str
    params: int | None

    def to_json(self) -> dict:
        return {"name": self.name, "class": self.class_name, "output_shape": self.output_shape, "params": self.params}


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

    @property
    def non_trainable_params(self) -> int | None:
        return None if self.params is None else self.params - self.trainable_params

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "line": self.line,
            "function": self.function,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": self.non_trainable_params,
            "layers": [row.to_json() for row in self.layers],
            "unresolved": self.unresolved,
        }


def model_costs(analysis: FileAnalysis) -> list[ModelCost]:
    locator = analysis.locator
    costs = []
    for model in analysis.models:
        unresolved = [
            {"path": analysis.path, "line": locator.line(item.node), "reason": item.reason} for item in model.unresolved
        ]
        costs.append(
            ModelCost(
                name=model.name,
                path=analysis.path,
                line=locator.line(model.node),
                function=model.function,
                params=model.params,
                trainable_params=model.trainable_params,
                layers=[_row(model, layer) for layer in model.layers],
                unresolved=unresolved,
            )
        )
    return costs


def _row(model: ModelGraph, layer: Layer) -> LayerRow:
    in_model = [call for call in layer.calls if call in model.calls]
    shapes = {shape_str(call.output_shape) for call in in_model}
    shown = shapes.pop() if len(shapes) == 1 else ("multiple" if shapes else "?")
    return LayerRow(layer.name, layer.class_name, shown, layer.params)
