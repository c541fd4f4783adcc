"""User classes: plain ones, and subclasses of ``keras.layers.Layer`` and ``keras.Model``.

A Keras subclass is one node of the graph it is called in, as Keras sees it:
its ``call`` is evaluated on fresh symbolic inputs of the caller's shapes (every
tensor argument, ``layer(a, b, mask=m)``), the result's shapes become the
node's outputs (or what its ``compute_output_shape`` says, as Keras 3 takes
it), and its parameters are the weights its ``build`` creates with
``add_weight``, those of the built-in layer it extends (``class
MyConv(layers.Conv2D)``: the catalogue's) and those of the sub-layers it tracks
in attributes. A ``Sequential`` or functional model called on a tensor is
wrapped the same way, and so is a ``Model`` subclass constructed the
functional way (``GAN(inputs, outputs)``). What cannot be evaluated leaves the
node's figures unknown; nothing is guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

import libcst as cst

from kerlint.graph import InputNode, Layer, LayerCall, ModelGraph, OpCall, Reason, Tensor, Unresolved, collect_calls, snake_case
from kerlint.interpret.imports import is_keras
from kerlint.interpret.values import UNKNOWN, ApiRef, Data, DataShape, Function, LayerValue, ModelValue, contains_unknown, resolved
from kerlint.layers.base import LARGEST_SIZE, CannotInfer, IncompatibleShape, LayerConfig, Weight, within_limits

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
    base: Layer | None = None
    """The built-in layer a subclass of one is (``class MyConv(layers.Conv2D)``): its arguments, weights and call."""
    own_weights: list[Weight] = field(default_factory=list)
    built: bool = False
    built_by_build: set[int] | None = None
    """Ids of the sub-layers its ``build`` built, when Keras builds it without tracing ``call`` (see `build_layer`):
    the others stay unbuilt, without weights, until data flows. None when Keras traces ``call``."""

    @property
    def sublayers(self) -> list[Layer]:
        """The layers it tracks in its attributes (what ``Layer.inner_layers`` reads for a custom layer)."""
        return tracked_layers(self)

    @property
    def trainable_variables(self) -> int | None:
        """Its weights whose variables are trainable: those it made (frozen if made while it was) and its sub-layers'
        by their own flags (``block.norm.trainable = False``), as Keras's ``model.trainable_weights`` collects them."""
        made = list(self.own_weights)
        if self.base is not None and self.base.weights is not None:
            made.extend(self.base.weights)
        counts = [sum(w.size for w in made if w.trainable)]
        counts += [layer.trainable_variables for layer in built_sublayers(self) if layer.weights is not None or layer.calls]
        return None if any(c is None for c in counts) else sum(counts)


@dataclass(eq=False)
class Method:
    """A user function bound to an instance (``self``)."""

    function: Function
    instance: Instance
    owner: ClassValue


def is_property(method: Method) -> bool:
    """A method read as an attribute: ``@property``, ``@functools.cached_property``."""
    names = [decorator.decorator for decorator in getattr(method.function.node, "decorators", ())]  # a lambda has none
    return any(isinstance(name, (cst.Name, cst.Attribute)) and _leaf(name) in ("property", "cached_property") for name in names)


def _leaf(expression: cst.Name | cst.Attribute) -> str:
    return expression.value if isinstance(expression, cst.Name) else expression.attr.value


@dataclass(eq=False)
class Super:
    """``super()`` inside a method of ``owner``."""

    instance: Instance
    owner: ClassValue


