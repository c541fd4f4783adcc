"""What confirm measures on a real, instantiated Keras model.

- Parameters per layer, trainable and non-trainable, as Keras counts them.
- FLOPs per layer: TensorFlow's profiler (``tf.compat.v1.profiler`` with
  ``ProfileOptionBuilder.float_operation()``) on the frozen inference graph at
  the batch size. Each layer's ``call`` is traced inside a name scope of its
  own (``kerlint_layer_<index>``), so every op of the frozen graph names the
  layer it belongs to. Two blind spots of the profiler are closed, as in the
  catalogue's reference (``tests/flops_profiler.py``): ``Einsum`` gets MatMul's
  convention (2 x the product of the sizes of all distinct indices), and
  XLA-compiled calls are profiled inside. Recurrent layers are traced unrolled
  (the profiler counts a loop body once); with an unknown sequence length they
  cannot be, and their FLOPs are reported as not measured, with the reason.
- Memory of one inference and one training step: the most bytes the step's
  tensors requested from TensorFlow's allocator at once, from the allocation
  events of TensorFlow's profiler (the allocator's own peak,
  ``tf.config.experimental.get_memory_info``, counts whole chunks of up to
  twice a request; it is the fallback where the profiler gives no events);
  on CPU also the process's peak resident set (``VmHWM`` after a reset through
  ``/proc/self/clear_refs``), both above what was resident before the step,
  plus the analytic figure computed from the real model (weights, gradients,
  optimizer slots, and the layer outputs of the traced graph).
- Wall time of one forward pass (median of a few, after a warm-up).

TensorFlow and Keras come in through a :class:`Backend` the caller builds
(``kerlint.confirm.worker.load_backend``): this module imports neither.
"""

from __future__ import annotations

import functools
import math
import os
import re
import statistics
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from kerlint.confirm import xplane

MARKER = "kerlint_layer_"
_MARKED = re.compile(rf"(?:^|/){MARKER}(\d+)(?:_\d+)?/")
_CALLS = ("StatefulPartitionedCall", "PartitionedCall")
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
TIMING_RUNS = 5


@dataclass
class Backend:
    """The modules measurement works with; built once per process by the worker."""

    tf: Any
    keras: Any
    np: Any
    tf_ops: Any = None  # tensorflow.python.framework.ops: the FLOPs statistics registry
    freeze: Any = None  # convert_variables_to_constants_v2
    function_def_to_graph: Any = None


class Unmeasurable(Exception):
    """A figure that cannot be measured for this model; the message says why."""


@dataclass
class LayerFigures:
    name: str
    class_name: str
    params: int | None
    trainable_params: int | None
    output_shape: str
    flops: int | None = None
    flops_note: str | None = None

    def to_json(self) -> dict:
        return {
            "name": self.name, "class": self.class_name, "params": self.params,
            "trainable_params": self.trainable_params,
            "non_trainable_params": None if self.params is None else self.params - self.trainable_params,
            "output_shape": self.output_shape, "flops": self.flops, "flops_note": self.flops_note,
        }


@dataclass
class Trace:
    """What the instrumented trace of the inference graph yields."""

    flops: int | None
    per_layer: dict[int, int]
    unattributed: int
    notes: dict[int, str]  # layer index -> why its FLOPs are not measured
    activation_bytes: int
    skipped_ops: list[str] = field(default_factory=list)


# -- parameters ------------------------------------------------------------------


def model_layers(model: Any, keras: Any) -> list:
    """``model.layers`` without the InputLayers: the rows of ``summary()``."""
    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def parameter_rows(model: Any, backend: Backend) -> list[LayerFigures]:
    rows = []
    for layer in model_layers(model, backend.keras):
        try:
            params = int(layer.count_params())
            trainable = sum(_size(w) for w in layer.trainable_weights)
        except ValueError:  # an unbuilt layer
            params = trainable = None
        rows.append(LayerFigures(layer.name, type(layer).__name__, params, trainable, _output_shape(layer)))
    return rows


def _size(weight: Any) -> int:
    return int(math.prod(int(d) for d in weight.shape))


