"""`kerlint confirm`'s operating-system sandbox: escapes fail and are reported, nothing survives, nothing is believed.

The runs need TensorFlow and Keras and a usable bubblewrap (``pip install
'kerlint[confirm]'``); each group of escapes shares one run, since every run
starts TensorFlow. The protocol tests need neither.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from helpers import DATA, ROOT, kerlint
from kerlint.confirm import protocol, report, runner, sandbox
from test_confirm import HAVE_TF, _confirm_paths, _snapshot

HOSTILE = DATA / "hostile"
SANDBOX = sandbox.detect()
needs_sandbox = pytest.mark.skipif(
    not (HAVE_TF and SANDBOX.usable),
    reason=f"runs confirm in its sandbox: needs tensorflow, keras and bubblewrap ({SANDBOX.problem or 'usable'})",
)
TOKEN = "t0k3n"


def _line(path: Path, text: str) -> int:
    """The line of ``path`` that contains ``text``."""
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if text in line)


# -- the sandbox on this machine --------------------------------------------------


def test_check_sandbox_reports_each_guarantee_and_exits_0_when_usable():
    result = kerlint("confirm", "--check-sandbox")
    assert result.returncode == (0 if SANDBOX.usable else 2), result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("bubblewrap: ")
    assert len([line for line in lines if line.startswith(("  yes  ", "  no   "))]) == 7
    if SANDBOX.usable:
        assert "namespaces: usable" in lines and "  yes  no network (a network namespace with only a loopback)" in lines


def test_without_bwrap_check_sandbox_says_so_and_confirm_needs_unsafe_no_sandbox(tmp_path):
    env = {**os.environ, sandbox.BWRAP_VARIABLE: ""}
    checked = subprocess.run([sys.executable, "-m", "kerlint", "confirm", "--check-sandbox"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 2
    assert checked.stdout.splitlines()[0] == f"bubblewrap: not found (${sandbox.BWRAP_VARIABLE}='' is not an executable)"
    assert all(not line.startswith("  yes") for line in checked.stdout.splitlines())
    assert "runs a file only with --unsafe-no-sandbox" in checked.stdout
    script = tmp_path / "small.py"
    script.write_text("import keras\nmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])\n")
    refused = subprocess.run([sys.executable, "-m", "kerlint", "confirm", str(script)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 2 and refused.stdout == ""
    if HAVE_TF:  # without TensorFlow, confirm stops before it looks for a sandbox
        (line,) = refused.stderr.strip().splitlines()
        assert line.startswith("kerlint: error: no sandbox to run the code in (bwrap not found")
        assert line.endswith("--unsafe-no-sandbox runs it anyway")
        unsafe = subprocess.run([sys.executable, "-m", "kerlint", "confirm", str(script), "--unsafe-no-sandbox",
                                 "--batch-size", "2"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert unsafe.returncode == 0, unsafe.stderr
        assert unsafe.stderr.splitlines()[0] == f"{runner.UNSAFE_NOTICE} (1 file)."
        assert 'Model "sequential" (line 2): confirmed' in unsafe.stdout


def test_a_bwrap_that_cannot_make_namespaces_is_not_usable(monkeypatch):
    monkeypatch.setenv(sandbox.BWRAP_VARIABLE, "/bin/false")
    isolation = sandbox.detect()
    assert isolation.bwrap == "/bin/false" and not isolation.usable
    assert isolation.problem == "exit status 1"
    assert "namespaces: not usable: exit status 1" in isolation.describe()


_HOME_PROBE = """
import errno, os, sys
home, project = sys.argv[1], sys.argv[2]
try:
    open(os.path.join(home, "planted.txt"), "w")
except OSError as error:
    written = errno.errorcode[error.errno]
