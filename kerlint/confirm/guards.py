"""The Python-level guards of ``kerlint confirm``'s worker: stand-ins and refusals around the user's code.

Building the model must be all that happens when confirm runs a file, so before
the user's code runs the worker installs:

- stand-ins for what trains, predicts, saves, loads weights, draws or downloads
  (``fit``, ``evaluate``, ``predict``, ``train_on_batch``..., ``save``,
  ``save_weights``, ``load_weights``, ``export``, ``plot_model``, ``get_file``)
  and for the ``keras.datasets`` loaders, which return small synthetic arrays of
  the documented shapes and dtypes;
- refusals, reported with the line that tried: network connections and name
  lookups, new processes, and writes outside the temporary working directory
  (``open``/``io.open``/``os.open`` in a writing mode, and the ``os`` functions
  that create, remove or rename files);
- neutral process state: the temporary directory as working directory (and as
  ``TMPDIR``), ``sys.argv == [path]``, standard input at ``/dev/null``.

Every ``keras.Model`` the file's code constructs is captured (constructors are
wrapped), with the line of the file that constructed it.

These guards keep a model script from doing what a model script usually does
besides building the model (training for hours, downloading data, writing
checkpoints), and say what it tried. They are Python patches that code can go
around (``io.FileIO``, ``posix``, ctypes, TensorFlow's C++ file system): what
is enforced is the operating-system sandbox the worker runs in (``sandbox``).

This module never imports TensorFlow or Keras; the worker passes them in.
"""

from __future__ import annotations

import builtins
import io
import os
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable

MAX_EVENTS = 200
"""Distinct events kept (kind, what, line); a loop repeating one is counted, not listed."""
SAMPLES = 64
"""Training samples in a synthetic data set (test sets get a quarter as many)."""

TRAINING_METHODS = ("fit", "evaluate", "predict", "train_on_batch", "test_on_batch", "predict_on_batch")
SAVING_METHODS = ("save", "save_weights", "load_weights", "export")
DATASETS = ("mnist", "fashion_mnist", "cifar10", "cifar100", "imdb", "reuters", "boston_housing", "california_housing")

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_PATH_FUNCTIONS = ("remove", "unlink", "rmdir", "mkdir", "truncate", "chmod", "chown", "utime", "mkfifo", "mknod")
_TWO_PATH_FUNCTIONS = ("rename", "replace", "symlink", "link")
_PROCESS_FUNCTIONS = (
    "system", "popen", "fork", "forkpty", "posix_spawn", "posix_spawnp",
    "execv", "execve", "execl", "execle", "execlp", "execlpe", "execvp", "execvpe",
    "spawnv", "spawnve", "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnvp", "spawnvpe",
)


class SandboxRefusal(PermissionError):
    """Raised into the user's code when it tries something confirm does not allow."""


class ExecutionTimeout(BaseException):
    """Raised into the user's code when its share of the time limit is spent.

    A BaseException, so that ``except Exception`` in the user's code does not swallow it.
    """


@dataclass
class Event:
    kind: str  # "stand-in" | "refused"
    what: str
    line: int | None
    count: int = 1  # the same thing at the same line (a loop): one event

    def to_json(self) -> dict:
        return {"kind": self.kind, "what": self.what, "line": self.line, "count": self.count}


@dataclass(eq=False)
class Captured:
    """A model the file's code constructed."""

    model: Any
    order: int
    line: int | None  # the line of the file that constructed it
    function: str | None  # the file's function around that line; None at module level
    entry: str | None = None  # the entry point confirm called to build it (a function the module never calls)