def catalogue_base(cls: ClassValue) -> str | None:
    """The built-in layer class `cls` extends (``Conv2D`` for ``class MyConv(layers.Conv2D)``), if any."""
    from kerlint.interpret.keras_api import layer_spec

    for base in cls.bases:
        found = catalogue_base(base) if isinstance(base, ClassValue) else None
        if isinstance(base, ApiRef) and is_keras(base.path) and layer_spec(base.leaf) is not None:
            found = base.leaf
        if found is not None:
            return found
    return None


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
    if cls.keras_kind:  # named by Keras's ``__init__`` (`keras_init`)
        instance.layer = Layer(cls.name, None, LayerConfig(dict(kwargs)), "", node, nested=instance)
    if cls.keras_kind == "model":
        graph = ModelGraph("", "subclassed", node, interp.entry_point, inputs=[], outputs=[], calls=[])
        graph.tracked = []
        instance.model = ModelValue(graph)
        interp.register_model(instance.model)
    init = method(instance, "__init__")
    if isinstance(init, Method):
        call_method(interp, init, args, kwargs, node)
    elif cls.keras_kind:
        keras_init(interp, instance, args, kwargs, node)
    if instance.layer is not None and not instance.layer.name:  # an ``__init__`` that did not reach Keras's
        name_instance(interp, instance, None)
    if instance.model is not None and instance.model.graph.kind == "subclassed":
        instance.model.graph.tracked = tracked_layers(instance)
        if not instance.built:
            instance.model.graph.notes.append(Unresolved(node, f"subclassed model `{cls.name}` is not built (call it on keras.Input or build it)"))
    return instance


def name_instance(interp: "Interpreter", instance: Instance, given: Any) -> None:
    """Keras names a layer or model in its ``__init__``: `given`, or the next automatic name of its class."""
    instance.layer.name = interp.name_new(given, snake_case(instance.cls.name))
    if instance.model is not None:
        instance.model.graph.name = instance.layer.name


def keras_init(interp: "Interpreter", instance: Instance, args: list, kwargs: dict, node: cst.CSTNode) -> None:
    """Keras's own ``__init__``: a built-in layer's arguments, or a model's inputs and outputs (``GAN(inputs, outputs)``)."""
    from kerlint.interpret import keras_api

    if instance.layer is None:
        return
    if not instance.layer.name:
        name_instance(interp, instance, kwargs.get("name"))
    if "trainable" in kwargs:
        # ``Block(trainable=False)``: the weights the layer makes from now on are frozen; sub-layers it makes are not
        instance.attrs["trainable"] = kwargs["trainable"]
        if not isinstance(kwargs["trainable"], bool):
            instance.layer.trainable = None
    model = instance.model
    if model is not None and (len(args) == 2 or len(args) == 1 and "outputs" in kwargs or {"inputs", "outputs"} <= kwargs.keys()):
        # Keras's test for functional arguments: the instance is then a functional model of its class
        bound = dict(zip(("inputs", "outputs"), args)) | kwargs
        keras_api.connect_functional(model.graph, bound["inputs"], bound["outputs"], node)
        model.as_layer = instance.layer
        instance.built = True
        return
    base = catalogue_base(instance.cls)
    if base is not None and instance.base is None:
        spec, values = keras_api.bind_arguments(interp, base, args, kwargs, node)
        instance.base = Layer(spec.class_name, spec, LayerConfig(values), instance.layer.name, node)


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
    from kerlint.interpret.keras_api import call_layer, tensors_in

    instance, name = bound.instance, bound.name
    if name == "add_weight":
        return add_weight(interp, instance, args, kwargs, node)
    if name == "__init__":
        return keras_init(interp, instance, args, kwargs, node)
    shape = args[0] if args else kwargs.get("input_shape")  # of build
    if name == "build" and instance.model is not None and not instance.built:
        return build_model(interp, instance, shape, node)
    if name == "build" and not instance.built:  # ``self.block.build(shape)`` in the build of the layer around it
        return build_layer(interp, instance, shape, node)
    if name == "build" and instance.base is not None:
        return build_base(instance, shape, node)
    if name == "call" and instance.base is not None and args:
        return call_layer(interp, instance.base, args, kwargs, node)
    if name == "call" and instance.model is not None and instance.model.graph.kind == "functional" and args:
        return _same_shapes_output(instance.model.graph, tensors_in(args[0]))
    return None  # build (Layer's), get_config...: nothing that changes shapes or weights


def build_layer(interp: "Interpreter", instance: Instance, shapes: Any, node: cst.CSTNode) -> None:
    """Keras's ``_maybe_build`` of a custom layer: its ``build``, the user's or the built-in layer's, on these shapes.

    Keras 3 traces ``call`` to build the rest only when ``build`` or ``compute_output_shape`` is Keras's own; when
    the class overrides both, the sub-layers its ``build`` did not build stay unbuilt (`Instance.built_by_build`),
    unless the layer runs inside another's traced ``call`` (`runs_traced`).
    """
    instance.built = True  # first: a ``super().build(shape)`` inside the user's build must not build again
    build = method(instance, "build")
    if isinstance(build, Method):
        call_method(interp, build, [shapes], {}, node)
    elif instance.base is not None:
        build_base(instance, shapes, node)
    overrides = [isinstance(method(instance, name), Method) or instance.base is not None for name in ("build", "compute_output_shape")]
    if instance.model is None and all(overrides) and not runs_traced(interp):
        instance.built_by_build = {id(layer) for layer in tracked_layers(instance) if layer.weights is not None}