print(sorted(os.listdir(home)), sorted(os.listdir(project)), os.listdir(os.path.join(project, ".git")), written)
"""


@pytest.mark.skipif(not SANDBOX.usable, reason=f"needs a usable bubblewrap ({SANDBOX.problem})")
def test_home_directories_are_hidden_but_for_python_and_the_files_folder(tmp_path, monkeypatch):
    home, run = tmp_path / "home", tmp_path / "run"
    project = home / "project"
    (project / ".git").mkdir(parents=True)
    (project / ".git" / "config").write_text("extraheader = AUTHORIZATION: basic c2VjcmV0")
    (project / "model.py").write_text("")
    (home / ".netrc").write_text("machine example.com password secret")
    run.mkdir()
    monkeypatch.setenv("HOME", str(home))
    process = SANDBOX.popen([sys.executable, "-S", "-c", _HOME_PROBE, str(home), str(project)], env={"PATH": os.defpath},
                            workdir=str(run), device="cpu", visible=[str(project)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert out.decode().strip() == "['project'] ['.git', 'model.py'] [] EROFS"
    assert sorted(p.name for p in home.iterdir()) == [".netrc", "project"]


def test_the_process_filter_is_a_whole_number_of_bpf_records():
    program = sandbox._process_filter()
    if program is None:
        pytest.skip("no seccomp filter for this machine's architecture")
    assert len(program) % 8 == 0 and len(program) // 8 >= 10


# -- the worker's messages: nothing is believed unchecked ---------------------------


def _message(event: str, **fields) -> bytes:
    return json.dumps({"event": event, "token": TOKEN, **fields}).encode()


MEASURED = {
    "params": 10, "trainable_params": 10, "batch_size": 2, "device": "cpu", "flops": 40, "unattributed_flops": 0,
    "memory": None, "wall_time_ms": 0.5, "errors": {},
    "layers": [{"name": "dense", "class": "Dense", "params": 10, "trainable_params": 10, "non_trainable_params": 0,
                "output_shape": "(None, 2)", "flops": 40, "flops_note": None}],
}
EXECUTED = {"device": {"kind": "cpu", "name": "CPU:0"}, "errors": [], "stopped": None, "events": [],
            "captured": [{"order": 0, "name": "m", "class": "Sequential", "line": 2, "function": None, "entry": None,
                          "built": True}]}


def test_protocol_accepts_what_the_worker_sends():
    assert protocol.parse(_message("model", order=0, measured=MEASURED), TOKEN)["measured"] == MEASURED
    assert protocol.parse(_message("executed", **EXECUTED), TOKEN)["event"] == "executed"
    assert protocol.parse(_message("done"), TOKEN) == {"event": "done"}


@pytest.mark.parametrize("line, reason", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (json.dumps({"event": "done"}).encode(), "without the run's token"),
    (json.dumps({"event": "done", "token": "guessed"}).encode(), "without the run's token"),
    (_message("launch"), "unknown message"),
    (_message("done", extra=1), "unexpected"),
    (_message("model", order=0), "neither or both"),
    (_message("model", order=-1, error="x"), "model.order: not a non-negative integer"),
    (_message("model", order=True, error="x"), "not a non-negative integer"),
    (_message("model", order=0, measured={**MEASURED, "params": -3}), "measured.params"),
    (_message("model", order=0, measured={**MEASURED, "flops": float("nan")}), "not a finite non-negative number"),
    (_message("model", order=0, measured={**MEASURED, "flops": float("inf")}), "not a finite non-negative number"),
    (_message("model", order=0, measured={**MEASURED, "wall_time_ms": "fast"}), "measured.wall_time_ms"),
    (_message("model", order=0, measured={k: v for k, v in MEASURED.items() if k != "layers"}), "missing"),
    (_message("executed", **{**EXECUTED, "device": {"kind": "tpu", "name": "x"}}), "executed.device.kind"),
    (_message("progress", step="x" * (protocol.MAX_TEXT + 1)), "progress.step"),
    (b"{" + b" " * protocol.MAX_LINE + b"}", "more than 8 MiB"),
])
def test_protocol_rejects_forged_and_malformed_messages(line, reason):
    with pytest.raises(protocol.Untrusted, match=reason.replace("(", r"\(")):
        protocol.parse(line, TOKEN)


def _read(lines: list[bytes], output: bytes = b"") -> tuple[bool, runner.FileOutcome]:
    """Whether the runner saw the worker finish, and what it made of ``lines`` and ``output``, through real pipes."""
    outcome = runner.FileOutcome("m.py", result=None)
    results_read, results_write = os.pipe()
    output_read, output_write = os.pipe()

    def worker():
        with os.fdopen(output_write, "wb") as stream:
            stream.write(output)
        with os.fdopen(results_write, "wb") as stream:
            stream.write(b"".join(line + b"\n" for line in lines))

    writer = threading.Thread(target=worker)
    writer.start()
    kept = bytearray()
    try:
        finished = runner._read_events(results_read, output_read, kept, outcome, lambda step: None,
                                               time.time() + 30, TOKEN)
    finally:
        writer.join()
        runner._drain(output_read, kept)
        os.close(results_read)
        os.close(output_read)
    outcome.log_tail = bytes(kept)
    return finished, outcome


def test_runner_believes_a_well_formed_run():
    finished, outcome = _read([_message("progress", step="x"), _message("executed", **EXECUTED),
                               _message("model", order=0, measured=MEASURED), _message("done")])
    assert finished and outcome.failure is None and outcome.measured[0]["measured"] == MEASURED


@pytest.mark.parametrize("lines, reason", [
    ([_message("model", order=0, measured=MEASURED)], "model before executed"),
    ([_message("executed", **EXECUTED), _message("executed", **EXECUTED)], "executed twice"),
    ([_message("executed", **EXECUTED), _message("model", order=3, error="x")], "model 3: not a built model"),
    ([_message("executed", **EXECUTED), _message("model", order=0, error="x"), _message("model", order=0, error="y")],
     "measured twice"),
    ([_message("executed", **EXECUTED), b'{"event": "done"}'], "without the run's token"),
])
def test_runner_reports_a_forged_or_out_of_order_run_as_untrusted_without_crashing(lines, reason):
    finished, outcome = _read(lines)
    assert not finished
    assert outcome.failure.startswith("the run's report could not be trusted") and reason in outcome.failure
    assert outcome.executed is None and outcome.measured == {}  # nothing it said is shown
    assert runner.exit_code([outcome]) == 2


def test_runner_keeps_only_the_end_of_the_output_and_rejects_an_endless_line():
    output = b"".join(b"line %d\n" % i for i in range(200_000))  # 2.2 MB
    _, outcome = _read([b"x" * (protocol.MAX_LINE + 10)], output)
    assert "more than 8 MiB" in outcome.failure
    assert len(outcome.log_tail) == runner.OUTPUT_KEPT and outcome.log_tail.endswith(b"line 199999\n")


# -- escapes, in one run ------------------------------------------------------------


@pytest.fixture(scope="module")
def escapes():
    if not (HAVE_TF and SANDBOX.usable):
        pytest.skip("runs confirm in its sandbox: needs tensorflow, keras and bubblewrap")
    before = _snapshot(DATA)
    os.environ["FAKE_SECRET"] = "hunter2"
    try:
        (outcome,) = _confirm_paths([HOSTILE / "escapes.py"], timeout=120, jobs=1)
    finally:
        del os.environ["FAKE_SECRET"]
    assert _snapshot(DATA) == before, "nothing may be written next to the script"
    return outcome


def _raised(outcome: runner.FileOutcome, text: str) -> dict:
    line = _line(HOSTILE / "escapes.py", text)
    (error,) = [e for e in outcome.executed["errors"] if e["line"] == line]
    return error


def _sandboxed(outcome: runner.FileOutcome, text: str) -> str:
    line = _line(HOSTILE / "escapes.py", text)
    (event,) = [e["what"] for e in outcome.executed["events"] if e["kind"] == "sandbox" and e["line"] == line]
    return event


@needs_sandbox
def test_the_model_is_measured_and_the_worker_ignores_a_patched_json_dumps(escapes):
    assert escapes.failure is None, escapes.log_tail
    (comparison,) = escapes.comparisons
    assert comparison.status == "confirmed" and comparison.measured_figures["params"] == 10


@needs_sandbox
@pytest.mark.parametrize("statement", ["io.FileIO(", "posix.open(", "h5py.File(", "tf.io.write_file(",
                                       "tf.train.Checkpoint("])
def test_writes_outside_the_run_directory_fail_and_are_reported(escapes, statement):
    assert "Read-only file system" in _raised(escapes, statement)["message"]
    assert _sandboxed(escapes, statement) == "the code tried to write outside its directory: refused"


@needs_sandbox
@pytest.mark.parametrize("statement", ["_socket.socket().connect(", "SOCK_DGRAM).sendto("])
def test_the_network_is_unreachable_and_reported(escapes, statement):
    assert _raised(escapes, statement)["message"] == "[Errno 101] Network is unreachable"
    assert _sandboxed(escapes, statement) == "the code tried to reach the network: refused"


@needs_sandbox
def test_no_process_can_be_started(escapes):
    status = int(_raised(escapes, "posix.system(")["message"].split(": ")[1])
    assert status != 0  # the shell never ran: escaped_shell.txt does not exist (the fixture checks)
    fork = _raised(escapes, "posix.fork()")
    assert (fork["type"], fork["message"]) == ("PermissionError", "[Errno 1] Operation not permitted")
    assert "such as a new process: refused" in _sandboxed(escapes, "posix.fork()")
    assert _raised(escapes, "ctypes.CDLL(None).fork()")["message"] == "ctypes fork: -1"


@needs_sandbox
def test_the_code_can_neither_stop_nor_kill_its_parent(escapes):
    """Its parent is the sandbox's init, which ignores signals from inside; kerlint is not in its PID namespace."""
    lines = {_line(HOSTILE / "escapes.py", f"signal.{name})") for name in ("SIGSTOP", "SIGKILL")}
    assert not [e for e in escapes.executed["errors"] if e["line"] in lines]
    assert escapes.failure is None and _raised(escapes, "resource.setrlimit(")  # the statements after them ran


