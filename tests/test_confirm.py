"""`kerlint confirm`: guarded instantiation, measurement, comparison with the static estimates.

The tests that instantiate models need TensorFlow and Keras (``pip install
'kerlint[confirm]'``) and skip without them. There is no GPU here: the GPU path
(device choice, allocator peaks) is covered with fakes of TensorFlow's device
API (``FakeAllocator``), the rest runs on CPU for real.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path

import pytest

from helpers import DATA, EXAMPLES, ROOT, kerlint
from kerlint.config import load_settings
from kerlint.confirm import compare, measure, report, runner
from kerlint.confirm.guards import synthetic_dataset
from kerlint.engine import analyze_path
from kerlint.findings import Span
from kerlint.rules import ALL_RULES
from kerlint.rules.estimate_mismatch import EstimateMismatch
from kerlint.rules.model_not_reconstructed import ModelNotReconstructed

HAVE_TF = importlib.util.find_spec("tensorflow") is not None and importlib.util.find_spec("keras") is not None
needs_tf = pytest.mark.skipif(not HAVE_TF, reason="confirm instantiates models: needs tensorflow and keras (pip install 'kerlint[confirm]')")
HOSTILE = DATA / "hostile"
DOES_NOT_RUN = "article_shared_layers.py"  # Keras raises on it (KER301)
BATCH = 2


def _confirm_paths(paths: list[Path], **options) -> list[runner.FileOutcome]:
    """What `kerlint confirm PATHS` computes, in this process (the workers are subprocesses all the same)."""
    settings = load_settings(None)
    results = [analyze_path(path, str(path), settings) for path in paths]
    defaults = dict(batch_size=BATCH, timeout=240, jobs=2, memory_limit=runner.default_memory_limit())
    return runner.confirm_files(results, lambda path: settings, runner.ConfirmOptions(**{**defaults, **options}),
                                progress_stream=io.StringIO())


# -- without TensorFlow ----------------------------------------------------------

_BLOCKER = """
import importlib.abc, importlib.machinery, sys

class Blocker(importlib.abc.MetaPathFinder):
    # {mode}: "find" fails the lookup (nothing installed); "load" finds it but fails the import (broken install)
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in ("tensorflow", "keras"):
            return None
        if "{mode}" == "find":
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return importlib.machinery.ModuleSpec(name, self)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        raise ImportError(f"libtensorflow_framework.so.2: cannot open shared object file ({{module.__name__}})")

sys.meta_path.insert(0, Blocker())
"""


@pytest.mark.parametrize("mode", ["find", "load"])
def test_without_tensorflow_confirm_exits_2_with_one_line_and_static_commands_work(tmp_path, mode):
    (tmp_path / "sitecustomize.py").write_text(_BLOCKER.format(mode=mode))
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}"}

    def run(*args):
        return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert run("-c", "import tensorflow").returncode != 0, "the shim must really block tensorflow"
    confirmed = run("-m", "kerlint", "confirm", "examples/mnist_cnn.py")
    assert confirmed.returncode == 2
    lines = confirmed.stderr.strip().splitlines()
    # "find": nothing runs, one line. "load": the worker found it broken, after the notice that code will run.
    assert len(lines) == (1 if mode == "find" else 2), confirmed.stderr
    assert lines[-1].startswith("kerlint: error: kerlint confirm needs TensorFlow and Keras")
    assert lines[-1].endswith("install them with: pip install 'kerlint[confirm]'")
    assert confirmed.stdout == ""
    checked = run("-m", "kerlint", "check", "examples", "--output-format", "concise")
    assert checked.returncode == 1 and "KER301" in checked.stdout, checked.stderr
    cost = run("-m", "kerlint", "cost", "examples/mnist_cnn.py")
    assert cost.returncode == 0 and "34,826" in cost.stdout


def test_only_the_worker_imports_tensorflow():
    for path in (ROOT / "kerlint" / "confirm").glob("*.py"):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
        if path.name != "worker.py":
            assert not imported & {"tensorflow", "keras"}, f"{path.name} imports TensorFlow/Keras"
    probe = (
        "import sys, kerlint.cli, kerlint.confirm.runner, kerlint.confirm.compare, kerlint.confirm.report, "
        "kerlint.confirm.measure, kerlint.confirm.guards\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


# -- guards (in a subprocess: they patch the interpreter) ------------------------

_GUARD_PROBE = """
import os, socket, subprocess, sys, json
from kerlint.confirm.guards import Guards, SandboxRefusal
workdir, outside = sys.argv[1], sys.argv[2]
box = Guards(workdir, os.path.join(workdir, "script.py"), keras=None, np=None)
box._neutral_process_state(); box._refuse_network(); box._refuse_processes(); box._guard_writes()
results = {}
def attempt(name, thunk):
    try:
        thunk()
        results[name] = "allowed"
    except SandboxRefusal as error:
        results[name] = "refused"