def runs_traced(interp: "Interpreter") -> bool:
    """Whether a Keras layer's or model's method is running: Keras runs what it calls on real tensors, so a custom
    layer called there runs its own ``call`` whatever its ``compute_output_shape``."""
    return any(running.layer is not None for _, running in interp.methods)


def build_catalogue_layer(layer: Layer, shapes: Any) -> None:
    """``layer.build(shape)`` of a catalogue layer: its weights for these input shapes (its calls check the shapes)."""
    if isinstance(shapes, DataShape):
        shapes = shapes.dims  # ``layer.build(x.shape)`` of an array
    if layer.weights is not None or shapes is None or contains_unknown(shapes):
        return
    shapes = _shape_tree(shapes)
    if shapes is None:
        return
    try:
        layer.weights = layer.spec.infer(layer.config, shapes, {}).weights
    except (IncompatibleShape, CannotInfer):
        return


def _shape_tree(value: Any) -> Any:
    """What ``build`` was given, as the catalogue reads it: one shape (``dense.build([None, 16])`` is one, written as a
    list), a list of shapes, or None for anything else (a number, a string...)."""
    from kerlint.interpret.keras_api import known_shape

    if isinstance(value, int):
        return None
    if isinstance(value, list) and value and all(isinstance(shape, tuple) for shape in value):
        shapes = [known_shape(shape) for shape in value]
        return None if None in shapes else shapes
    return known_shape(value)


def build_base(instance: Instance, shapes: Any, node: cst.CSTNode) -> None:
    """The built-in layer's ``build``, and the attributes Keras sets to its weights (``self.kernel``, ``self.bias``)."""
    base = instance.base
    if base.weights is not None:
        return
    build_catalogue_layer(base, shapes)
    if base.weights is None:
        return
    if instance.attrs.get("trainable", True) is False:
        base.weights = [Weight(w.name, w.shape, False) for w in base.weights]  # made while the layer is frozen
    for weight in base.weights:
        if weight.name.isidentifier():
            instance.attrs.setdefault(weight.name, weight_tensor(weight.shape, node))


ADD_WEIGHT_POSITIONS = ("shape", "initializer", "dtype")
KERAS_2_ADD_WEIGHT_POSITIONS = ("name", "shape", "dtype", "initializer", "regularizer", "trainable")
"""``add_weight("kernel", (3, 4))``: Keras 2 took the name first; Keras 3 refuses a name given by position."""