def _bytes(weight: Any, tf: Any) -> int:
    return _size(weight) * tf.as_dtype(weight.dtype).size


def _output_shape(layer: Any) -> str:
    try:
        shape = layer.output.shape
    except Exception:  # called several times, or never
        return "multiple" if len(getattr(layer, "_inbound_nodes", ())) > 1 else "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape(s) for s in shape) + "]"
    return _shape(shape)


def _shape(shape: Any) -> str:
    dims = ["None" if d is None else str(d) for d in tuple(shape)]
    return f"({dims[0]},)" if len(dims) == 1 else f"({', '.join(dims)})"


# -- inputs ----------------------------------------------------------------------


def input_specs(model: Any, batch_size: int, backend: Backend) -> list:
    """TensorSpecs of the model's inputs at ``batch_size``; Unmeasurable when a dimension is unknown."""
    tf = backend.tf
    inputs = getattr(model, "inputs", None)
    if not inputs:
        inputs = _built_input(model, tf)
    specs = []
    for tensor in inputs:
        shape = tuple(tensor.shape)
        unknown = [i for i, d in enumerate(shape[1:], start=1) if d is None]
        if unknown:
            raise Unmeasurable(
                f"input `{getattr(tensor, 'name', '?')}` has shape {_shape(shape)}: axis {unknown[0]} is unknown, "
                "and FLOPs and memory need a fixed shape"
            )
        specs.append(tf.TensorSpec((batch_size, *shape[1:]), tf.as_dtype(tensor.dtype)))
    return specs


def _built_input(model: Any, tf: Any) -> list:
    """A subclassed model has no ``inputs``: the one input shape it was built with, as a float32 spec."""
    shapes = getattr(model, "_build_shapes_dict", None) or {}
    shape = next(iter(shapes.values())) if len(shapes) == 1 else None
    if not isinstance(shape, (tuple, list)) or not all(d is None or isinstance(d, int) for d in shape):
        raise Unmeasurable("the model has no symbolic inputs (a subclassed model not built on one input shape): "
                           "no input shape to run it with")
    return [tf.TensorSpec(tuple(shape), tf.float32, name="input")]


def pack_inputs(model: Any, flat: Sequence, backend: Backend) -> Any:
    """The flat list of input tensors in the structure the model was built with (a dict, a list...)."""
    struct = getattr(model, "_inputs_struct", None)
    if struct is not None:
        try:
            return backend.keras.tree.pack_sequence_as(struct, list(flat))
        except Exception:
            pass
    return flat[0] if len(flat) == 1 else list(flat)


def synthetic_inputs(specs: Sequence, backend: Backend) -> list:
    tf, np = backend.tf, backend.np
    rng = np.random.default_rng(0)
    values = []
    for spec in specs:
        shape = tuple(spec.shape)
        if spec.dtype.is_floating:
            values.append(tf.constant(rng.normal(size=shape).astype(spec.dtype.as_numpy_dtype)))
        elif spec.dtype == tf.string:
            values.append(tf.fill(shape, ""))
        else:  # integer ids: 0 is valid for every Embedding and lookup
            values.append(tf.zeros(shape, dtype=spec.dtype))
    return values


# -- FLOPs -----------------------------------------------------------------------


def einsum_flops(equation: str, shapes: Sequence[Sequence[int]]) -> int:
    """2 x the product of the sizes of all distinct indices of ``equation`` (MatMul's convention)."""
    inputs = equation.replace(" ", "").split("->")[0].split(",")
    sizes: dict[str, int] = {}
    for spec, shape in zip(inputs, shapes):
        if "..." in spec:
            head, tail = spec.split("...")
            spare = [c for c in _LETTERS if c not in equation]
            middle = len(shape) - len(head) - len(tail)
            spec = head + "".join(spare[middle - 1 - i] for i in range(middle)) + tail
        for label, size in zip(spec, shape):
            sizes[label] = max(sizes.get(label, 1), int(size))
    return 2 * math.prod(sizes.values())