attempt("write outside", lambda: open(os.path.join(outside, "a.txt"), "w"))
attempt("append outside", lambda: open(os.path.join(outside, "a.txt"), "a"))
attempt("read outside", lambda: open(os.path.join(outside, "exists.txt")).read())
attempt("write relative", lambda: open("inside.txt", "w").write("x"))
attempt("os.open outside", lambda: os.open(os.path.join(outside, "b.txt"), os.O_CREAT | os.O_WRONLY))
attempt("mkdir outside", lambda: os.makedirs(os.path.join(outside, "d", "e")))
attempt("remove outside", lambda: os.remove(os.path.join(outside, "exists.txt")))
attempt("rename outside", lambda: os.rename("inside.txt", os.path.join(outside, "moved.txt")))
attempt("pathlib outside", lambda: __import__("pathlib").Path(outside, "p.txt").write_text("x"))
attempt("connect", lambda: socket.create_connection(("example.com", 80)))
attempt("raw connect", lambda: socket.socket().connect(("127.0.0.1", 9)))
attempt("dns", lambda: socket.getaddrinfo("example.com", 80))
attempt("subprocess", lambda: subprocess.run(["true"]))
attempt("os.system", lambda: os.system("true"))
results["cwd"] = os.getcwd() == os.path.realpath(workdir)
results["argv"] = sys.argv == [os.path.join(workdir, "script.py")]
results["stdin"] = sys.stdin.read() == ""
"""


def test_guards_refuse_network_processes_and_outside_writes(tmp_path):
    workdir, outside = tmp_path / "work", tmp_path / "outside"
    workdir.mkdir()
    outside.mkdir()
    (outside / "exists.txt").write_text("data")
    # A symlink inside the sandbox that points outside must not be a way out.
    (workdir / "escape").symlink_to(outside)
    probe = _GUARD_PROBE + "attempt('via symlink', lambda: open(os.path.join(workdir, 'escape', 'c.txt'), 'w'))\nprint(json.dumps(results))\n"
    out = subprocess.run([sys.executable, "-c", probe, str(workdir), str(outside)], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout.strip().splitlines()[-1])
    refused = {name for name, value in results.items() if value == "refused"}
    assert refused == {"write outside", "append outside", "os.open outside", "mkdir outside", "remove outside",
                       "rename outside", "pathlib outside", "connect", "raw connect", "dns", "subprocess", "os.system",
                       "via symlink"}
    assert results["read outside"] == results["write relative"] == "allowed"
    assert results["cwd"] and results["argv"] and results["stdin"]
    assert sorted(p.name for p in outside.iterdir()) == ["exists.txt"]
    assert (workdir / "inside.txt").exists()


@pytest.mark.parametrize(
    "name, x_shape, x_dtype, y_shape",
    [
        ("mnist", (64, 28, 28), "uint8", (64,)),
        ("fashion_mnist", (64, 28, 28), "uint8", (64,)),
        ("cifar10", (64, 32, 32, 3), "uint8", (64, 1)),
        ("cifar100", (64, 32, 32, 3), "uint8", (64, 1)),
        ("boston_housing", (64, 13), "float64", (64,)),
        ("california_housing", (64, 8), "float64", (64,)),
        ("imdb", (64,), "object", (64,)),
        ("reuters", (64,), "object", (64,)),
    ],
)
def test_synthetic_datasets_have_the_documented_shapes(name, x_shape, x_dtype, y_shape):
    np = pytest.importorskip("numpy")
    (x_train, y_train), (x_test, y_test) = synthetic_dataset(name, np, {"num_words": 100})
    assert x_train.shape == x_shape and str(x_train.dtype) == x_dtype and y_train.shape == y_shape
    assert len(x_test) == len(y_test) == 16
    if x_dtype == "object":
        assert all(isinstance(seq, list) and max(seq) < 100 for seq in x_train)


# -- comparison (pure) -----------------------------------------------------------


def _static(name, line, params=100, function=None, flops=None, layers=None, memory=None, unresolved=()):
    return compare.StaticModel(name, line, Span(line, 1, line, 10), function, params, params, layers or [], flops,
                               memory, list(unresolved))


def test_models_are_matched_by_construction_line_then_name():
    statics = [_static("a", 3), _static("helper", 10), _static("helper_1", 10), _static("gone", 20), _static("renamed", 30)]
    captured = [
        {"order": 0, "name": "a", "line": 3}, {"order": 1, "name": "helper", "line": 10},
        {"order": 2, "name": "helper_1", "line": 10}, {"order": 3, "name": "renamed", "line": 31},
        {"order": 4, "name": "extra", "line": 40},
    ]
    pairs = [(s.name if s else None, c["order"] if c else None) for s, c in compare.match(statics, captured)]
    assert pairs == [("a", 0), ("helper", 1), ("helper_1", 2), ("gone", None), ("renamed", 3), (None, 4)]


def test_relative_difference_convention():
    assert compare.relative(110, 100) == pytest.approx(0.10)
    assert compare.relative(90, 100) == pytest.approx(-0.10)
    assert compare.relative(0, 0) == 0.0
    assert compare.relative(5, 0) is None and compare.relative(None, 3) is None


def _measured(params=100, flops=1000, memory=4096, device="cpu", layers=None):
    allocator = {"source": "TensorFlow allocator peak", "training": memory, "inference": memory // 2}
    return {"measured": {
        "params": params, "trainable_params": params, "flops": flops, "device": device, "wall_time_ms": 1.0,
        "memory": {"measured": allocator, "analytic": {"training": 1, "inference": 1}, "process": {"training": 5}},
        "layers": layers or [], "errors": {},
    }}


def _comparison(static, measurement, executed=None):
    executed = executed or {"captured": [{"order": 0, "name": static.name, "line": static.line, "built": True}]}
    return compare._compare("m.py", static, executed["captured"][0], measurement, executed, BATCH)


def test_estimate_mismatch_follows_the_tolerances():
    enabled = frozenset({"KER902", "KER903"})
    static = _static("m", 5, params=100, flops=1040, memory={"training": 4096, "inference": 2048})
    within = _comparison(static, _measured(params=100, flops=1000, memory=4096))
    assert within.delta == {"params": 0.0, "flops": pytest.approx(0.04), "memory": 0.0, "memory_inference": 0.0}
    assert compare.findings(within, None, {}, {}, enabled) == []
    off = _comparison(_static("m", 5, params=101, flops=1100, memory={"training": 8 << 20, "inference": 2 << 20}),
                      _measured(memory=4 << 20))
    found = compare.findings(off, None, {}, {}, enabled)
    assert [f.code for f in found] == ["KER902"] * 3
    assert "101 parameters, Keras counts 100 (+1, exact)" in found[0].message
    assert "tolerance 5%" in found[1].message and "+10.0%" in found[1].message
    assert "8.0 MiB for a training step" in found[2].message and "allocator peaked at 4.0 MiB on CPU" in found[2].message
    tiny = _comparison(_static("m", 5, memory={"training": 896, "inference": 256}), _measured(memory=4300))
    assert compare.findings(tiny, None, {}, {}, enabled) == []  # under memory-min-difference: allocator rounding
    assert found[0].span.line == 5
    loose = {"params-tolerance": 0.05, "flops-tolerance": 0.2, "memory-tolerance": 1.5}
    assert compare.findings(off, None, loose, {}, enabled) == []
    assert compare.findings(off, None, {}, {}, frozenset({"KER903"})) == []


def test_memory_is_compared_with_the_allocator_peak_not_the_process_or_analytic_figures():
    for device in ("cpu", "gpu"):
        comparison = _comparison(_static("m", 5, memory={"training": 12288, "inference": 6144}),
                                 _measured(memory=12288, device=device))
        assert comparison.measured_figures["memory"] == 12288 and comparison.delta["memory"] == 0.0
        assert comparison.measured_figures["memory_inference"] == 6144 and comparison.delta["memory_inference"] == 0.0
        assert comparison.measured_figures["memory_process"] == {"training": 5}


def test_flops_are_compared_on_the_layers_known_on_both_sides_and_it_says_so():
    layers_static = [{"name": "d1", "class": "Dense", "params": 10, "flops": 100},
                     {"name": "n", "class": "Normalization", "params": 3, "flops": None}]
    layers_measured = [{"name": "d1", "class": "Dense", "params": 10, "flops": 100, "flops_note": None},
                       {"name": "n", "class": "Normalization", "params": 3, "flops": 30, "flops_note": None}]
    comparison = _comparison(_static("m", 5, params=13, flops=None, layers=layers_static),
                             _measured(params=13, flops=130, layers=layers_measured))
    assert comparison.static_figures["flops_partial"] == 100 and comparison.measured_figures["flops_partial"] == 100
    assert comparison.delta["flops"] == 0.0
    assert "FLOPs compared on 1 of 2 layers" in " ".join(comparison.notes)


def test_model_not_reconstructed_gives_the_reasons():
    enabled = frozenset({"KER902", "KER903"})
    partial = _static("m", 7, params=None, unresolved=[{"line": 4, "reason": "`units` is not known statically"}])
    found = compare.findings(_comparison(partial, _measured(params=1234)), None, {}, {}, enabled)
    assert [f.code for f in found] == ["KER903"]
    assert "line 4: `units` is not known statically" in found[0].message and "1,234 parameters" in found[0].message
    unseen = compare._compare("m.py", None, {"order": 0, "name": "resnet50", "line": 9, "built": True},
                              _measured(params=25_636_712), {"captured": []}, BATCH)
    found = compare.findings(unseen, None, {}, {}, enabled)
    assert [f.code for f in found] == ["KER903"] and found[0].span.line == 9
    assert "Keras built model `resnet50` at line 9" in found[0].message


def test_model_filter_selects_by_name_or_function():
    assert compare._selected(_static("two_tower", 3, function="build_model"), None, "build_model")
    assert compare._selected(None, {"name": "x", "function": None}, "x")
    assert not compare._selected(_static("a", 3), {"name": "a", "function": None}, "b")


def test_confirm_only_rules_are_registered_with_options_and_docs():
    codes = {rule.code: rule for rule in ALL_RULES}
    assert codes["KER902"] is EstimateMismatch and codes["KER903"] is ModelNotReconstructed
    assert EstimateMismatch.options == {"params-tolerance": 0.0, "flops-tolerance": 0.05, "memory-tolerance": 0.25,
                                        "memory-min-difference": 1 << 20}
    assert EstimateMismatch.emitted_by_confirm and ModelNotReconstructed.emitted_by_confirm
    assert not any(rule.emitted_by_confirm for rule in ALL_RULES if rule.code not in ("KER902", "KER903"))


# -- progress --------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_shows_on_a_terminal_and_is_silent_otherwise():
    terminal, pipe = _Terminal(), io.StringIO()
    for stream in (terminal, pipe):
        progress = runner.Progress(stream, total=3)
        progress.show(2, "examples/mnist_cnn.py", "model 'sequential': FLOPs")
        progress.clear()
    assert "[2/3] examples/mnist_cnn.py: model 'sequential': FLOPs" in terminal.getvalue()
    assert pipe.getvalue() == ""


# -- GPU path, with a fake device API ---------------------------------------------


class FakeAllocator:
    """``tf.config.experimental``'s memory API for one fake GPU: each step allocates and frees."""

    def __init__(self, resident=1000, per_step=(300, 700)):
        self.current, self.peak, self.resets, self.steps = resident, resident, 0, list(per_step)

    def reset_memory_stats(self, device):
        assert device == "GPU:0"
        self.resets += 1
        self.peak = self.current

    def get_memory_info(self, device):
        return {"current": self.current, "peak": self.peak}

    def step(self):
        size = self.steps.pop(0) if self.steps else 0
        self.peak = max(self.peak, self.current + size)


