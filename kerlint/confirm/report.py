"""``kerlint confirm`` output: a table per model (static, measured, difference), or JSON for CI."""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, TextIO

from kerlint.confirm.compare import ModelComparison, human_bytes
from kerlint.confirm.compare import relative as _rel
from kerlint.units import human_count

if TYPE_CHECKING:
    from kerlint.confirm.runner import FileOutcome

MAX_EVENTS = 6


def render_json(outcomes: list["FileOutcome"], stream: TextIO) -> None:
    document = {
        "models": [comparison.to_json() for outcome in outcomes for comparison in outcome.comparisons],
        "files": [_file_json(outcome) for outcome in outcomes],
        "findings": [finding.to_json() for outcome in outcomes for finding in outcome.findings],
    }
    json.dump(document, stream, indent=2)
    stream.write("\n")


def _file_json(outcome: "FileOutcome") -> dict:
    executed = outcome.executed or {}
    return {
        "path": outcome.path,
        "skipped": outcome.skipped,
        "failure": outcome.failure or outcome.missing,
        "device": executed.get("device"),
        "seconds": outcome.seconds,
        "errors": executed.get("errors", []),
        "stopped": executed.get("stopped"),
        "events": executed.get("events", []),
    }


def render_table(outcomes: list["FileOutcome"], stream: TextIO, layers: bool = False, model: str | None = None) -> None:
    ran = [o for o in outcomes if not o.skipped]
    if not ran:
        stream.write("No files to confirm.\n")
    for outcome in outcomes:
        if outcome.skipped:
            continue
        block = io.StringIO()
        _file_header(outcome, block)
        for comparison in outcome.comparisons:
            _model(comparison, block, layers)
        if not outcome.comparisons and not outcome.failure and not outcome.missing:
            block.write(f"  no model named {model!r}\n" if model else "  no model found, statically or by running the file\n")
        notebook = outcome.result.notebook
        stream.write(notebook.cite_cells(block.getvalue()) if notebook is not None else block.getvalue())
        stream.write("\n")
    located = []
    for outcome in outcomes:
        notebook = outcome.result.notebook
        for finding in outcome.findings:
            if notebook is None:
                where = f"{finding.path}:{finding.span.line}:{finding.span.column}"
                message = finding.message
            else:  # as `kerlint check` shows a notebook's findings
                cell, span = notebook.cell_span(finding.span)
                where = f"{finding.path}:cell {cell}:line {span.line}:col {span.column}"
                message = notebook.cite_cells(finding.message)
            located.append((finding.sort_key, f"{where}: {finding.code} [{finding.name}] {message}\n"))
    for _, line in sorted(located, key=lambda item: item[0]):
        stream.write(line)
    _summary(outcomes, stream)


def _file_header(outcome: "FileOutcome", stream: TextIO) -> None:
    device = outcome.device or {}
    where = f" on {device.get('name')}" if device else ""
    stream.write(f"{outcome.path}: ran{where} in {outcome.seconds:g} s\n")
    if outcome.missing:
        stream.write(f"  error: {outcome.missing}\n")
    if outcome.failure:
        stream.write(f"  error: {outcome.failure}\n")
    executed = outcome.executed or {}
    stopped = executed.get("stopped")
    if stopped and stopped.get("reason") == "time":
        stream.write(f"  stopped: the code was still running after {stopped.get('seconds', '?')} s (its share of "
                     f"--timeout) at line {stopped.get('line')}; the models built until then are measured\n")
    elif stopped:
        stream.write(f"  stopped: the code exited (sys.exit({stopped.get('status')!r})) at line {stopped.get('line')}\n")
    errors = executed.get("errors", [])
    if errors:
        first = errors[0]
        more = f" ({len(errors) - 1} later statement(s) failed too)" if len(errors) > 1 else ""
        stream.write(f"  raised: line {first['line']}: {first['type']}: {first['message']}{more}; the run went on\n")
    refused = [e for e in executed.get("events", []) if e["kind"] == "refused"]
    stand_ins = [e for e in executed.get("events", []) if e["kind"] == "stand-in"]
    sandboxed: dict[str, list[int]] = {}  # what the operating system refused: the lines of each kind
    for event in executed.get("events", []):
        if event["kind"] == "sandbox":
            sandboxed.setdefault(event["what"], []).append(event["line"])
    for what, lines in sandboxed.items():
        known = sorted(line for line in lines if line)
        where = f" (line{'s' if len(known) > 1 else ''} {', '.join(map(str, known))})" if known else ""
        stream.write(f"  sandbox: {what}{where}\n")
    if refused:
        stream.write("  refused: " + _events(refused) + "\n")
    if stand_ins:
        stream.write("  stand-ins: " + _events(stand_ins) + "\n")


