"""`kerlint confirm examples/` agrees with `kerlint cost` on every example model (issue 18, item 13).

One confirm run over the whole directory at the default batch size (32), as the
README shows it: TensorFlow's measured memory peaks must be within
`memory-tolerance` of the static estimates (or `memory-min-difference`, for the
smallest models), with no KER902. Slow (it builds and
runs every example model with TensorFlow on CPU), so it is one run for every
assertion.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

from helpers import ROOT
from kerlint.rules.estimate_mismatch import EstimateMismatch

HAVE_TF = importlib.util.find_spec("tensorflow") is not None and importlib.util.find_spec("keras") is not None
pytestmark = pytest.mark.skipif(not HAVE_TF, reason="confirm instantiates models: needs tensorflow and keras (pip install 'kerlint[confirm]')")
TOLERANCE = EstimateMismatch.options["memory-tolerance"]


@pytest.fixture(scope="module")
def confirmed() -> dict:
    done = subprocess.run([sys.executable, "-m", "kerlint", "confirm", "examples/", "--format", "json", "--jobs", "2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    assert done.returncode in (0, 1), done.stderr[-3000:]
    return json.loads(done.stdout)


def test_no_example_model_has_a_memory_mismatch(confirmed):
    mismatches = [f["message"] for f in confirmed["findings"] if f["code"] == EstimateMismatch.code]
    assert mismatches == []


def test_every_example_with_fixed_shapes_is_measured_in_requested_bytes(confirmed):
    compared = []
    for model in confirmed["models"]:
        if model["measured"]["memory"] is None:
            continue
        # the profiler's allocation events were read: not the allocator's whole chunks (the fallback)
        assert "in the bytes its live tensors requested" in model["details"]["measured"]["memory_source"]
        compared += [delta for delta in (model["delta"]["memory"], model["details"]["delta"]["memory_inference"])
                     if delta is not None]
    assert len(compared) >= 2 * 10  # every example whose input shapes are fixed, training and inference
    assert max(abs(delta) for delta in compared) <= 2 * TOLERANCE  # below 1 MiB the rule lets more pass
