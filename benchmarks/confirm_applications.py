"""Static estimates against measured figures on keras.applications models, through `kerlint confirm`.

    python benchmarks/confirm_applications.py [--batch-size 1] [--device cpu] [--models VGG16,ResNet50] [--json]

For each model, ``kerlint confirm --model <EntryPoint>`` runs on the installed
``keras/src/applications/<file>.py``, exactly as it runs on a user's file:
kerlint's static analysis of that source (the entry point with its default
arguments), then the guarded worker, which executes the module, calls the
entry point with its defaults (``get_file`` and ``load_weights`` are stand-ins:
nothing is downloaded, the weights stay random) and measures parameters
(Keras), FLOPs (TensorFlow's profiler on the frozen inference graph), memory
and wall time; then the same comparison. A static figure kerlint cannot
produce is printed as "n/a" with the reason, never guessed. Needs
``pip install 'kerlint[confirm]'``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kerlint.config import load_settings  # noqa: E402
from kerlint.confirm import runner  # noqa: E402
from kerlint.engine import analyze_path  # noqa: E402
from kerlint.units import human_count  # noqa: E402

MODELS = {
    "MobileNetV2": "mobilenet_v2.py",
    "ResNet50": "resnet.py",
    "DenseNet121": "densenet.py",
    "EfficientNetB0": "efficientnet.py",
    "VGG16": "vgg16.py",
    "InceptionV3": "inception_v3.py",
}


def applications_source() -> Path:
    """The installed ``keras/src/applications`` directory, found without importing Keras."""
    spec = importlib.util.find_spec("keras")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"error: keras is not installed: {runner.INSTALL}")
    return Path(list(spec.submodule_search_locations)[0]) / "src" / "applications"


def confirm_applications(names: list[str], options: runner.ConfirmOptions) -> list[runner.FileOutcome]:
    settings = load_settings(None)
    directory = applications_source()
    outcomes = []
    for name in names:
        path = directory / MODELS[name]
        result = analyze_path(path, str(path), settings)
        per_model = runner.ConfirmOptions(**{**options.__dict__, "model": name})
        outcomes += runner.confirm_files([result], lambda p: settings, per_model)
    return outcomes


def rows(names: list[str], outcomes: list[runner.FileOutcome]) -> list[dict]:
    table = []
    for name, outcome in zip(names, outcomes):
        row = {"application": name, "seconds": outcome.seconds, "failure": outcome.failure or outcome.missing}
        comparison = outcome.comparisons[0] if outcome.comparisons else None
        if comparison is not None:
            static, measured = comparison.static_figures, comparison.measured_figures
            row.update({
                "model": comparison.name,
                "static_params": static.get("params"), "measured_params": measured.get("params"),
                "static_flops": static.get("flops"), "measured_flops": measured.get("flops"),
                "delta_params": comparison.delta.get("params"), "delta_flops": comparison.delta.get("flops"),
                "static_memory": static.get("memory"), "measured_memory": measured.get("memory"),
                "delta_memory": comparison.delta.get("memory"),
                "forward_ms": measured.get("wall_time_ms"),
                "static_note": _static_note(comparison),
            })
        table.append(row)
    return table


def _static_note(comparison) -> str | None:
    if comparison.static is None:
        return "kerlint has no static model for it"
    if comparison.static.params is None:
        reasons = "; ".join(item["reason"] for item in comparison.static.unresolved[:2])
        return f"static model incomplete: {reasons}" if reasons else "static model incomplete"
    if comparison.static.flops is None:
        return "static FLOPs not known for every layer"
    return None


def render(table: list[dict], batch_size: int) -> str:
    header = ("application", "params static", "measured", "diff", f"FLOPs static (batch {batch_size})", "measured",
              "diff", "train peak static", "measured", "diff", "forward", "time")
    lines = []
    body = []
    for row in table:
        body.append((
            row["application"], _count(row.get("static_params")), _count(row.get("measured_params")),
            _percent(row.get("delta_params")), _flops(row.get("static_flops")), _flops(row.get("measured_flops")),
            _percent(row.get("delta_flops")), _mib(row.get("static_memory")), _mib(row.get("measured_memory")),
            _percent(row.get("delta_memory")),
            "n/a" if row.get("forward_ms") is None else f"{row['forward_ms']:.1f} ms", f"{row['seconds']:.0f} s",
        ))
    widths = [max(len(r[i]) for r in [header, *body]) for i in range(len(header))]
    for number, cells in enumerate([header, *body]):
        lines.append("  ".join([cells[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(cells[1:], widths[1:])]))
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    for row in table:
        if row.get("failure"):
            lines.append(f"{row['application']}: failed: {row['failure']}")
        elif row.get("static_note"):
            lines.append(f"{row['application']}: static n/a: {row['static_note']}")
    return "\n".join(lines)


def _count(value) -> str:
    return "n/a" if value is None else f"{value:,}"


def _mib(value) -> str:
    return "n/a" if value is None else f"{value / (1 << 20):.1f} MiB"


def _flops(value) -> str:
    return "n/a" if value is None else human_count(value)


def _percent(value) -> str:
    return "" if value is None else f"{value:+.1%}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, of {', '.join(MODELS)}")
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--device", choices=("cpu", "gpu", "auto"), default="cpu")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per model")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    args = parser.parse_args(argv)
    try:
        runner.check_dependencies()
    except runner.MissingDependencies as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    names = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in names if name not in MODELS]
    if unknown:
        parser.error(f"unknown model {unknown[0]!r} (known: {', '.join(MODELS)})")
    options = runner.ConfirmOptions(device=args.device, batch_size=args.batch_size, timeout=args.timeout,
                                    jobs=args.jobs, memory_limit=runner.default_memory_limit())
    start = time.monotonic()
    outcomes = confirm_applications(names, options)
    table = rows(names, outcomes)
    if args.json:
        print(json.dumps(table, indent=2))
    else:
        device = next((o.device["name"] for o in outcomes if o.device), args.device)
        print(f"kerlint confirm on keras.applications sources (random weights), batch {args.batch_size}, {device}, "
              f"{time.monotonic() - start:.0f} s in all\n")
        print(render(table, args.batch_size))
    return 0 if not any(row.get("failure") for row in table) else 1


if __name__ == "__main__":
    sys.exit(main())
