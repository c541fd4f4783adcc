"""User classes: plain ones, and subclasses of ``keras.layers.Layer`` and ``keras.Model``.

A Keras subclass is one node of the graph it is called in, as Keras sees it:
its ``call`` is evaluated on fresh symbolic inputs of the caller's shapes, the
result's shapes become the node's outputs, and its parameters are the weights
its ``build`` creates with ``add_weight`` plus those of the sub-layers it
tracks in attributes. A ``Sequential`` or functional model called on a tensor
is wrapped the same way. What cannot be evaluated leaves the node's figures
unknown; nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import libcst as cst

from kerlint.graph import InputNode, Layer, LayerCall, ModelGraph, Tensor, Unresolved, collect_calls, snake_case
from kerlint.interpret.imports import is_keras
from kerlint.interpret.values import UNKNOWN, ApiRef, Function, LayerValue, ModelValue, resolved
from kerlint.layers.base import LARGEST_SIZE, LayerConfig, Weight, within_limits

if TYPE_CHECKING:
    from kerlint.interpret.interpreter import Interpreter

KERAS_MODEL_BASES = {"Model", "Functional", "Sequential"}


@dataclass(eq=False)
class ClassValue:
    name: str
    node: cst.ClassDef
    bases: list[Any]
    namespace: dict[str, Any]
    keras_kind: str | None  # "layer" | "model" | None for plain classes

    def lookup(self, name: str) -> tuple[Any, "ClassValue"] | None:
        """``name`` along the method resolution order (depth-first, as for single inheritance)."""
        if name in self.namespace:
            return resolved(self.namespace[name]), self
        for base in self.bases:
            if isinstance(base, ClassValue):
                found = base.lookup(name)
                if found is not None:
                    return found
        return None


@dataclass(eq=False)
class Instance:
    cls: ClassValue
    attrs: dict[str, Any] = field(default_factory=dict)
    layer: Layer | None = None  # the graph node's layer, for Keras subclasses
    model: ModelValue | None = None  # for Model subclasses
    own_weights: list[Weight] = field(default_factory=list)
    built: bool = False


@dataclass(eq=False)
class Method:
    """A user function bound to an instance (``self``)."""

    function: Function
    instance: Instance
    owner: ClassValue


@dataclass(eq=False)
class Super:
    """``super()`` inside a method of ``owner``."""

    instance: Instance
    owner: ClassValue


@dataclass(eq=False)
class WeightValue:
    """What ``self.add_weight(shape=...)`` returns: a constant tensor of that shape."""

    shape: tuple[int, ...]


def keras_kind(bases: list[Any], is_layer_class: Callable[[Any], bool]) -> str | None:
    for base in bases:
        if isinstance(base, ClassValue) and base.keras_kind:
            return base.keras_kind
        if isinstance(base, ApiRef) and is_keras(base.path) and base.leaf in KERAS_MODEL_BASES:
            return "model"
        if is_layer_class(base):
            return "layer"
    return None


# ---------------------------------------------------------------- instances


def instantiate(interp: "Interpreter", cls: ClassValue, args: list, kwargs: dict, node: cst.CSTNode) -> Instance:
    instance = Instance(cls)
    if cls.keras_kind:
        name = interp.name_new(kwargs.get("name"), snake_case(cls.name))
        instance.layer = Layer(cls.name, None, LayerConfig(dict(kwargs)), name, node, nested=instance)
    if cls.keras_kind == "model":
        graph = ModelGraph(instance.layer.name, "subclassed", node, interp.entry_point, inputs=[], outputs=[], calls=[])
        graph.tracked = []
        instance.model = ModelValue(graph)
        interp.register_model(instance.model)
    init = cls.lookup("__init__")
    if init is not None and isinstance(init[0], Function):
        interp.call_function(init[0], [instance, *args], kwargs, node)
    if instance.model is not None:
        instance.model.graph.tracked = tracked_layers(instance)
        if not instance.built:
            instance.model.graph.notes.append(Unresolved(node, f"subclassed model `{cls.name}` is not built (call it on keras.Input or build it)"))
    return instance


def method(instance: Instance, name: str) -> Any:
    found = instance.cls.lookup(name)
    if found is None:
        return None
    value, owner = found
    return Method(value, instance, owner) if isinstance(value, Function) else value


def call_method(interp: "Interpreter", bound: Method, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    interp.methods.append((bound.owner, bound.instance))
    try:
        return interp.call_function(bound.function, [bound.instance, *args], kwargs, node)
    finally:
        interp.methods.pop()


def super_attribute(proxy: Super, name: str) -> Any:
    """``super().name``: the next definition after ``owner`` in the MRO, or Keras's own."""
    for base in proxy.owner.bases:
        if isinstance(base, ClassValue):
            found = base.lookup(name)
            if found is not None and isinstance(found[0], Function):
                return Method(found[0], proxy.instance, found[1])
    return KerasBaseMethod(proxy.instance, name)


