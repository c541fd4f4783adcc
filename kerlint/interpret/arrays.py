"""Abstract arrays: what numpy, pandas, scikit-learn, tf.data and Keras's data utilities hand to a model.

An array is known by what can be told without running the program: its shape
(a dimension known only at run time, such as the number of rows of a CSV
file, is None), its dtype family, the range its values lie in, what they
encode (class ids, one-hot rows, pixels, a continuous target) and where it
was made. Each operation has one semantics however it is spelled:
``np.expand_dims(x, -1)``, ``x[..., None]`` and ``x.reshape(-1, 28, 28, 1)``
meet in the same shape arithmetic. ``fit``, ``evaluate`` and ``predict``
record what they receive as `DataUse` facts; the rules compare those facts
with the model and never read the code that built the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Callable

from kerlint.units import shape_str
from kerlint.unknown import UNKNOWN

if TYPE_CHECKING:
    import libcst as cst

    from kerlint.graph import ModelGraph
    from kerlint.interpret.interpreter import Interpreter

INF = math.inf
PIXELS = (0.0, 255.0)


@dataclass(eq=False)
class Data:
    """An array, frame or dataset, with what is statically known about its contents.

    ``origin`` says where it came from (``mnist.load_data()``, ``np.load()``)
    and ``node`` where that is in the file; ``shape`` is None when even the
    rank is unknown. ``bounds`` is the range the values lie in (``inf`` for
    unbounded, None when unknown). ``scaled`` says whether the program
    normalized it (at ``scaled_at``), ``raw`` whether its source is known to
    hold unscaled values (a ``.npy`` file may be preprocessed already).
    ``per_sample``: as targets, one label per sample (shape ``(n,)``, ``(n, 1)``
    or one-hot rows), read off the shape when it is known. ``samples_first``:
    True for loaded data (a file, a dataset), whose first axis counts samples;
    None for an array the program makes with a shape it writes
    (``np.random.uniform(0, 255, (10, 10, 3))`` is as often one sample as many);
    False once an integer index took the sample axis away (``batch[0]``). A dataset
    (``kind="dataset"``) holds its ``element``: an array or an ``(x, y)`` tuple,
    with a batch axis once ``batched``.
    """

    origin: str
    node: cst.CSTNode | None = field(repr=False)
    scaled: bool = False
    num_classes: int | None = None
    role: str = "data"  # "data" | "labels" | "tokens"
    raw: bool = True
    per_sample: bool = False
    shape: tuple | None = None
    dtype: str | None = None  # "int" | "float" | "str" | "bool"
    bounds: tuple[float, float] | None = None
    encoding: str | None = None  # "classes" | "onehot" | "multilabel" | "continuous" | "tokens" | "pixels"
    scaled_at: cst.CSTNode | None = field(default=None, repr=False)
    kind: str = "array"  # "array" | "frame" | "dataset"
    element: Any = None
    batched: bool = False
    samples_first: bool | None = True

    def __post_init__(self) -> None:
        if self.shape is not None:  # as targets: one label per sample, or one per position
            self.per_sample = _one_label_per_sample(self.shape, self.encoding)

    def derived(self, **changes: Any) -> "Data":
        return replace(self, **changes)

    @property
    def finite_bounds(self) -> tuple[float, float] | None:
        """The value range when both ends are known numbers: random normal draws (a test's placeholders) have none."""
        bounds = self.bounds
        return bounds if bounds is not None and math.isfinite(bounds[0]) and math.isfinite(bounds[1]) else None

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)

    def to_json(self, line: Callable[[cst.CSTNode], int]) -> dict:
        """Shape, dtype family, range (None for an unbounded end), encoding and where it was made."""
        bounds = None if self.bounds is None else [None if abs(v) == INF else v for v in self.bounds]
        return {
            "shape": None if self.shape is None else list(self.shape), "dtype": self.dtype, "range": bounds,
            "encoding": self.encoding, "scaled": self.scaled, "origin": self.origin,
            "line": None if self.node is None else line(self.node),
        }

    def describe(self) -> str:
        """``int array of shape (None, 28, 28) in [0, 255]``: the facts a message quotes."""
        words = [self.dtype or "", "dataset" if self.kind == "dataset" else "frame" if self.kind == "frame" else "array"]
        text = " ".join(w for w in words if w)
        if self.shape is not None:
            text += f" of shape {shape_str(self.shape)}"
        if self.bounds is not None:
            text += f" in {range_text(self.bounds)}"
        return text


def data_json(model: ModelGraph, uses: list[DataUse], line: Callable[[cst.CSTNode], int]) -> dict | None:
    """What `kerlint cost` shows of the data: the model's inputs and outputs, and what each fit/evaluate/predict gave them."""
    calls = [use for use in uses if use.model is model]
    if not calls:
        return None
    ends = {"inputs": model.inputs, "outputs": model.outputs}
    facts: dict[str, Any] = {
        key: [{"shape": None if t.shape is None else list(t.shape), "line": line(t.producer.node)} for t in tensors]
        for key, tensors in ends.items()
    }
    facts["calls"] = [
        {"method": use.method, "line": line(use.node), "x": _structure_json(use.x, line), "y": _structure_json(use.y, line),
         "validation": None if use.validation is None else [_structure_json(part, line) for part in use.validation]}
        for use in calls
    ]
    return facts


def _structure_json(value: Any, line: Callable[[cst.CSTNode], int]) -> Any:
    if isinstance(value, Data):
        return value.to_json(line)
    if isinstance(value, (list, tuple)):
        return [_structure_json(item, line) for item in value]
    if isinstance(value, dict):
        return {str(key): _structure_json(item, line) for key, item in value.items()}
    return None


def _one_label_per_sample(shape: tuple | None, encoding: str | None) -> bool:
    if shape is None:
        return False
    return len(shape) == 1 or len(shape) == 2 and (encoding == "onehot" or shape[-1] == 1)


def range_text(bounds: tuple[float, float]) -> str:
    """``[0, 255]``, ``[-inf, inf]``."""
    return "[" + ", ".join(("inf" if v > 0 else "-inf") if v in (INF, -INF) else f"{v:g}" for v in bounds) + "]"


