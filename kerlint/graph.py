"""The layer graph the interpreter reconstructs: layers, their calls, tensors, models.

Everything here is plain data. Shape and weight inference happen when a layer
is called (see ``interpret/keras_api.py``); rules and reports only read.
"""

from __future__ import annotations

import functools
import re
import reprlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kerlint.layers.base import CannotInfer, LayerConfig, LayerSpec, Shape, Weight
from kerlint.symbolic import Polynomial
from kerlint.units import LARGEST_PLAIN, scientific

if TYPE_CHECKING:
    import libcst as cst


@dataclass(eq=False)
class Layer:
    """One layer object (a constructor call); it may be called several times."""

    class_name: str
    spec: LayerSpec | None  # None: a class the catalogue does not know
    config: LayerConfig
    name: str
    node: cst.CSTNode  # the constructor call
    weights: list[Weight] | None = None  # set by the first successful call
    calls: list["LayerCall"] = field(default_factory=list)
    nested: Any = None
    """What applying it runs when kerlint follows its body: a model used as a layer (its ``ModelValue``), or the
    instance of a custom layer or subclassed model (``interpret.classes.Instance``; ``.model`` if it is a model)."""
    nonlinear: bool | None = None
    """A layer whose body kerlint follows (a custom layer's ``call``, a ``Lambda``'s function, a nested model):
    whether it applies a non-linearity (``tf.nn.gelu``, ``ops.relu``, an activation layer...). None for catalogue
    layers (their ``activation`` says) and for a body that could not be followed."""
    trainable: bool | None = True
    """``layer.trainable``: False moves all its weights to non-trainable; None when set to what kerlint cannot know."""
    symbolic_arguments: dict[str, Any] = field(default_factory=dict)
    """Constructor arguments known only at run time, as polynomials in named unknowns (``Dense(num_classes)``;
    see ``interpret/run_time_sizes.py``); ``config`` holds UNKNOWN for them."""
    symbolic_weights: list[Weight] | None = None
    """Its weights when their shapes depend on sizes known only at run time (``weights`` is None then)."""
    cause: Unresolved | None = None
    """Why an argument of its constructor may be unknown: the first cause recorded as they were evaluated."""

    @property
    def params(self) -> int | None:
        return None if self.weights is None else sum(w.size for w in self.weights)

    @property
    def trainable_params(self) -> int | None:
        """``layer.trainable_weights``: none while the layer is frozen."""
        if self.trainable is False and self.weights is not None:
            return 0
        return None if self.trainable is None else self.trainable_variables

    @property
    def trainable_variables(self) -> int | None:
        """Weights whose variables are trainable, whatever this layer's own flag says.

        Keras keeps a flag per variable, set when its own layer's ``trainable`` is;
        setting a model's sets every layer's inside. So a nested model frozen as a
        whole, then partly unfrozen layer by layer, counts those layers as trainable
        in the model around it (though not in its own ``trainable_weights``).
        """
        if self.weights is None:
            return None
        counted = None if self.inner_model is None else self.inner_model.trainable_variables
        if counted is not None:
            return counted
        if self.trainable is None:
            return None
        if self.trainable and self.inner_model is None and self.nested is not None:
            return self.nested.trainable_variables  # a custom layer: its own weights' flags and its sub-layers'
        return sum(w.size for w in self.weights if w.trainable) if self.trainable else 0

    @property
    def trainable_unknown(self) -> bool:
        """Whether this layer's, or a layer's inside it, ``trainable`` was set to what kerlint cannot know."""
        return self.trainable is None or any(layer.trainable_unknown for layer in self.inner_layers)

    @property
    def inner_layers(self) -> list["Layer"]:
        """The layers inside it: a nested or subclassed model's, or a custom layer's sub-layers."""
        if self.nested is None:
            return []
        inner = self.inner_model
        return inner.layers if inner is not None else self.nested.sublayers

    def owners(self) -> list["Layer"]:
        """The layers whose variables make up this one's: itself, or a nested functional or Sequential model's
        layers' owners (a subclassed model, or a custom layer, may also hold weights of its own: kept whole)."""
        inner = self.inner_model
        if inner is None or inner.kind == "subclassed" or not inner.complete:
            return [self]
        return [owner for layer in inner.layers for owner in layer.owners()]

    @property
    def inner_model(self) -> "ModelGraph | None":
        """The graph of the model this layer is, if it is one: a model used as a layer, or a subclassed model."""
        model = getattr(self.nested, "model", self.nested)  # an instance holds its model, if it is one
        return getattr(model, "graph", None)

    def set_trainable(self, value: bool | None) -> None:
        """``layer.trainable = value``; on a nested model or a custom layer, on every layer inside too."""
        self.trainable = value
        if self.inner_model is not None:
            self.inner_model.set_trainable(value)
        else:
            for layer in self.inner_layers:
                layer.set_trainable(value)

    @property
    def activation(self) -> Any:
        return self.config.raw("activation")

    def describe(self) -> str:
        """``Dense(32)``-style short description for messages."""
        first = self.spec.signature[0] if self.spec and self.spec.signature else None
        value = self.symbolic_arguments.get(first, self.config.raw(first)) if first else None
        if value is None or first == "activation" or _is_default(value, self.spec.defaults.get(first, object())):
            return f"{self.class_name}()"
        return f"{self.class_name}({_short(value)})"