@dataclass(eq=False)
class KerasBaseMethod:
    """A method the Keras base class provides (``__init__``, ``build``, ``add_weight``...)."""

    instance: Instance
    name: str


def keras_base_method(interp: "Interpreter", bound: KerasBaseMethod, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    instance = bound.instance
    if bound.name == "add_weight":
        return add_weight(interp, instance, args, kwargs, node)
    if bound.name == "build" and instance.model is not None and args and not instance.built:
        return build_model(interp, instance, args[0], node)
    return None  # __init__, build (base), get_config...: nothing that changes shapes or weights


def add_weight(interp: "Interpreter", instance: Instance, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    bound = dict(zip(("shape", "initializer", "dtype", "trainable"), args)) | kwargs
    shape = bound.get("shape", ())
    shape = (shape,) if isinstance(shape, int) else shape
    trainable = bound.get("trainable", True)
    known = isinstance(shape, (tuple, list)) and all(isinstance(d, int) for d in shape) and isinstance(trainable, bool)
    if not known or not within_limits(shape):
        instance.own_weights.append(Weight("unknown", (), True))
        why = "not statically known" if not known else f"past {LARGEST_SIZE:.0e} values, far beyond any model"
        interp.note(node, f"shape of a weight of `{instance.cls.name}` is {why}")
        return UNKNOWN
    name = bound.get("name") if isinstance(bound.get("name"), str) else f"weight_{len(instance.own_weights)}"
    instance.own_weights.append(Weight(name, tuple(shape), trainable))
    return WeightValue(tuple(shape))


def tracked_layers(instance: Instance) -> list[Layer]:
    """Sub-layers in attribute order, as Keras tracks them (lists and dicts of layers included)."""
    layers: list[Layer] = []

    def visit(value: Any) -> None:
        if isinstance(value, LayerValue):
            layers.append(value.layer)
        elif isinstance(value, Instance) and value.layer is not None:
            layers.append(value.layer)
        elif isinstance(value, ModelValue):
            layers.append(model_layer(value))
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item)
        elif isinstance(value, dict):
            for item in value.values():
                visit(item)

    for value in instance.attrs.values():
        visit(value)
    return list({id(layer): layer for layer in layers}.values())


# ------------------------------------------------------------ as graph nodes


def call_instance(interp: "Interpreter", instance: Instance, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    """``obj(x)`` for a Keras subclass: one node whose body is the class's ``call``."""
    from kerlint.interpret.keras_api import flatten_tensors, shape_tree

    first = args[0] if args else kwargs.pop("inputs", UNKNOWN)
    if flatten_tensors(first) is None:
        return UNKNOWN
    if not instance.built:
        instance.built = True  # first: a ``super().build(shape)`` inside the user's build must not build again
        build = method(instance, "build")
        if isinstance(build, Method):
            call_method(interp, build, [shape_tree(first)], {}, node)
    body = method(instance, "call")
    if not isinstance(body, Method):
        return wrap_node(interp, instance.layer, first, node, lambda inner: inner, lambda: None)
    result = wrap_node(
        interp, instance.layer, first, node,
        lambda inner: call_method(interp, body, [inner, *args[1:]], kwargs, node),
        lambda: subclass_weights(instance),
    )
    if instance.model is not None:
        finish_model(instance)
    return result


NONLINEAR_LAYERS = {
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU",
    "LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "MultiHeadAttention", "Attention", "AdditiveAttention",
}
"""Layers that apply a non-linearity whatever their arguments (activation layers, gated recurrences, attention's softmax)."""
LINEAR_OPS = {"cast", "stop_gradient", "identity", "negative", "add", "subtract", "mean", "sum", "reduce_mean", "reduce_sum",
              "getitem", "concatenate", "expand_dims"}
"""Operations that keep a function linear; any other on tensors alone (``x * 0.5`` aside) is not."""
_SCALING_OPS = {"multiply", "divide", "true_divide", "matmul"}


def applies_nonlinearity(outputs: list[Tensor]) -> bool | None:
    """Whether the graph behind a custom layer's ``call`` outputs applies a non-linearity; None when it calls a layer that may.

    ``tf.nn.gelu``, ``ops.relu``, ``keras.activations.*``, an activation layer or a layer with a non-linear
    ``activation``, a product of two tensors (gating, attention): all count. Scaling by a constant or a weight
    (``x * 0.5``, ``x @ self.kernel``) does not.
    """
    from kerlint.graph import topological
    from kerlint.interpret.values import activation_name

    unknown = False
    for step in topological(outputs)[0]:
        if isinstance(step, LayerCall):
            layer = step.layer
            activation = activation_name(layer.config.raw("activation")) if "activation" in layer.config else None
            if layer.class_name in NONLINEAR_LAYERS or layer.nonlinear or activation not in (None, "linear", UNKNOWN):
                return True
            unknown = unknown or (layer.spec is None and layer.nonlinear is None) or activation is UNKNOWN
        elif step.name in _SCALING_OPS:
            if len(step.inputs) > 1:
                return True
        elif step.name not in LINEAR_OPS:
            return True
    return None if unknown else False


def subclass_weights(instance: Instance) -> list[Weight] | None:
    weights = list(instance.own_weights)
    if any(w.name == "unknown" for w in weights):
        return None
    for layer in tracked_layers(instance):
        if layer.weights is None:
            if layer.calls:
                return None  # called but not inferred: the total would be a guess
            continue  # never called, never built: Keras counts no weights for it
        weights.extend(layer.weights)
    return weights


def build_model(interp: "Interpreter", instance: Instance, shape: Any, node: cst.CSTNode) -> Any:
    from kerlint.interpret.keras_api import known_shape

    batch_shape = known_shape(shape)
    if batch_shape is None:
        return None
    tensor = Tensor(batch_shape, InputNode(interp.auto_name("input_layer"), node, batch_shape))
    call_instance(interp, instance, [tensor], {}, node)
    return None


def finish_model(instance: Instance) -> None:
    """A subclassed model's summary: its tracked layers, and its own call graph for the rules."""
    graph = instance.model.graph
    call = instance.layer.calls[-1] if instance.layer.calls else None
    graph.tracked = tracked_layers(instance)
    graph.notes = [n for n in graph.notes if "is not built" not in n.reason]
    if call is not None and call.inner_outputs:
        graph.outputs = call.inner_outputs
        graph.inputs = call.inner_inputs
        graph.calls, _ = collect_calls(call.inner_outputs)
    if call is None or call.unresolved or instance.layer.weights is None:
        graph.notes.append(Unresolved(instance.layer.node, f"the figures of `{instance.cls.name}` are not statically known"))


def wrap_node(
    interp: "Interpreter",
    layer: Layer,
    first: Any,
    node: cst.CSTNode,
    body: Callable[[Any], Any],
    weights: Callable[[], list[Weight] | None],
) -> Any:
    """One node for ``layer`` whose outputs are what ``body`` computes from fresh inputs of the same shapes."""
    from kerlint.interpret.keras_api import flatten_tensors

    outer_inputs = flatten_tensors(first)
    call = LayerCall(layer, outer_inputs, node)
    layer.calls.append(call)
    interp.register_call(call)
    inner = _fresh_inputs(first, node)
    call.inner_inputs = flatten_tensors(inner) or []
    result = body(inner)
    inner_outputs = flatten_tensors(result)
    if inner_outputs is None:
        inner = layer.inner_model
        why = f": {inner.notes[0].reason}" if inner is not None and inner.notes else ""  # a backbone without its source
        call.unresolved = f"the output of `{layer.name}` ({layer.class_name}) could not be evaluated{why}"
        call.outputs = [Tensor(None, call)]
        return call.outputs[0]
    call.inner_outputs = inner_outputs
    if layer.weights is None:
        layer.weights = weights()
    if layer.weights is None:
        call.unresolved = f"the weights of `{layer.name}` ({layer.class_name}) are not statically known"
    call.outputs = [Tensor(t.shape, call, i) for i, t in enumerate(inner_outputs)]
    call.flops = _inner_flops(inner_outputs)
    layer.nonlinear = applies_nonlinearity(inner_outputs)
    return _restructure(result, iter(call.outputs))


def _fresh_inputs(value: Any, node: cst.CSTNode) -> Any:
    if isinstance(value, Tensor):
        return Tensor(value.shape, InputNode("inner_input", node, value.shape))
    if isinstance(value, (list, tuple)):
        return type(value)(_fresh_inputs(v, node) for v in value)
    if isinstance(value, dict):
        return {k: _fresh_inputs(v, node) for k, v in value.items()}
    return value


def _restructure(result: Any, outputs) -> Any:
    if isinstance(result, Tensor):
        return next(outputs)
    if isinstance(result, (list, tuple)):
        return type(result)(_restructure(v, outputs) for v in result)
    if isinstance(result, dict):
        return {k: _restructure(v, outputs) for k, v in result.items()}
    return result


def _inner_flops(outputs: list[Tensor]) -> int | None:
    from kerlint.graph import topological

    nodes, _ = topological(outputs)
    flops = [n.flops for n in nodes]
    return None if any(f is None for f in flops) else sum(flops)


def call_lambda(interp: "Interpreter", layer: Layer, first: Any, node: cst.CSTNode) -> Any:
    """``Lambda(fn)(x)``: ``fn`` evaluated on symbolic inputs, or the declared ``output_shape``."""
    from kerlint.interpret.keras_api import flatten_tensors, known_shape

    function = layer.config.raw("function")
    declared = known_shape(layer.config.raw("output_shape"))
    arguments = layer.config.raw("arguments")

    def body(inner: Any) -> Any:
        extra = arguments if isinstance(arguments, dict) else {}
        result = interp.call(function, [inner], dict(extra), node) if function is not None else UNKNOWN
        if flatten_tensors(result) is None and declared is not None and isinstance(inner, Tensor) and inner.shape:
            return Tensor((inner.shape[0], *declared), inner.producer)
        return result

    return wrap_node(interp, layer, first, node, body, lambda: [])


# -------------------------------------------------- models used as layers


def model_layer(model: ModelValue) -> Layer:
    """The layer a model is when another model calls it (one entry in the caller's ``model.layers``)."""
    if model.as_layer is None:
        graph = model.graph
        class_name = "Sequential" if graph.kind == "sequential" else "Functional"
        model.as_layer = Layer(class_name, None, LayerConfig({}), graph.name, graph.node, nested=model)
    return model.as_layer


def call_model(interp: "Interpreter", model: ModelValue, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    """A Sequential or functional model called on tensors, as one node of the caller's graph."""
    from kerlint.interpret import keras_api

    first = args[0] if args else kwargs.get("inputs", UNKNOWN)
    if keras_api.flatten_tensors(first) is None:
        return UNKNOWN
    graph = model.graph

    def replay(inner: Any) -> Any:
        if graph.sequence is not None and isinstance(inner, Tensor):
            if model.head is None:
                keras_api.build_sequential(interp, model, inner.shape, node, input_tensor=inner)
                keras_api.refresh_sequential(model)
                return model.head
            return _same_shapes_output(graph, [inner])
        return _same_shapes_output(graph, keras_api.flatten_tensors(inner) or [])

    def weights() -> list[Weight] | None:
        layers = graph.layers
        if not graph.complete:
            return None
        return [w for layer in layers for w in (layer.weights or [])]

    return wrap_node(interp, model_layer(model), first, node, replay, weights)


def _same_shapes_output(graph: ModelGraph, inputs: list[Tensor]) -> Any:
    """A built model called on inputs of the shapes it was built for: its outputs, as they are."""
    expected = [t.shape[1:] if t.shape else None for t in graph.inputs]
    given = [t.shape[1:] if t.shape else None for t in inputs]
    if not graph.outputs or expected != given:
        return UNKNOWN
    return graph.outputs[0] if len(graph.outputs) == 1 else list(graph.outputs)