def test_device_choice():
    assert measure.device_for("cpu", ["GPU:0"]) == "cpu"
    assert measure.device_for("auto", ["GPU:0"]) == "gpu"
    assert measure.device_for("auto", []) == "cpu"
    with pytest.raises(measure.Unmeasurable, match="sees no GPU"):
        measure.device_for("gpu", [])
    assert measure.environment("cpu")["CUDA_VISIBLE_DEVICES"] == "-1"
    assert "CUDA_VISIBLE_DEVICES" not in measure.environment("gpu")


def test_device_memory_is_the_allocator_peak_above_the_baseline():
    api = FakeAllocator(resident=5000, per_step=(1234,))
    assert measure.device_memory(api, "GPU:0", api.step) == 1234 and api.resets == 1


def test_configure_device_picks_the_gpu_and_its_memory_api():
    from kerlint.confirm import worker

    growth = []
    experimental = types.SimpleNamespace(set_memory_growth=lambda gpu, on: growth.append((gpu.name, on)))
    config = types.SimpleNamespace(
        list_physical_devices=lambda kind: [types.SimpleNamespace(name="/physical_device:GPU:0")],
        experimental=experimental, set_visible_devices=lambda *a: None,
    )
    backend = measure.Backend(tf=types.SimpleNamespace(config=config), keras=None, np=None)
    options = worker.configure_device(backend, "auto")
    assert (options.device, options.device_name, options.memory_api) == ("gpu", "GPU:0", experimental)
    assert growth == [("/physical_device:GPU:0", True)]