def _is_default(value: Any, default: Any) -> bool:
    """Whether an argument is its default; a size known only at run time (a polynomial) may or may not be."""
    try:
        return value == default
    except CannotInfer:
        return False


def _short(value: Any) -> str:
    """A layer's first argument in a message: ``32``, ``(3, 3)``, ``1.0e+150``; a huge list only begins."""
    if type(value) is int and abs(value) >= LARGEST_PLAIN:
        return scientific(value)
    if isinstance(value, (str, int, float, tuple, list, Polynomial)):
        return _SHORT.repr(value)
    return "..."


_SHORT = reprlib.Repr()
_SHORT.maxtuple = _SHORT.maxlist = 12
_SHORT.maxstring = 80
_SHORT.maxlevel = 2


@dataclass(eq=False)
class Tensor:
    """A symbolic tensor: its shape (with batch axis; ``None`` = unknown rank)."""

    shape: Shape | None
    producer: "LayerCall | InputNode | OpCall"
    index: int = 0
    reads: int = 0
    """How often the program read it by name: reads that no consumer accounts for went where kerlint cannot follow."""
    consumers: list["LayerCall | OpCall"] = field(default_factory=list, repr=False)
    """Every layer call and operation that read this tensor, in the order they were evaluated.

    Operations count: in ``ops.stop_gradient(h) + c`` and ``Dense(8)(h)``, ``h`` has two readers,
    so the Dense is not "the layer after" the one that made ``h``. Calls in branches that never
    reach a model's outputs are here too; `ModelGraph.readers` keeps a model's own.
    """


@dataclass(eq=False)
class InputNode:
    """``keras.Input(...)`` or an implicit input of a Sequential model."""

    name: str
    node: cst.CSTNode
    shape: Shape | None
    shape_from_data: Any = None  # the Data whose full ``.shape`` (samples first) was passed as shape
    dtype: Any = None  # as written (``"int32"``); None when not given
    symbolic_shapes: list | None = None  # [its shape] when sizes in it are known only at run time (polynomials)


@dataclass(eq=False)
class LayerCall:
    """One application of a layer to tensors (Keras calls this a node)."""

    layer: Layer
    inputs: list[Tensor]
    node: cst.CSTNode
    outputs: list[Tensor] = field(default_factory=list)
    error: str | None = None  # Keras would raise here; the message says why
    collapse: bool = False  # the error is a window or crop larger than the feature map
    shared_conflict: "LayerCall | None" = None  # the earlier call whose weights this one contradicts
    unresolved: "str | Reason | None" = None  # why shapes or weights could not be inferred
    inner_inputs: list[Tensor] = field(default_factory=list)  # subclass/nested model: the body's own graph
    inner_outputs: list[Tensor] = field(default_factory=list)
    flops: int | None = None  # per sample, from the catalogue; None when unknown
    symbolic_shapes: list | None = None
    """Output shapes when sizes in them are known only at run time (polynomials where ``outputs`` have None)."""
    symbolic_flops: Any = None  # per sample, a polynomial where ``flops`` is None because of such sizes

    def __post_init__(self) -> None:
        _consume(self)

    @property
    def output_shape(self) -> Shape | None:
        return self.outputs[0].shape if len(self.outputs) == 1 else None


