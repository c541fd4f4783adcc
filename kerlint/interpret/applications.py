"""Library backbones in user code: ``keras.applications.ResNet50(...)``, read from the Keras source on disk.

The entry point is interpreted from the installed Keras (or tf_keras) source,
never imported, by an interpreter of its own, with the arguments the user
passed: the same reconstruction kerlint makes when it lints Keras's own
applications. The result is a template, kept per process by source digest,
entry point and arguments; each use copies it into the user's graph (fresh
layers, so that freezing one copy leaves the others alone, located at the
user's call). A run with several workers interprets a backbone once per worker
that meets it.

Keras is looked for where the analyzed project would import it from: the
active virtualenv (``VIRTUAL_ENV``), a ``.venv`` beside the project's
``pyproject.toml``, then the environment kerlint runs in.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import sys
import time
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Hashable

import libcst as cst

from kerlint.files import digest
from kerlint.cache import MISSING
from kerlint.followed import load_module, record_missing, track_imports
from kerlint.graph import InputNode, Layer, LayerCall, ModelGraph, Tensor, Unresolved, collect_calls, snake_case, topological
from kerlint.interpret import tensor_ops
from kerlint.interpret.modules import FOLLOWED_KERAS
from kerlint.interpret.values import UNKNOWN, ApiRef, ModelValue

if TYPE_CHECKING:
    from kerlint.interpret.interpreter import Interpreter

PREPROCESSING = {"preprocess_input"}
"""Exported functions of a backbone's module that map an image batch to one of the same shape."""
SOURCE_LAYOUTS = (("keras", "src", "applications"), ("keras", "applications"), ("tf_keras", "src", "applications"))
"""Where an installed distribution keeps the applications' source: Keras 3 and 2.13+, older Keras 2, tf_keras."""
_EXPORT = re.compile(r"""["'](keras\.applications\.[\w.]+)["']""")
MISSING_SOURCE = (
    "Keras source not found: kerlint reads backbones from an installed keras (never importing it); install keras "
    "where kerlint runs or in the project's virtualenv (VIRTUAL_ENV, or .venv beside pyproject.toml); "
    "for pre-commit: additional_dependencies: [keras]"
)
TEMPLATES_KEPT = 32
BACKBONE_SECONDS = 20.0
"""A backbone's own time budget: the largest (EfficientNetV2L, NASNetLarge) take under a second; it is spent once per process."""