@needs_tf
def test_gpu_memory_path_with_a_fake_allocator():
    """The GPU branch of the measurement, on a real model run on CPU, with the allocator faked."""
    from kerlint.confirm import worker

    backend = worker.load_backend()
    keras = backend.keras
    inputs = keras.Input((8,))
    model = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    api = FakeAllocator(resident=10_000, per_step=())

    class Steps(measure.Steps):
        def infer(self):
            super().infer()
            api.step()

        def train(self):
            super().train()
            api.step()

    api.steps = [0, 111, 0, 222]  # inference: warm-up, measured; training: warm-up, measured
    original = measure.Steps
    measure.Steps = Steps
    try:
        options = measure.Options(batch_size=2, device="gpu", device_name="GPU:0", memory_api=api)
        figures = measure.measure_model(model, backend, options)
    finally:
        measure.Steps = original
    memory = figures["memory"]
    weights, batch = (8 * 4 + 4) * 4, 2 * 8 * 4
    assert memory["measured"]["source"].startswith("TensorFlow allocator peak on GPU:0")
    assert memory["measured"]["inference"] == weights + batch + 111
    assert memory["measured"]["training"] == weights + 0 + batch + 222  # slots: the fake allocator saw none
    assert "process" not in memory  # the process-level figure is a CPU figure
    assert memory["analytic"]["weights"] == weights
    assert figures["params"] == 36 and figures["flops"] == 2 * (2 * 8 * 4) + 2 * 4