@needs_sandbox
def test_the_memory_limit_cannot_be_raised(escapes):
    assert _raised(escapes, "resource.setrlimit(")["message"] == "not allowed to raise maximum limit"
    assert _sandboxed(escapes, "resource.setrlimit(") == "the code tried to raise its resource limits: refused"
    memory = runner.default_memory_limit()
    expected = [memory, memory + sandbox.ADDRESS_SPACE_HEADROOM, sandbox.RUN_DIRECTORY_BYTES, 0]
    assert _raised(escapes, "hard limits")["message"] == f"hard limits: {expected}"


@needs_sandbox
def test_the_callers_environment_is_not_visible(escapes):
    assert _raised(escapes, "raise RuntimeError(f\"environment")["message"] == "environment: None, init: False"


@needs_sandbox
def test_table_shows_what_the_sandbox_refused(escapes):
    table = io.StringIO()
    report.render_table([escapes], table)
    lines = [line for line in table.getvalue().splitlines() if line.startswith("  sandbox: ")]

    def at(*statements: str) -> str:
        return ", ".join(str(_line(HOSTILE / "escapes.py", statement)) for statement in statements)

    assert lines == [
        "  sandbox: the code tried to write outside its directory: refused (lines "
        f"{at('io.FileIO(', 'posix.open(', 'h5py.File(', 'tf.io.write_file(', 'tf.train.Checkpoint(')})",
        f"  sandbox: the code tried to reach the network: refused (lines {at('.connect(', '.sendto(')})",
        f"  sandbox: the code tried something the sandbox forbids, such as a new process: refused (line {at('posix.fork()')})",
        f"  sandbox: the code tried to raise its resource limits: refused (line {at('resource.setrlimit(')})",
    ]