def register_einsum(backend: Backend) -> None:
    """Give ``Einsum`` a FLOPs statistic, which TensorFlow's registry lacks."""
    tf_ops = backend.tf_ops

    def _einsum(graph, node):
        shapes = []
        for name in node.input:
            if name.startswith("^"):
                continue
            shape = graph.get_tensor_by_name(name if ":" in name else name + ":0").shape
            shape.assert_is_fully_defined()
            shapes.append(shape.as_list())
        return tf_ops.OpStats("flops", einsum_flops(node.attr["equation"].s.decode(), shapes))

    try:
        tf_ops.RegisterStatistics("Einsum", "flops")(_einsum)
    except KeyError:  # registered already (by this process or the catalogue's tests)
        pass


def trace_inference(model: Any, specs: Sequence, backend: Backend) -> Trace:
    """Freeze the model's inference graph at ``specs`` and count its FLOPs per layer with the profiler."""
    tf = backend.tf
    layers = model.layers
    outputs_bytes = [0]
    restore = _instrument(layers, outputs_bytes, tf)
    notes: dict[int, str] = {}
    unrolled = _unroll_recurrent(model, backend)
    try:
        fn = tf.function(lambda *flat: model(pack_inputs(model, flat, backend), training=False))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            concrete = fn.get_concrete_function(*specs)
            graph = backend.freeze(concrete).graph
    finally:
        restore()
        for layer, unroll in unrolled:
            layer.unroll = unroll
    counted, skipped, total = _profile(graph, backend)
    per_layer: dict[int, int] = {}
    unattributed = 0
    loops: set[int] = set()
    for _, name, flops in counted:
        match = _MARKED.search(name)
        if match is None:
            unattributed += flops
            continue
        index = int(match.group(1))
        per_layer[index] = per_layer.get(index, 0) + flops
    for op in graph.get_operations():
        match = _MARKED.search(op.name)
        if match and op.type in ("While", "StatelessWhile", "Enter", "NextIteration"):
            loops.add(int(match.group(1)))
    for index in loops:
        notes[index] = "a loop the profiler counts once (the sequence length is not fixed): not measured"
    for entry in skipped:
        match = _MARKED.search(entry)
        if match:
            notes.setdefault(int(match.group(1)), "ops without static shapes: not measured")
    attributed = sum(per_layer.values()) + unattributed
    if attributed != total:  # the profiler and the registry disagree: keep the profiler's total
        unattributed += total - attributed
    measured_total = None if notes else total
    return Trace(measured_total, per_layer, unattributed, notes, outputs_bytes[0], skipped)


def _instrument(layers: Sequence, outputs_bytes: list[int], tf: Any) -> Callable[[], None]:
    """Trace each layer's ``call`` in a name scope of its own and add up the bytes of its outputs."""
    saved = []
    for index, layer in enumerate(layers):
        original = layer.call
        had_own = "call" in vars(layer)

        def make(original, index):
            @functools.wraps(original)
            def call(*args, **kwargs):
                with tf.name_scope(f"{MARKER}{index}"):
                    result = original(*args, **kwargs)
                for tensor in tf.nest.flatten(result):
                    shape = getattr(tensor, "shape", None)
                    if shape is not None and shape.is_fully_defined():
                        outputs_bytes[0] += int(shape.num_elements()) * tensor.dtype.size
                return result

            return call

        layer.call = make(original, index)
        saved.append((layer, original, had_own))

    def restore():
        for layer, original, had_own in saved:
            if had_own:
                layer.call = original
            else:
                try:
                    del layer.call
                except AttributeError:
                    pass

    return restore


def _unroll_recurrent(model: Any, backend: Backend) -> list:
    """Set ``unroll=True`` on every recurrent layer (restored by the caller): loops count once otherwise."""
    changed = []
    rnn = getattr(backend.keras.layers, "RNN", None)
    flatten = getattr(model, "_flatten_layers", None)
    if rnn is None or flatten is None:
        return changed
    for layer in flatten(include_self=False, recursive=True):
        if isinstance(layer, rnn) and not getattr(layer, "unroll", True):
            changed.append((layer, layer.unroll))
            layer.unroll = True
    return changed


