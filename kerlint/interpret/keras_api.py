"""What Keras (and the data libraries around it) do to abstract values.

Layer construction binds arguments to the catalogue signature; a layer call
infers shapes and weights through the catalogue and records a ``LayerCall``;
``Model``/``Sequential`` assemble a ``ModelGraph``; ``compile``/``fit`` leave
the facts the training-setup rules read. Data libraries (numpy, pandas,
scikit-learn, tf.data, Keras's data utilities) are handed to ``arrays.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import libcst as cst

from kerlint.graph import CompileFacts, FitFacts, InputNode, Layer, LayerCall, ModelGraph, Reason, Tensor, Unresolved, collect_calls, snake_case
from kerlint.interpret.builtins import LIBRARY, could_be_huge
from kerlint.interpret import applications, arrays, classes, op_shapes, run_time_sizes, tensor_ops
from kerlint.interpret.imports import is_keras
from kerlint.interpret.keras_helpers import HELPERS, call_helper
from kerlint.interpret.modules import FOLLOWED_KERAS
from kerlint.interpret.values import (
    UNKNOWN, ApiRef, BoundMethod, Data, DataShape, Function, LayerValue, ModelValue, Opaque, activation_name, contains_unknown, footprint
)
from kerlint.interpret.arrays import Preprocessor
from kerlint.layers import CATALOGUE, LEGACY_CLASS_NAMES
from kerlint.layers.base import LARGEST_SIZE, CannotInfer, IncompatibleShape, SpatialCollapse, LayerConfig, LayerSpec, within_limits
from kerlint.symbolic import concrete

if TYPE_CHECKING:
    from kerlint.interpret.interpreter import Interpreter

MERGE_FUNCTIONS = {
    "concatenate": "Concatenate",
    "add": "Add",
    "subtract": "Subtract",
    "multiply": "Multiply",
    "average": "Average",
    "maximum": "Maximum",
    "minimum": "Minimum",
    "dot": "Dot",
}
BACKEND_DEFAULTS = {
    "image_data_format": "channels_last", "image_dim_ordering": "tf", "floatx": "float32", "backend": "tensorflow", "epsilon": 1e-7,
}
"""What Keras's global configuration returns unless the user changed it (keras.json); see README."""
TENSOR_FUNCTION_MODULES = ("keras.ops.", "keras.activations.", "keras.backend.")
MODEL_CLASSES = {"Model", "Functional"}
INPUT_SHAPE_KWARGS = ("input_shape", "batch_input_shape", "input_dim", "batch_shape", "shape")
COMPILE_SIGNATURE = ("optimizer", "loss", "loss_weights", "metrics")
FIT_SIGNATURE = ("x", "y", "batch_size", "epochs", "verbose", "callbacks", "validation_split", "validation_data")


def is_model_api(ref: ApiRef) -> bool:
    return is_keras(ref.path) and (ref.leaf in MODEL_CLASSES or ref.leaf == "Sequential" or layer_spec(ref.leaf) is not None)


def is_layer_class(value: Any) -> bool:
    """``keras.layers.Layer`` or a catalogue layer class: what a custom layer subclasses."""
    return isinstance(value, ApiRef) and is_keras(value.path) and (value.leaf == "Layer" or layer_spec(value.leaf) is not None)


def layer_spec(class_name: str) -> LayerSpec | None:
    return CATALOGUE.get(class_name) or CATALOGUE.get(LEGACY_CLASS_NAMES.get(class_name, ""))


# ------------------------------------------------------------------ dispatch