@dataclass(eq=False)
class OpCall:
    """A tensor operation that is not a layer (``x + y``, ``keras.ops.mean``, ``x[:, 0]``).

    Keras 3 records these as graph operations without weights; they are not in
    ``model.layers`` and kerlint does not list them either, but the graph runs
    through them.
    """

    name: str
    inputs: list[Tensor]
    node: cst.CSTNode
    outputs: list[Tensor] = field(default_factory=list)
    flops: int | None = None

    def __post_init__(self) -> None:
        _consume(self)


def _consume(node: "LayerCall | OpCall") -> None:
    """Record `node` as a reader of each of its inputs (once per tensor, however often it reads it)."""
    for tensor in {id(t): t for t in node.inputs}.values():
        tensor.consumers.append(node)


@dataclass(frozen=True)
class LostOutput:
    """A tensor a layer made that nothing can read any more: its name was rebound, its function ended, or it was a bare expression.

    ``bound`` is the assignment that named it (the bare expression itself when ``how`` is "discarded"),
    ``lost`` the statement that rebound the name (None otherwise), ``owner`` the function or module they run in.
    """

    tensor: Tensor
    name: str | None
    bound: cst.CSTNode
    lost: cst.CSTNode | None
    owner: cst.CSTNode
    how: str  # "overwritten" | "function-end" | "discarded"


@dataclass(frozen=True)
class Unresolved:
    """A place the interpreter could not evaluate, and why (`why`: text, or a `Reason` quoting its cause)."""

    node: cst.CSTNode
    why: "str | Reason"

    @property
    def reason(self) -> str:
        return str(self.why)

    def says(self, part: str) -> bool:
        """Whether the reason's own text, before any cause it quotes, contains `part` (without locating the cause)."""
        return part in (self.why.text if isinstance(self.why, Reason) else self.why)


@dataclass(frozen=True)
class Reason:
    """A reason that ends by quoting its first cause, with the cause's line: ``<text>: <cause> (line N)``.

    Locating a node regenerates the code of its whole file, and most reasons
    are never shown (`check` reports rules, not gaps): the line is located
    when the reason is read as text, with the `locator` of the cause's file.
    """

    text: str
    cause: Unresolved
    locator: Any = field(compare=False)  # kerlint.interpret.analysis.Locator

    def __str__(self) -> str:
        return f"{self.text}: {self.cause.reason} (line {self.locator.line(self.cause.node)})"


@dataclass(eq=False)
class CompileFacts:
    node: cst.CSTNode
    loss: Any
    optimizer: Any
    metrics: Any


@dataclass(eq=False)
class FitFacts:
    node: cst.CSTNode
    x: Any
    y: Any
    kwargs: dict[str, Any]


UNKNOWN_TRAINABLE = "`trainable` is set to a value, or under a condition, not statically known: the trainable/non-trainable split is unknown"