def add_weight(interp: "Interpreter", instance: Instance, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    positions = KERAS_2_ADD_WEIGHT_POSITIONS if args and isinstance(args[0], str) else ADD_WEIGHT_POSITIONS
    bound = dict(zip(positions, args)) | kwargs
    shape = bound.get("shape", ())
    shape = (shape,) if isinstance(shape, int) else shape
    trainable = True if bound.get("trainable") is None else bound["trainable"]
    if instance.attrs.get("trainable", True) is False:
        trainable = False  # made while its layer is frozen (Keras's ``_track_variable``)
    known = isinstance(shape, (tuple, list)) and all(isinstance(d, int) for d in shape)
    if not known or not within_limits(shape) or not isinstance(trainable, bool):
        instance.own_weights.append(Weight("unknown", (), True))
        why = "the shape" if not known else "`trainable`" if within_limits(shape) else "the size"
        how = f"past {LARGEST_SIZE:.0e} values, far beyond any model" if why == "the size" else "not statically known"
        reason = f"{why} of a weight of `{instance.cls.name}` (`{interp.source_text(node)}`) is {how}"
        interp.note(node, reason)
        interp.explain(node, reason)  # for the layer's reason to quote
        return UNKNOWN
    name = bound.get("name") if isinstance(bound.get("name"), str) else f"weight_{len(instance.own_weights)}"
    instance.own_weights.append(Weight(name, tuple(shape), trainable))
    return weight_tensor(tuple(shape), node)


def weight_tensor(shape: tuple[int, ...], node: cst.CSTNode) -> Tensor:
    """A weight read in ``call`` (``x * self.w``): a tensor of its shape, no batch axis, that no input computes."""
    variable = OpCall("variable", [], node, flops=0)
    variable.outputs = [Tensor(shape, variable)]
    return variable.outputs[0]


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
    """``obj(x)`` or ``obj(a, b, mask=m)`` for a Keras subclass: one node whose body is the class's ``call``."""
    from kerlint.interpret.keras_api import flatten_tensors, shape_tree

    since = len(interp.causes)
    kind = "subclassed model" if instance.model is not None else "custom layer"
    args = list(args) if args else [kwargs.pop("inputs", UNKNOWN)]
    if instance.model is not None and not instance.built and isinstance(args[0], Data) and args[0].kind == "array":
        build_model(interp, instance, args[0].shape, node)  # ``model(x_train[:1])``: Keras builds it on that batch
        return UNKNOWN
    if flatten_tensors(args[0]) is None:
        return UNKNOWN
    body = method(instance, "call")
    functional = instance.model is not None and instance.model.graph.kind == "functional"
    if functional and body is None:
        return call_model(interp, instance.model, args, kwargs, node)
    if not instance.built:
        build_layer(interp, instance, shape_tree(args[0]), node)
    elif runs_traced(interp):
        instance.built_by_build = None  # its call runs here: what it calls gets built
    construct = f"{kind} `{instance.cls.name}.call`"
    if isinstance(body, Method):
        run = lambda inner, inner_kwargs: call_method(interp, body, inner, inner_kwargs, node)  # noqa: E731
    elif instance.base is not None:
        run = lambda inner, inner_kwargs: keras_base_method(interp, KerasBaseMethod(instance, "call"), inner, inner_kwargs, node)  # noqa: E731
    else:  # Keras's Layer.call raises NotImplementedError
        construct = f"{kind} `{instance.cls.name}`, which defines no `call`,"
        return wrap_node(interp, instance.layer, args, kwargs, node, lambda inner, _: UNKNOWN, lambda: None, construct, since=since)
    if functional:  # its own ``call`` around the functional graph (``super().call(x)``); its weights are the graph's
        return wrap_node(interp, instance.layer, args, kwargs, node, run, lambda: model_weights(instance.model.graph), construct, since=since)
    declared = declared_output_shapes(interp, instance, args, node)
    result = wrap_node(interp, instance.layer, args, kwargs, node, run, lambda: subclass_weights(instance), construct, declared, since)
    if instance.model is not None:
        finish_model(instance)
    return result


def declared_output_shapes(interp: "Interpreter", instance: Instance, args: list, node: cst.CSTNode) -> Any:
    """What the class's ``compute_output_shape`` returns for these inputs: Keras 3 takes it as the output shape.

    A subclass of a built-in layer inherits the catalogue's (Keras does not trace a ``call`` it overrides).
    One shape, a list of shapes, or None when the class defines none or its answer is not statically known.
    """
    from kerlint.interpret.keras_api import known_shape, shape_tree

    compute = method(instance, "compute_output_shape")
    if not isinstance(compute, Method) and instance.base is not None:
        base, shapes = instance.base, shape_tree(args[0])
        try:
            return None if shapes is None else base.spec.infer(base.config, shapes, {}).outputs
        except (IncompatibleShape, CannotInfer):
            return None
    if not isinstance(compute, Method):
        return None
    shapes = [shape_tree(a) for a in args if shape_tree(a) is not None]
    declared = call_method(interp, compute, shapes, {}, node)
    if known_shape(declared) is not None:
        return known_shape(declared)
    several = [known_shape(s) for s in declared] if isinstance(declared, (list, tuple)) else [None]
    return None if any(s is None for s in several) else several


NONLINEAR_LAYERS = {
    "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax", "ThresholdedReLU",
    "LSTM", "GRU", "SimpleRNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D", "MultiHeadAttention", "Attention", "AdditiveAttention",
}
"""Layers that apply a non-linearity whatever their arguments (activation layers, gated recurrences, attention's softmax)."""
LINEAR_OPS = {"cast", "stop_gradient", "identity", "negative", "add", "subtract", "mean", "sum", "reduce_mean", "reduce_sum",
              "getitem", "concatenate", "expand_dims", "reshape", "transpose", "squeeze", "tile", "repeat", "stack", "split", "pad"}
"""Operations that keep a function linear; any other on tensors alone (``x * 0.5`` aside) is not."""
_SCALING_OPS = {"multiply", "divide", "true_divide", "matmul"}


def applies_nonlinearity(outputs: list[Tensor]) -> bool | None:
    """Whether the graph behind a custom layer's ``call`` outputs applies a non-linearity; None when it calls a layer that may.

    ``tf.nn.gelu``, ``ops.relu``, ``keras.activations.*``, an activation layer or a layer with a non-linear
    ``activation``, a product of two tensors (gating, attention): all count. Scaling by a constant or a weight
    (``x * 0.5``, ``x @ self.kernel``, ``x * ops.softplus(self.w)``) does not: only what the inputs flow through counts.
    """
    from kerlint.graph import topological
    from kerlint.interpret.values import activation_name

    unknown = False
    from_inputs: set[int] = set()  # tensors computed from the inputs (weights and constants are not)
    for step in topological(outputs)[0]:
        data = [t for t in step.inputs if isinstance(t.producer, InputNode) or id(t) in from_inputs]
        if not data:
            continue
        from_inputs.update(id(t) for t in step.outputs)
        if isinstance(step, LayerCall):
            layer = step.layer
            activation = activation_name(layer.config.raw("activation")) if "activation" in layer.config else None
            if layer.class_name in NONLINEAR_LAYERS or layer.nonlinear or activation not in (None, "linear", UNKNOWN):
                return True
            unknown = unknown or (layer.spec is None and layer.nonlinear is None) or activation is UNKNOWN
        elif step.name in _SCALING_OPS:
            if len(data) > 1:
                return True
        elif step.name not in LINEAR_OPS:
            return True
    return None if unknown else False


def built_sublayers(instance: Instance) -> list[Layer]:
    """The sub-layers Keras has built once the layer is: all it tracks, or only those its ``build`` built."""
    layers = tracked_layers(instance)
    return layers if instance.built_by_build is None else [layer for layer in layers if id(layer) in instance.built_by_build]


def subclass_weights(instance: Instance) -> list[Weight] | None:
    weights = list(instance.own_weights)
    if any(w.name == "unknown" for w in weights):
        return None
    if instance.base is not None:
        if instance.base.weights is None:
            return None
        weights.extend(instance.base.weights)
    for layer in built_sublayers(instance):
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
    graph.notes = [n for n in graph.notes if not n.says("is not built")]
    if call is not None and call.inner_outputs:
        graph.outputs = call.inner_outputs
        graph.inputs = call.inner_inputs
        graph.calls, _ = collect_calls(call.inner_outputs)
    reason = call.unresolved if call is not None else None
    if reason is None and instance.own_weights:  # a model's totals are its layers' (`ModelGraph.params`): its own would be left out
        reason = f"subclassed model `{instance.cls.name}` makes weights of its own (add_weight), which kerlint does not count in a model's totals"
    if reason is not None and all(note.why != reason for note in graph.notes):  # once, however often it is called
        graph.notes.append(Unresolved(instance.layer.node, reason))


def wrap_node(
    interp: "Interpreter",
    layer: Layer,
    args: list,
    kwargs: dict,
    node: cst.CSTNode,
    body: Callable[[list, dict], Any],
    weights: Callable[[], list[Weight] | None],
    construct: str,
    declared: Any = None,
    since: int | None = None,
) -> Any:
    """One node for ``layer`` whose outputs are what ``body`` computes from fresh inputs of the same shapes.

    Every tensor among the arguments is an input of the node (``Join()(labels, y_pred)``, ``layer(x, mask=m)``).
    ``declared`` output shapes (a ``compute_output_shape``'s) stand for the outputs' shapes, evaluated or not.
    A gap's reason names the ``construct`` (``custom layer `Sampling.call```) and quotes the first cause recorded
    since the node began (``since``, a ``len(interp.causes)``; by default now), with its line.
    """
    from kerlint.interpret.keras_api import flatten_tensors, tensors_in

    since = len(interp.causes) if since is None else since
    call = LayerCall(layer, tensors_in([args, kwargs]), node)
    layer.calls.append(call)
    interp.register_call(call)
    inner_args, inner_kwargs = _fresh_inputs(args, node), _fresh_inputs(kwargs, node)
    call.inner_inputs = tensors_in([inner_args, inner_kwargs])
    result = body(inner_args, inner_kwargs)
    inner_outputs = flatten_tensors(result)
    if inner_outputs is not None:
        call.inner_outputs = inner_outputs
        call.flops = _inner_flops(inner_outputs)
        layer.nonlinear = applies_nonlinearity(inner_outputs)
    if layer.weights is None and (inner_outputs is not None or declared is not None):
        layer.weights = weights()
    if declared is not None:
        several = isinstance(declared, list)
        call.outputs = [Tensor(shape, call, i) for i, shape in enumerate(declared if several else [declared])]
    elif inner_outputs is not None:
        call.outputs = [Tensor(t.shape, call, i) for i, t in enumerate(inner_outputs)]
    else:
        inner = layer.inner_model if isinstance(layer.nested, ModelValue) else None
        text = f"`{layer.name}` ({layer.class_name}): {construct} could not be evaluated"
        if inner is not None and inner.notes:  # a backbone without its source
            call.unresolved = f"{text}: {inner.notes[0].reason}"
        else:
            call.unresolved = interp.because(text, since)
        call.outputs = [Tensor(None, call)]
        return call.outputs[0]
    if layer.weights is None:
        call.unresolved = _weights_gap(interp, layer, f"`{layer.name}` ({layer.class_name}): its weights are not statically known", since)
    if declared is not None:
        return list(call.outputs) if several else call.outputs[0]
    return _restructure(result, iter(call.outputs))


def _weights_gap(interp: "Interpreter", layer: Layer, text: str, since: int) -> str | Reason:
    """`text`, quoting why the weights are not statically known: the first layer inside that failed, or the first cause."""
    for inner in layer.inner_layers:
        failed = next((c for c in inner.calls if c.unresolved or c.error), None) if inner.weights is None else None
        if failed is not None:
            return interp.with_cause(f"{text}: its `{inner.name}`", Unresolved(failed.node, failed.unresolved or failed.error or ""))
    return interp.because(text, since)


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

    def body(inner_args: list, _: dict) -> Any:
        inner = inner_args[0]
        extra = arguments if isinstance(arguments, dict) else {}
        result = interp.call(function, [inner], dict(extra), node) if function is not None else UNKNOWN
        if flatten_tensors(result) is None and declared is not None and isinstance(inner, Tensor) and inner.shape:
            return Tensor((inner.shape[0], *declared), inner.producer)
        return result

    name = f" `{function.name}`" if isinstance(function, Function) and function.name != "<lambda>" else ""
    return wrap_node(interp, layer, [first], {}, node, body, lambda: [], f"the Lambda's function{name}")


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

    def replay(inner_args: list, _: dict) -> Any:
        inner = inner_args[0]
        if graph.sequence is not None and isinstance(inner, Tensor):
            if model.head is None:
                keras_api.build_sequential(interp, model, inner.shape, node, input_tensor=inner)
                keras_api.refresh_sequential(model)
                return model.head
            return _same_shapes_output(graph, [inner])
        return _same_shapes_output(graph, keras_api.flatten_tensors(inner) or [])

    return wrap_node(interp, model_layer(model), [first], {}, node, replay, lambda: model_weights(graph), f"model `{graph.name}`")


def model_weights(graph: ModelGraph) -> list[Weight] | None:
    """The weights of a built model's layers, when all are known."""
    return [w for layer in graph.layers for w in (layer.weights or [])] if graph.complete else None


def _same_shapes_output(graph: ModelGraph, inputs: list[Tensor]) -> Any:
    """A built model called on inputs of the shapes it was built for: its outputs, as they are."""
    expected = [t.shape[1:] if t.shape else None for t in graph.inputs]
    given = [t.shape[1:] if t.shape else None for t in inputs]
    if not graph.outputs or expected != given:
        return UNKNOWN
    return graph.outputs[0] if len(graph.outputs) == 1 else list(graph.outputs)
