"""Static reconstruction of keras.applications vs real Keras, model by model.

For each entry point (``ResNet50``, ``MobileNetV2``...) kerlint analyzes the
installed ``keras/src/applications`` source statically, with the entry
point's default arguments, and a separate process instantiates the same model
with ``weights=None`` and real Keras. The table shows both parameter counts,
whether they match, and kerlint's time per file.

    python benchmarks/applications.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ENTRY_POINTS = {
    "vgg16.py": ["VGG16"],
    "vgg19.py": ["VGG19"],
    "resnet.py": ["ResNet50", "ResNet101", "ResNet152"],
    "resnet_v2.py": ["ResNet50V2", "ResNet101V2", "ResNet152V2"],
    "mobilenet.py": ["MobileNet"],
    "mobilenet_v2.py": ["MobileNetV2"],
    "mobilenet_v3.py": ["MobileNetV3Small", "MobileNetV3Large"],
    "densenet.py": ["DenseNet121", "DenseNet169", "DenseNet201"],
    "xception.py": ["Xception"],
    "inception_v3.py": ["InceptionV3"],
    "inception_resnet_v2.py": ["InceptionResNetV2"],
    "efficientnet.py": ["EfficientNetB0", "EfficientNetB1"],
    "efficientnet_v2.py": ["EfficientNetV2B0", "EfficientNetV2S"],
    "convnext.py": ["ConvNeXtTiny", "ConvNeXtSmall"],
    "nasnet.py": ["NASNetMobile", "NASNetLarge"],
}

_KERAS_PROBE = """
import json, os, sys
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import keras
out = {}
for name in sys.argv[1:]:
    try:
        model = getattr(keras.applications, name)(weights=None)
    except Exception as error:
        out[name] = {"error": f"{type(error).__name__}: {error}"[:200]}
    else:
        out[name] = {"params": model.count_params(),
                     "layers": [[l.name, l.__class__.__name__, str(l.output.shape) if hasattr(l, "output") else "?", l.count_params()] for l in model.layers]}
    keras.backend.clear_session()
print(json.dumps(out))
"""


def applications_dir() -> Path:
    import importlib.util

    spec = importlib.util.find_spec("keras")
    if spec is None or spec.origin is None:
        sys.exit("keras is not installed: pip install 'kerlint[confirm]'")
    return Path(spec.origin).parent / "src" / "applications"


def static_models(path: Path) -> tuple[dict, float]:
    """kerlint's models of one file, by entry-point function, and the seconds it took."""
    from kerlint.config import load_settings
    from kerlint.cost import model_costs
    from kerlint.engine import analyze_source

    start = time.perf_counter()
    result = analyze_source(path.read_text(encoding="utf-8"), str(path), load_settings(None))
    elapsed = time.perf_counter() - start
    by_function = {}
    for cost in model_costs(result.analysis) if result.analysis else []:
        by_function[cost.function] = cost  # the entry point's returned model is the last one it builds
    return by_function, elapsed


def keras_models(names: list[str]) -> dict:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    probe = subprocess.run([sys.executable, "-c", _KERAS_PROBE, *names], capture_output=True, text=True, env=env, timeout=1800)
    if probe.returncode != 0:
        sys.exit(f"Keras probe failed:\n{probe.stderr[-2000:]}")
    return json.loads(probe.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON rows instead of a table")
    args = parser.parse_args()
    directory = applications_dir()
    names = [name for names in ENTRY_POINTS.values() for name in names]
    measured = keras_models(names)
    rows = []
    for filename, entry_points in ENTRY_POINTS.items():
        models, seconds = static_models(directory / filename)
        for name in entry_points:
            cost = models.get(name)
            static = cost.params if cost else None
            real = measured[name].get("params")
            reason = "" if static is not None else (cost.unresolved[0]["reason"] if cost and cost.unresolved else "no model found")
            rows.append({"model": name, "static_params": static, "keras_params": real,
                         "match": static is not None and static == real, "static_seconds": round(seconds, 3), "reason": reason})
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"{'model':<20} {'static params':>14} {'Keras params':>14} {'match':>6} {'static s':>9}  reason if partial")
    for row in rows:
        static = "partial" if row["static_params"] is None else f"{row['static_params']:,}"
        real = "error" if row["keras_params"] is None else f"{row['keras_params']:,}"
        print(f"{row['model']:<20} {static:>14} {real:>14} {'yes' if row['match'] else 'no':>6} {row['static_seconds']:>9.2f}  {row['reason'][:70]}")
    print(f"\n{sum(r['match'] for r in rows)}/{len(rows)} models match Keras's count_params() exactly")


if __name__ == "__main__":
    main()