class Guards:
    """Installs the guards for one file's run and records what they did."""

    def __init__(self, workdir: str, script: str, keras: ModuleType, np: ModuleType):
        self.workdir = os.path.realpath(workdir)
        self.script = script
        self.keras = keras
        self.np = np
        self.events: list[Event] = []
        self._events_by_key: dict[tuple, Event] = {}
        self.captured: list[Captured] = []
        self.entry: str | None = None
        """The entry point being called, while confirm calls one."""
        self.originals: dict[str, Callable] = {}
        """What the stand-ins replaced, for the measurement code: ``Model.fit`` and so on."""

    # -- where in the user's file ------------------------------------------------

    def user_frame(self):
        """The innermost frame running the file's own code, or None."""
        frame = sys._getframe(1)
        while frame is not None:
            if frame.f_code.co_filename == self.script:
                return frame
            frame = frame.f_back
        return None

    def user_line(self) -> int | None:
        frame = self.user_frame()
        return frame.f_lineno if frame is not None else None

    def record(self, kind: str, what: str, line: int | None = None) -> None:
        """One event; ``line``: the file's line it happened at (default: the one running now)."""
        line = line or self.user_line()
        key = (kind, what, line)
        event = self._events_by_key.get(key)
        if event is not None:
            event.count += 1
        elif len(self.events) < MAX_EVENTS:
            self._events_by_key[key] = event = Event(kind, what, line)
            self.events.append(event)

    def _refuse(self, what: str) -> None:
        self.record("refused", what)
        raise SandboxRefusal(f"kerlint confirm refused: {what}")

    # -- installation ------------------------------------------------------------

    def install(self) -> None:
        self._neutral_process_state()
        self._refuse_network()
        self._refuse_processes()
        self._guard_writes()
        self._stand_in_training_and_saving()
        self._stand_in_datasets()
        self._capture_models()

    def _neutral_process_state(self) -> None:
        os.chdir(self.workdir)
        os.environ["TMPDIR"] = self.workdir
        tempfile.tempdir = self.workdir
        sys.argv = [self.script]
        sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115 - lives as long as the process
        sys.path.insert(0, os.path.dirname(self.script))
        sys.dont_write_bytecode = True  # no __pycache__ next to the user's modules

    def _refuse_network(self) -> None:
        sandbox = self

        def connect(self, address, *args, **kwargs):
            sandbox._refuse(f"network connection to {_address(address)}")

        def create_connection(address, *args, **kwargs):
            sandbox._refuse(f"network connection to {_address(address)}")

        def lookup(host, *args, **kwargs):
            sandbox._refuse(f"network name lookup of {host!r}")

        for method in ("connect", "connect_ex", "sendto"):
            setattr(socket.socket, method, connect)
        socket.create_connection = create_connection
        for function in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            setattr(socket, function, lookup)

    def _refuse_processes(self) -> None:
        def refuse(name: str):
            def refused(*args, **kwargs):
                self._refuse(f"starting a process ({name})")

            return refused

        for name in _PROCESS_FUNCTIONS:
            if hasattr(os, name):
                setattr(os, name, refuse(f"os.{name}"))
        subprocess.Popen.__init__ = refuse("subprocess")  # run, call, check_output go through Popen

        def exit_(status=0):
            raise SystemExit(status)

        os._exit = exit_  # the worker must get to report what was built

    def _guard_writes(self) -> None:
        original_open, original_os_open = builtins.open, os.open
        self.originals["open"], self.originals["os.open"] = original_open, original_os_open

        def open_(file, mode="r", *args, **kwargs):
            if any(flag in mode for flag in "wax+") and not isinstance(file, int):
                self._check_write(file, "open")
            return original_open(file, mode, *args, **kwargs)

        def os_open(path, flags, *args, dir_fd=None, **kwargs):
            if flags & _WRITE_FLAGS:
                self._check_write(path, "os.open", dir_fd)
            return original_os_open(path, flags, *args, dir_fd=dir_fd, **kwargs)

        builtins.open = io.open = open_
        os.open = os_open
        for name in _PATH_FUNCTIONS:
            if hasattr(os, name):
                setattr(os, name, self._path_guard(getattr(os, name), f"os.{name}", paths=1))
        for name in _TWO_PATH_FUNCTIONS:
            if hasattr(os, name):
                setattr(os, name, self._path_guard(getattr(os, name), f"os.{name}", paths=2))

    def _path_guard(self, function: Callable, name: str, paths: int) -> Callable:
        def guarded(*args, **kwargs):
            dir_fd = kwargs.get("dir_fd") if paths == 1 else kwargs.get("dst_dir_fd")
            for path in args[:paths]:
                if not isinstance(path, int):
                    self._check_write(path, name, dir_fd)
            return function(*args, **kwargs)

        return guarded

    def _check_write(self, path: Any, what: str, dir_fd: int | None = None) -> None:
        try:
            text = os.fsdecode(os.fspath(path))
        except TypeError:
            return  # not a path: the original raises its own error
        base = os.getcwd()
        if dir_fd is not None:
            try:
                base = os.readlink(f"/proc/self/fd/{dir_fd}")
            except OSError:
                self._refuse(f"{what} relative to a directory descriptor")
        real = os.path.realpath(os.path.join(base, text))
        if real == os.devnull or real == self.workdir or real.startswith(self.workdir + os.sep):
            return
        self._refuse(f"writing {real} ({what}): writes go to the temporary directory only")

    def _stand_in_training_and_saving(self) -> None:
        keras, np = self.keras, self.np
        model_class = keras.Model
        for name in TRAINING_METHODS + SAVING_METHODS:
            self.originals[f"Model.{name}"] = getattr(model_class, name)

        def stand_in(name: str, result: Callable):
            def method(model, *args, **kwargs):
                self.record("stand-in", f"{name}() skipped")
                return result(model, *args, **kwargs)

            method.__name__ = name
            return method

        def history(model, *args, **kwargs):
            result = keras.callbacks.History()
            result.history = _EmptyHistory()
            result.set_model(model)
            return result

        def scores(model, *args, **kwargs):
            metrics = getattr(model, "_compile_metrics", None)
            return [0.0, 0.0] if metrics is not None else 0.0

        def predictions(model, x=None, *args, **kwargs):
            return _zeros_like_outputs(model, x, np)

        results = {
            "fit": history, "evaluate": scores, "test_on_batch": scores, "train_on_batch": scores,
            "predict": predictions, "predict_on_batch": predictions,
        }
        for name in TRAINING_METHODS:
            setattr(model_class, name, stand_in(name, results[name]))
        for name in SAVING_METHODS:
            setattr(model_class, name, stand_in(name, lambda *args, **kwargs: None))

        from_module = _import_quietly
        visualization = from_module("keras.src.utils.model_visualization")
        files = from_module("keras.src.utils.file_utils")
        saving = from_module("keras.src.saving.saving_api")
        for module in ("keras.utils", "keras._tf_keras.keras.utils", "keras.saving", "keras.models",
                       "keras._tf_keras.keras.models", "keras._tf_keras.keras.saving"):
            from_module(module)
        if visualization is not None:
            self._replace_everywhere(visualization.plot_model, self._no_op("plot_model"))
        if saving is not None:
            self._replace_everywhere(saving.save_model, self._no_op("save_model"))
        if files is not None:
            def get_file(fname=None, origin=None, *args, **kwargs):
                name = fname or os.path.basename(str(origin or "download"))
                self.record("stand-in", f"get_file({name!r}) not downloaded")
                return os.path.join(self.workdir, "downloads", os.path.basename(name))

            self._replace_everywhere(files.get_file, get_file)

    def _no_op(self, name: str) -> Callable:
        def no_op(*args, **kwargs):
            self.record("stand-in", f"{name}() skipped")

        return no_op

    def _stand_in_datasets(self) -> None:
        for name in DATASETS:
            source = _import_quietly(f"keras.src.datasets.{name}")
            if source is None:
                continue
            for api in (f"keras.datasets.{name}", f"keras._tf_keras.keras.datasets.{name}"):
                _import_quietly(api)
            self._replace_everywhere(source.load_data, self._loader(name))
            if hasattr(source, "get_word_index"):
                self._replace_everywhere(source.get_word_index, self._word_index(name))

    def _loader(self, name: str) -> Callable:
        np = self.np

        def load_data(*args, **kwargs):
            self.record("stand-in", f"keras.datasets.{name}.load_data(): {SAMPLES} synthetic samples")
            return synthetic_dataset(name, np, kwargs)

        load_data.__name__ = "load_data"
        return load_data

    def _word_index(self, name: str) -> Callable:
        def get_word_index(*args, **kwargs):
            self.record("stand-in", f"keras.datasets.{name}.get_word_index(): synthetic vocabulary")
            return {f"word{i}": i for i in range(1, 1001)}

        return get_word_index

    def _replace_everywhere(self, original: Callable, replacement: Callable) -> None:
        """Rebind every module attribute that is ``original``: re-exports (``keras.utils.plot_model``) included."""
        for module in list(sys.modules.values()):
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict):
                continue
            for attribute, value in list(namespace.items()):
                if value is original:
                    namespace[attribute] = replacement

    def _capture_models(self) -> None:
        """Wrap the constructors of Model, Functional and Sequential: every model the file builds is recorded."""
        from_module = _import_quietly
        functional = from_module("keras.src.models.functional")
        sequential = from_module("keras.src.models.sequential")
        classes = [self.keras.Model]
        classes += [module_class for module_class in (
            getattr(functional, "Functional", None), getattr(sequential, "Sequential", None)) if module_class]
        internal = os.path.join("keras", "src", "models", "sequential.py")

        sandbox = self

        def wrap(init: Callable) -> Callable:
            # Keras reads the signature of ``cls.__init__`` (auto-config): the first
            # parameter must be called ``self``, and no ``__wrapped__`` may point past it.
            def __init__(self, *args, **kwargs):
                if not self.__dict__.get(_SEEN):
                    self.__dict__[_SEEN] = True  # inner constructors (Model's) see it once only
                    caller = sys._getframe(1).f_code.co_filename
                    frame = sandbox.user_frame()
                    # A subclass's __init__ (``super().__init__()``) is not where the model is constructed:
                    # the line that calls the class is.
                    while frame is not None and frame.f_locals.get("self") is self:
                        outer = frame.f_back
                        while outer is not None and outer.f_code.co_filename != sandbox.script:
                            outer = outer.f_back
                        if outer is None:
                            break
                        frame = outer
                    # Sequential builds a Functional of its own: not a model of the file's.
                    if frame is not None and not caller.endswith(internal):
                        function = None if frame.f_code.co_name == "<module>" else frame.f_code.co_name
                        sandbox.captured.append(
                            Captured(self, len(sandbox.captured), frame.f_lineno, function, sandbox.entry))
                return init(self, *args, **kwargs)

            return __init__

        for cls in classes:
            if "__init__" in vars(cls):
                cls.__init__ = wrap(cls.__init__)