# -- on CPU, for real ------------------------------------------------------------


@pytest.fixture(scope="module")
def examples_outcomes():
    if not HAVE_TF:
        pytest.skip("confirm instantiates models: needs tensorflow and keras (pip install 'kerlint[confirm]')")
    return _confirm_paths(sorted(EXAMPLES.rglob("*.py")))  # what `kerlint confirm examples/` runs


@needs_tf
def test_confirm_examples_has_zero_parameter_differences(examples_outcomes):
    by_file = {str(Path(o.path).relative_to(EXAMPLES)): o for o in examples_outcomes}
    assert set(by_file) == {str(p.relative_to(EXAMPLES)) for p in EXAMPLES.rglob("*.py")}
    for name, outcome in by_file.items():
        assert outcome.failure is None and outcome.missing is None, (name, outcome.failure, outcome.log_tail)
        if name == DOES_NOT_RUN:
            continue
        if not outcome.result.analysis.models and not outcome.executed["captured"]:
            continue  # a module of helpers (cifar_resnet/blocks.py): no model, statically or at run time
        assert outcome.comparisons, name
        for comparison in outcome.comparisons:
            assert comparison.status in ("confirmed", "mismatch"), (name, comparison.notes)
            assert comparison.static_figures["params"] == comparison.measured_figures["params"], name
            assert comparison.delta["params"] == 0.0
            assert all(row.static_params == row.measured_params for row in comparison.layers), name
        # Memory estimates are compared too, but their accuracy is the memory model's business (tested in
        # its own benchmark); here no finding may be about parameters or FLOPs, and none may be KER903.
        about = [f.message for f in outcome.findings if "parameters" in f.message or "FLOPs" in f.message]
        assert not about and not [f for f in outcome.findings if f.code == "KER903"], (name, outcome.findings)


