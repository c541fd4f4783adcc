"""How confirm measures memory: the bytes live tensors requested, from TensorFlow's allocation events.

The allocator's own peak counts whole BFC chunks (up to twice a request), which
no static model should predict; ``measure.tensor_peak`` sums the requested bytes
of the ``MemoryAllocation``/``MemoryDeallocation`` events of a profiler trace.
The traces here are ``XSpace`` messages encoded by hand; one test reads a real
one from TensorFlow in a subprocess.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest

from helpers import ROOT
from kerlint.confirm import measure, xplane

HAVE_TF = importlib.util.find_spec("tensorflow") is not None and importlib.util.find_spec("keras") is not None
CPU = "bfc_cpu_allocator_for_gpu"


STATS = {1: "allocator_name", 2: "requested_bytes", 3: "allocation_bytes", 4: "addr", 5: "bfc_cpu_allocator_for_gpu"}
KINDS = {10: "MemoryAllocation", 11: "MemoryDeallocation", 12: "ExecutorState::Process"}


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _message(*fields: tuple[int, int | str | bytes]) -> bytes:
    """A protobuf message: an int is a varint field, text and bytes are length-delimited."""
    out = b""
    for number, value in fields:
        if isinstance(value, int):
            out += _varint(number << 3) + _varint(value)
        else:
            data = value.encode() if isinstance(value, str) else value
            out += _varint(number << 3 | 2) + _varint(len(data)) + data
    return out


def _event(offset_ns: int, kind: str, address: int, requested: int, allocator: str = CPU) -> bytes:
    # the allocator's name as an interned reference to a stat metadata name, as TensorFlow writes it, or as text
    name = (7, 5) if allocator == CPU else (5, allocator)
    stats = [_message((1, 1), name), _message((1, 2), (4, requested)), _message((1, 3), (4, 2 * requested)),
             _message((1, 4), (3, address))]
    return _message((1, {"alloc": 10, "free": 11, "other": 12}[kind]), (2, offset_ns * 1000), *((4, s) for s in stats))


def _space(*lines: tuple[int, list[bytes]]) -> bytes:
    metadata = [(4, _message((1, key), (2, _message((1, key), (2, name))))) for key, name in KINDS.items()]
    metadata += [(5, _message((1, key), (2, _message((1, key), (2, name))))) for key, name in STATS.items()]
    encoded = [(3, _message((3, start), *((4, event) for event in events))) for start, events in lines]
    return _message((1, _message((1, 7), (2, "/host:CPU"), *encoded, *metadata)))


def _peak(space: bytes, allocator: str = CPU) -> int | None:
    return measure.tensor_peak(xplane.allocation_events(space), allocator)


def test_tensor_peak_sums_requested_bytes_not_chunks():
    space = _space((0, [_event(1, "alloc", 0xA, 1000), _event(2, "alloc", 0xB, 300), _event(3, "free", 0xA, 1000),
                        _event(4, "alloc", 0xC, 500), _event(5, "other", 0xD, 7000), _event(6, "free", 0xB, 300),
                        _event(7, "free", 0xC, 500)]))
    assert _peak(space) == 1300  # not the allocation_bytes (twice each), not the event of another kind


def test_tensor_peak_orders_threads_by_time_and_ignores_what_was_allocated_before():
    early = (100, [_event(0, "alloc", 0xA, 400), _event(30, "free", 0xA, 400)])
    late = (110, [_event(0, "free", 0xF, 9999), _event(10, "alloc", 0xB, 700)])  # 0xF: a tensor from before the trace
    assert _peak(_space(late, early)) == 1100  # at 120 ns both 0xA and 0xB are alive


def test_tensor_peak_counts_only_the_devices_allocator():
    space = _space((0, [_event(1, "alloc", 0xA, 1000, allocator="gpu_host_bfc"), _event(2, "alloc", 0xB, 64)]))
    assert _peak(space) == 64
    assert _peak(space, "GPU_0_bfc") is None  # no event: the caller falls back to the allocator's peak


def test_a_file_that_is_not_a_trace_is_refused():
    with pytest.raises(ValueError, match="not a profiler trace"):
        xplane.allocation_events(b"\x0f\x00")


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
