"""The child process of ``kerlint confirm``: run one file's code under guards, measure its models.

``python -m kerlint.confirm.worker FD``, started in the sandbox, reads the
request on its standard input and answers on file descriptor FD with JSON lines
(see ``runner.py``): progress events, what the execution did, then one line per
measured model. Before the user's code runs it lowers its resource limits for
good (``sandbox.apply_limits``) and installs the Python-level guards.
This is the only kerlint module that imports TensorFlow and Keras.
"""

from __future__ import annotations

import __future__

import ast
import builtins
import inspect
import json
import os
import signal
import sys
import time
import traceback
import types
from typing import Any, Callable

from kerlint.confirm import guards, measure, sandbox

EXIT_MISSING = 3
"""Exit status when TensorFlow or Keras cannot be imported."""


def load_backend() -> measure.Backend:
    """Import TensorFlow and Keras (the TensorFlow backend); ImportError when they are missing."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import tensorflow as tf
    from tensorflow.python.framework import ops as tf_ops
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2
    from tensorflow.python.framework.function_def_to_graph import function_def_to_graph

    import keras

    tf.get_logger().setLevel("ERROR")
    backend = measure.Backend(tf, keras, np, tf_ops, convert_variables_to_constants_v2, function_def_to_graph)
    measure.register_einsum(backend)
    return backend


def configure_device(backend: measure.Backend, requested: str) -> measure.Options:
    """Pick the device for ``--device`` (cpu, gpu, auto) before any op runs."""
    tf = backend.tf
    gpus = tf.config.list_physical_devices("GPU") if requested != "cpu" else []
    device = measure.device_for(requested, gpus)
    if device == "gpu":
        for gpu in gpus:
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except (RuntimeError, ValueError):
                pass
        name = gpus[0].name.replace("/physical_device:", "")
        return measure.Options(device="gpu", device_name=name, memory_api=tf.config.experimental)
    return measure.Options(device="cpu", device_name="CPU:0", memory_api=tf.config.experimental)


class Channel:
    """JSON lines to the runner, on a descriptor the user's code does not print to.

    Every message carries the run's token: the runner rejects a line without it.
    The encoder and the write are bound before the user's code runs, so that
    code patching ``json.dumps`` or ``os.write`` does not change what is sent.
    """

    def __init__(self, fd: int, token: str):
        self.fd, self.token = fd, token
        self.encode = json.JSONEncoder(default=str).encode
        self.write = os.write

    def send(self, event: str, **fields: Any) -> None:
        data = (self.encode({"event": event, "token": self.token, **fields}) + "\n").encode("utf-8")
        while data:
            data = data[self.write(self.fd, data):]

    def progress(self, step: str) -> None:
        self.send("progress", step=step)


class Execution:
    """Runs the file's code statement by statement, as ``python file.py`` would, under the sandbox.

    An exception in one top-level statement is recorded and the next statement
    runs (a missing data file should not keep the model from being built);
    ``sys.exit`` and the time limit stop the run. Models built so far are kept.
    """

    def __init__(self, path: str, source: str, guard: guards.Guards, channel: Channel):
        self.path, self.source, self.guard, self.channel = path, source, guard, channel
        self.errors: list[dict] = []
        self.stopped: dict | None = None
        self.module = types.ModuleType("__main__")
        self.module.__dict__.update({"__file__": path, "__builtins__": builtins, "__package__": None})

    def run_module(self) -> None:
        try:
            tree = ast.parse(self.source, self.path)
        except SyntaxError as error:
            self.errors.append({"line": error.lineno, "type": "SyntaxError", "message": str(error.msg), "where": "module"})
            return
        sys.modules["__main__"] = self.module
        flags = 0
        for statement in tree.body:
            if isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
                for alias in statement.names:
                    feature = getattr(__future__, alias.name, None)
                    flags |= getattr(feature, "compiler_flag", 0)
            code = compile(ast.Module([statement], type_ignores=[]), self.path, "exec", flags=flags, dont_inherit=True)
            self.channel.progress(f"running line {statement.lineno}")
            if not self._run(lambda: exec(code, self.module.__dict__), statement.lineno, "module"):
                return

    def call_entry_points(self, static_models: list[dict], wanted: str | None = None) -> None:
        """Call the functions that build a model statically known but not built by running the module.

        With ``wanted`` (``--model``), only those whose model or function has that name.
        """
        built_lines = {c.line for c in self.guard.captured}
        called: set[str] = set()
        for model in static_models:
            name = model.get("function")
            if not name or model.get("line") in built_lines or name in called or self.stopped:
                continue
            if wanted is not None and wanted not in (name, model.get("name")):
                continue
            called.add(name)
            function = self._resolve(name)
            if function is None:
                self.errors.append({"line": model.get("line"), "type": "NotCalled", "where": f"{name}()",
                                    "message": f"{name}() is not a function of the module after running it"})
                continue
            if not _callable_without_arguments(function):
                self.errors.append({"line": model.get("line"), "type": "NotCalled", "where": f"{name}()",
                                    "message": f"{name}() has parameters without defaults: not called"})
                continue
            self.channel.progress(f"calling {name}()")
            self.guard.entry = name
            try:
                self._run(function, function.__code__.co_firstlineno, f"{name}()")
            finally:
                self.guard.entry = None

    def _resolve(self, dotted: str) -> Callable | None:
        value: Any = self.module.__dict__
        for index, part in enumerate(dotted.split(".")):
            value = value.get(part) if index == 0 else getattr(value, part, None)
            if value is None:
                return None
        if not isinstance(value, types.FunctionType) or value.__code__.co_filename != self.path:
            return None
        return value

    def _run(self, thunk: Callable, line: int, where: str) -> bool:
        """Run one statement or call; False when the run must stop (exit, time limit)."""
        try:
            thunk()
        except guards.ExecutionTimeout:
            self.stopped = {"reason": "time", "line": self._line(sys.exc_info()[2]) or line, "where": where}
            return False
        except SystemExit as exit_:
            self.stopped = {"reason": "exit", "line": self._line(sys.exc_info()[2]) or line, "where": where,
                            "status": exit_.code if isinstance(exit_.code, (int, str, type(None))) else repr(exit_.code)}
            return False
        except BaseException as error:  # noqa: BLE001 - the user's code may raise anything
            line = self._line(error.__traceback__) or line
            self.errors.append({"line": line, "type": type(error).__name__, "message": measure._short(error),
                                "where": where})
            refused = sandbox.refusal(error)
            if refused:
                self.guard.record("sandbox", refused, line)
        return True

    def _line(self, tb) -> int | None:
        line = None
        for frame, lineno in traceback.walk_tb(tb):
            if frame.f_code.co_filename == self.path:
                line = lineno
        return line


def _callable_without_arguments(function: Callable) -> bool:
    try:
        inspect.signature(function).bind()
    except TypeError:
        return False
    return True


def _set_alarm(seconds: float) -> None:
    def expire(signum, frame):
        raise guards.ExecutionTimeout()

    signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.01))


def _cancel_alarm() -> None:
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, signal.SIG_IGN)


def _wanted(captured: guards.Captured, name: str | None) -> bool:
    return name is None or name in (getattr(captured.model, "name", None), captured.function, captured.entry)


def main(argv: list[str]) -> None:
    request = json.loads(sys.stdin.buffer.read())
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    channel = Channel(int(argv[0]), request["token"])
    exit_ = os._exit
    sandbox.apply_limits(request.get("memory_limit"), request["device"])
    channel.progress("importing TensorFlow")
    try:
        backend = load_backend()
    except ImportError as error:
        channel.send("missing", message=f"{type(error).__name__}: {error}")
        exit_(EXIT_MISSING)
    try:
        options = configure_device(backend, request["device"])
    except measure.Unmeasurable as error:
        channel.send("error", message=str(error))
        exit_(2)
    options.batch_size = request["batch_size"]
    options.opener = open  # the sandbox guards builtins.open; /proc/self/clear_refs is written by this one
    device_description = options.device_name if options.device == "cpu" else _gpu_name(backend, options)
    path = request["path"]
    guard = guards.Guards(request["workdir"], path, backend.keras, backend.np)
    guard.install()
    execution = Execution(path, request["source"], guard, channel)
    budget = (request["deadline"] - time.time()) * request.get("execution_share", 0.5)
    _set_alarm(budget)
    try:
        execution.run_module()
        execution.call_entry_points(request.get("static_models", []), request.get("model"))
    except guards.ExecutionTimeout:  # between two statements
        execution.stopped = execution.stopped or {"reason": "time", "line": None, "where": "module"}
    finally:
        _cancel_alarm()
    if execution.stopped and execution.stopped["reason"] == "time":
        execution.stopped["seconds"] = round(budget, 1)
    captured = guard.captured
    channel.send(
        "executed",
        device={"kind": options.device, "name": device_description},
        errors=execution.errors,
        stopped=execution.stopped,
        events=[event.to_json() for event in guard.events],
        captured=[_describe(c) for c in captured],
    )
    for item in captured:
        if not _wanted(item, request.get("model")) or not getattr(item.model, "built", False):
            continue
        name = getattr(item.model, "name", "?")
        try:
            figures = measure.measure_model(
                item.model, backend, options, progress=lambda step: channel.progress(f"model '{name}': {step}")
            )
        except Exception as error:  # noqa: BLE001 - one model's failure must not lose the others
            channel.send("model", order=item.order, error=f"{type(error).__name__}: {measure._short(error)}")
            continue
        channel.send("model", order=item.order, measured=figures)
    channel.send("done")
    os.close(channel.fd)
    exit_(0)  # TensorFlow's teardown is slow and sometimes hangs; nothing is left to flush


def _describe(captured: guards.Captured) -> dict:
    model = captured.model
    built = bool(getattr(model, "built", False))
    return {
        "order": captured.order, "name": getattr(model, "name", None), "class": type(model).__name__,
        "line": captured.line, "function": captured.function, "entry": captured.entry, "built": built,
    }


def _gpu_name(backend: measure.Backend, options: measure.Options) -> str:
    try:
        details = backend.tf.config.experimental.get_device_details(backend.tf.config.list_physical_devices("GPU")[0])
        return f"{options.device_name} ({details.get('device_name', 'GPU')})"
    except Exception:  # noqa: BLE001
        return options.device_name


if __name__ == "__main__":
    main(sys.argv[1:])