@dataclass(eq=False)
class ModelGraph:
    """A model: its inputs, outputs and the calls between them, in topological order."""

    name: str
    kind: str  # "functional" | "sequential"
    node: cst.CSTNode  # where the model is constructed
    function: str | None  # the entry point that built it; None at module level
    inputs: list[Tensor]
    outputs: list[Tensor]
    calls: list[LayerCall]
    notes: list[Unresolved] = field(default_factory=list)  # model-level gaps
    sequence: list[Layer] | None = None  # Sequential: the layers in order, built or not
    tracked: list[Layer] | None = None
    """Subclassed: the layers its attributes hold, in attribute order (``model.layers``); never an order of execution."""
    compiles: list[CompileFacts] = field(default_factory=list)
    fits: list[FitFacts] = field(default_factory=list)
    weights_loaded: cst.CSTNode | None = None
    """Where trained weights are first put into it (`load_weights`, `set_weights`, a checkpoint's `restore`)."""
    trainable: bool | None = True
    """``model.trainable``: False leaves it no trainable weights, whatever its layers say; None: unknown."""
    _layers: tuple[tuple, list[Layer]] | None = field(default=None, init=False, repr=False)
    """`layers` for the outputs, calls and sequence it was computed from (rules ask for it many times)."""
    _node_ids: tuple[tuple, set[int]] | None = field(default=None, init=False, repr=False)

    @property
    def layers(self) -> list[Layer]:
        """The layers in the order ``model.layers`` and ``summary()`` list them.

        Keras sorts by depth (the longest path to an output, deepest first) and
        breaks ties by first visit in a depth-first walk from the outputs, so
        parallel branches interleave level by level.
        """
        # Tensors and calls never change once made; a model changes by new outputs, calls or layers.
        listed = self.sequence if self.sequence is not None else self.tracked
        key = (tuple(map(id, self.outputs)), len(self.calls), None if listed is None else tuple(map(id, listed)))
        if self._layers is None or self._layers[0] != key:
            self._layers = (key, self._sorted_layers())
        return list(self._layers[1])

    def _sorted_layers(self) -> list[Layer]:
        listed = self.sequence if self.sequence is not None else self.tracked
        if listed is not None and not self.calls:
            return list(listed)
        nodes, _ = topological(self.outputs)
        depth: dict[int, int] = {}  # operation (layer or op) and node ids -> depth
        for node in reversed(nodes):
            operation = _operation(node)
            here = depth[id(operation)] = max(depth.get(id(node), 0), depth.get(id(operation), 0))
            for tensor in node.inputs:
                if not isinstance(tensor.producer, InputNode):
                    depth[id(tensor.producer)] = max(depth.get(id(tensor.producer), 0), here + 1)
        return sorted(first_visit(self.outputs), key=lambda layer: -depth.get(id(layer), 0))

    @property
    def unresolved(self) -> list[Unresolved]:
        """Every place this model's figures depend on something not statically known."""
        from_calls = [Unresolved(c.node, c.unresolved) for c in self.calls if c.unresolved]
        from_errors = [Unresolved(c.node, c.error) for c in self.calls if c.error]
        from_flags = [Unresolved(self.node, UNKNOWN_TRAINABLE)] if any(layer.trainable_unknown for layer in self.layers) else []
        return [*self.notes, *from_errors, *from_calls, *from_flags]

    @property
    def complete(self) -> bool:
        return bool(self.outputs) and not self.unresolved and all(layer.params is not None for layer in self.layers)

    @property
    def params(self) -> int | None:
        return self._total(lambda layer: layer.params)

    @property
    def trainable_params(self) -> int | None:
        """``model.trainable_weights``."""
        return 0 if self.trainable is False and self.complete else self.trainable_variables

    @property
    def trainable_variables(self) -> int | None:
        """Weights of its layers whose variables are trainable (see `Layer.trainable_variables`)."""
        return self._total(lambda layer: layer.trainable_variables)

    def set_trainable(self, value: bool | None) -> None:
        """``model.trainable = value``: Keras sets it on every layer inside."""
        self.trainable = value
        for layer in self.layers:
            layer.set_trainable(value)

    def _total(self, count) -> int | None:
        """`count` summed over the layers that own variables, each once: a layer inside two nested models (an
        autoencoder and its encoder, both in one model) holds one set of variables, as Keras counts them."""
        if not self.complete:
            return None
        owners = {id(owner): owner for layer in self.layers for owner in layer.owners()}
        return sum(count(owner) for owner in owners.values())

    def duplicate_names(self) -> dict[str, list[Layer]]:
        """Names given to several layers, one of them by ``name=``: Keras refuses a functional or Sequential model so
        (a subclassed model tracks its layers by attribute, and builds with repeated names)."""
        if self.kind not in ("functional", "sequential"):
            return {}
        by_name: dict[str, list[Layer]] = {}
        for layer in self.layers:
            by_name.setdefault(layer.name, []).append(layer)
        return {name: layers for name, layers in by_name.items() if len(layers) > 1 and any("name" in layer.config for layer in layers)}

    def disconnected_inputs(self) -> list[InputNode]:
        """The ``keras.Input``s a functional model's outputs are computed from but its ``inputs`` leave out (Keras raises).

        Keras computes the model from its `inputs` tensors, whatever made them:
        an intermediate tensor stops the walk back as a ``keras.Input`` does.
        """
        if self.kind != "functional" or not self.inputs or not self.outputs:
            return []
        stop = {id(t) for t in self.inputs}
        found: dict[int, InputNode] = {}
        seen: set[int] = set()
        pending = [t for t in self.outputs if id(t) not in stop]
        while pending:
            producer = pending.pop().producer
            if id(producer) in seen:
                continue
            seen.add(id(producer))
            if isinstance(producer, InputNode):
                found[id(producer)] = producer
                continue
            pending.extend(t for t in producer.inputs if id(t) not in stop)
        return [node for node in found.values() if not any(t.producer is node for t in self.inputs)]

    def refusals(self) -> list[Unresolved]:
        """Why Keras refuses to build this model (KER308, KER309 say it as findings): it has no total to print."""
        named = [Unresolved(layers[1].node, f'Keras refuses to build `{self.name}`: layer name "{name}" is used twice')
                 for name, layers in self.duplicate_names().items()]
        inputs = [Unresolved(self.node, f"Keras refuses to build `{self.name}`: its outputs depend on input `{node.name}`, not in its `inputs`")
                  for node in self.disconnected_inputs()]
        return named + inputs

    def consumers(self, call: LayerCall) -> list[LayerCall]:
        """The layer calls of this model that read `call`'s outputs (operations left out: see `readers`)."""
        return [c for c in self.readers(call) if isinstance(c, LayerCall)]

    def readers(self, call: "LayerCall | OpCall") -> list["LayerCall | OpCall"]:
        """Every layer call and operation of this model that reads `call`'s outputs, in evaluation order."""
        nodes = self._nodes()
        found: dict[int, LayerCall | OpCall] = {}
        for tensor in call.outputs:
            for reader in tensor.consumers:
                if id(reader) in nodes:
                    found.setdefault(id(reader), reader)
        return list(found.values())

    def _nodes(self) -> set[int]:
        """Ids of the layer calls and operations between this model's inputs and outputs."""
        key = tuple(map(id, self.outputs))
        if self._node_ids is None or self._node_ids[0] != key:
            nodes, _ = topological(self.outputs)
            self._node_ids = (key, {id(node) for node in nodes})
        return self._node_ids[1]


