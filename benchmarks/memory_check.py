"""kerlint's static memory estimates against TensorFlow's measured peak, on CPU.

    python benchmarks/memory_check.py            # all cases, one table
    python benchmarks/memory_check.py --json     # the same as JSON

How the peak is measured: each case runs in a fresh Python process with
``TF_CPU_ALLOCATOR_USE_BFC=true``, which routes every CPU tensor allocation
through TensorFlow's BFC allocator (without that variable oneDNN's allocator
serves allocations under 256 KiB from malloc, unseen). The process builds the
model from the same source kerlint reads, runs one step to trace and build
everything (variables, optimizer slots, the ``tf.function``), then runs one more
step under TensorFlow's profiler, as ``kerlint confirm`` does
(``kerlint.confirm.measure.traced``): the figure compared is the most bytes the
step's tensors requested at once, plus the weights and the optimizer's variables
that were resident before it (the input batch is converted inside the step).
The allocator's own peak (``get_memory_info("CPU:0")["peak"]``) is shown beside
it: it counts whole chunks, and the BFC allocator serves a request with a free
chunk of up to twice its size without splitting it, so that figure is up to
twice the tensors' and changes with the allocator's history. Python and
TensorFlow's own heap (graphs, kernels) are in neither figure, nor in kerlint's
estimate.

Inference is measured in a process that never compiles the model, so no
optimizer state exists. XLA is off (Keras disables ``jit_compile`` on CPU-only
machines), oneDNN on (TensorFlow's default on x86). TensorFlow runs independent
ops concurrently, so the peak varies from run to run: every case is measured
``--repeat`` times (3 by default, each in a fresh process) and the median is
compared; the table shows the range too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CNN = """
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(32, 32, 3)),
    layers.Conv2D(32, 3, padding="same", activation="relu"),
    layers.Conv2D(32, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Conv2D(64, 3, padding="same", activation="relu"),
    layers.Conv2D(64, 3, activation="relu"),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(128, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=OPTIMIZER, loss="categorical_crossentropy")
"""

LSTM = """
import keras
from keras import layers

model = keras.Sequential([
    keras.Input(shape=(100,), dtype="int32"),
    layers.Embedding(10000, 64),
    layers.LSTM(64),
    layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=OPTIMIZER, loss="binary_crossentropy")
"""

GRU_STACK = """
import keras
from keras import layers

inputs = keras.Input(shape=(50, 16))
x = layers.GRU(128, return_sequences=True)(inputs)
x = layers.GRU(64)(x)
outputs = layers.Dense(5, activation="softmax")(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer=OPTIMIZER, loss="categorical_crossentropy")
"""

SOURCES = {"small CNN": CNN, "small LSTM": LSTM, "GRU stack": GRU_STACK}


@dataclass(frozen=True)
class Case:
    model: str
    batch_size: int
    optimizer: str  # a compile() argument, as source
    mode: str  # "training" | "inference"

    @property
    def label(self) -> str:
        opt = self.optimizer.strip('"') if self.mode == "training" else "-"
        return f"{self.model} | batch {self.batch_size} | {self.mode} | {opt}"

    def source(self) -> str:
        return SOURCES[self.model].replace("OPTIMIZER", self.optimizer)


CASES = [
    Case(model, batch, optimizer, "training")
    for model in SOURCES
    for batch in (1, 32, 128)
    for optimizer in ('"adam"', '"sgd"')
] + [Case(model, batch, '"adam"', "inference") for model in SOURCES for batch in (1, 32, 128)]


def static_figure(case: Case) -> int | None:
    sys.path.insert(0, ROOT)
    from kerlint.config import load_settings
    from kerlint.engine import analyze_source
    from kerlint.memory import PRECISIONS, estimate, model_optimizer

    result = analyze_source(case.source(), "<memory_check>", load_settings(None))
    [model] = result.analysis.models
    found = estimate(model, case.batch_size, PRECISIONS["float32"], model_optimizer(model, result.analysis.locator.line))
    return found.training if case.mode == "training" else found.inference_peak


MEASURE = """
import json, sys
sys.path.insert(0, sys.argv[2])
import keras
import numpy as np
import tensorflow as tf
from kerlint.confirm.measure import Backend, traced, weight_bytes
case = json.loads(sys.argv[1])
source = case["source"]
if case["mode"] == "inference":
    source = source[: source.index("model.compile(")]
namespace = {}
exec(compile(source, "<case>", "exec"), namespace)
model = namespace["model"]
batch = case["batch_size"]

def batch_like(tensor):
    shape = (batch, *tensor.shape[1:])
    return np.zeros(shape, dtype=tensor.dtype)

x = [batch_like(t) for t in model.inputs]
x = x[0] if len(x) == 1 else x
y = np.zeros((batch, *model.outputs[0].shape[1:]), "float32")
step = (lambda: model.train_on_batch(x, y)) if case["mode"] == "training" else (lambda: model.predict_on_batch(x))
step()
tf.config.experimental.reset_memory_stats("CPU:0")
_, tensors = traced(Backend(tf, keras, np), "CPU:0", step)
resident = weight_bytes(model, tf)[0]
if case["mode"] == "training":
    resident += sum(int(np.prod(v.shape)) * tf.as_dtype(v.dtype).size for v in model.optimizer.variables)
print(json.dumps({"tensors": resident + tensors, "allocator": tf.config.experimental.get_memory_info("CPU:0")["peak"]}))
"""


def measured_figure(case: Case) -> dict:
    """``tensors``: the weights, the optimizer's variables and the most bytes the step's tensors requested at
    once (the figure compared); ``allocator``: the allocator's own peak, in whole chunks (for reference)."""
    env = dict(os.environ, TF_CPU_ALLOCATOR_USE_BFC="true", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    payload = json.dumps({"source": case.source(), "batch_size": case.batch_size, "mode": case.mode})
    done = subprocess.run([sys.executable, "-c", MEASURE, payload, ROOT], capture_output=True, text=True, env=env,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{case.label}: measurement failed:\n{textwrap.indent(done.stderr[-2000:], '  ')}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--tolerance", type=float, default=0.25)
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process measurements per case (median is compared)")
    parser.add_argument("--jobs", type=int, default=2, help="measurements run at once (each in its own process)")
    args = parser.parse_args()
    with ThreadPoolExecutor(args.jobs) as pool:
        futures = {case: [pool.submit(measured_figure, case) for _ in range(args.repeat)] for case in CASES}
        rows = []
        for case in CASES:
            found = [future.result() for future in futures[case]]
            runs = sorted(run["tensors"] for run in found)
            static, measured = static_figure(case), statistics.median(runs)
            ratio = static / measured if static and measured else None
            rows.append({**case.__dict__, "static_bytes": static, "measured_bytes": measured, "measured_runs": runs,
                         "allocator_bytes": statistics.median(run["allocator"] for run in found),
                         "ratio": ratio, "within": ratio is not None and abs(ratio - 1) <= args.tolerance})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(f"{'case':<46} {'static':>10} {'measured':>10} {'(min-max of ' + str(args.repeat) + ')':>22} "
              f"{'allocator':>10} {'ratio':>6}")
        for row in rows:
            case = Case(row["model"], row["batch_size"], row["optimizer"], row["mode"])
            ratio = f"{row['ratio']:.2f}" if row["ratio"] else "?"
            spread = f"{_mb(row['measured_runs'][0], '')}-{_mb(row['measured_runs'][-1])}"
            mark = "" if row["within"] else f"  outside {args.tolerance:.0%}"
            print(f"{case.label:<46} {_mb(row['static_bytes']):>10} {_mb(row['measured_bytes']):>10} {spread:>22} "
                  f"{_mb(row['allocator_bytes']):>10} {ratio:>6}{mark}")
        inside = sum(row["within"] for row in rows)
        print(f"{inside}/{len(rows)} cases within {args.tolerance:.0%} of the median measured peak")
    return 0 if all(row["within"] for row in rows) else 1


def _mb(value: float | None, unit: str = " MiB") -> str:
    return "?" if value is None else f"{value / 2**20:.2f}{unit}"


if __name__ == "__main__":
    sys.exit(main())