@needs_tf
def test_confirm_examples_flops_are_within_tolerance_where_both_are_known(examples_outcomes):
    compared = []
    for outcome in examples_outcomes:
        for comparison in outcome.comparisons:
            delta = comparison.delta.get("flops")
            if delta is not None:
                compared.append(Path(outcome.path).name)
                assert abs(delta) <= EstimateMismatch.options["flops-tolerance"], (outcome.path, comparison.delta)
    # imdb_lstm.py's input has no fixed sequence length: no FLOPs on either side.
    assert len(compared) >= 8, compared


@needs_tf
def test_a_file_that_raises_in_keras_is_reported_not_a_crash(examples_outcomes):
    outcome = next(o for o in examples_outcomes if o.path.endswith(DOES_NOT_RUN))
    assert outcome.failure is None
    first = outcome.executed["errors"][0]
    assert (first["line"], first["type"]) == (14, "ValueError")
    (comparison,) = outcome.comparisons
    assert comparison.status == "not-reconstructed"
    (finding,) = outcome.findings
    assert finding.code == "KER903" and finding.span.line == 17
    assert "line 14" in finding.message and "ValueError" in finding.message
    assert runner.exit_code(examples_outcomes) == 1


@needs_tf
def test_examples_stand_ins_and_execution_notes(examples_outcomes):
    by_file = {Path(o.path).name: o for o in examples_outcomes}
    events = {name: {e["what"] for e in o.executed["events"]} for name, o in by_file.items()}
    assert "keras.datasets.mnist.load_data(): 64 synthetic samples" in events["mnist_cnn.py"]
    assert {"fit() skipped", "evaluate() skipped"} <= events["mnist_cnn.py"]
    assert "plot_model() skipped" in events["article_plot_model.py"]
    tabular = by_file["tabular_regression.py"]
    assert tabular.executed["errors"][0]["type"] == "FileNotFoundError"  # housing.csv: the run went on
    assert tabular.comparisons[0].function == "build_regressor"


@needs_tf
def test_confirm_reports_as_table_and_json(examples_outcomes):
    table = io.StringIO()
    report.render_table(examples_outcomes, table, layers=True)
    text = table.getvalue()
    assert 'Model "two_tower" (line 28 in build_model()): confirmed' in text
    assert "KER903 [model-not-reconstructed]" in text
    assert re.search(r"conv2d_1 +Conv2D +18,496 +18,496", text)  # a row per layer with --layers
    stream = io.StringIO()
    report.render_json(examples_outcomes, stream)
    document = json.loads(stream.getvalue())
    for model in document["models"]:
        assert {"name", "path", "function", "static", "measured", "delta"} <= set(model)
        for key in ("static", "measured", "delta"):
            assert set(model[key]) == {"params", "flops", "memory"}
    mnist = next(m for m in document["models"] if m["path"].endswith("mnist_cnn.py"))
    assert mnist["static"]["params"] == mnist["measured"]["params"] == 34_826 and mnist["delta"]["params"] == 0.0
    assert mnist["details"]["measured"]["memory_source"].startswith("TensorFlow allocator peak on CPU:0")
    assert mnist["measured"]["memory"] > mnist["details"]["measured"]["memory_inference"] > 0
    assert mnist["details"]["measured"]["memory_process"]["training"] > 0  # the process-level figure
    assert mnist["details"]["measured"]["memory_analytic"]["weights"] == 34_826 * 4
    assert mnist["details"]["measured"]["wall_time_ms"] > 0


@needs_tf
def test_cli_confirm_tells_the_user_it_runs_their_code(tmp_path):
    path = tmp_path / "small.py"
    path.write_text("import keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n")
    result = kerlint("confirm", str(path), "--format", "json", "--batch-size", "2")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [f"{runner.NOTICE} (1 file)."]  # and no progress: not a terminal
    (model,) = json.loads(result.stdout)["models"]
    assert model["measured"]["params"] == 8 and model["delta"]["params"] == 0.0