def call(interp: "Interpreter", ref: ApiRef, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
    """``keras.applications.X(...)`` or ``keras.applications.x.preprocess_input(t)`` in the analyzed code."""
    if ref.leaf in PREPROCESSING:
        first = args[0] if args else kwargs.get("x", UNKNOWN)
        return tensor_ops.record(interp, ref.leaf, [first], first.shape, node) if isinstance(first, Tensor) else UNKNOWN
    if not ref.leaf[:1].isupper():
        return UNKNOWN
    source = entry_point_source(ref.path, interp.path)
    if source is None:
        return unresolved_backbone(interp, ref, MISSING_SOURCE, node)
    started = time.monotonic()
    try:
        template = backbone_template(source, ref.leaf, args, kwargs)
    except (OSError, UnicodeDecodeError, cst.ParserSyntaxError, RecursionError):
        return unresolved_backbone(interp, ref, f"Keras source {source} could not be read or parsed", node)
    finally:
        interp.deadline += time.monotonic() - started  # the backbone has its own budget; the file keeps its own
    if isinstance(template, str):
        return unresolved_backbone(interp, ref, template, node)
    model = instantiate(interp, template, args, kwargs, node)
    interp.register_model(model)
    return model


def unresolved_backbone(interp: "Interpreter", ref: ApiRef, reason: str, node: cst.CSTNode) -> ModelValue:
    """A model that stands for the backbone and says why its figures are unknown (so does a call of it: `classes.wrap_node`)."""
    note = Unresolved(node, f"`{ref.path}`: {reason}")
    interp.unresolved.append(note)
    graph = ModelGraph(snake_case(ref.leaf), "functional", node, interp.entry_point, inputs=[], outputs=[], calls=[], notes=[note])
    model = ModelValue(graph)
    interp.register_model(model)
    return model


# ------------------------------------------------------------------ source


def entry_point_source(dotted: str, analyzed: str) -> Path | None:
    """The source file that defines the exported ``dotted`` (``keras.applications.resnet50.ResNet50``), if installed.

    When none is found, the places looked in are recorded: installing Keras there changes the analyzed file's result.
    """
    environments = (os.environ.get("VIRTUAL_ENV"), _project_venv(Path(analyzed).resolve().parent))
    for directory in applications_directories(*environments):
        exports = exported(directory)
        found = exports.get(dotted) or exports.get(FOLLOWED_KERAS + dotted.rpartition(".")[2])
        if found is not None:
            return found
    record_missing(_candidates(*environments))
    return None


@functools.lru_cache(maxsize=64)
def _project_venv(directory: Path) -> Path | None:
    """The ``.venv`` beside the ``pyproject.toml`` of the project `directory` belongs to."""
    for folder in (directory, *directory.parents):
        if (folder / "pyproject.toml").is_file():
            venv = folder / ".venv"
            return venv if venv.is_dir() else None
    return None


@functools.lru_cache(maxsize=16)
def applications_directories(virtual_env: str | None, project_venv: Path | None) -> list[Path]:
    """The applications source directories found, most specific environment first."""
    found: list[Path] = []
    for marker in _candidates(virtual_env, project_venv):
        if marker.parent not in found and marker.is_file():
            found.append(marker.parent)
    return found


@functools.lru_cache(maxsize=16)
def _candidates(virtual_env: str | None, project_venv: Path | None) -> list[Path]:
    """The ``__init__.py`` of every applications directory looked for: the virtualenvs' site-packages, then ``sys.path``."""
    roots: list[Path] = []
    for venv in (Path(virtual_env) if virtual_env else None, project_venv):
        if venv is not None:
            roots.extend(sorted(venv.glob("lib/python3*/site-packages")) + [venv / "Lib" / "site-packages"])
    roots.extend(Path(entry) for entry in sys.path if entry)
    return [root.joinpath(*layout, "__init__.py") for root in roots for layout in SOURCE_LAYOUTS]


@functools.lru_cache(maxsize=16)
def exported(directory: Path) -> dict[str, Path]:
    """{exported name: defining file} from the ``keras_export`` decorators of one applications directory."""
    exports: dict[str, Path] = {}
    for path in sorted(directory.glob("*.py")):
        if path.name.endswith("_test.py"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for name in _EXPORT.findall(text):
            exports.setdefault(name, path)
    return exports


# --------------------------------------------------------------- templates


@dataclasses.dataclass(eq=False)
class Template:
    """A backbone as its own interpreter built it; never changed, only copied (`instantiate`)."""

    graph: ModelGraph
    placeholders: dict[int, str]  # id(InputNode) standing for a tensor argument -> the argument's name or position
    auto_named: dict[int, str]  # id(layer or InputNode) -> the prefix Keras named it after (``input_layer``, ``rescaling``)


_templates: OrderedDict[Hashable, tuple[Template | str, dict[str, str]]] = OrderedDict()
"""Per process: (the template or why there is none, {Keras file read: digest or MISSING}) by source, entry point, arguments."""


def backbone_template(source: Path, entry: str, args: list, kwargs: dict) -> Template | str:
    """The interpreted backbone for these arguments, or why it could not be built; interpreted once per process.

    Each use records the Keras files the interpretation read, as if it read them
    again: the analyzing file's cached result then follows a change of Keras.
    """
    key = _frozen((str(source), digest(source.read_bytes()), entry, args, kwargs))
    memo = _templates.get(key) if key is not None else None
    if memo is None:
        with track_imports() as read:
            memo = (_interpret(source, entry, args, kwargs), dict(read))
        if key is not None:
            _templates[key] = memo
            while len(_templates) > TEMPLATES_KEPT:
                _templates.popitem(last=False)
    else:
        _templates.move_to_end(key)
        for path, file_digest in memo[1].items():
            if file_digest is MISSING:
                record_missing([Path(path)])
            else:
                load_module(Path(path))
    return memo[0]


def _interpret(source: Path, entry: str, args: list, kwargs: dict) -> Template | str:
    from kerlint.interpret.interpreter import Budget, Interpreter

    parsed = load_module(source)
    interp = Interpreter(parsed.module, str(source), Budget(seconds=BACKBONE_SECONDS), parsed.deferred)
    placeholders: dict[int, str] = {}

    def stand_in(value: Any, label: str) -> Any:
        if not isinstance(value, Tensor):
            return value
        node = InputNode(label, parsed.module, value.shape)
        placeholders[id(node)] = label
        return Tensor(value.shape, node)

    result = interp.call_entry(
        entry, [stand_in(v, str(i)) for i, v in enumerate(args)], {k: stand_in(v, k) for k, v in kwargs.items()}
    )
    if not isinstance(result, ModelValue):
        reasons = [note.reason for note in interp.unresolved]
        return f"`{entry}` could not be evaluated from {source}" + (f" ({reasons[0]})" if reasons else "")
    graph = result.graph
    if not graph.complete:
        reasons = [note.reason for note in graph.unresolved] or ["its figures are not statically known"]
        return f"`{entry}` from {source}: {reasons[0]}"
    auto = {}
    for producer in [*(t.producer for t in graph.inputs), *graph.layers]:
        prefix = "input_layer" if isinstance(producer, InputNode) else snake_case(producer.class_name)
        if _is_automatic(producer.name, prefix, interp.name_counts.get(prefix, 0)):
            auto[id(producer)] = prefix
    return Template(graph, placeholders, auto)


def _is_automatic(name: str, prefix: str, count: int) -> bool:
    """Whether `name` is one Keras gave (``prefix``, ``prefix_1``... below `count`) rather than the code."""
    if name == prefix:
        return count > 0
    head, _, number = name.rpartition("_")
    return head == prefix and number.isdigit() and int(number) < count


def _frozen(value: Any) -> Hashable | None:
    """A hashable key for arguments (a tensor counts by its shape), or None when one cannot be made."""
    if isinstance(value, Tensor):
        return ("tensor", value.shape)
    if isinstance(value, (list, tuple)):
        items = [_frozen(v) for v in value]
        return None if any(i is None for i in items) else (type(value).__name__, *items)
    if isinstance(value, dict):
        items = [(k, _frozen(v)) for k, v in value.items()]
        return None if any(v is None for _, v in items) else ("dict", *sorted(items, key=lambda kv: str(kv[0])))
    try:
        hash(value)
    except TypeError:
        return None
    return (type(value).__name__, value)


# ---------------------------------------------------------------- copying


def instantiate(interp: "Interpreter", template: Template, args: list, kwargs: dict, site: cst.CSTNode) -> ModelValue:
    """A fresh copy of the template's model in the user's graph: new layers and tensors, located at `site`.

    A tensor argument (``input_tensor=x``) is wired in place of the input that
    stood for it, and the model's inputs are then the ones ``x`` comes from, as
    in Keras. Layers Keras names automatically take the user's next free names.
    """
    given = {str(i): v for i, v in enumerate(args)} | kwargs
    tensors: dict[int, Tensor] = {}  # id(template tensor) -> its copy
    sources: dict[int, Tensor] = {}  # id(template InputNode) -> the tensor that replaces its outputs
    inputs: list[Tensor] = []
    for tensor in template.graph.inputs:
        producer = tensor.producer
        if id(producer) in template.placeholders:
            outer = given[template.placeholders[id(producer)]]
            sources[id(producer)] = outer
            inputs.extend(_source_inputs(outer))
        else:
            name = _name(interp, template, producer)
            sources[id(producer)] = copy = Tensor(tensor.shape, dataclasses.replace(producer, name=name, node=site))
            inputs.append(copy)

    def copied(tensor: Tensor) -> Tensor:
        return sources[id(tensor.producer)] if isinstance(tensor.producer, InputNode) else tensors[id(tensor)]

    layers: dict[int, Layer] = {}
    nodes, _ = topological(template.graph.outputs)
    for node in nodes:
        copied_inputs = [copied(t) for t in node.inputs]
        if isinstance(node, LayerCall):
            layer = layers.get(id(node.layer))
            if layer is None:
                name = _name(interp, template, node.layer)
                layer = layers[id(node.layer)] = dataclasses.replace(node.layer, name=name, node=site, calls=[])
            copy = dataclasses.replace(node, layer=layer, inputs=copied_inputs, node=site, outputs=[])
            layer.calls.append(copy)
        else:
            copy = dataclasses.replace(node, inputs=copied_inputs, node=site, outputs=[])
        copy.outputs = [Tensor(t.shape, copy, t.index) for t in node.outputs]
        for old, new in zip(node.outputs, copy.outputs):
            tensors[id(old)] = new
    graph = template.graph
    outputs = [copied(t) for t in graph.outputs]
    calls, _ = collect_calls(outputs)
    copy_graph = ModelGraph(graph.name, graph.kind, site, interp.entry_point, inputs=inputs, outputs=outputs, calls=calls)
    copy_graph.weights_loaded = None if graph.weights_loaded is None else site  # pretrained: its architecture is fixed
    return ModelValue(copy_graph)


def _name(interp: "Interpreter", template: Template, producer: Layer | InputNode) -> str:
    prefix = template.auto_named.get(id(producer))
    return producer.name if prefix is None else interp.auto_name(prefix)


def _source_inputs(tensor: Tensor) -> list[Tensor]:
    """The input tensors `tensor` is computed from (``operation_utils.get_source_inputs``)."""
    if isinstance(tensor.producer, InputNode):
        return [tensor]
    found: dict[int, Tensor] = {}
    for node in topological([tensor])[0]:
        for source in node.inputs:
            if isinstance(source.producer, InputNode):
                found.setdefault(id(source.producer), source)
    return list(found.values())