def _profile(graph: Any, backend: Backend) -> tuple[list[tuple[str, str, int]], list[str], int]:
    """(type, name, flops) of every counted op, the ops skipped for want of static shapes, and the total."""
    tf, tf_ops, function_def_to_graph = backend.tf, backend.tf_ops, backend.function_def_to_graph

    library = {f.signature.name: f for f in graph.as_graph_def().library.function}
    counted: list[tuple[str, str, int]] = []
    skipped: list[str] = []
    inner_total = 0
    for op in graph.get_operations():
        if op.type not in _CALLS or op.get_attr("f").name not in library:
            continue
        callee = function_def_to_graph(library[op.get_attr("f").name], input_shapes=[t.shape for t in op.inputs])
        sub_counted, sub_skipped, sub_total = _profile(callee, backend)
        # The callee's ops belong to the layer whose scope the call is in.
        counted += [(kind, f"{op.name}/{name}", flops) for kind, name, flops in sub_counted]
        skipped += [f"{op.name}/{entry}" for entry in sub_skipped]
        inner_total += sub_total
        for tensor, shape in zip(op.outputs, (t.shape for t in callee.outputs)):
            tensor.set_shape(shape)
    for op in graph.get_operations():
        try:
            stats = tf_ops.get_stats_for_node_def(graph, op.node_def, "flops")
        except ValueError:
            skipped.append(op.name)
            continue
        if stats.value:
            counted.append((op.type, op.name, int(stats.value)))
    builder = tf.compat.v1.profiler.ProfileOptionBuilder
    options = builder(builder.float_operation()).with_empty_output().build()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        total = tf.compat.v1.profiler.profile(graph, options=options).total_float_ops
    return counted, skipped, total + inner_total


# -- memory ----------------------------------------------------------------------


def weight_bytes(model: Any, tf: Any) -> tuple[int, int]:
    """(all weights, trainable weights) in bytes."""
    return (sum(_bytes(w, tf) for w in model.weights), sum(_bytes(w, tf) for w in model.trainable_weights))


def analytic_memory(weights: int, trainable: int, optimizer: int, activations: int) -> dict:
    """The analytic figures, from the real model: what must be resident for one inference / one training step.

    inference: the weights and every layer output of the forward pass;
    training: the weights, a gradient per trainable weight, the optimizer's
    variables, and the layer outputs (kept for the backward pass).
    """
    return {
        "inference": weights + activations,
        "training": weights + trainable + optimizer + activations,
        "weights": weights,
        "gradients": trainable,
        "optimizer": optimizer,
        "activations": activations,
    }


def device_memory(api: Any, device: str, run: Callable[[], Any]) -> int:
    """Peak bytes the device allocator held above its baseline while ``run`` ran.

    ``api`` is ``tf.config.experimental`` (``reset_memory_stats``, ``get_memory_info``).
    """
    api.reset_memory_stats(device)
    before = api.get_memory_info(device)["current"]
    run()
    return max(0, int(api.get_memory_info(device)["peak"]) - int(before))


def bfc_allocator(device: str) -> str:
    """The name TensorFlow gives the BFC allocator of ``CPU:0`` or ``GPU:n`` (in its profiler events)."""
    kind, _, index = device.partition(":")
    return f"GPU_{index}_bfc" if kind == "GPU" else "bfc_cpu_allocator_for_gpu"


def traced(backend: Backend, device: str, run: Callable[[], Any], opener: Callable = open) -> tuple[Any, int | None]:
    """``run()``'s result, and the peak bytes its tensors requested on ``device`` at once (None without a trace).

    The allocator's own peak (``device_memory``) counts whole chunks: the BFC
    allocator hands a request a free chunk of up to twice its size without
    splitting it, so that peak is up to twice what the tensors hold, and by how
    much depends on the allocator's history. TensorFlow's profiler (host tracer
    level 2) records every allocation and deallocation with the bytes requested.
    """
    profiler = backend.tf.profiler.experimental
    with tempfile.TemporaryDirectory(prefix="kerlint-trace-") as logdir:
        try:
            profiler.start(logdir, profiler.ProfilerOptions(host_tracer_level=2, python_tracer_level=0,
                                                            device_tracer_level=0))
        except Exception:  # noqa: BLE001 - no profiler here, or the model's code left one running
            return run(), None
        try:
            result = run()
        finally:
            profiler.stop()
        traces = []
        for folder, _, names in os.walk(logdir):
            for name in names:
                if name.endswith(".xplane.pb"):
                    with opener(os.path.join(folder, name), "rb") as handle:
                        traces.append(handle.read())
    if len(traces) != 1:
        return result, None
    try:
        events = xplane.allocation_events(traces[0])
    except (ValueError, IndexError):  # not the trace format this reads
        return result, None
    return result, tensor_peak(events, bfc_allocator(device))