def _events(events: list[dict]) -> str:
    shown = [f"{e['what']}" + (f" x{e['count']}" if e.get("count", 1) > 1 else "")
             + (f" (line {e['line']})" if e.get("line") else "") for e in events[:MAX_EVENTS]]
    more = f", and {len(events) - MAX_EVENTS} more" if len(events) > MAX_EVENTS else ""
    return "; ".join(shown) + more


def _model(comparison: ModelComparison, stream: TextIO, layers: bool) -> None:
    where = f"line {comparison.line}" + (f" in {comparison.function}()" if comparison.function else "")
    stream.write(f'  Model "{comparison.name}" ({where}): {comparison.status}\n')
    rows = [("", "static", "measured", "difference")]
    s, m, d = comparison.static_figures, comparison.measured_figures, comparison.delta
    rows.append(("parameters", _count(s.get("params")), _count(m.get("params")), _params_delta(s, m)))
    flops_label = f"FLOPs (batch {comparison.batch_size})"
    if "flops_partial" in s:
        rows.append((flops_label, f"{_flops(s.get('flops_partial'))}*", f"{_flops(m.get('flops'))}",
                     _percent(d.get("flops"))))
    else:
        rows.append((flops_label, _flops(s.get("flops")), _flops(m.get("flops")), _percent(d.get("flops"))))
    device = (m.get("device") or "").upper() or "device"
    rows.append((f"memory, training step (peak, {device} allocator)", _bytes(s.get("memory")), _bytes(m.get("memory")),
                 _percent(d.get("memory"))))
    rows.append((f"memory, inference (peak, {device} allocator)", _bytes(s.get("memory_inference")),
                 _bytes(m.get("memory_inference")), _percent(d.get("memory_inference"))))
    if m.get("wall_time_ms") is not None:
        rows.append(("forward pass (wall time)", "", f"{m['wall_time_ms']:.2f} ms", ""))
    if any(cell not in ("n/a", "") for row in rows[1:] for cell in row[1:3]):
        _table(rows, stream, indent="    ")
    process = m.get("memory_process") or {}
    if process.get("training") is not None or process.get("inference") is not None:
        stream.write(f"    process memory (peak RSS increase over the first step, TensorFlow's own buffers included): "
                     f"inference +{human_bytes(process.get('inference'))}, training +{human_bytes(process.get('training'))}\n")
    analytic = m.get("memory_analytic") or {}
    if layers and analytic:
        stream.write(f"    analytic (from the real model, every activation at once): inference "
                     f"{human_bytes(analytic.get('inference'))}, training {human_bytes(analytic.get('training'))}\n")
    for note in comparison.notes:
        stream.write(f"    note: {note}\n")
    if "flops_partial" in s:
        stream.write("    * FLOPs of the layers kerlint has an estimate for, compared with the profiler's count for the same layers\n")
    if layers and comparison.layers:
        header = ("layer", "class", "params static", "measured", "FLOPs static", "measured", "difference")
        body = [(row.name, row.class_name, _count(row.static_params), _count(row.measured_params),
                 _flops(row.static_flops), _flops(row.measured_flops) if row.flops_note is None else "n/a",
                 _percent(_rel(row.static_flops, row.measured_flops))) for row in comparison.layers]
        _table([header, *body], stream, indent="      ")
        unattributed = m.get("unattributed_flops")
        if unattributed:
            stream.write(f"      (outside any layer: {_flops(unattributed)} FLOPs, e.g. input casts)\n")


def _table(rows: list[tuple[str, ...]], stream: TextIO, indent: str) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for number, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        stream.write(indent + "  ".join(cells).rstrip() + "\n")
        if number == 0:
            stream.write(indent + "  ".join("-" * w for w in widths) + "\n")


def _count(value) -> str:
    return "n/a" if value is None else f"{value:,}"


def _bytes(value) -> str:
    return human_bytes(value)


def _flops(value) -> str:
    return "n/a" if value is None else human_count(value)


def _params_delta(static: dict, measured: dict) -> str:
    a, b = static.get("params"), measured.get("params")
    if a is None or b is None:
        return ""
    return "0" if a == b else f"{a - b:+,}"


def _percent(value) -> str:
    return "" if value is None else f"{value:+.1%}"


def _summary(outcomes: list["FileOutcome"], stream: TextIO) -> None:
    comparisons = [c for o in outcomes for c in o.comparisons]
    statuses: dict[str, int] = {}
    for c in comparisons:
        statuses[c.status] = statuses.get(c.status, 0) + 1
    failed = sum(1 for o in outcomes if o.failure or o.missing)
    parts = [f"{count} {status}" for status, count in sorted(statuses.items())]
    if failed:
        parts.append(f"{failed} file(s) failed")
    if comparisons or failed:
        stream.write(f"{len(comparisons)} model(s): " + ", ".join(parts) + "\n")