@dataclass(eq=False)
class DataShape:
    """``x.shape`` of an array, or its tail: ``input_shape=x_train.shape`` (samples first) is a classic bug."""

    data: Data
    start: int = 0

    @property
    def dims(self) -> tuple | None:
        shape = self.data.shape
        return None if shape is None else shape[self.start:]


@dataclass(eq=False)
class Preprocessor:
    """A scikit-learn scaler or encoder, or Keras's ImageDataGenerator, with the arguments it was made with."""

    kind: str  # class name: "StandardScaler", "LabelEncoder", "ImageDataGenerator"...
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class DataUse:
    """What one call of ``fit``, ``evaluate``, ``predict`` (or their batch and generator forms) received.

    ``x`` and ``y`` are as passed: an array, a tuple or dict of them, a dataset
    (then ``y`` is what it yields), or UNKNOWN. ``validation`` holds
    ``validation_data`` as ``(x, y)``.
    """

    model: ModelGraph
    method: str
    node: cst.CSTNode
    x: Any
    y: Any
    validation: tuple | None = None

    @property
    def trains(self) -> bool:
        return self.method in TRAINING_METHODS


TRAINING_METHODS = {"fit", "fit_generator", "train_on_batch"}
SIGNATURES = {
    "fit": ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data"),
    "fit_generator": ("x", "steps_per_epoch", "epochs", "verbose", "callbacks", "validation_data"),
    "train_on_batch": ("x", "y"),
    "evaluate": ("x", "y"),
    "evaluate_generator": ("x",),
    "test_on_batch": ("x", "y"),
    "predict": ("x",),
    "predict_generator": ("x",),
    "predict_on_batch": ("x",),
}
DATA_METHODS = frozenset(SIGNATURES)


def record_use(interp: "Interpreter", model: ModelGraph, method: str, args: list, kwargs: dict, node: cst.CSTNode) -> None:
    bound = dict(zip(SIGNATURES[method], args)) | kwargs
    x = bound.get("x", bound.get("generator", UNKNOWN))
    y = bound.get("y", UNKNOWN) if "y" in SIGNATURES[method] else None
    if isinstance(x, Data) and x.kind == "dataset":
        x, y = dataset_parts(x)
    validation = bound.get("validation_data")
    if isinstance(validation, Data) and validation.kind == "dataset":
        validation = dataset_parts(validation)
    elif isinstance(validation, (tuple, list)) and len(validation) >= 2:
        validation = (validation[0], validation[1])
    else:
        validation = None
    interp.data_uses.append(DataUse(model, method, node, x, y, validation))


def dataset_parts(dataset: Data) -> tuple[Any, Any]:
    """What a dataset yields to ``fit``: ``(x, y)``; UNKNOWN parts unless it is batched and its element known."""
    element = dataset.element
    if not dataset.batched or element is None:
        return UNKNOWN, UNKNOWN
    if isinstance(element, tuple):
        return (element[0], element[1]) if len(element) >= 2 else (element[0], None)
    return element, None


# ------------------------------------------------------------------ sources


def _dims(value: Any) -> tuple | None:
    """A shape argument (``(100, 28)``, ``100``, ``[n, 3]``) as a tuple of ints and Nones, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return (value,) if value >= 0 else None
    if isinstance(value, (tuple, list)):
        if all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 or d is UNKNOWN for d in value):
            return tuple(None if d is UNKNOWN else d for d in value)
    if isinstance(value, DataShape) and value.dims is not None:
        return value.dims
    return None


def _number_or_none(value: Any) -> float | None:
    """A number as a float; None for anything else, and for an int past what a float holds."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _bound(kwargs: dict, args: list, name: str, index: int, default: Any) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _random(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    """``np.random.*``: ``rand``/``random`` in [0, 1), ``randn``/``normal`` unbounded, ``randint`` integer ids, ``uniform``."""
    name = path.rpartition(".")[2]
    origin = f"np.random.{name}()"
    if name in ("rand", "randn"):
        shape = _dims(list(args)) if args else ()
        bounds = (0.0, 1.0) if name == "rand" else (-INF, INF)
        return Data(origin, node, shape=shape, dtype="float", bounds=bounds, raw=False, samples_first=None, encoding="continuous")
    if name in ("random", "random_sample", "sample", "ranf"):
        return Data(origin, node, shape=_dims(_bound(kwargs, args, "size", 0, ())), dtype="float", bounds=(0.0, 1.0), raw=False, samples_first=None)
    if name in ("normal", "standard_normal"):
        size = _bound(kwargs, args, "size", 2 if name == "normal" else 0, ())
        return Data(origin, node, shape=_dims(size), dtype="float", bounds=(-INF, INF), raw=False, samples_first=None)
    if name == "uniform":
        low, high = _number_or_none(_bound(kwargs, args, "low", 0, 0.0)), _number_or_none(_bound(kwargs, args, "high", 1, 1.0))
        bounds = None if low is None or high is None else (low, high)
        return Data(origin, node, shape=_dims(_bound(kwargs, args, "size", 2, ())), dtype="float", bounds=bounds, raw=False, samples_first=None)
    if name == "randint":
        low, high = _bound(kwargs, args, "low", 0, UNKNOWN), _bound(kwargs, args, "high", 1, None)
        if high is None:
            low, high = 0, low
        size = _dims(_bound(kwargs, args, "size", 2, ()))
        known = isinstance(low, int) and isinstance(high, int) and high > low
        ends = (_number_or_none(low), _number_or_none(high - 1)) if known else (None, None)
        bounds = None if None in ends else ends
        return Data(origin, node, shape=size, dtype="int", bounds=bounds, raw=False, samples_first=None, encoding="classes" if known and low == 0 else None)
    return Data(origin, node, raw=False, samples_first=None)


def _filled(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    """``np.zeros/ones/empty/full(shape)``: a known shape; zeros and ones a known value."""
    name = path.rpartition(".")[2]
    shape = _dims(_bound(kwargs, args, "shape", 0, UNKNOWN))
    value = {"zeros": 0.0, "ones": 1.0}.get(name, _number_or_none(_bound(kwargs, args, "fill_value", 1, None)))
    dtype = _dtype_family(_bound(kwargs, args, "dtype", 2 if name == "full" else 1, None)) or "float"
    bounds = None if value is None or name == "empty" else (value, value)
    return Data(f"np.{name}()", node, shape=shape, dtype=dtype, bounds=bounds, raw=False, samples_first=None)


def _eye(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    """``np.eye(K)``: indexed by class ids (``np.eye(K)[y]``) it one-hot encodes them."""
    size = _bound(kwargs, args, "N", 0, UNKNOWN)
    k = size if isinstance(size, int) and size > 0 else None
    return Data("np.eye()", node, shape=(k, k), dtype="float", bounds=(0.0, 1.0), raw=False, samples_first=None, encoding="onehot", num_classes=k)


def _arange(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    numbers = list(args[:3])
    if not numbers or not all(_number_or_none(n) is not None and math.isfinite(n) for n in numbers):
        return Data("np.arange()", node, shape=(None,), raw=False, samples_first=None)
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (*numbers[:2], numbers[2] if len(numbers) > 2 else 1)
    count = max(0, math.ceil((stop - start) / step)) if step else 0
    dtype = "int" if all(isinstance(n, int) for n in numbers) else "float"
    bounds = (float(min(start, start + step * (count - 1))), float(max(start, start + step * (count - 1)))) if count else None
    return Data("np.arange()", node, shape=(count,), dtype=dtype, bounds=bounds, raw=False, samples_first=None)


def _from_values(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Any:
    """``np.array(...)``, ``np.asarray``: an array keeps what it was; a literal's shape, dtype and range are read off."""
    value = _bound(kwargs, args, "object", 0, UNKNOWN)
    dtype = _dtype_family(_bound(kwargs, args, "dtype", 1, None))
    if isinstance(value, Data):
        return value.derived(kind="array", dtype=dtype or value.dtype)
    literal = _literal_facts(value)
    if literal is None:
        return UNKNOWN
    shape, kinds, low, high = literal
    family = dtype or ("float" if float in kinds else "bool" if kinds == {bool} else "int" if kinds else None)
    bounds = (low, high) if low is not None else None
    return Data(f"np.{path.rpartition('.')[2]}()", node, shape=shape, dtype=family, bounds=bounds, raw=False, samples_first=None)