def call(interp: "Interpreter", function: Any, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    if isinstance(function, LayerValue):
        return call_layer(interp, function.layer, args, kwargs, node)
    if isinstance(function, ModelValue):
        return classes.call_model(interp, function, args, kwargs, node)
    if isinstance(function, classes.ClassValue):
        return classes.instantiate(interp, function, args, kwargs, node)
    if isinstance(function, classes.Instance):
        if function.layer is not None:
            return classes.call_instance(interp, function, args, kwargs, node)
        dunder = classes.method(function, "__call__")
        return classes.call_method(interp, dunder, args, kwargs, node) if isinstance(dunder, classes.Method) else UNKNOWN
    if isinstance(function, classes.Method):
        return classes.call_method(interp, function, args, kwargs, node)
    if isinstance(function, classes.KerasBaseMethod):
        return classes.keras_base_method(interp, function, args, kwargs, node)
    if isinstance(function, BoundMethod):
        return call_method(interp, function, args, kwargs, node)
    if isinstance(function, ApiRef):
        return call_api(interp, function, args, kwargs, node)
    return UNKNOWN


def call_api(interp: "Interpreter", ref: ApiRef, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    path = ref.path
    if path in LIBRARY:
        return LIBRARY[path].call(interp, args, kwargs)
    if is_keras(path):
        return call_keras(interp, ref, args, kwargs, node)
    if path.startswith("tensorflow.") and (op_shapes.spelling(path) is not None or _has_tensor(args, kwargs)):
        return tensor_ops.call(interp, path, args, kwargs, node)
    if path == "tensorflow.train.Checkpoint":
        return Opaque("checkpoint", tuple(args), kwargs)
    value = op_shapes.numpy_value(path, args, kwargs)  # np.prod(shape), np.sqrt(d): numbers, not arrays
    if value is not UNKNOWN:
        return value
    if path.startswith(arrays.LIBRARIES):
        return arrays.call(interp, path, args, kwargs, node)
    return UNKNOWN


def call_keras(interp: "Interpreter", ref: ApiRef, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    path, leaf = ref.path, ref.leaf
    if path in HELPERS:
        return call_helper(path, args, kwargs)
    if path.startswith(FOLLOWED_KERAS):
        return applications.call(interp, ref, args, kwargs, node)
    if op_shapes.spelling(path) is not None or path.startswith(TENSOR_FUNCTION_MODULES) and _has_tensor(args, kwargs):
        return tensor_ops.call(interp, path, args, kwargs, node)
    if leaf in BACKEND_DEFAULTS and (".backend" in path or ".config" in path):
        return BACKEND_DEFAULTS[leaf]
    if leaf == "Input":
        return make_input(interp, args, kwargs, node)
    if leaf == "Sequential":
        return make_sequential(interp, args, kwargs, node)
    if leaf in MODEL_CLASSES:
        return make_functional(interp, args, kwargs, node)
    if leaf in MERGE_FUNCTIONS and ".layers" in path:
        inputs = args[0] if args else kwargs.pop("inputs", UNKNOWN)
        layer = construct_layer(interp, MERGE_FUNCTIONS[leaf], args[1:], kwargs, node)
        return call_layer(interp, layer.layer, [inputs], {}, node)
    if leaf == "VersionAwareLayers":
        return ApiRef("keras.layers")  # tf_keras's applications: `layers = VersionAwareLayers()`, then `layers.Conv2D`
    if leaf == "Lambda" and ".layers" in path:
        bound = dict(zip(("function", "output_shape", "mask", "arguments"), args)) | kwargs
        return construct_layer(interp, leaf, [], bound, node)
    if layer_spec(leaf) is not None or (".layers." in path and leaf[:1].isupper()):
        return construct_layer(interp, leaf, args, kwargs, node)
    if ".datasets." in path and leaf == "load_data":
        return arrays.load_dataset(interp, path, node)
    if leaf in arrays.KERAS_FUNCTIONS:
        return arrays.call_keras(interp, path, args, kwargs, node)
    for family in ("optimizers", "losses", "callbacks", "regularizers"):
        if f".{family}." in path:
            return Opaque(f"{family}:{leaf}", tuple(args), kwargs)
    return UNKNOWN


# -------------------------------------------------------------------- layers


LEGACY_SIGNATURES = {
    "Convolution1D": ("filters", "filter_length"),
    "Convolution2D": ("filters", "nb_row", "nb_col"),
    "Convolution3D": ("filters", "kernel_dim1", "kernel_dim2", "kernel_dim3"),
}
"""Keras 1 positional orders: ``Convolution2D(32, 3, 3)`` means a 3x3 kernel, not strides 3."""
LEGACY_KERNEL_ARGUMENTS = ("filter_length", "nb_row", "nb_col", "kernel_dim1", "kernel_dim2", "kernel_dim3")


def fold_legacy_kernel(values: dict[str, Any]) -> None:
    """Keras 1 gave kernel sizes one argument per axis; Keras 3 wants one ``kernel_size``."""
    sizes = [values.pop(key) for key in LEGACY_KERNEL_ARGUMENTS if key in values]
    if sizes:
        values["kernel_size"] = sizes[0] if len(sizes) == 1 else tuple(sizes)


def construct_layer(interp: "Interpreter", class_name: str, args: list, kwargs: dict, node: cst.CSTNode) -> LayerValue:
    spec, values = bind_arguments(interp, class_name, args, kwargs, node)
    canonical_name = spec.class_name if spec is not None else class_name
    name = interp.name_new(values.get("name"), snake_case(canonical_name))
    layer = Layer(canonical_name, spec, LayerConfig(values), name, node, cause=interp.cause_since(interp.call_causes))
    if spec is not None:
        parameters = positional_parameters(spec, class_name, args)
        layer.symbolic_arguments = run_time_sizes.arguments(interp, parameters, spec.aliases, args, kwargs, node)
    if "trainable" in values:  # ``Dense(8, trainable=False)``: a base-layer argument, as the attribute
        layer.trainable = values["trainable"] if isinstance(values["trainable"], bool) else None
    return LayerValue(layer)


def positional_parameters(spec: LayerSpec, class_name: str, args: list) -> tuple[str, ...]:
    """The parameters positional arguments bind to: Keras 3's order, or Keras 1's for its spellings."""
    return LEGACY_SIGNATURES[class_name] if class_name in LEGACY_SIGNATURES and len(args) > 1 else spec.signature


def bind_arguments(interp: "Interpreter", class_name: str, args: list, kwargs: dict, node: cst.CSTNode) -> tuple[LayerSpec | None, dict]:
    """A layer class's constructor arguments bound to the catalogue signature, defaults filled (nothing is named or built)."""
    spec = layer_spec(class_name)
    values: dict[str, Any] = dict(spec.defaults) if spec is not None else {}
    signature = positional_parameters(spec, class_name, args) if spec is not None else ()
    for name, value in zip(signature, args):
        values[name] = value
    if spec is not None and len(args) > len(signature):
        interp.note(node, f"{class_name} takes at most {len(signature)} positional arguments here")
    for key, value in kwargs.items():
        values[spec.aliases.get(key, key) if spec is not None else key] = value
    fold_legacy_kernel(values)
    if "activation" in values:
        values["activation"] = activation_name(values["activation"])
    for key in ("layer", "backward_layer"):
        if isinstance(values.get(key), LayerValue):
            values[key] = values[key].layer  # wrappers: the catalogue reads .spec and .config
    return spec, values


FIRST_CALL_ARGUMENTS = ("inputs", "query", "sequences")
"""What catalogue layers' ``call`` names its first argument, given by keyword (``mha(query=q, value=v)``, an RNN's ``sequences``)."""


def call_layer(interp: "Interpreter", layer: Layer, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    if not args:
        args = [next((kwargs.pop(name) for name in FIRST_CALL_ARGUMENTS if name in kwargs), UNKNOWN)]
    first = args[0]
    tensors = flatten_tensors(first)
    if tensors is None:
        return UNKNOWN
    if layer.class_name == "Lambda":
        return classes.call_lambda(interp, layer, first, node)
    more = tensors_in([args[1:], kwargs]) if len(args) > 1 or kwargs else []
    call = LayerCall(layer, tensors + more, node)  # ``mha(q, v, key=k)`` reads all three
    layer.calls.append(call)
    interp.register_call(call)
    outputs = infer_outputs(interp, layer, call, first, args[1:], kwargs)
    if isinstance(outputs, list):
        call.outputs = [Tensor(shape, call, i) for i, shape in enumerate(outputs)]
        return list(call.outputs)
    call.outputs = [Tensor(outputs, call)]
    return call.outputs[0]


def infer_outputs(interp: "Interpreter", layer: Layer, call: LayerCall, first: Any, more_args: list, kwargs: dict) -> Any:
    """Output shape(s) of one call; records weights on the first call and conflicts on later ones."""
    spec = layer.spec
    if spec is None:
        call.unresolved = f"`{layer.class_name}` is not in kerlint's layer catalogue"
        return None
    shapes = shape_tree(first)
    extra = {}
    for name, value in zip(spec.call_args, more_args):
        kwargs.setdefault(name, value)
    for name in spec.call_args:
        if name in kwargs and kwargs[name] is not None:
            extra[name] = shape_tree(kwargs[name])
    if shapes is None or any(v is None for v in extra.values()):
        call.unresolved = f"input shape of `{layer.name}` is not statically known"
        return None
    earlier = next((c for c in layer.calls if c is not call and c.error is None and c.shared_conflict is None and not c.unresolved), None)
    try:
        tensors = {name: kwargs[name] for name in extra}
        inference = run_time_sizes.infer(interp, layer, call, first, tensors) or spec.infer(layer.config, shapes, extra)
    except IncompatibleShape as error:
        call.error = str(error)
        call.collapse = isinstance(error, SpatialCollapse)
        call.shared_conflict = earlier if layer.weights is not None else None
        return None
    except CannotInfer as reason:
        call.unresolved = interp.with_cause(f"{layer.describe()} `{layer.name}`: {reason}", layer.cause)
        return None
    if inference.too_large():
        call.unresolved = f"{layer.describe()} `{layer.name}`: a tensor, weight or FLOP count past {LARGEST_SIZE:.0e}, far beyond any model"
        return None
    if layer.weights is None:
        layer.weights = inference.weights  # None while they depend on sizes known only at run time
    elif inference.weights is not None and [w.shape for w in inference.weights] != [w.shape for w in layer.weights]:
        call.shared_conflict = earlier
        call.error = f"`{layer.name}` was built for other input shapes"
    call.flops = inference.flops
    return inference.outputs


def flatten_tensors(value: Any) -> list[Tensor] | None:
    if isinstance(value, Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        items = [flatten_tensors(v) for v in value]
        if any(i is None for i in items):
            return None
        return [t for group in items for t in group]
    if isinstance(value, dict):
        return flatten_tensors(list(value.values()))
    return None


def tensors_in(value: Any) -> list[Tensor]:
    """Every tensor inside `value` (arguments of a call: nested lists, tuples and dicts), in order; other values skipped."""
    if footprint(value) is None:  # a huge or self-containing argument: not worth a walk
        return []
    found, pending = [], [value]
    while pending:
        item = pending.pop()
        if isinstance(item, Tensor):
            found.append(item)
        elif isinstance(item, (list, tuple, dict)):
            pending.extend(reversed(list(item.values()) if isinstance(item, dict) else item))
    return found


def shape_tree(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.shape
    if isinstance(value, (list, tuple)):
        shapes = [shape_tree(v) for v in value]
        return None if any(s is None for s in shapes) else shapes
    return None


def known_shape(value: Any) -> tuple | None:
    """A shape argument as a tuple of ints/None, or None when not known or past the catalogue's limits."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if isinstance(value, (tuple, list)) and all(v is None or (isinstance(v, int) and not isinstance(v, bool)) for v in value):
        return tuple(value) if within_limits(value) else None
    return None


# -------------------------------------------------------------------- models


def make_input(interp: "Interpreter", args: list, kwargs: dict, node: cst.CSTNode) -> Tensor:
    bound = dict(zip(("shape", "batch_size", "dtype"), args)) | kwargs
    shape = input_shape_from(bound)
    symbolic = None if shape is not None else run_time_sizes.input_shape(interp, args, kwargs, node)
    shape = shape if symbolic is None else concrete(symbolic)
    name = interp.name_new(bound.get("name"), "input_layer")
    producer = InputNode(
        name, node, shape, shape_from_data=samples_in_shape(bound), dtype=bound.get("dtype"), symbolic_shapes=None if symbolic is None else [symbolic]
    )
    interp.inputs.append(producer)
    return Tensor(shape, producer)


def samples_in_shape(config: dict) -> Data | None:
    """The data whose whole ``.shape``, sample count included, was given as an input shape."""
    for key in ("shape", "input_shape"):
        value = config.get(key)
        if isinstance(value, DataShape) and value.start == 0 and value.data.samples_first is not False:
            return value.data
    return None


def input_shape_from(config: dict) -> tuple | None:
    """The batch-inclusive input shape a layer or ``Input`` declares, if any.

    A key set to None counts as absent: catalogue defaults fill ``InputLayer``'s
    ``batch_shape=None`` next to the ``shape`` the code gave.
    """
    batch = config.get("batch_size")
    batch = batch if isinstance(batch, int) else None
    for key in ("batch_shape", "batch_input_shape"):
        if config.get(key) is not None:
            return known_shape(config[key])
    for key in ("shape", "input_shape", "input_dim"):
        if config.get(key) is not None:
            shape = known_shape(config[key])
            return None if shape is None else (batch, *shape)
    return None


def input_declaration(layer: Layer) -> dict:
    """The base-layer kwargs (``input_shape=``, ``input_dim=``...) a layer was given.

    A layer's own argument of the same name is not one: Embedding's
    ``input_dim`` is its vocabulary size.
    """
    own = () if layer.class_name == "InputLayer" or layer.spec is None else layer.spec.signature
    keys = (*INPUT_SHAPE_KWARGS, "batch_size")
    return {key: layer.config.raw(key) for key in keys if key not in own and layer.config.raw(key) is not None}


def declares_input(layer: Layer) -> bool:
    return any(key in input_declaration(layer) for key in INPUT_SHAPE_KWARGS)


def new_model(interp: "Interpreter", kind: str, name: Any, node: cst.CSTNode) -> ModelGraph:
    if not isinstance(name, str):
        name = interp.auto_name(kind)
    return ModelGraph(name, kind, node, interp.entry_point, inputs=[], outputs=[], calls=[])


def make_functional(interp: "Interpreter", args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    bound = dict(zip(("inputs", "outputs", "name"), args)) | kwargs
    inputs = bound.get("inputs", bound.get("input", UNKNOWN))
    outputs = bound.get("outputs", bound.get("output", UNKNOWN))
    graph = new_model(interp, "functional", bound.get("name"), node)
    model = ModelValue(graph)
    interp.register_model(model)
    since = interp.call_causes
    connect_functional(graph, inputs, outputs, node, lambda which: unevaluated(interp, node, which, bound.get(which), since))
    return model


def connect_functional(
    graph: ModelGraph, inputs: Any, outputs: Any, node: cst.CSTNode, reason: Callable[[str], str | Reason] = "the model's {} could not be evaluated".format
) -> None:
    """The functional model's graph: the calls between its inputs and outputs (also a Model subclass built this way);
    `reason` says why its "inputs" or "outputs" are not tensors (`unevaluated`)."""
    graph.kind = "functional"
    input_tensors = flatten_tensors(inputs)
    output_tensors = flatten_tensors(outputs)
    if input_tensors is None or output_tensors is None:
        graph.notes.append(Unresolved(node, reason("inputs" if input_tensors is None else "outputs")))
        return
    graph.inputs, graph.outputs = input_tensors, output_tensors
    graph.calls, _ = collect_calls(output_tensors)


def unevaluated(interp: "Interpreter", node: cst.CSTNode, which: str, value: Any, since: int) -> str | Reason:
    """Why ``keras.Model(inputs, outputs)``'s `which` argument (its `value`) holds no tensors: the expression, and the
    first cause recorded since the call began (`Interpreter.because`)."""
    position = ("inputs", "outputs").index(which)
    expression = call_argument(node, position, (which, which[:-1]))
    shown = "" if expression is None else f" (`{interp.source_text(expression)}`)"
    cause = interp.cause_since(since)
    if cause is None and value is not None and value is not UNKNOWN:
        shown += ": not a tensor or a structure of tensors"
    return interp.with_cause(f"the model's {which} could not be evaluated{shown}", cause)


def call_argument(node: cst.CSTNode, position: int, keywords: tuple[str, ...]) -> cst.BaseExpression | None:
    """The expression a call passed as its `position`-th argument or by one of these `keywords`, if it is written so."""
    if type(node) is not cst.Call:
        return None
    positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
    named = [arg.value for arg in node.args if arg.keyword is not None and arg.keyword.value in keywords]
    return named[0] if named else positional[position] if position < len(positional) else None


def make_sequential(interp: "Interpreter", args: list, kwargs: dict, node: cst.CSTNode) -> ModelValue:
    bound = dict(zip(("layers", "trainable", "name"), args)) | kwargs
    graph = new_model(interp, "sequential", bound.get("name"), node)
    graph.sequence = []
    model = ModelValue(graph, undecided=interp.undecided)
    interp.register_model(model)
    since = interp.call_causes
    layers = bound.get("layers")
    if layers is UNKNOWN:
        expression = call_argument(node, 0, ("layers",))
        shown = "" if expression is None else f" (`{interp.source_text(expression)}`)"
        graph.notes.append(Unresolved(node, interp.because(f"the list of layers could not be evaluated{shown}", since)))
    elif isinstance(layers, (list, tuple)):
        for item in layers:
            sequential_add(interp, model, item, node, since)
    refresh_sequential(model)
    return model


def sequential_add(interp: "Interpreter", model: ModelValue, item: Any, node: cst.CSTNode, since: int | None = None) -> None:
    """``model.add(item)``; `since` (default: the running call's) is where the causes of an unknown item start."""
    graph = model.graph
    if isinstance(item, Tensor) and isinstance(item.producer, InputNode) and model.head is None:
        model.head = item
        graph.inputs = [item]
        return
    if isinstance(item, ModelValue):
        item = LayerValue(classes.model_layer(item))  # one layer of this model, as in Keras's ``model.layers``
    elif isinstance(item, classes.Instance) and item.layer is not None:
        item = LayerValue(item.layer)  # a custom layer or subclassed model
    if not isinstance(item, LayerValue):
        why = interp.because("Sequential model contains a layer that could not be evaluated", interp.call_causes if since is None else since)
        graph.notes.append(Unresolved(node, why))
        model.head = None
        return
    layer = item.layer
    if model.head is None and not model.graph.sequence and declares_input(layer):
        declaration = input_declaration(layer)
        shape = input_shape_from(declaration)
        symbolic = None if shape is not None else run_time_sizes.declared_input({k: layer.symbolic_arguments[k] for k in declaration if k in layer.symbolic_arguments})
        shape = shape if symbolic is None else concrete(symbolic)
        source = samples_in_shape(declaration)
        model.head = Tensor(shape, InputNode(interp.auto_name("input_layer"), layer.node, shape, source, symbolic_shapes=None if symbolic is None else [symbolic]))
        graph.inputs = [model.head]
        if layer.class_name == "InputLayer":
            return
    inner = layer.inner_model
    if model.head is None and not model.graph.sequence and inner is not None and inner.kind != "subclassed" and len(inner.inputs) == 1:
        # a built model first (a backbone, a built Sequential): Keras builds the Sequential on its ``input_shape``
        model.head = Tensor(inner.inputs[0].shape, InputNode(interp.auto_name("input_layer"), node, inner.inputs[0].shape))
        graph.inputs = [model.head]
    model.graph.sequence.append(layer)
    if model.head is not None:
        if layer.nested is not None:
            output = call(interp, layer.nested, [model.head], {}, node)
        else:
            output = call_layer(interp, layer, [model.head], {}, layer.node)
        model.head = output if isinstance(output, Tensor) else None
        if model.head is None:
            graph.notes.append(Unresolved(layer.node, f"`{layer.name}` has several outputs; a Sequential model needs one"))


def sequential_changed_undecided(model: ModelValue, name: str, node: cst.CSTNode) -> Any:
    """``model.add(...)`` under a condition kerlint cannot decide, on a model made before it: both paths run,
    so following it would stack both paths' layers. The model stops there, unresolved, never a guessed total."""
    if model.head is not None or model.graph.sequence:
        model.head = None
        model.graph.notes.append(Unresolved(node, f"`{model.graph.name}.{name}(...)` under a condition kerlint cannot decide: the layers from there on are not known"))
        refresh_sequential(model)
    return UNKNOWN if name == "pop" else None


def sequential_pop(model: ModelValue, node: cst.CSTNode) -> LayerValue:
    """``model.pop()``: the last layer leaves and the model ends where it ended before that layer (a head swap)."""
    layer = model.graph.sequence.pop()
    producer = model.head.producer if model.head is not None else None
    if isinstance(producer, LayerCall) and producer.layer is layer and len(producer.inputs) == 1:
        model.head = producer.inputs[0]
    elif model.head is not None:
        model.head = None
        model.graph.notes.append(Unresolved(node, f"`{model.graph.name}.pop()`: the output before `{layer.name}` is not known"))
    refresh_sequential(model)
    return LayerValue(layer)


def refresh_sequential(model: ModelValue) -> None:
    graph = model.graph
    if model.head is not None:
        graph.outputs = [model.head]
        graph.calls, _ = collect_calls(graph.outputs)
        graph.notes = [n for n in graph.notes if not n.says("Sequential model has no input shape")]
    elif graph.inputs:  # the chain was lost at a layer kerlint could not evaluate: no output is known any more
        graph.outputs, graph.calls = [], []
    elif model.graph.sequence:
        graph.outputs, graph.calls = [], []
        note = "Sequential model has no input shape: Keras cannot count its parameters until it is built"
        if not any(n.says("Sequential model has no input shape") for n in graph.notes):
            graph.notes.append(Unresolved(graph.node, note))


def build_sequential(interp: "Interpreter", model: ModelValue, shape: Any, node: cst.CSTNode, input_tensor: Tensor | None = None) -> None:
    """``model.build(shape)``, or a first call on ``input_tensor``: replay the layers on an input."""
    batch_shape = known_shape(shape)
    if batch_shape is None and shape is not None and input_tensor is None and not model.graph.inputs:
        why = interp.because(f"the input shape of `{interp.source_text(node)}` could not be evaluated", interp.call_causes)
        model.graph.notes.append(Unresolved(node, why))
    if batch_shape is None or model.head is not None or model.graph.inputs:
        return
    layers = list(model.graph.sequence)
    model.graph.sequence.clear()
    model.head = input_tensor or Tensor(batch_shape, InputNode(interp.auto_name("input_layer"), node, batch_shape))
    model.graph.inputs = [model.head]
    for layer in layers:
        sequential_add(interp, model, LayerValue(layer), node)


# ----------------------------------------------------------------- methods


def call_method(interp: "Interpreter", method: BoundMethod, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    receiver, name = method.receiver, method.name
    if isinstance(receiver, ModelValue):
        return model_method(interp, receiver, name, args, kwargs, node)
    if isinstance(receiver, (Data, Preprocessor)):
        return arrays.method(interp, receiver, name, args, kwargs, node)
    if isinstance(receiver, Opaque) and receiver.kind == "checkpoint" and name in ("restore", "read"):
        for value in (*receiver.args, *receiver.kwargs.values()):
            if isinstance(value, ModelValue):
                load_weights(value, node)
        return UNKNOWN
    if isinstance(receiver, (Tensor, op_shapes.StaticShape)):
        return tensor_ops.method(receiver, name, args, kwargs)
    if isinstance(receiver, (list, dict, tuple, str)):
        return native_method(receiver, name, args, kwargs)
    if isinstance(receiver, LayerValue) and receiver.layer.spec is not None and name == "build":
        return classes.build_catalogue_layer(receiver.layer, args[0] if args else kwargs.get("input_shape"))
    if isinstance(receiver, LayerValue) and receiver.layer.spec is not None and name in receiver.layer.spec.methods:
        try:  # answered from the layer's configuration: `lookup.vocabulary_size()` of a literal vocabulary
            return receiver.layer.spec.methods[name](receiver.layer.config)
        except CannotInfer:
            return UNKNOWN
    return UNKNOWN


def model_method(interp: "Interpreter", model: ModelValue, name: str, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    if name in ("add", "pop") and model.graph.sequence is not None and interp.undecided > model.undecided:
        return sequential_changed_undecided(model, name, node)
    if name == "add" and model.graph.sequence is not None and args:
        sequential_add(interp, model, args[0], node)
        refresh_sequential(model)
        return None
    if name == "pop" and model.graph.sequence:
        return sequential_pop(model, node)
    if name == "build" and model.graph.sequence is not None:
        build_sequential(interp, model, args[0] if args else kwargs.get("input_shape"), node)
        refresh_sequential(model)
        return None
    if name == "compile":
        bound = dict(zip(COMPILE_SIGNATURE, args)) | kwargs
        model.compiles.append(CompileFacts(node, bound.get("loss"), bound.get("optimizer", "rmsprop"), bound.get("metrics")))
        return None
    if name in arrays.DATA_METHODS:
        arrays.record_use(interp, model.graph, name, args, kwargs, node)
    if name in ("fit", "fit_generator", "train_on_batch"):
        bound = dict(zip(FIT_SIGNATURE, args)) | kwargs
        x, y = bound.pop("x", UNKNOWN), bound.pop("y", UNKNOWN)
        if isinstance(x, Data) and x.kind == "dataset":
            x, y = arrays.dataset_parts(x)
        model.fits.append(FitFacts(node, x, y, bound))
        return UNKNOWN
    if name in ("load_weights", "set_weights"):
        load_weights(model, node)
    if name == "get_layer":
        return get_layer(model, args, kwargs)
    return UNKNOWN


def load_weights(model: ModelValue, node: cst.CSTNode) -> None:
    """Record where trained weights first go into `model` (its architecture is then fixed by them)."""
    if model.graph.weights_loaded is None:
        model.graph.weights_loaded = node


_NATIVE_METHODS = {
    list: {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "copy", "index", "count"},
    dict: {"get", "items", "keys", "values", "update", "copy", "setdefault", "pop", "popitem", "clear"},
    str: {"format", "join", "upper", "lower", "replace", "split", "startswith", "endswith", "strip", "title", "capitalize"},
    tuple: {"index", "count"},  # a set is a tuple of its items: its `add`, `discard`... make it unknown
}
_MUTATING = {"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse", "update", "setdefault", "popitem"}


class ReceiverChanged(Exception):
    """A list or dict method may have changed its receiver in a way kerlint cannot follow
    (``names.remove(label)`` with an unknown item): the names bound to it become unknown, never stale."""

    def __init__(self, receiver: list | dict | tuple):
        super().__init__()
        self.receiver = receiver


def native_method(receiver: Any, name: str, args: list, kwargs: dict) -> Any:
    if name not in _NATIVE_METHODS.get(type(receiver), ()):
        if isinstance(receiver, str):
            return UNKNOWN
        raise ReceiverChanged(receiver)
    if isinstance(receiver, str) and (contains_unknown(args) or contains_unknown(kwargs)):
        return UNKNOWN
    try:
        if could_be_huge(receiver, args, kwargs):
            raise OverflowError
        result = getattr(receiver, name)(*args, **kwargs)
    except Exception:  # wrong types, a missing item, an unknown compared: Python may or may not have raised
        if name in _MUTATING:
            raise ReceiverChanged(receiver) from None
        return UNKNOWN
    if isinstance(receiver, dict) and name in ("items", "keys", "values"):
        return list(result)
    return result


def attribute(interp: "Interpreter", base: Any, name: str, node: cst.CSTNode) -> Any:
    if isinstance(base, (Tensor, op_shapes.StaticShape)):
        return tensor_ops.attribute(base, name)
    if isinstance(base, LayerValue):
        layer = base.layer
        if name == "name":
            return layer.name
        if name == "output" and layer.calls and len(layer.calls[-1].outputs) == 1:
            return layer.calls[-1].outputs[0]
        return BoundMethod(base, name)
    if isinstance(base, ModelValue):
        return model_attribute(base, name)
    if isinstance(base, classes.Instance):
        value = instance_attribute(base, name)
        if isinstance(value, classes.Method) and classes.is_property(value):
            return classes.call_method(interp, value, [], {}, node)  # ``cfg.num_classes`` of a ``@property``
        return value
    if isinstance(base, classes.Super):
        return classes.super_attribute(base, name)
    if isinstance(base, Data):
        return arrays.attribute(base, name)
    if isinstance(base, (Opaque, Preprocessor, list, dict, tuple, str)):
        return BoundMethod(base, name)
    if isinstance(base, Function):
        return UNKNOWN
    return UNKNOWN


def instance_attribute(instance: "classes.Instance", name: str) -> Any:
    """Instance attributes, then the class's, then what the Keras base class provides."""
    if name in instance.attrs:
        return instance.attrs[name]
    if name == "build" and instance.layer is not None:
        # Keras wraps ``build``: it runs once (then the layer is built); for a model kerlint then follows ``call``.
        return classes.KerasBaseMethod(instance, name)
    found = classes.method(instance, name)
    if found is not None:
        return found
    if instance.layer is not None and name == "name":
        return instance.layer.name
    if instance.base is not None and name in instance.base.config:  # ``self.units`` of a Dense subclass
        return instance.base.config.raw(name)
    if instance.model is not None and name != "add_weight":
        return model_attribute(instance.model, name)
    if instance.layer is not None:
        return classes.KerasBaseMethod(instance, name)
    return UNKNOWN


def model_attribute(model: ModelValue, name: str) -> Any:
    graph = model.graph
    if name == "name":
        return graph.name
    if name == "layers":
        return model_layers(graph)
    if name in ("output", "input"):
        tensors = graph.outputs if name == "output" else graph.inputs
        return tensors[0] if len(tensors) == 1 else list(tensors) if tensors else UNKNOWN
    if name in ("outputs", "inputs"):
        return list(graph.outputs if name == "outputs" else graph.inputs) or UNKNOWN
    return BoundMethod(model, name)


def model_layers(graph: ModelGraph) -> list[LayerValue]:
    """``model.layers``: a functional model's begins with its ``InputLayer``s, as in Keras 3 (a Sequential's does not);
    a subclassed model's are its attributes' layers in the order they were set."""
    inputs = [t for t in graph.inputs if isinstance(t.producer, InputNode)] if graph.kind == "functional" else []
    layers = graph.tracked if graph.kind == "subclassed" and graph.tracked is not None else graph.layers
    return [_input_layer(tensor) for tensor in inputs] + [LayerValue(layer) for layer in layers]


def _input_layer(tensor: Tensor) -> LayerValue:
    """The ``InputLayer`` behind a functional model's input: weightless, its ``output`` the input tensor."""
    node = tensor.producer
    layer = Layer("InputLayer", layer_spec("InputLayer"), LayerConfig({}), node.name, node.node, weights=[])
    layer.calls.append(LayerCall(layer, [], node.node, outputs=[tensor]))
    return LayerValue(layer)


def get_layer(model: ModelValue, args: list, kwargs: dict) -> Any:
    """``model.get_layer(name)`` or ``model.get_layer(index=i)`` (an index counts the InputLayers, as ``model.layers``)."""
    bound = dict(zip(("name", "index"), args)) | kwargs
    layers = model_layers(model.graph)
    index = bound.get("index")
    if isinstance(index, int) and not isinstance(index, bool):
        return layers[index] if -len(layers) <= index < len(layers) else UNKNOWN
    name = bound.get("name")
    return next((value for value in layers if value.layer.name == name), UNKNOWN) if isinstance(name, str) else UNKNOWN


def set_trainable(interp: "Interpreter", owner: LayerValue | ModelValue, value: Any) -> None:
    """``layer.trainable = flag`` or ``model.trainable = flag``: weights move to non-trainable and back as in Keras.

    A flag not statically known, or set on one path of a branch kerlint cannot decide, leaves the split unknown.
    """
    if not isinstance(value, bool) or interp.undecided:
        value = None
    if isinstance(owner, ModelValue):
        owner.graph.set_trainable(value)
        if owner.as_layer is not None:
            owner.as_layer.trainable = value
    else:
        owner.layer.set_trainable(value)


# ------------------------------------------------------------------- helpers


def _has_tensor(args: list, kwargs: dict) -> bool:
    return any(isinstance(value, Tensor) for value in _walk([*args, *kwargs.values()]))


def _walk(values: list) -> list:
    flat = []
    for value in values:
        flat.extend(_walk(list(value)) if isinstance(value, (list, tuple)) else [value])
    return flat