# -- a forged report ------------------------------------------------------------------


@needs_sandbox
def test_a_forged_result_line_makes_the_report_untrusted_and_output_stays_bounded():
    tracemalloc.start()
    try:
        (outcome,) = _confirm_paths([HOSTILE / "forger.py"], timeout=120, jobs=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert outcome.failure.startswith("the run's report could not be trusted (a message without the run's token")
    assert outcome.comparisons == [] and runner.exit_code([outcome]) == 2
    assert peak < 32 << 20, f"the runner held {peak} bytes for 100 MiB of output"
    assert len(outcome.log_tail) <= runner.OUTPUT_KEPT


# -- nothing survives a run ------------------------------------------------------------


def _tagged(tag: bytes) -> list[int]:
    """Live processes (zombies aside) whose command line or environment mentions ``tag``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if "\nState:\tZ" in (entry / "status").read_text():
                continue
            if tag in (entry / "cmdline").read_bytes() or tag in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


def _wait_until(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _start_confirm(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, bytes]:
    scratch = tmp_path / "scratch"  # the run directory is made in it: its path tags every process of the run
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    command = [sys.executable, "-m", "kerlint", "confirm", str(HOSTILE / "stubborn_loop.py"), "--batch-size", "2", *args]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return process, str(scratch).encode()


@needs_sandbox
def test_no_process_survives_a_timeout(tmp_path):
    process, tag = _start_confirm(tmp_path, "--timeout", "15")
    out, _ = process.communicate(timeout=60)
    assert process.returncode == 2 and b"timed out after 15 s" in out
    assert _wait_until(lambda: not _tagged(tag), 5), _tagged(tag)


@needs_sandbox
def test_no_process_survives_kerlint_killed_with_sigkill(tmp_path):
    process, tag = _start_confirm(tmp_path, "--timeout", "120")
    try:
        assert _wait_until(lambda: len(_tagged(tag)) >= 3, 60), "bwrap, its init and the worker should be running"
        time.sleep(5)  # TensorFlow imported, the user's loop running
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    assert _wait_until(lambda: not _tagged(tag), 10), _tagged(tag)
