"""`kerlint confirm examples/` agrees with `kerlint cost` on every example model (issue 18, item 13).

One confirm run over the whole directory at the default batch size (32), as the
README shows it: TensorFlow's measured memory peaks must be within
`memory-tolerance` of the static estimates, with no KER902. Slow (it builds and
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


def test_every_example_memory_figure_is_compared_and_within_tolerance(confirmed):
    compared = []
    for model in confirmed["models"]:
        deltas = {"training": model["delta"]["memory"], "inference": model["details"]["delta"].get("memory_inference")}
        for step, delta in deltas.items():
            if delta is not None:
                compared.append((model["path"], model["name"], step, delta))
    assert len(compared) >= 2 * 10  # every example with fixed input shapes, training and inference
    outside = [entry for entry in compared if abs(entry[3]) > TOLERANCE]
    assert outside == []