LITERAL_ITEMS = 100_000
"""The most numbers a literal may hold for its shape and range to be read (lists may share rows: count each anew)."""


def _literal_facts(value: Any) -> tuple[tuple, set, float | None, float | None] | None:
    """Shape, element types and range of a nested list of numbers; None if ragged, unknown, not numbers or too big."""
    shape: list[int] = []
    level = [value]
    while level and all(isinstance(item, (list, tuple)) for item in level):
        sizes = {len(item) for item in level}
        if len(sizes) != 1 or len(shape) >= 32 or len(level) * max(sizes) > LITERAL_ITEMS:
            return None
        shape.append(sizes.pop())
        level = [item for row in level for item in row]
    if not all(type(item) in (int, float, bool) for item in level):
        return None
    try:
        low, high = (float(min(level)), float(max(level))) if level else (None, None)
    except OverflowError:
        return None
    return tuple(shape), {type(item) for item in level}, low, high


def _loaded(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    """A file read in (``np.load``, ``pd.read_csv``, an image reader): contents unknown, but raw unless binary."""
    head, _, rest = path.partition(".")
    short = {"numpy": "np", "pandas": "pd"}.get(head, head)
    frame = head == "pandas"
    return Data(f"{short}.{rest}()", node, raw=path not in PREPROCESSED_LOADERS, kind="frame" if frame else "array",
                shape=(None, None) if frame else None)


def _train_test_split(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Any:
    """``train_test_split(x, y)``: each array's two parts keep everything but their number of rows, which is
    scikit-learn's split of a known count (a test part of ``ceil(test_size * n)``, 0.25 by default)."""
    parts = []
    for array in args:
        rows = _split_rows(array.shape[0] if isinstance(array, Data) and array.shape else None,
                           kwargs.get("test_size"), kwargs.get("train_size"))
        parts.extend(_with_rows(array, count) for count in rows)
    return parts


def _split_rows(total: int | None, test_size: Any, train_size: Any) -> tuple[int | None, int | None]:
    """(train rows, test rows) of a split of `total` rows, when scikit-learn's arithmetic can be done here."""
    def size(value: Any, rounding: Callable[[float], int]) -> int | None:
        if isinstance(value, float) and 0 < value < 1:
            return rounding(value * total)
        return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < total else None

    if total is None or not all(v is None or isinstance(v, (int, float)) and not isinstance(v, bool) for v in (test_size, train_size)):
        return None, None
    if test_size is None and train_size is None:
        test_size = 0.25
    test = size(test_size, math.ceil) if test_size is not None else None
    train = size(train_size, math.floor) if train_size is not None else None
    if test is not None and train is None:
        train = total - test
    elif train is not None and test is None and test_size is None:
        test = total - train
    return (train, test) if train is not None and test is not None and train + test <= total else (None, None)


def _with_rows(value: Any, rows: int | None) -> Any:
    if isinstance(value, Data) and value.shape:
        return value.derived(shape=(rows, *value.shape[1:]))
    return value


def _rows_unknown(value: Any) -> Any:
    if isinstance(value, Data) and value.shape:
        return value.derived(shape=(None, *value.shape[1:]))
    return value


def _tensor_slices(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    """``tf.data.Dataset.from_tensor_slices(t)``: elements are t's rows (tuples and dicts of arrays slice together)."""
    tensors = _bound(kwargs, args, "tensors", 0, UNKNOWN)
    return Data("tf.data.Dataset.from_tensor_slices()", node, kind="dataset", element=_map_structure(tensors, _drop_first_axis), raw=False)


def _drop_first_axis(data: Data) -> Data:
    return data.derived(shape=None if not data.shape else data.shape[1:])


def _map_structure(value: Any, function: Callable[[Data], Data]) -> Any:
    if isinstance(value, Data):
        return function(value)
    if isinstance(value, (tuple, list)):
        return tuple(_map_structure(v, function) for v in value)
    if isinstance(value, dict):
        return {k: _map_structure(v, function) for k, v in value.items()}
    return UNKNOWN


def _scale_function(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Any:
    """``sklearn.preprocessing.scale``, ``normalize``, ``keras.utils.normalize``: the data comes back scaled."""
    first = args[0] if args else UNKNOWN
    return scaled(first, node, bounds=(0.0, 1.0) if path.endswith("minmax_scale") else None)


def scaled(value: Any, node: cst.CSTNode, bounds: tuple | None = None) -> Any:
    if not isinstance(value, Data):
        return UNKNOWN
    return value.derived(scaled=True, scaled_at=node, bounds=bounds, dtype="float", raw=False)


def _dummies(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Any:
    """``pd.get_dummies(series)``: one-hot columns, one per category seen."""
    first = args[0] if args else UNKNOWN
    rows = first.shape[0] if isinstance(first, Data) and first.shape else None
    return Data("pd.get_dummies()", node, shape=(rows, None), dtype="int", bounds=(0.0, 1.0), encoding="onehot", raw=False,
                kind="frame", role="labels")


def _join(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Any:
    """``np.concatenate``/``stack``/``vstack``/``hstack``: shapes add up along the axis, the rest must agree."""
    name = path.rpartition(".")[2]
    arrays = args[0] if args else kwargs.get("arrays", kwargs.get("tup", UNKNOWN))
    if not isinstance(arrays, (list, tuple)) or not arrays or not all(isinstance(a, Data) for a in arrays):
        return UNKNOWN
    first = arrays[0]
    axis = _bound(kwargs, args, "axis", 1, 0)
    shapes = [a.shape for a in arrays]
    shape = None
    if all(s is not None for s in shapes) and len({len(s) for s in shapes}) == 1 and isinstance(axis, int):
        rank = len(shapes[0])
        if name == "vstack" or name == "hstack":
            axis = 0 if name == "vstack" or rank == 1 else 1
        if name == "stack" and -rank - 1 <= axis <= rank:
            axis %= rank + 1
            shape = (*shapes[0][:axis], len(arrays), *shapes[0][axis:])
        elif name != "stack" and rank and -rank <= axis < rank:
            axis %= rank
            sizes = [s[axis] for s in shapes]
            total = None if None in sizes else sum(sizes)
            shape = (*shapes[0][:axis], total, *shapes[0][axis + 1:])
    bounds = _union([a.bounds for a in arrays])
    return first.derived(shape=shape, bounds=bounds, scaled=all(a.scaled for a in arrays), kind="array")


def _union(ranges: list) -> tuple | None:
    if any(r is None for r in ranges):
        return None
    return (min(r[0] for r in ranges), max(r[1] for r in ranges))


def _array_function(name: str) -> Callable:
    """``np.reshape(x, s)``, ``np.expand_dims(x, a)``...: the method of the same name on their first argument."""
    def function(path: str, node: cst.CSTNode, args: list, kwargs: dict) -> Any:
        if not args or not isinstance(args[0], Data):
            return UNKNOWN
        return apply(args[0], name, args[1:], kwargs, node)
    return function


PREPROCESSED_LOADERS = {"numpy.load", "numpy.fromfile"}
SOURCES: dict[str, Callable] = {
    **{f"numpy.random.{n}": _random for n in (
        "rand", "randn", "random", "random_sample", "sample", "ranf", "normal", "standard_normal", "uniform", "randint")},
    **{f"numpy.{n}": _filled for n in ("zeros", "ones", "empty", "full")},
    "numpy.eye": _eye, "numpy.identity": _eye,
    "numpy.arange": _arange,
    "numpy.array": _from_values, "numpy.asarray": _from_values,
    **{path: _loaded for path in (
        "numpy.load", "numpy.loadtxt", "numpy.genfromtxt", "numpy.fromfile",
        "pandas.read_csv", "pandas.read_excel", "pandas.read_parquet", "pandas.read_json", "pandas.read_table",
        "cv2.imread", "PIL.Image.open", "imageio.imread", "skimage.io.imread")},
    "pandas.get_dummies": _dummies,
    "sklearn.model_selection.train_test_split": _train_test_split,
    "tensorflow.data.Dataset.from_tensor_slices": _tensor_slices,
    **{path: _scale_function for path in (
        "sklearn.preprocessing.scale", "sklearn.preprocessing.normalize", "sklearn.preprocessing.minmax_scale")},
    **{f"numpy.{n}": _join for n in ("concatenate", "stack", "vstack", "hstack")},
    **{f"numpy.{n}": _array_function(n) for n in ("reshape", "expand_dims", "squeeze", "transpose", "copy", "float32")},
}
"""Calls outside Keras that make or change data, by canonical path."""
PREPROCESSORS = {
    "StandardScaler", "MinMaxScaler", "RobustScaler", "MaxAbsScaler", "Normalizer", "QuantileTransformer", "PowerTransformer",
    "LabelEncoder", "OneHotEncoder", "LabelBinarizer", "OrdinalEncoder", "MultiLabelBinarizer",
}
LIBRARIES = ("numpy.", "pandas.", "sklearn.", "tensorflow.data.", "cv2.", "PIL.", "imageio.", "skimage.")


def call(interp: "Interpreter", path: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    """A call into a data library (`LIBRARIES`): a source, a function on arrays, or a preprocessor's constructor."""
    source = SOURCES.get(path)
    if source is not None:
        return _record(interp, source(path, node, args, kwargs))
    leaf = path.rpartition(".")[2]
    if path.startswith("sklearn.preprocessing.") and leaf in PREPROCESSORS:
        return Preprocessor(leaf, dict(zip(("feature_range",), args)) | kwargs)
    if path.startswith(("numpy.", "pandas.")) and args and isinstance(args[0], Data):
        from kerlint.interpret import op_shapes  # the rules import this module: a warm run never needs the table

        shape = args[0].shape if op_shapes.keeps_shape(path) else None  # np.sin(angles): element-wise
        return args[0].derived(shape=shape, bounds=None)  # another function of an array: its origin and scaling stay
    return UNKNOWN


def _record(interp: "Interpreter", value: Any) -> Any:
    if isinstance(value, Data) and value.raw and value.kind != "dataset":
        interp.data_loads.append(value)
    return value


# ------------------------------------------------------------------ Keras's data utilities


DATASET_RANGES = {
    "mnist": (PIXELS, 10), "fashion_mnist": (PIXELS, 10), "cifar10": (PIXELS, 10), "cifar100": (PIXELS, 100),
}
"""``keras.datasets`` image sets: the range of their pixels and their number of classes."""
DATASET_SHAPES = {
    "mnist": (28, 28), "fashion_mnist": (28, 28), "cifar10": (32, 32, 3), "cifar100": (32, 32, 3),
}
DATASET_LABEL_SHAPES = {"cifar10": (None, 1), "cifar100": (None, 1)}
REGRESSION_TARGETS = {"boston_housing": (5.0, 50.0), "california_housing": (14999.0, 500001.0)}
TOKEN_DATASETS = {"imdb", "reuters"}  # integer word ids: scaling them would be wrong


def load_dataset(interp: "Interpreter", path: str, node: cst.CSTNode) -> Any:
    """``keras.datasets.<name>.load_data()``: ``((x_train, y_train), (x_test, y_test))`` with what Keras documents of them."""
    name = path.split(".")[-2]
    origin = f"{name}.load_data()"
    if name in TOKEN_DATASETS:
        x = Data(origin, node, role="tokens", encoding="tokens")  # lists of word ids of any length
        y = Data(origin, node, role="labels", shape=(None,), dtype="int", encoding="classes")
    elif name in DATASET_SHAPES:
        pixels, classes = DATASET_RANGES[name]
        x = Data(origin, node, shape=(None, *DATASET_SHAPES[name]), dtype="int", bounds=pixels, encoding="pixels")
        labels = DATASET_LABEL_SHAPES.get(name, (None,))
        y = Data(origin, node, role="labels", shape=labels, dtype="int", bounds=(0.0, classes - 1.0),
                 encoding="classes", num_classes=None)
    elif name in REGRESSION_TARGETS:
        x = Data(origin, node, shape=(None, None), dtype="float")
        y = Data(origin, node, role="labels", shape=(None,), dtype="float", bounds=REGRESSION_TARGETS[name],
                 encoding="continuous")
    else:
        x, y = Data(origin, node), Data(origin, node, role="labels", per_sample=True)
    x_train, x_test = (_record(interp, x.derived()) for _ in range(2))
    return ((x_train, y.derived()), (x_test, y.derived()))


def to_categorical(args: list, kwargs: dict, node: cst.CSTNode) -> Data:
    """One-hot rows: a labels array ``(n,)`` or ``(n, 1)`` becomes ``(n, K)`` in {0, 1}."""
    labels = args[0] if args else kwargs.get("y", kwargs.get("x", UNKNOWN))
    classes = args[1] if len(args) > 1 else kwargs.get("num_classes")
    k = classes if isinstance(classes, int) and not isinstance(classes, bool) and classes > 0 else None
    if k is None and isinstance(labels, Data) and labels.bounds is not None and labels.encoding == "classes" and labels.bounds[0] == 0:
        k = int(labels.bounds[1]) + 1 if labels.bounds[1] < INF else None
    if not isinstance(labels, Data):
        return Data("labels", None, role="labels", num_classes=k, encoding="onehot", dtype="float", bounds=(0.0, 1.0))
    shape = labels.shape
    if shape is not None:
        shape = (*(shape[:-1] if len(shape) > 1 and shape[-1] == 1 else shape), k)
    return labels.derived(role="labels", num_classes=k, shape=shape, encoding="onehot", dtype="float", bounds=(0.0, 1.0),
                          scaled=False)


def _image_directory(leaf: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    """``image_dataset_from_directory``: batches of float pixels in [0, 255] and labels as ``label_mode`` says."""
    size = _dims(kwargs.get("image_size", (256, 256)))
    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}.get(kwargs.get("color_mode", "rgb"))
    x = Data(f"{leaf}()", node, shape=None if size is None else (None, *size, channels), dtype="float", bounds=PIXELS, encoding="pixels")
    return _labelled_dataset(leaf, node, x, kwargs.get("label_mode", "int"), kwargs.get("batch_size", 32))


def _text_directory(leaf: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    x = Data(f"{leaf}()", node, shape=(None,), dtype="str", raw=False)
    return _labelled_dataset(leaf, node, x, kwargs.get("label_mode", "int"), kwargs.get("batch_size", 32))


def _labelled_dataset(leaf: str, node: cst.CSTNode, x: Data, label_mode: Any, batch_size: Any) -> Data:
    labels = {
        "int": Data(f"{leaf}()", node, role="labels", shape=(None,), dtype="int", encoding="classes", raw=False),
        "categorical": Data(f"{leaf}()", node, role="labels", shape=(None, None), dtype="float", encoding="onehot", raw=False),
        "binary": Data(f"{leaf}()", node, role="labels", shape=(None, 1), dtype="float", bounds=(0.0, 1.0), raw=False),
    }.get(label_mode, UNKNOWN) if label_mode is not None else None
    element = x if labels is None else (x, labels)
    if batch_size is None:
        element = _map_structure(element, _drop_first_axis)
    return Data(f"{leaf}()", node, kind="dataset", element=element, batched=batch_size is not None, raw=False)


def _timeseries(leaf: str, node: cst.CSTNode, args: list, kwargs: dict) -> Data:
    """``timeseries_dataset_from_array(data, targets, sequence_length)``: windows of ``sequence_length`` rows."""
    data, targets = _bound(kwargs, args, "data", 0, UNKNOWN), _bound(kwargs, args, "targets", 1, UNKNOWN)
    length = _bound(kwargs, args, "sequence_length", 2, UNKNOWN)
    window = length if isinstance(length, int) else None
    x = data.derived(shape=None if data.shape is None else (None, window, *data.shape[1:])) if isinstance(data, Data) else UNKNOWN
    y = _rows_unknown(targets) if isinstance(targets, Data) else None if targets is None else UNKNOWN
    batched = kwargs.get("batch_size", 128) is not None
    return Data(f"{leaf}()", node, kind="dataset", element=x if y is None else (x, y), batched=batched, raw=False)


def _pad_sequences(leaf: str, node: cst.CSTNode, args: list, kwargs: dict) -> Any:
    """``pad_sequences(seqs, maxlen=100)``: integer ids in rows of ``maxlen``."""
    sequences, length = _bound(kwargs, args, "sequences", 0, UNKNOWN), kwargs.get("maxlen")
    if not isinstance(sequences, Data):
        return UNKNOWN
    rows = sequences.shape[0] if sequences.shape else None
    return sequences.derived(shape=(rows, length if isinstance(length, int) else None), dtype="int", bounds=None)


KERAS_SOURCES: dict[str, Callable] = {
    "pad_sequences": _pad_sequences,
    "image_dataset_from_directory": _image_directory,
    "text_dataset_from_directory": _text_directory,
    "timeseries_dataset_from_array": _timeseries,
}
KERAS_LOADERS = {"load_img", "img_to_array"}
KERAS_SCALING = {"normalize"}
KERAS_FUNCTIONS = frozenset({*KERAS_SOURCES, *KERAS_LOADERS, *KERAS_SCALING, "to_categorical", "ImageDataGenerator"})
"""Leaves of Keras paths this module gives meaning to (``load_data`` of ``keras.datasets`` too)."""


def call_keras(interp: "Interpreter", path: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    leaf = path.rpartition(".")[2]
    if leaf in KERAS_SOURCES:
        return KERAS_SOURCES[leaf](leaf, node, args, kwargs)
    if leaf == "to_categorical":
        return to_categorical(args, kwargs, node)
    if leaf in KERAS_LOADERS:
        return _record(interp, Data(f"{leaf}()", node))
    if leaf == "ImageDataGenerator":
        return Preprocessor(leaf, kwargs)
    if leaf in KERAS_SCALING and ".utils" in path:
        return scaled(args[0] if args else UNKNOWN, node)
    return UNKNOWN


# ------------------------------------------------------------------ methods, attributes, operators


def method(interp: "Interpreter", receiver: Any, name: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    if isinstance(receiver, Preprocessor):
        return _preprocess(receiver, name, args, kwargs, node)
    if receiver.kind == "dataset":
        return _dataset_method(interp, receiver, name, args, kwargs, node)
    return apply(receiver, name, args, kwargs, node)


def apply(data: Data, name: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    """A method of an array or frame (``x.reshape(...)``), also reached by ``np.<name>(x, ...)``."""
    if name in ("mean", "std", "max", "min", "sum", "var", "item", "tolist"):
        return UNKNOWN
    if name == "reshape":
        target = args[0] if len(args) == 1 else list(args) if args else kwargs.get("newshape", kwargs.get("shape", UNKNOWN))
        return data.derived(shape=_reshape(data.shape, target), kind="array")
    if name == "expand_dims":
        axis = _bound(kwargs, args, "axis", 0, UNKNOWN)
        return data.derived(shape=_insert_axis(data.shape, axis))
    if name == "squeeze":
        axis = _bound(kwargs, args, "axis", 0, None)
        return data.derived(shape=_squeeze(data.shape, axis))
    if name == "astype":
        family = _dtype_family(args[0] if args else kwargs.get("dtype"))
        return data.derived(dtype=family, bounds=data.bounds if family != "int" or data.dtype == "int" else None)
    if name in ("to_numpy", "copy", "float32"):
        return data.derived(kind="array")
    if name in ("flatten", "ravel"):
        return data.derived(shape=None if data.shape is None else (_product(data.shape),), kind="array")
    if name == "transpose" and data.shape is not None and not args:
        return data.derived(shape=data.shape[::-1])
    if name in ("drop", "dropna", "fillna", "head", "sample"):
        columns = None if name == "drop" else data.shape[1] if data.shape and len(data.shape) > 1 else None
        return data.derived(shape=None if data.shape is None else (None, columns, *data.shape[2:]))
    return data.derived(shape=None, bounds=None)  # any other method: its origin and scaling stay


def _product(dims: tuple) -> int | None:
    return None if None in dims else math.prod(dims)


def _reshape(shape: tuple | None, target: Any) -> tuple | None:
    """``reshape`` with one ``-1`` inferred when the other sizes are known."""
    if isinstance(target, int) and not isinstance(target, bool):
        target = (target,)
    if isinstance(target, DataShape):
        return target.dims
    if not isinstance(target, (tuple, list)) or not all(isinstance(d, int) and not isinstance(d, bool) or d is UNKNOWN for d in target):
        return None
    dims = [None if d is UNKNOWN else d for d in target]
    if dims.count(-1) == 1:
        total = None if shape is None else _product(shape)
        rest = _product(tuple(d for d in dims if d != -1))
        dims[dims.index(-1)] = total // rest if total is not None and rest else None
    if any(d is not None and d < 0 for d in dims):
        return None
    return tuple(dims)


def _insert_axis(shape: tuple | None, axis: Any) -> tuple | None:
    if shape is None or not isinstance(axis, int) or not -len(shape) - 1 <= axis <= len(shape):
        return None
    axis %= len(shape) + 1
    return (*shape[:axis], 1, *shape[axis:])


def _squeeze(shape: tuple | None, axis: Any) -> tuple | None:
    if shape is None:
        return None
    if axis is None:
        return None if None in shape else tuple(d for d in shape if d != 1)
    if isinstance(axis, int) and -len(shape) <= axis < len(shape) and shape[axis] == 1:
        axis %= len(shape)
        return (*shape[:axis], *shape[axis + 1:])
    return None


def _dtype_family(value: Any) -> str | None:
    """``"float32"``, ``np.float32``, ``float``, ``"uint8"``... as ``float``/``int``/``bool``/``str``."""
    name = value.rpartition(".")[2] if isinstance(value, str) else getattr(value, "path", None)
    if name is None:
        return None
    name = name.rpartition(".")[2].lower()
    for family, prefixes in (("bool", ("bool",)), ("float", ("float", "half", "double")), ("int", ("int", "uint")), ("str", ("str",))):
        if name.startswith(prefixes):
            return family
    return None


def attribute(data: Data, name: str) -> Any:
    """``x.shape``, ``x.T``, ``df.values``, ``df.iloc`` (indexed like the frame itself), or a method to call."""
    from kerlint.interpret.values import BoundMethod  # values imports this module

    if name == "shape":
        return DataShape(data)
    if name == "T":
        return data.derived(shape=None if data.shape is None else data.shape[::-1])
    if name == "values":
        return data.derived(kind="array")
    if name in ("iloc", "loc"):
        return data
    if name == "ndim":
        return UNKNOWN if data.shape is None else len(data.shape)
    if name in ("dtype", "size", "columns", "index"):
        return UNKNOWN
    return BoundMethod(data, name)


def shape_item(shape: DataShape, key: Any) -> Any:
    """``x.shape[1]`` is a size when known; ``x.shape[1:]`` a tuple when every size in it is (else still a tail)."""
    dims = shape.dims
    if isinstance(key, int) and not isinstance(key, bool):
        if dims is None or not -len(dims) <= key < len(dims):
            return UNKNOWN
        size = dims[key]
        return UNKNOWN if size is None else size
    if isinstance(key, slice) and isinstance(key.start, int) and key.start >= 0 and key.stop is None and key.step is None:
        tail = DataShape(shape.data, shape.start + key.start)
        if key.start > 0 and tail.dims is not None and None not in tail.dims:
            return tail.dims
        return tail
    return UNKNOWN


NEW_AXIS = {"numpy.newaxis", "tensorflow.newaxis"}


def subscript(data: Data, key: Any) -> Any:
    """``x[0]``, ``x[:100]``, ``x[:, None]``, ``x[..., 0]``, ``np.eye(K)[y]``, ``df["col"]``, ``df[["a", "b"]]``."""
    if data.kind == "frame" and (isinstance(key, str) or isinstance(key, list) and key and all(isinstance(k, str) for k in key)):
        rows = data.shape[0] if data.shape else None
        shape = (rows,) if isinstance(key, str) else (rows, len(key))
        return data.derived(shape=shape, bounds=None, dtype=None, encoding=None)
    if isinstance(key, Data):
        return _gather(data, key)
    keys = tuple(None if getattr(k, "path", "") in NEW_AXIS else k for k in (key if isinstance(key, tuple) else (key,)))
    takes_a_sample = bool(keys) and (keys[0] is UNKNOWN or isinstance(keys[0], int) and not isinstance(keys[0], bool))
    return data.derived(shape=_index_shape(data.shape, keys), samples_first=False if takes_a_sample else data.samples_first)


def _gather(data: Data, index: Data) -> Data:
    """Indexing by an array: a boolean mask keeps some rows; integer ids pick rows (``np.eye(K)[y]`` one-hot encodes y)."""
    rest = data.shape[1:] if data.shape else None
    if index.dtype == "bool":
        return data.derived(shape=None if rest is None else (None, *rest))
    shape = None if rest is None or index.shape is None else (*index.shape, *rest)
    if data.encoding == "onehot" and data.origin == "np.eye()":
        return index.derived(shape=shape, encoding="onehot", num_classes=data.num_classes, dtype="float", bounds=(0.0, 1.0),
                             role="labels")
    return data.derived(shape=shape)


def _index_shape(shape: tuple | None, keys: tuple) -> tuple | None:
    """The shape numpy's basic indexing gives: ints drop an axis, slices keep it, None adds one, ``...`` fills."""
    if shape is None or any(k is UNKNOWN for k in keys):
        return None
    if sum(k is ... for k in keys) > 1:
        return None
    consumed = sum(1 for k in keys if k is not None and k is not ...)
    if consumed > len(shape):
        return None
    if ... in keys:
        at = keys.index(...)
        keys = (*keys[:at], *[slice(None)] * (len(shape) - consumed), *keys[at + 1:])
    result, axis = [], 0
    for key in keys:
        if key is None:
            result.append(1)
        elif isinstance(key, int) and not isinstance(key, bool):
            axis += 1
        elif isinstance(key, slice):
            size = shape[axis]
            result.append(len(range(size)[key]) if size is not None and _int_slice(key) else _open_length(key))
            axis += 1
        else:
            return None
    return (*result, *shape[axis:])


def _int_slice(key: slice) -> bool:
    return all(part is None or isinstance(part, int) and not isinstance(part, bool) for part in (key.start, key.stop, key.step))


def _open_length(key: slice) -> int | None:
    """``x[:1]`` of an array of unknown length: 1 (for any array that has a first row)."""
    start, stop = key.start or 0, key.stop
    if key.step is None and isinstance(start, int) and isinstance(stop, int) and 0 <= start < stop:
        return stop - start if start == 0 and stop == 1 else None
    return None


SCALING_OPERATORS = {"Divide", "Subtract", "Multiply", "FloorDivide"}


def binary(op_name: str, left: Any, right: Any, node: cst.CSTNode) -> Any:
    """Arithmetic with an array: broadcast shapes, carry the value range through a known number, note scaling."""
    data = left if isinstance(left, Data) else right
    other = right if data is left else left
    shape = _broadcast(data.shape, other.shape if isinstance(other, Data) else ())
    if isinstance(other, Data):
        bounds = None
    else:
        bounds = _interval(op_name, data.bounds, _number_or_none(other), data is left)
    dtype = "float" if op_name in ("Divide", "Power") or isinstance(other, float) or isinstance(other, Data) and other.dtype == "float" else data.dtype
    changes: dict[str, Any] = {"shape": shape, "bounds": bounds, "dtype": dtype, "kind": "array" if data.kind == "frame" else data.kind}
    if op_name in SCALING_OPERATORS:
        changes.update(scaled=True, scaled_at=node)
    return data.derived(**changes)


def _broadcast(left: tuple | None, right: tuple | None) -> tuple | None:
    if left is None or right is None:
        return left if right == () else None
    result = []
    for a, b in zip(reversed((1,) * (len(right) - len(left)) + left), reversed((1,) * (len(left) - len(right)) + right)):
        if a == 1 or b == 1:
            result.append(b if a == 1 else a)
        elif a is None or b is None or a == b:
            result.append(a if a is not None else b)
        else:
            return None
    return tuple(reversed(result))


def _interval(op_name: str, bounds: tuple | None, number: float | None, data_left: bool) -> tuple | None:
    """Where ``x <op> c`` (or ``c <op> x``) lies when x lies in `bounds`."""
    if bounds is None or number is None:
        return None
    low, high = bounds
    if op_name == "Add":
        return (low + number, high + number)
    if op_name == "Subtract":
        return (low - number, high - number) if data_left else (number - high, number - low)
    if op_name == "Multiply" or op_name == "Divide" and data_left and number != 0:
        factor = number if op_name == "Multiply" else 1 / number
        if factor == 0:
            return (0.0, 0.0)
        ends = (low * factor, high * factor)
        return (min(ends), max(ends))
    if op_name == "Power" and data_left and low >= 0 and number > 0:
        try:
            return (low ** number, high ** number if high < INF else INF)
        except OverflowError:
            return (low ** number, INF) if low <= 1 else None
    return None


# ------------------------------------------------------------------ preprocessors and datasets


def _preprocess(preprocessor: Preprocessor, name: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    kind, first = preprocessor.kind, args[0] if args else kwargs.get("X", kwargs.get("x", UNKNOWN))
    if name == "fit":
        return preprocessor
    if kind == "ImageDataGenerator":
        return _generator_flow(preprocessor, name, args, kwargs, node)
    if name not in ("fit_transform", "transform"):
        return UNKNOWN
    if not isinstance(first, Data):
        return UNKNOWN
    if kind in ("LabelEncoder", "OrdinalEncoder"):
        return first.derived(dtype="int", bounds=(0.0, INF), encoding="classes", role="labels", scaled=False)
    if kind in ("OneHotEncoder", "LabelBinarizer", "MultiLabelBinarizer"):
        rows = first.shape[0] if first.shape else None
        encoding = "multilabel" if kind == "MultiLabelBinarizer" else "onehot"
        return first.derived(shape=(rows, None), dtype="float", bounds=(0.0, 1.0), encoding=encoding, role="labels", scaled=False)
    bounds = None
    if kind == "MinMaxScaler":
        feature_range = preprocessor.kwargs.get("feature_range", (0, 1))
        bounds = tuple(float(v) for v in feature_range) if _dims(feature_range) is not None and len(feature_range) == 2 else None
    return scaled(first, node, bounds=bounds).derived(kind="array")


def _generator_flow(generator: Preprocessor, name: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    """``ImageDataGenerator(...).flow(x, y)`` and ``flow_from_directory``: batches, rescaled if the generator rescales."""
    options = generator.kwargs
    rescale = options.get("rescale")
    normalizes = any(options.get(key) for key in (
        "featurewise_center", "samplewise_center", "featurewise_std_normalization", "samplewise_std_normalization"))
    if name == "flow":
        x, y = _bound(kwargs, args, "x", 0, UNKNOWN), _bound(kwargs, args, "y", 1, None)
    elif name == "flow_from_directory":
        size = _dims(kwargs.get("target_size", (256, 256)))
        channels = {"grayscale": 1, "rgb": 3, "rgba": 4}.get(kwargs.get("color_mode", "rgb"))
        x = Data("flow_from_directory()", node, shape=None if size is None else (None, *size, channels), dtype="float",
                 bounds=PIXELS, encoding="pixels")
        mode = kwargs.get("class_mode", "categorical")
        y = {"categorical": Data("flow_from_directory()", node, role="labels", shape=(None, None), encoding="onehot", raw=False),
             "sparse": Data("flow_from_directory()", node, role="labels", shape=(None,), dtype="int", encoding="classes", raw=False),
             "binary": Data("flow_from_directory()", node, role="labels", shape=(None,), bounds=(0.0, 1.0), raw=False),
             None: None}.get(mode, UNKNOWN)
    else:
        return UNKNOWN
    if isinstance(x, Data) and (rescale is not None or normalizes):
        number = _number_or_none(rescale)
        bounds = _interval("Multiply", x.bounds, number, True) if number is not None and not normalizes else None
        x = x.derived(scaled=True, scaled_at=node, bounds=bounds, dtype="float")
    x = _rows_unknown(x)
    y = _rows_unknown(y)
    return Data(f"{name}()", node, kind="dataset", element=x if y is None else (x, y), batched=True, raw=False)


BATCHING = {"batch", "padded_batch"}
KEEPING = {"shuffle", "prefetch", "cache", "repeat", "take", "skip", "filter", "with_options", "apply_options", "shard"}


def _dataset_method(interp: "Interpreter", dataset: Data, name: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    if name in KEEPING:
        return dataset
    if name in BATCHING:
        if dataset.batched:
            return dataset.derived(element=None)
        element = _map_structure(dataset.element, lambda d: d.derived(shape=None if d.shape is None else (None, *d.shape)))
        return dataset.derived(element=element, batched=True)
    if name == "unbatch" and dataset.batched:
        return dataset.derived(element=_map_structure(dataset.element, _drop_first_axis), batched=False)
    if name == "map" and args:
        element = dataset.element
        parts = list(element) if isinstance(element, tuple) else [element]
        if element is None or any(p is UNKNOWN for p in parts):
            return dataset.derived(element=None)
        result = interp.call(args[0], parts, {}, node)
        if isinstance(result, list):
            result = tuple(result)
        known = isinstance(result, Data) or isinstance(result, tuple) and all(isinstance(r, Data) for r in result)
        return dataset.derived(element=result if known else None)
    return UNKNOWN