def tensor_peak(events: Sequence[xplane.Allocation], allocator: str) -> int | None:
    """The most bytes requested by tensors allocated during a trace and alive at once; None when none were.

    ``events`` are in time order. A deallocation of a tensor allocated before
    the trace is not counted.
    """
    live: dict[Any, int] = {}
    held = peak = 0
    seen = False
    for event in events:
        if event.allocator != allocator:
            continue
        seen = True
        if event.sign > 0:
            live[event.address] = event.requested_bytes
            held += event.requested_bytes
            peak = max(peak, held)
        elif event.address in live:
            held -= live.pop(event.address)
    return peak if seen else None


def process_memory(run: Callable[[], Any], status: str = "/proc/self/status", clear_refs: str = "/proc/self/clear_refs",
                   opener: Callable = open) -> int | None:
    """Peak resident set of this process above its size before ``run`` (Linux); None where not available."""
    try:
        before = _status_kib(status, "VmRSS", opener)
        with opener(clear_refs, "w") as handle:  # "5": reset the peak (VmHWM) to the current RSS
            handle.write("5")
    except (OSError, ValueError):
        return None
    run()
    try:
        peak = _status_kib(status, "VmHWM", opener)
    except (OSError, ValueError):
        return None
    return max(0, peak - before) * 1024


def _status_kib(path: str, key: str, opener: Callable) -> int:
    with opener(path) as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise ValueError(f"{key} not in {path}")


# -- the whole measurement -------------------------------------------------------


@dataclass
class Options:
    batch_size: int = 1
    device: str = "cpu"  # "cpu" | "gpu"
    device_name: str = "CPU:0"
    memory_api: Any = None  # tf.config.experimental: get_memory_info, reset_memory_stats
    opener: Callable = open  # for /proc reads and writes (the sandbox guards builtins.open)


def measure_model(model: Any, backend: Backend, options: Options, progress: Callable[[str], None] = lambda step: None) -> dict:
    """Every figure of ``model``; a figure that cannot be measured is None with a note in ``errors``."""
    tf = backend.tf
    errors: dict[str, str] = {}
    progress("parameters")
    rows = parameter_rows(model, backend)
    result: dict[str, Any] = {
        "params": int(model.count_params()),
        "trainable_params": sum(_size(w) for w in model.trainable_weights),
        "batch_size": options.batch_size,
        "device": options.device,
        "flops": None, "unattributed_flops": None, "memory": None, "wall_time_ms": None,
        "layers": rows, "errors": errors,
    }
    try:
        specs = input_specs(model, options.batch_size, backend)
    except Unmeasurable as error:
        for figure in ("flops", "memory", "wall_time"):
            errors[figure] = str(error)
        return _finish(result)

    progress("FLOPs (tracing and freezing the inference graph)")
    trace = None
    try:
        trace = trace_inference(model, specs, backend)
    except Exception as error:  # noqa: BLE001 - report, measure the rest
        errors["flops"] = f"could not trace the inference graph: {type(error).__name__}: {_short(error)}"
    if trace is not None:
        result["flops"], result["unattributed_flops"] = trace.flops, trace.unattributed
        for index, layer in enumerate(model.layers):
            row = next((r for r in rows if r.name == layer.name), None)
            if row is None:
                continue
            row.flops = trace.per_layer.get(index, 0) if index not in trace.notes else None
            row.flops_note = trace.notes.get(index)
        if trace.notes:
            names = ", ".join(sorted({model.layers[i].name for i in trace.notes}))
            errors["flops"] = f"not measured for every layer ({names}): " + next(iter(trace.notes.values()))

    with tf.device(options.device_name):
        values = synthetic_inputs(specs, backend)
        inputs = pack_inputs(model, values, backend)
        progress("forward pass and training step")
        try:
            steps = Steps(model, inputs, backend, values)
            result["memory"] = _memory(model, steps, trace, backend, options)
            result["wall_time_ms"] = _time_forward(steps.forward, inputs)
        except Exception as error:  # noqa: BLE001
            errors["memory"] = errors["wall_time"] = f"could not run the model: {type(error).__name__}: {_short(error)}"
    return _finish(result)


