"""Static estimates against measured figures: matching models, relative differences, findings.

Pure Python: nothing here imports TensorFlow. The runner feeds it the static
analysis of a file (the one pipeline, ``kerlint.engine``) and what the worker
measured; the benchmark feeds it the same way.

Conventions:

- A relative difference is ``(static - measured) / measured``: +0.10 means
  kerlint's estimate is 10% above the measured figure.
- FLOPs are for one forward pass at the batch size (static: the per-sample
  FLOPs of every layer call, times the batch size). Where some static layer
  FLOPs are unknown, the comparison covers the layers known on both sides and
  says on how many.
- Memory is the peak of one training step (``memory``) and of one inference
  (``memory_inference``): kerlint's estimate (``kerlint.memory``) against
  TensorFlow's allocator peak, on CPU as on GPU. The process-level figure
  (peak RSS, CPU) and the analytic figure of the real model are reported
  beside them, never compared: the first includes TensorFlow's own buffers,
  the second is a different convention (every activation at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kerlint.findings import Finding, Span
from kerlint.cost import model_cost
from kerlint.graph import ModelGraph
from kerlint.interpret.analysis import FileAnalysis
from kerlint.rules.estimate_mismatch import EstimateMismatch
from kerlint.rules.model_not_reconstructed import ModelNotReconstructed
from kerlint.units import human_count

FIGURES = ("params", "flops", "memory")


@dataclass
class StaticModel:
    """What the comparison needs from a static ModelGraph."""

    name: str
    line: int
    span: Span
    function: str | None
    params: int | None
    trainable_params: int | None
    layers: list[dict]  # name, class, params, trainable_params, flops (batch total or None)
    flops: int | None  # batch total; None unless every layer call's FLOPs are known
    memory: dict | None  # {"inference", "training"} bytes at the batch size, when cost.py provides them
    unresolved: list[dict]  # {"line", "reason"}

    def to_request(self) -> dict:
        return {"name": self.name, "line": self.line, "function": self.function}


@dataclass
class LayerComparison:
    name: str
    class_name: str
    static_params: int | None
    measured_params: int | None
    static_flops: int | None
    measured_flops: int | None
    flops_note: str | None = None

    def to_json(self) -> dict:
        return {
            "name": self.name, "class": self.class_name,
            "static": {"params": self.static_params, "flops": self.static_flops},
            "measured": {"params": self.measured_params, "flops": self.measured_flops},
            "delta": {"params": relative(self.static_params, self.measured_params),
                      "flops": relative(self.static_flops, self.measured_flops)},
            "flops_note": self.flops_note,
        }


@dataclass
class ModelComparison:
    name: str
    path: str
    line: int | None
    function: str | None
    static: StaticModel | None
    captured: dict | None
    measured: dict | None
    batch_size: int
    static_figures: dict[str, Any] = field(default_factory=dict)
    measured_figures: dict[str, Any] = field(default_factory=dict)
    delta: dict[str, float | None] = field(default_factory=dict)
    layers: list[LayerComparison] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    status: str = "confirmed"  # confirmed | mismatch | not-reconstructed | not-built | not-measured

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "path": self.path,
            "line": self.line,
            "function": self.function,
            "status": self.status,
            "batch_size": self.batch_size,
            "static": {key: self.static_figures.get(key) for key in FIGURES},
            "measured": {key: self.measured_figures.get(key) for key in FIGURES},
            "delta": {key: self.delta.get(key) for key in FIGURES},
            "details": {
                "static": {k: v for k, v in self.static_figures.items() if k not in FIGURES},
                "measured": {k: v for k, v in self.measured_figures.items() if k not in FIGURES},
                "delta": {k: v for k, v in self.delta.items() if k not in FIGURES},
            },
            "layers": [layer.to_json() for layer in self.layers],
            "notes": self.notes,
        }


def relative(static: float | None, measured: float | None) -> float | None:
    """``(static - measured) / measured``; None when either is unknown or the measured figure is 0 and they differ."""
    if static is None or measured is None:
        return None
    if measured == 0:
        return 0.0 if static == 0 else None
    return (static - measured) / measured


def static_models(analysis: FileAnalysis, batch_size: int) -> list[StaticModel]:
    """The file's static ModelGraphs, in construction order, with ``kerlint cost``'s figures at ``batch_size``."""
    locator = analysis.locator
    return [_static(analysis, model, locator, batch_size) for model in analysis.models]


def _static(analysis: FileAnalysis, model: ModelGraph, locator: Any, batch_size: int) -> StaticModel:
    figures = model_cost(analysis, model, batch_size)
    layers = [{"name": row.name, "class": row.class_name, "params": row.params, "flops": row.flops}
              for row in figures.layers]
    memory = figures.memory
    return StaticModel(
        name=model.name, line=figures.line, span=locator.span(model.node), function=model.function,
        params=figures.params, trainable_params=figures.trainable_params, layers=layers, flops=figures.total_flops,
        memory=None if memory is None else {"inference": memory.inference_peak, "training": memory.training,
                                            "optimizer": memory.optimizer.describe()},
        unresolved=[{"line": item["line"], "reason": item["reason"]} for item in figures.unresolved],
    )


def match(static: list[StaticModel], captured: list[dict]) -> list[tuple[StaticModel | None, dict | None]]:
    """Pair static models with the models Keras built, in construction order.

    By the line that constructs them and the name (a helper that builds several
    models on one line: ResNet50 and ResNet101 in ``keras.applications``), then
    by the line alone in construction order (Keras numbered the names
    differently), then by the name alone (the line differs: a construction
    spread over lines). Whatever is left is a static model Keras did not build,
    or a model Keras built that kerlint has no static model for.
    """
    left = list(captured)
    found: dict[int, dict] = {}
    for same in (lambda s, c: c.get("line") == s.line and c.get("name") == s.name,
                 lambda s, c: c.get("line") == s.line,
                 lambda s, c: c.get("name") == s.name):
        for index, model in enumerate(static):
            if index in found:
                continue
            hit = next((c for c in left if same(model, c)), None)
            if hit is not None:
                left.remove(hit)
                found[index] = hit
    pairs: list[tuple[StaticModel | None, dict | None]] = [(model, found.get(i)) for i, model in enumerate(static)]
    return pairs + [(None, c) for c in left]


def compare_file(
    path: str,
    analysis: FileAnalysis | None,
    executed: dict | None,
    measured: dict[int, dict],
    batch_size: int,
    model_filter: str | None = None,
) -> list[ModelComparison]:
    """One comparison per model of the file, static or measured. ``measured`` maps capture order -> figures."""
    statics = static_models(analysis, batch_size) if analysis is not None else []
    captured = (executed or {}).get("captured", [])
    comparisons = []
    for static, built in match(statics, captured):
        if model_filter is not None and not _selected(static, built, model_filter):
            continue
        comparisons.append(_compare(path, static, built, measured.get(built["order"]) if built else None,
                                    executed, batch_size))
    return comparisons


def _selected(static: StaticModel | None, built: dict | None, name: str) -> bool:
    names = set()
    for item in (static, built):
        if item is None:
            continue
        if isinstance(item, StaticModel):
            names |= {item.name, item.function}
        else:
            names |= {item.get("name"), item.get("function"), item.get("entry")}
    return name in names


def _compare(path: str, static: StaticModel | None, built: dict | None, measurement: dict | None,
             executed: dict | None, batch_size: int) -> ModelComparison:
    name = static.name if static else built.get("name") or "?"
    line = static.line if static else built.get("line")
    function = static.function if static else (built.get("entry") or built.get("function"))
    result = ModelComparison(name, path, line, function, static, built, None, batch_size)
    if static is not None:
        result.static_figures = {
            "params": static.params, "trainable_params": static.trainable_params, "flops": static.flops,
            "memory": (static.memory or {}).get("training"),
            "memory_inference": (static.memory or {}).get("inference"),
            "optimizer": (static.memory or {}).get("optimizer"),
        }
    if static and built and built.get("name") != static.name:
        result.notes.append(f"Keras named this model `{built.get('name')}`, kerlint `{static.name}`")
    if built is None:
        result.status = "not-built"
        result.notes.append(_why_not_built(executed))
        if static is not None and static.params is None:
            result.status = "not-reconstructed"
        return result
    if not built.get("built"):
        result.status = "not-measured"
        result.notes.append("Keras constructed this model but never built it (no input shape): it has no weights yet")
        if static is None or static.params is None:
            result.status = "not-reconstructed"
        return result
    if measurement is None or "measured" not in measurement:
        result.status = "not-measured"
        reason = (measurement or {}).get("error") or "the worker stopped before measuring it"
        result.notes.append(f"not measured: {reason}")
        if static is None or static.params is None:
            result.status = "not-reconstructed"
        return result
    figures = measurement["measured"]
    result.measured = figures
    memory = figures.get("memory") or {}
    allocator = memory.get("measured") or {}
    result.measured_figures = {
        "params": figures.get("params"),
        "trainable_params": figures.get("trainable_params"),
        "flops": figures.get("flops"),
        "memory": allocator.get("training"),
        "memory_inference": allocator.get("inference"),
        "memory_source": allocator.get("source"),
        "memory_process": memory.get("process"),
        "memory_analytic": memory.get("analytic"),
        "wall_time_ms": figures.get("wall_time_ms"),
        "unattributed_flops": figures.get("unattributed_flops"),
        "device": figures.get("device"),
    }
    by_message: dict[str, list[str]] = {}
    for key, message in (figures.get("errors") or {}).items():
        by_message.setdefault(message, []).append(key.replace("_", " "))
    for message, keys in by_message.items():
        result.notes.append(f"{', '.join(keys)} not measured: {message}" if len(keys) > 1 else f"{keys[0]}: {message}")
    result.layers = _layers(static, figures)
    if static is None:
        result.status = "not-reconstructed"
        return result
    if static.params is None:
        result.status = "not-reconstructed"
    result.delta = {
        "params": relative(static.params, figures.get("params")),
        "flops": relative(static.flops, figures.get("flops")),
        "memory": relative(result.static_figures.get("memory"), result.measured_figures["memory"]),
        "memory_inference": relative(result.static_figures.get("memory_inference"),
                                     result.measured_figures["memory_inference"]),
    }
    if static.flops is None and figures.get("flops") is not None:
        partial = _partial_flops(result.layers)
        if partial is not None:
            compared, known, total = partial
            result.static_figures["flops_partial"] = compared[0]
            result.measured_figures["flops_partial"] = compared[1]
            result.delta["flops"] = relative(*compared)
            result.notes.append(
                f"FLOPs compared on {known} of {total} layers: kerlint has no FLOPs estimate for the others yet"
            )
        else:
            result.notes.append("FLOPs not compared: kerlint has no FLOPs estimate for this model's layers yet")
    if result.static_figures.get("memory") is None and result.static_figures.get("memory_inference") is None:
        result.notes.append("memory not compared: kerlint has no static memory estimate for this model")
    return result


def _layers(static: StaticModel | None, figures: dict) -> list[LayerComparison]:
    static_rows = {row["name"]: row for row in (static.layers if static else [])}
    rows = []
    seen = set()
    for row in figures.get("layers", []):
        mine = static_rows.get(row["name"], {})
        seen.add(row["name"])
        rows.append(LayerComparison(row["name"], row["class"], mine.get("params"), row.get("params"),
                                    mine.get("flops"), row.get("flops"), row.get("flops_note")))
    for name, mine in static_rows.items():
        if name not in seen:
            rows.append(LayerComparison(name, mine["class"], mine.get("params"), None, mine.get("flops"), None,
                                        "no layer of this name in the Keras model"))
    return rows


def _partial_flops(layers: list[LayerComparison]) -> tuple[tuple[int, int], int, int] | None:
    both = [row for row in layers if row.static_flops is not None and row.measured_flops is not None]
    if not both:
        return None
    static = sum(row.static_flops for row in both)
    measured = sum(row.measured_flops for row in both)
    return (static, measured), len(both), len(layers)


def _why_not_built(executed: dict | None) -> str:
    if executed is None:
        return "no model was built: the code did not run to the end (see the file's notes)"
    errors = executed.get("errors") or []
    stopped = executed.get("stopped")
    if errors:
        first = errors[0]
        return (f"Keras did not build it: the code raised {first['type']} at line {first['line']}: "
                f"{first['message']}")
    if stopped:
        return f"Keras did not build it: the run stopped ({stopped['reason']}) at line {stopped.get('line')}"
    return "Keras did not build it: running the file did not construct this model"


# -- findings --------------------------------------------------------------------


def findings(comparison: ModelComparison, analysis: FileAnalysis | None, options_902: dict, options_903: dict,
             enabled: frozenset[str]) -> list[Finding]:
    """KER902 for each figure off by more than its tolerance; KER903 for a model kerlint could not reconstruct."""
    result = []
    span = comparison.static.span if comparison.static else Span(comparison.line or 1, 1, comparison.line or 1, 1)
    if comparison.status == "not-reconstructed" and ModelNotReconstructed.code in enabled:
        message = _not_reconstructed_message(comparison, analysis)
        if message:
            result.append(_finding(ModelNotReconstructed, comparison.path, span, message))
    if EstimateMismatch.code in enabled and comparison.static and comparison.measured:
        for figure in (*FIGURES, "memory_inference"):
            message = _mismatch_message(comparison, figure, options_902)
            if message:
                result.append(_finding(EstimateMismatch, comparison.path, span, message))
    if result and any(f.code == EstimateMismatch.code for f in result) and comparison.status == "confirmed":
        comparison.status = "mismatch"
    return result


def _finding(rule: type, path: str, span: Span, message: str) -> Finding:
    return Finding(path, span, rule.code, rule.name, message, rule.severity)


def tolerance(figure: str, options: dict) -> float:
    key = f"{figure.split('_')[0]}-tolerance"
    return float(options.get(key, EstimateMismatch.options[key]))


def _mismatch_message(comparison: ModelComparison, figure: str, options: dict) -> str | None:
    delta = comparison.delta.get(figure)
    limit = tolerance(figure, options)
    static = comparison.static_figures.get(f"{figure}_partial", comparison.static_figures.get(figure))
    measured = comparison.measured_figures.get(f"{figure}_partial", comparison.measured_figures.get(figure))
    if static is None or measured is None:
        return None
    if delta is not None and abs(delta) <= limit:
        return None
    if figure.startswith("memory") and abs(static - measured) < int(options.get(
            "memory-min-difference", EstimateMismatch.options["memory-min-difference"])):
        return None
    model = f"model `{comparison.name}`"
    off = "off" if delta is None else f"{delta:+.1%}"
    allowed = "exact" if limit == 0 else f"tolerance {limit:.0%}"
    if figure == "params":
        layers = [row for row in comparison.layers if row.static_params != row.measured_params]
        detail = "; ".join(f"{row.name} ({row.class_name}): kerlint {_count(row.static_params)}, Keras "
                           f"{_count(row.measured_params)}" for row in layers[:3])
        return (f"{model}: kerlint estimates {static:,} parameters, Keras counts {measured:,} "
                f"({static - measured:+,}, {allowed})" + (f"; layers that differ: {detail}" if detail else ""))
    if figure == "flops":
        partial = "flops_partial" in comparison.static_figures
        layers = sorted((row for row in comparison.layers if row.static_flops is not None
                         and row.measured_flops is not None and row.static_flops != row.measured_flops),
                        key=lambda row: -abs(row.static_flops - row.measured_flops))
        detail = "; ".join(f"{row.name} ({row.class_name}): kerlint {human_count(row.static_flops)}, profiler "
                           f"{human_count(row.measured_flops)}" for row in layers[:3])
        scope = " on the layers both know" if partial else ""
        return (f"{model}: kerlint estimates {human_count(static)} FLOPs{scope} at batch {comparison.batch_size}, "
                f"TensorFlow's profiler counts {human_count(measured)} ({off}, {allowed})"
                + (f"; largest differences: {detail}" if detail else ""))
    step = "a training step" if figure == "memory" else "an inference step"
    device = comparison.measured_figures.get("device") or "the device"
    return (f"{model}: kerlint estimates a peak of {human_bytes(static)} for {step} at batch "
            f"{comparison.batch_size}, TensorFlow's allocator peaked at {human_bytes(measured)} on {device.upper()} "
            f"({off}, {allowed})")


def _not_reconstructed_message(comparison: ModelComparison, analysis: FileAnalysis | None) -> str | None:
    measured = comparison.measured_figures.get("params")
    keras_side = f"Keras built it with {measured:,} parameters" if measured is not None else None
    if comparison.static is not None:
        reasons = "; ".join(f"line {item['line']}: {item['reason']}" for item in comparison.static.unresolved[:5])
        reasons = reasons or "part of the model could not be evaluated"
        if comparison.captured is None:
            keras_side = _why_not_built_short(comparison)
        tail = f"; {keras_side}" if keras_side else ""
        return f"kerlint could not reconstruct model `{comparison.name}` statically ({reasons}){tail}"
    line = comparison.line
    notes = _unresolved_near(analysis, line) if analysis is not None else []
    reasons = "; ".join(notes) if notes else "kerlint found no model construction here"
    what = keras_side or "Keras constructed it"
    return f"Keras built model `{comparison.name}` at line {line}, but kerlint has no static model for it ({reasons}); {what}"


def _why_not_built_short(comparison: ModelComparison) -> str | None:
    for note in comparison.notes:
        if note.startswith("Keras did not build it"):
            return note
    return None


def _unresolved_near(analysis: FileAnalysis, line: int | None) -> list[str]:
    locator = analysis.locator
    items = [(locator.line(item.node), item.reason) for item in analysis.unresolved]
    here = [f"line {at}: {reason}" for at, reason in items if at == line]
    if here:
        return here[:5]
    return [f"line {at}: {reason}" for at, reason in items[:3]]


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def human_bytes(value: float | None) -> str:
    if value is None:
        return "n/a"
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if abs(value) >= size:
            return f"{value / size:.1f} {unit}"
    return f"{int(value)} B"
