"""How confirm measures memory: the bytes live tensors requested, from TensorFlow's allocation events.

The allocator's own peak counts whole BFC chunks (up to twice a request), which
no static model should predict; ``measure.tensor_peak`` sums the requested bytes
of the ``MemoryAllocation``/``MemoryDeallocation`` events of a profiler trace.
The trace is faked here (the ``XSpace`` message's shape); one test reads a real
one from TensorFlow in a subprocess.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import types

import pytest

from helpers import ROOT
from kerlint.confirm import measure

HAVE_TF = importlib.util.find_spec("tensorflow") is not None and importlib.util.find_spec("keras") is not None
CPU = "bfc_cpu_allocator_for_gpu"


class Stat:
    """An ``XStat``: one of its ``value`` fields set."""

    def __init__(self, metadata_id: int, kind: str, value):
        self.metadata_id, self._kind = metadata_id, kind
        setattr(self, kind, value)

    def WhichOneof(self, group):  # noqa: N802 - protobuf's name
        return self._kind


STATS = {1: "allocator_name", 2: "requested_bytes", 3: "allocation_bytes", 4: "addr"}


def _event(offset_ns: int, kind: str, address: int, requested: int, allocator: str = CPU) -> types.SimpleNamespace:
    stats = [Stat(1, "str_value", allocator), Stat(2, "int64_value", requested),
             Stat(3, "int64_value", 2 * requested), Stat(4, "uint64_value", address)]
    return types.SimpleNamespace(metadata_id={"alloc": 10, "free": 11}[kind], offset_ps=offset_ns * 1000, stats=stats)


def _space(*lines: tuple[int, list]) -> types.SimpleNamespace:
    names = {10: "MemoryAllocation", 11: "MemoryDeallocation", 12: "ExecutorState::Process"}
    plane = types.SimpleNamespace(
        event_metadata={key: types.SimpleNamespace(name=name) for key, name in names.items()},
        stat_metadata={key: types.SimpleNamespace(name=name) for key, name in STATS.items()},
        lines=[types.SimpleNamespace(timestamp_ns=start, events=events) for start, events in lines],
    )
    return types.SimpleNamespace(planes=[plane])


def test_tensor_peak_sums_requested_bytes_not_chunks():
    space = _space((0, [_event(1, "alloc", 0xA, 1000), _event(2, "alloc", 0xB, 300), _event(3, "free", 0xA, 1000),
                        _event(4, "alloc", 0xC, 500), _event(5, "free", 0xB, 300), _event(6, "free", 0xC, 500)]))
    assert measure.tensor_peak(space, CPU) == 1300  # the allocation_bytes (twice each) are not what is counted


def test_tensor_peak_orders_threads_by_time_and_ignores_what_was_allocated_before():
    early = (100, [_event(0, "alloc", 0xA, 400), _event(30, "free", 0xA, 400)])
    late = (110, [_event(0, "free", 0xF, 9999), _event(10, "alloc", 0xB, 700)])  # 0xF: a tensor from before the trace
    assert measure.tensor_peak(_space(late, early), CPU) == 1100  # at 120 ns both 0xA and 0xB are alive


def test_tensor_peak_counts_only_the_devices_allocator():
    space = _space((0, [_event(1, "alloc", 0xA, 1000, allocator="gpu_host_bfc"), _event(2, "alloc", 0xB, 64)]))
    assert measure.tensor_peak(space, CPU) == 64
    assert measure.tensor_peak(space, "GPU_0_bfc") is None  # no event: the caller falls back to the allocator's peak


def test_bfc_allocator_names():
    assert measure.bfc_allocator("CPU:0") == CPU
    assert measure.bfc_allocator("GPU:1") == "GPU_1_bfc"


_REAL_TRACE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import keras, numpy as np, tensorflow as tf
from kerlint.confirm.measure import Backend, traced
x = tf.ones((1000, 700))
double = tf.function(lambda x: x * 2.0)
double(x)
result, peak = traced(Backend(tf, keras, np), "CPU:0", lambda: double(x).numpy().shape)
print(json.dumps({"result": list(result), "peak": peak}))
"""


@pytest.mark.skipif(not HAVE_TF, reason="reads a real profiler trace: needs tensorflow and keras")
def test_traced_reads_the_requested_bytes_of_a_real_step(tmp_path):
    env = {**os.environ, "TF_CPU_ALLOCATOR_USE_BFC": "true", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "-1",
           "TMPDIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_REAL_TRACE), str(ROOT)], capture_output=True,
                          text=True, env=env, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"result": [1000, 700], "peak": 1000 * 700 * 4}  # the one output of the step, as requested
    assert list(tmp_path.iterdir()) == []  # the trace's directory is gone