def _finish(result: dict) -> dict:
    result["layers"] = [row.to_json() for row in result["layers"]]
    return result


def _sync(outputs: Any) -> None:
    for tensor in _flatten(outputs):
        if hasattr(tensor, "numpy"):
            tensor.numpy()


def _flatten(value: Any) -> list:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _flatten(v)]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in _flatten(v)]
    return [value]


def _time_forward(forward: Callable, inputs: Any) -> float:
    times = []
    for _ in range(TIMING_RUNS):
        start = time.perf_counter()
        _sync(forward(inputs))
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 3)


class Steps:
    """One inference and one training step of the model, compiled as ``predict`` and ``fit`` compile them.

    The training step minimises the mean square of the outputs with a fresh
    copy of the model's optimizer (Adam when it was not compiled): what the
    memory of a step depends on (activations kept, gradients, slots) does not
    depend on the loss.
    """

    def __init__(self, model: Any, inputs: Any, backend: Backend, flat_inputs: Sequence = ()):
        tf = backend.tf
        self.inputs = inputs
        self.flat_inputs = list(flat_inputs)
        self.optimizer = _fresh_optimizer(model, backend.keras)
        self.variables = variables = model.trainable_variables
        optimizer = self.optimizer
        self.forward = tf.function(lambda x: model(x, training=False))

        @tf.function
        def train_step(x):
            with tf.GradientTape() as tape:
                outputs = model(x, training=True)
                terms = [tf.reduce_mean(tf.square(tf.cast(o, tf.float32))) for o in tf.nest.flatten(outputs)
                         if o.dtype.is_floating]
                terms += [tf.cast(loss, tf.float32) for loss in model.losses]
                loss = tf.add_n(terms) if terms else tf.constant(0.0)
            if variables:
                grads = tape.gradient(loss, variables)
                pairs = [(g, v) for g, v in zip(grads, variables) if g is not None]
                if pairs:
                    optimizer.apply([g for g, _ in pairs], [v for _, v in pairs])
            return loss

        self.train_step = train_step

    def build_optimizer(self) -> None:
        if self.variables:
            self.optimizer.build(self.variables)

    def infer(self) -> None:
        _sync(self.forward(self.inputs))

    def train(self) -> None:
        self.train_step(self.inputs).numpy()