_RULE_PROGRAMS = {
    **{f"ker902_valid_{i}.py": src for i, src in enumerate(EstimateMismatch.valid)},
    **{f"ker902_invalid_{i}.py": src for i, src in enumerate(EstimateMismatch.invalid)},
    **{f"ker903_valid_{i}.py": src for i, src in enumerate(ModelNotReconstructed.valid)},
    **{f"ker903_invalid_{i}.py": src for i, src in enumerate(ModelNotReconstructed.invalid)},
    "entry_point.py": textwrap.dedent('''
        import keras

        def build(units=8):
            inputs = keras.Input((4,))
            return keras.Model(inputs, keras.layers.Dense(units)(inputs), name="built_by_function")
    '''),
}


@pytest.fixture(scope="module")
def rule_outcomes(tmp_path_factory):
    if not HAVE_TF:
        pytest.skip("confirm instantiates models: needs tensorflow and keras (pip install 'kerlint[confirm]')")
    directory = tmp_path_factory.mktemp("confirm_rules")
    for name, source in _RULE_PROGRAMS.items():
        (directory / name).write_text(source)
    return {Path(o.path).name: o for o in _confirm_paths(sorted(directory.glob("*.py")))}


@needs_tf
@pytest.mark.parametrize("name", sorted(n for n in _RULE_PROGRAMS if n.startswith("ker")))
def test_confirm_only_rule_examples(rule_outcomes, name):
    """The valid/invalid examples of KER902 and KER903, which test_rules.py skips: they must run."""
    code = name[:6].upper()
    outcome = rule_outcomes[name]
    assert outcome.failure is None, outcome.log_tail
    codes = [finding.code for finding in outcome.findings]
    if "_invalid_" in name:
        assert code in codes, (name, [c.notes for c in outcome.comparisons])
    else:
        assert codes == [], (name, outcome.findings)


@needs_tf
def test_a_function_the_module_never_calls_is_called_with_its_defaults(rule_outcomes):
    outcome = rule_outcomes["entry_point.py"]
    (comparison,) = outcome.comparisons
    assert (comparison.name, comparison.function, comparison.status) == ("built_by_function", "build", "confirmed")
    assert comparison.measured_figures["params"] == 4 * 8 + 8


# -- hostile code ----------------------------------------------------------------


def _run_hostile(name: str, tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "HOSTILE_TARGET": str(tmp_path / "escaped.txt")}
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "kerlint", "confirm", str(HOSTILE / name), "--batch-size", "2", *args],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    elapsed = time.monotonic() - start
    assert list(scratch.iterdir()) == [], "the temporary directory must be removed"
    return result, elapsed


def _snapshot(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*") if "__pycache__" not in p.parts}


@needs_tf
def test_hostile_file_is_contained(tmp_path):
    before = _snapshot(DATA)
    result, elapsed = _run_hostile("everything.py", tmp_path, "--timeout", "40")
    assert elapsed < 40 + 15
    assert _snapshot(DATA) == before, "nothing may be written next to the script or its folder"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"], "nothing may be written outside the sandbox"
    out = result.stdout
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert 'Model "hostile" (line 20): confirmed' in out
    # HOSTILE_TARGET does not reach the code (the sandbox's environment is empty): it writes next to its folder.
    for refusal in ("network connection to example.com:80 (line 23)", "network connection to 93.184.215.14:80 (line 25)",
                    "network connection to example.com:443 (line 26)", f"writing {DATA / 'escaped.txt'} (open)"):
        assert refusal in out, out
    assert "fit() skipped (line 41)" in out and "train_on_batch() skipped x1000 (line 43)" in out
    assert "stopped: the code was still running" in out and "at line 46" in out


@needs_tf
def test_code_that_ignores_the_soft_limit_is_killed_at_the_timeout(tmp_path):
    result, elapsed = _run_hostile("stubborn_loop.py", tmp_path, "--timeout", "20")
    assert elapsed < 20 + 10
    assert result.returncode == 2
    assert "timed out after 20 s" in result.stdout and "the worker was killed" in result.stdout


@needs_tf
def test_memory_limit_applies_and_tensorflow_works_under_it(tmp_path):
    result, _ = _run_hostile("memory_hog.py", tmp_path, "--memory-limit", "3072")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "raised: line 7: MemoryError" in result.stdout
    assert 'Model "hog" (line 6): confirmed' in result.stdout