@functools.lru_cache(maxsize=4096)
def snake_case(class_name: str) -> str:
    """Keras's ``to_snake_case``: the prefix of automatic layer names."""
    name = re.sub(r"\W+", "", class_name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _operation(node: "LayerCall | OpCall") -> object:
    """What Keras calls the node's operation: the layer for a layer call, the op itself otherwise."""
    return node.layer if isinstance(node, LayerCall) else node


def first_visit(outputs: list[Tensor]) -> list[Layer]:
    """Layers in the order a depth-first walk from ``outputs`` first meets them (Keras's traversal index)."""
    layers: dict[int, Layer] = {}
    visited: set[int] = set()
    stack = [t.producer for t in reversed(outputs)]
    while stack:
        producer = stack.pop()
        if id(producer) in visited or isinstance(producer, InputNode):
            continue
        visited.add(id(producer))
        if isinstance(producer, LayerCall):
            layers.setdefault(id(producer.layer), producer.layer)
        stack.extend(t.producer for t in reversed(producer.inputs))
    return list(layers.values())


def topological(outputs: list[Tensor]) -> tuple[list["LayerCall | OpCall"], list[InputNode]]:
    """Layer calls and ops reachable backwards from ``outputs``, in topological order, and the inputs reached."""
    order: list[LayerCall | OpCall] = []
    inputs: list[InputNode] = []
    visited: set[int] = set()
    stack: list[tuple[Any, bool]] = [(t.producer, False) for t in reversed(outputs)]
    while stack:
        producer, expanded = stack.pop()
        if expanded:
            order.append(producer)
            continue
        if id(producer) in visited:
            continue
        visited.add(id(producer))
        if isinstance(producer, InputNode):
            inputs.append(producer)
            continue
        stack.append((producer, True))
        stack.extend((t.producer, False) for t in reversed(producer.inputs))
    return order, inputs


def collect_calls(outputs: list[Tensor]) -> tuple[list[LayerCall], list[InputNode]]:
    """Layer calls reachable backwards from ``outputs``, in topological order, and the inputs reached."""
    nodes, inputs = topological(outputs)
    return [node for node in nodes if isinstance(node, LayerCall)], inputs