def _memory(model: Any, steps: Steps, trace: Trace | None, backend: Backend, options: Options) -> dict:
    """Memory of one inference and one training step: measured, process-level (CPU) and analytic.

    ``measured``: TensorFlow's allocator (on CPU the worker routes every
    allocation through the BFC allocator, ``TF_CPU_ALLOCATOR_USE_BFC``) during
    a warm step (the first one would add tracing and cuDNN's autotuning
    scratch): the most bytes the step's tensors requested at once (``traced``;
    the allocator's own peak, ``get_memory_info`` after ``reset_memory_stats``,
    only where the profiler gives no events), plus what of that belongs to this
    model (its weights, its optimizer state, the input batch) -- what a process
    holding only this model would peak at. The inference step runs before the
    optimizer exists.

    ``process`` (CPU): the process's peak RSS increase over the *first* step,
    when a real run allocates, TensorFlow's tracing and runtime buffers included.

    ``analytic``: from the real model's variables and traced layer outputs.
    """
    tf = backend.tf
    weights, trainable = weight_bytes(model, tf)
    batch = sum(int(t.shape.num_elements()) * t.dtype.size for t in steps.flat_inputs)
    api, device = options.memory_api, options.device_name
    process: dict[str, Any] = {}
    if options.device == "cpu":
        process["inference"] = process_memory(steps.infer, opener=options.opener)
    else:
        steps.infer()
    available = _allocator_available(api, device)

    def warm_step(run: Callable[[], Any]) -> tuple[int | None, int | None]:
        if not available:
            return None, None
        return traced(backend, device, lambda: device_memory(api, device, run), options.opener)

    inference, inference_tensors = warm_step(steps.infer)
    before_build = _current(api, device) if available else None
    steps.build_optimizer()
    optimizer_bytes = sum(_bytes(v, tf) for v in steps.optimizer.variables)
    slots = max(0, _current(api, device) - before_build) if available else None
    if options.device == "cpu":
        process["training"] = process_memory(steps.train, opener=options.opener)
    else:
        steps.train()
    training, training_tensors = warm_step(steps.train)
    resident = "this model's weights, optimizer state and input batch, and everything the step allocates"
    if inference_tensors is not None and training_tensors is not None:
        measured = {
            "source": f"TensorFlow allocator peak on {device} during a warm step, in the bytes its live tensors "
                      f"requested (the allocator's own peak counts whole chunks, up to twice a request): {resident}",
            "inference": weights + batch + inference_tensors,
            "training": weights + optimizer_bytes + batch + training_tensors,
        }
    else:
        measured = {
            "source": f"TensorFlow allocator peak on {device} during a warm step, in whole chunks (no allocation "
                      f"events from TensorFlow's profiler): {resident}",
            "inference": None if inference is None else weights + batch + inference,
            "training": None if training is None else weights + slots + batch + training,
        }
    figures: dict[str, Any] = {"measured": measured if available else None}
    if options.device == "cpu":
        process["source"] = "process peak RSS increase over the first step (TensorFlow's tracing and buffers included)"
        figures["process"] = process
    if trace is not None:
        figures["analytic"] = analytic_memory(weights, trainable, optimizer_bytes, trace.activation_bytes)
    return figures


def _allocator_available(api: Any, device: str) -> bool:
    if api is None:
        return False
    try:
        api.get_memory_info(device)
    except (ValueError, RuntimeError, AttributeError):
        return False
    return True


def _current(api: Any, device: str) -> int:
    return int(api.get_memory_info(device)["current"])


def _fresh_optimizer(model: Any, keras: Any) -> Any:
    """A new optimizer like the one the model was compiled with (Adam when not compiled)."""
    compiled = getattr(model, "optimizer", None)
    if compiled is not None:
        try:
            return type(compiled).from_config(compiled.get_config())
        except Exception:  # noqa: BLE001 - a custom optimizer that does not round-trip
            pass
    return keras.optimizers.Adam()


def _short(error: BaseException, limit: int = 300) -> str:
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def device_for(requested: str, gpus: Sequence[Any]) -> str:
    """``cpu`` or ``gpu`` for ``--device``: ``auto`` takes a GPU when TensorFlow sees one."""
    if requested == "gpu" and not gpus:
        raise Unmeasurable("--device gpu: TensorFlow sees no GPU (tf.config.list_physical_devices('GPU') is empty)")
    if requested == "auto":
        return "gpu" if gpus else "cpu"
    return requested


def environment(device: str) -> dict[str, str]:
    """Environment variables for the worker, set before TensorFlow is imported."""
    env = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONDONTWRITEBYTECODE": "1",
           "MPLBACKEND": "Agg", "TF_USE_LEGACY_KERAS": "0",
           # every CPU tensor through the BFC allocator, whose peak get_memory_info("CPU:0") reads
           "TF_CPU_ALLOCATOR_USE_BFC": "true"}
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    return env


__all__ = [
    "Backend", "LayerFigures", "Options", "Trace", "Unmeasurable", "analytic_memory", "bfc_allocator", "device_for",
    "device_memory", "einsum_flops", "environment", "input_specs", "measure_model", "model_layers",
    "parameter_rows", "process_memory", "register_einsum", "tensor_peak", "trace_inference", "traced",
]