_SEEN = "_kerlint_confirm_seen"


class _EmptyHistory(dict):
    """``History.history`` of a skipped ``fit``: every metric has an empty list."""

    def __missing__(self, key):
        return []


def synthetic_dataset(name: str, np: ModuleType, kwargs: dict | None = None) -> tuple:
    """``(x_train, y_train), (x_test, y_test)`` of the documented shapes and dtypes, with few samples."""
    kwargs = kwargs or {}
    rng = np.random.default_rng(0)
    train, test = SAMPLES, SAMPLES // 4

    def images(shape, classes, label_shape=()):
        def split(n):
            return (rng.integers(0, 256, (n, *shape), dtype=np.uint8),
                    rng.integers(0, classes, (n, *label_shape), dtype=np.uint8))

        return split(train), split(test)

    def sequences(classes, num_words):
        def split(n):
            reviews = np.empty(n, dtype=object)
            for i in range(n):
                reviews[i] = [1] + [int(w) for w in rng.integers(2, num_words, rng.integers(5, 50))]
            return reviews, rng.integers(0, classes, n).astype(np.int64)

        return split(train), split(test)

    def table(features):
        def split(n):
            return rng.normal(size=(n, features)), rng.normal(size=(n,)) * 10 + 20

        return split(train), split(test)

    if name in ("mnist", "fashion_mnist"):
        return images((28, 28), 10)
    if name in ("cifar10", "cifar100"):
        classes = 10 if name == "cifar10" else (20 if kwargs.get("label_mode") == "coarse" else 100)
        return images((32, 32, 3), classes, (1,))
    if name in ("imdb", "reuters"):
        num_words = kwargs.get("num_words") or 1000
        return sequences(2 if name == "imdb" else 46, max(int(num_words), 3))
    if name == "boston_housing":
        return table(13)
    if name == "california_housing":
        return table(8)
    raise ValueError(f"no synthetic data set for {name}")


def _zeros_like_outputs(model: Any, x: Any, np: ModuleType):
    """What a skipped ``predict`` returns: zeros of the model's output shapes, one row per sample."""
    try:
        first = x[0] if isinstance(x, (list, tuple)) else (next(iter(x.values())) if isinstance(x, dict) else x)
        samples = len(first)
    except Exception:
        samples = 1
    try:
        outputs = [tuple(d or 1 for d in tensor.shape[1:]) for tensor in model.outputs]
    except Exception:
        return np.zeros((samples, 1), dtype="float32")
    arrays = [np.zeros((samples, *shape), dtype="float32") for shape in outputs]
    return arrays[0] if len(arrays) == 1 else arrays


def _address(address: Any) -> str:
    if isinstance(address, tuple) and len(address) >= 2:
        return f"{address[0]}:{address[1]}"
    return repr(address)


def _import_quietly(name: str) -> ModuleType | None:
    try:
        __import__(name)
    except Exception:
        return None
    return sys.modules.get(name)
