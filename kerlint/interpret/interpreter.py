"""Bounded abstract evaluation of a module's statements and expressions.

The interpreter runs model-building code over abstract values (see
``values.py``): what it can compute exactly it computes, everything else is
``UNKNOWN``, which propagates quietly. Keras API calls are given meaning by
``keras_api.py``. Budgets on steps, call depth and loop unrolling make a
pathological file degrade to ``UNKNOWN`` instead of hanging.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import operator
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

import libcst as cst

from kerlint import walk
from kerlint.graph import InputNode, LayerCall, LostOutput, Reason, Tensor, Unresolved
from kerlint.interpret import builtins as py_builtins
from kerlint.interpret import arrays, classes, keras_api, tensor_ops
from kerlint.interpret.builtins import SUPER
from kerlint.interpret.imports import canonical, is_keras
from kerlint.interpret.keras_helpers import HelperRaised
from kerlint.interpret.modules import ModuleResolver, is_modelled
from kerlint.interpret.op_shapes import RuntimeDim, runtime_arithmetic
from kerlint.interpret.values import (
    MAX_ELEMENTS, MAX_INT_BITS, UNKNOWN, ApiRef, BoundMethod, Data, DataShape, Function, LayerValue, LazyValue, ModelValue, ModuleValue,
    contains_unknown, footprint, is_native, resolved
)
from kerlint.followed import load_module
from kerlint.skeleton import DeferredDefinition

if TYPE_CHECKING:
    from kerlint.interpret.analysis import Locator


MAX_CAUSES = 10_000
"""Causes kept per file: enough for any reason to quote, bounded for hostile files."""

IDLE_ITERATIONS = 3
"""Iterations a loop runs before `Interpreter.idle_loop` may summarize it: enough to see whether it touches Keras."""


@dataclass(frozen=True)
class Budget:
    """Limits that make any file's evaluation end, deterministically (steps) and, as a last resort, in time.

    Steps are earned by building Keras layers and inputs, ``steps_per_object``
    each. The module body and each entry point may run ``entry_idle_steps``
    beyond what they earned before they are abandoned (the next entry point
    runs); the whole file stops after ``idle_steps`` beyond what it earned, or
    ``steps`` in all. Model-building code earns its budget as it goes
    (EfficientNetV2's file: 77k steps for ~3,000 layers); code that builds
    nothing (a framework's internals, a data-loading loop) is given up early.
    """

    steps: int = 400_000
    idle_steps: int = 40_000
    entry_idle_steps: int = 10_000
    steps_per_object: int = 2_000
    call_depth: int = 24
    elements: int = 2_000_000  # items of the lists, tuples and strings operators and calls build
    loop_unroll: int = 2_000
    idle_loop_steps: int = 2_000  # what a loop that touches no Keras object may cost before it is summarized (`idle_loop`)
    seconds: float = 2.0  # model-building code needs well under a second (NASNet's file: 0.6s)
    modules: int = 24  # project modules followed from one file


class _Stopped(Exception):
    """A budget stopped the evaluation; ``statement`` is the outermost statement that was running."""

    statement: cst.CSTNode | None = None


class BudgetExhausted(_Stopped):
    """The file is too expensive to evaluate further; what was found so far stands."""


class _EntryAbandoned(_Stopped):
    """The module body or an entry point ran too long without building anything; the next one runs."""


class _Return(Exception):
    def __init__(self, value: Any):
        self.value = value


class _Raise(Exception):
    """User code raised: the enclosing call evaluates to UNKNOWN."""


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


@dataclass
class _LoopStart:
    """Where a running loop started, for `Interpreter.idle_loop`."""

    steps: int
    work: int  # Keras objects built or touched
    node: cst.For | cst.While | cst.BaseComp
    scope: Scope
    changes_keras: bool | None = None  # whether it changes a Keras object in place: read from its code once, if needed


class Scope:
    """Names of one module or function activation; ``parent`` is the closure."""

    declared_global: frozenset[str] = frozenset()  # names a ``global`` statement made the module's (few scopes have any)
    why: dict[str, Unresolved] | None = None  # names bound to UNKNOWN here -> the cause recorded as their value was computed

    def __init__(self, parent: "Scope | None" = None, module: cst.Module | None = None):
        self.vars: dict[str, Any] = {}
        self.parent = parent
        self.star_imports: list[str] = []
        self.module = module if parent is None else parent.module  # the file this code comes from
        self.owner: cst.CSTNode | None = module  # the function (or module) whose activation this is
        self.tensors: dict[str, tuple[Tensor, cst.Assign]] = {}  # names bound to a layer's output here, and where

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope.vars[name]
            # ``from keras.layers import *`` does not rebind ``range`` or ``True``.
            if scope.star_imports and not py_builtins.is_builtin(name):
                return ApiRef(canonical(f"{scope.star_imports[0]}.{name}"))
            scope = scope.parent
        return py_builtins.lookup(name)

    def cause_of(self, name: str) -> Unresolved | None:
        """Why `name`, as a lookup finds it, is unknown (see `Interpreter.recall`)."""
        scope = self.holder(name)
        return scope.why.get(name) if scope.why else None

    def remember(self, name: str, cause: Unresolved | None) -> None:
        """`name`, bound here to UNKNOWN, is so because of `cause` (None: no cause was recorded)."""
        if cause is not None:
            if self.why is None:
                self.why = {}
            self.why[name] = cause
        elif self.why:
            self.why.pop(name, None)

    def holder(self, name: str) -> "Scope":
        """The scope whose binding of `name` a lookup finds (this one when none binds it)."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                return scope
            scope = scope.parent
        return self


def _defined(scope: Scope, name: str) -> Any:
    """What a definition just evaluated in `scope` bound `name` to."""
    defined = scope.vars.get(name, UNKNOWN)
    return UNKNOWN if isinstance(defined, LazyValue) else defined


def join(a: Any, b: Any) -> Any:
    """The value known on both paths of a branch, or UNKNOWN."""
    if a is b:
        return a
    if type(a) is type(b) and isinstance(a, (int, float, str, bool, ApiRef)) and a == b:
        return a
    return UNKNOWN


def _join_into(variables: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """`variables` becomes what both paths agree on; names bound on one path only become UNKNOWN.

    Returns the names that became UNKNOWN here (known on at least one path).
    """
    lost = []
    for key, value in other.items():
        mine = variables.get(key, UNKNOWN)
        if mine is not value:
            variables[key] = joined = join(mine, value)
            if joined is UNKNOWN:
                lost.append(key)
    for key in variables.keys() - other.keys():
        if variables[key] is not UNKNOWN:
            lost.append(key)
        variables[key] = UNKNOWN
    return lost


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    cst.Add: operator.add,
    cst.Subtract: operator.sub,
    cst.Multiply: operator.mul,
    cst.Divide: operator.truediv,
    cst.FloorDivide: operator.floordiv,
    cst.Modulo: operator.mod,
    cst.Power: operator.pow,
    cst.LeftShift: operator.lshift,
    cst.RightShift: operator.rshift,
    cst.BitAnd: operator.and_,
    cst.BitOr: operator.or_,
    cst.BitXor: operator.xor,
}

_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    cst.Equal: operator.eq,
    cst.NotEqual: operator.ne,
    cst.LessThan: operator.lt,
    cst.LessThanEqual: operator.le,
    cst.GreaterThan: operator.gt,
    cst.GreaterThanEqual: operator.ge,
    cst.In: lambda a, b: a in b,
    cst.NotIn: lambda a, b: a not in b,
    cst.Is: lambda a, b: a is b,
    cst.IsNot: lambda a, b: a is not b,
}

def _safe_arith(op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
    """Apply a Python operator to known values within `footprint`'s bounds, refusing results that would pass them."""
    if _too_big(op, left, right):
        return UNKNOWN
    try:
        result = op(left, right)
    except Exception:  # ZeroDivisionError, TypeError...: not our business
        return UNKNOWN
    if type(result) is int and result.bit_length() > MAX_INT_BITS:
        return UNKNOWN
    return result


def _too_big(op: Callable[[Any, Any], Any], left: Any, right: Any) -> bool:
    """Whether ``op(left, right)`` would build a value past MAX_ELEMENTS or MAX_INT_BITS (known before computing it)."""
    if type(left) is int and type(right) is int:
        if op is operator.pow:
            # (bits - 1) * n undercounts by half at most (3**n has 1.6n bits): never more than 2 * MAX_INT_BITS computed
            return right > 0 and (left.bit_length() - 1) * right > MAX_INT_BITS
        return op is operator.lshift and left.bit_length() + right > MAX_INT_BITS
    if op is operator.mul:
        for sequence, count in ((left, right), (right, left)):
            if isinstance(sequence, (str, tuple, list)) and isinstance(count, int):
                size = footprint(sequence)
                return size is None or size * count > MAX_ELEMENTS
    # "%0999999999d" % 1 or "%*d" % (10**9, 1): a width that fills memory
    return op is operator.mod and isinstance(left, str) and ("*" in left or py_builtins.WIDE_FORMAT.search(left) is not None)


class Interpreter:
    """Evaluates one module. ``keras_api`` records layers, calls and models on it."""

    def __init__(
        self,
        module: cst.Module,
        path: str,
        budget: Budget = Budget(),
        deferred: dict[int, DeferredDefinition] | None = None,
        resolver: ModuleResolver | None = None,
    ):
        self.module = module
        self.deferred = dict(deferred or {})  # skeletons' placeholders, this file's and followed modules' (`kerlint.skeleton`)
        self.path = path
        self.budget = budget
        self.steps = 0
        self.built = 0  # Keras layers and inputs built: each earns `budget.steps_per_object` more steps
        self.touches = 0  # calls, attributes and operations on Keras objects: a loop that makes none is summarized
        self.watching = 0  # loops running that `idle_loop` may summarize: only then are calls and attributes counted
        self.entry_start = (0, 0)  # (steps, built) when the running entry point started
        self.entry_models = 0  # models registered before it started
        self.step_limit = 0
        self.deadline = time.monotonic() + budget.seconds
        self.call_stack: list[str] = []
        self.models: list[ModelValue] = []
        self.calls: list[LayerCall] = []
        self.unresolved: list[Unresolved] = []
        self.stops: list[Unresolved] = []  # where a budget stopped the module body or an entry point, and why
        self.causes: list[Unresolved] = []  # why values became unknown, in order (see `explain`)
        self.call_causes = 0  # len(causes) when the call being dispatched began to evaluate its arguments (see `because`)
        self.run_time_sizes: Any = None  # `run_time_sizes`' unknowns of this run, made when the first size is named
        self._locator: Locator | None = None
        self._own_deferred = tuple(self.deferred.values())  # this file's left-out definitions, for the locator
        self.data_loads: list[Data] = []
        self.data_uses: list[arrays.DataUse] = []  # what fit/evaluate/predict received
        self.inputs: list[InputNode] = []
        self.name_counts: dict[str, int] = {}
        self.called_functions: set[int] = set()
        self.globals = Scope(module=module)
        self.resolver = resolver or ModuleResolver(path)
        self.imported: dict[Path, ModuleValue | None] = {}
        self.foreign_site: cst.CSTNode | None = None  # the call or import in this file that runs another file's code
        self.methods: list[tuple[classes.ClassValue, classes.Instance]] = []  # (owner class, self) of running methods
        self.importing = 0  # > 0 while an imported module's top level runs: its models are not this file's
        self.anchors: dict[int, cst.CSTNode] = {}  # another file's nodes -> where this file reached them
        self.allocated = 0
        self.lost: list[LostOutput] = []  # layer outputs nothing can read any more (see `liveness`)
        self.undecided = 0  # > 0 while one path of a branch kerlint cannot decide runs (see `exec_both`)
        self.call_site: tuple[cst.Call, Scope] | None = None  # the call whose arguments were evaluated last, and its scope

    # ----------------------------------------------------------------- driver

    def run(self) -> None:
        """Evaluate the module, then each entry point nobody called, with its default arguments.

        Entry points are the top-level functions and the public methods of
        top-level plain classes. Those whose parameters all have defaults run
        first, so a helper such as ``ResNet(stack_fn, ...)`` is analyzed as part
        of ``ResNet50()`` rather than on its own; each starts from the layer
        names as they are after the module ran, as in a fresh Keras session.
        """
        self.start_entry()
        try:
            self.exec_block(self.module.body, self.globals)
        except (_Return, _Break, _Continue, _Raise):
            pass
        except _EntryAbandoned as stop:
            self.stopped(stop, None)
        except BudgetExhausted as stop:
            self.stopped(stop, None)
            return
        names_after_import = dict(self.name_counts)
        candidates = list(self.entry_points())
        candidates.sort(key=lambda entry: not _all_defaulted(entry[1]))
        for label, function, owner in candidates:
            if id(function.node) in self.called_functions:
                continue
            self.name_counts = dict(names_after_import)
            self.start_entry()
            try:
                self.call_stack.append(label)
                args = [classes.instantiate(self, owner, [], {}, owner.node)] if owner is not None else []
                self.call_function(function, args, {}, function.node)
            except _EntryAbandoned as stop:
                self.stopped(stop, label)
                continue
            except BudgetExhausted as stop:
                self.stopped(stop, label)
                return
            finally:
                self.call_stack.pop()

    def call_entry(self, name: str, args: list, kwargs: dict) -> Any:
        """Evaluate the module, then call its function `name` with these arguments: a library model another file builds."""
        self.start_entry()
        try:
            self.exec_block(self.module.body, self.globals)
        except (_Return, _Break, _Continue, _Raise):
            return UNKNOWN
        except _Stopped as stop:
            self.stopped(stop, None)
            return UNKNOWN
        function = resolved(self.globals.lookup(name))
        if not isinstance(function, Function):
            return UNKNOWN
        self.start_entry()
        self.call_stack.append(name)
        try:
            return self.call_function(function, args, kwargs, function.node)
        except _Stopped as stop:
            self.stopped(stop, name)
            return UNKNOWN
        finally:
            self.call_stack.pop()

    def entry_points(self) -> Iterator[tuple[str, Function, "classes.ClassValue | None"]]:
        """(label, function, owning class) for each top-level function and public method of a plain class."""
        for name, value in list(self.globals.vars.items()):
            if isinstance(value, Function) and value.closure is self.globals:
                yield name, value, None
            elif isinstance(value, classes.ClassValue) and value.keras_kind is None and value.node in self.module.body:
                for method_name, method in value.namespace.items():
                    if isinstance(method, Function) and not method_name.startswith("_"):
                        yield f"{name}.{method_name}", method, value

    def note(self, node: cst.CSTNode, reason: str | Reason) -> None:
        self.unresolved.append(Unresolved(node, reason))

    @property
    def locator(self) -> "Locator":
        """Where this file's nodes are, shared with the file's analysis: reasons that quote a cause keep it to locate the
        cause when they are shown (`Reason`)."""
        if self._locator is None:
            from kerlint.interpret.analysis import Locator  # the analysis is built on this module

            self._locator = Locator(self.module, self.anchors, self._own_deferred)
        return self._locator

    def because(self, text: str, since: int) -> str | Reason:
        """`text`, quoting the first cause recorded since `since` (a ``len(causes)``) when one was.

        An unresolved reason: a model's outputs that could not be evaluated say
        which construct made them unknown, and where.
        """
        return self.with_cause(text, self.cause_since(since))

    def cause_since(self, since: int) -> Unresolved | None:
        """The first cause recorded since `since` (a ``len(causes)``): kept to quote later, if need be."""
        return self.causes[since] if len(self.causes) > since else None

    def with_cause(self, text: str, cause: Unresolved | None) -> str | Reason:
        """`text`, ending with ``: <cause> (line N)`` when there is a `cause`."""
        return text if cause is None else Reason(text, cause, self.locator)

    def recall(self, cause: Unresolved) -> None:
        """Record `cause`: a new one (`explain`), or that of an unknown value computed earlier and used again now."""
        if len(self.causes) < MAX_CAUSES:
            self.causes.append(cause)

    def explain(self, node: cst.CSTNode, reason: str) -> None:
        """Why a value became unknown at `node` (``tf.random.normal`` with an unknown shape).

        Not a finding of its own: a construct that ends unresolved (a custom
        layer's ``call``, a model's outputs) quotes the first cause recorded
        since it began (`because`), so its reason names the line to look at.
        """
        self.recall(Unresolved(node, reason))

    def source_text(self, node: cst.CSTNode, limit: int = 60) -> str:
        """The code of `node` for a reason to quote: a loop's header, an expression's first line, at most `limit` characters."""
        if type(node) is cst.For:
            text = f"for {self.module.code_for_node(node.target)} in {self.module.code_for_node(node.iter)}"
        elif type(node) is cst.While:
            text = f"while {self.module.code_for_node(node.test)}"
        else:
            text = self.module.code_for_node(node).strip()
        first = text.partition("\n")[0]
        return first if len(first) <= limit and first == text else first[:limit - 3].rstrip() + "..."

    def tick(self) -> None:
        """One more step (a statement or an expression evaluated); raises when a budget is spent."""
        self.steps += 1
        if self.steps > self.step_limit or not self.steps & 1023:
            self._check_budgets()

    def _check_budgets(self) -> None:
        if self.steps > self.step_limit:
            self._over_budget()
        if not self.steps & 1023 and time.monotonic() > self.deadline:
            raise BudgetExhausted(f"evaluation time budget of {self.budget.seconds:g}s exhausted")

    def start_entry(self) -> None:
        """The module body or an entry point starts: it gets its own idle allowance (see `Budget`)."""
        self.entry_start = (self.steps, self.built)
        self.entry_models = len(self.models)
        self._update_step_limit()

    def _file_step_limit(self) -> int:
        return min(self.budget.steps, self.budget.idle_steps + self.budget.steps_per_object * self.built)

    def _update_step_limit(self) -> None:
        budget, (start_steps, start_built) = self.budget, self.entry_start
        entry_limit = start_steps + budget.entry_idle_steps + budget.steps_per_object * (self.built - start_built)
        self.step_limit = min(self._file_step_limit(), entry_limit)

    def _over_budget(self) -> None:
        if self.steps > self._file_step_limit():
            raise BudgetExhausted(f"evaluation budget of {self.steps - 1:,} steps exhausted ({self.built:,} Keras layers built)")
        raise _EntryAbandoned(f"abandoned after {self.steps - 1 - self.entry_start[0]:,} steps that built too few Keras layers")

    def stopped(self, stop: _Stopped, entry: str | None) -> None:
        """A budget stopped the module body (`entry` None) or an entry point: the file says where and why, and so
        do the models it left incomplete (what would have run next might have changed them)."""
        node = stop.statement or self.module
        where = f"`{entry}`" if entry else "the module's top level"
        running = "" if stop.statement is None else f" in `{self.source_text(stop.statement)}`"
        reason = f"analysis of {where} stopped early{running}: {stop}; what runs after it is not analyzed"
        self.note(node, reason)
        self.stops.append(Unresolved(node, reason))
        for model in self.models[self.entry_models:]:
            if not model.graph.complete:
                model.graph.notes.append(Unresolved(node, reason))

    def allocate(self, value: Any) -> Any:
        """``value``, or UNKNOWN once the program has built too many elements, or an int past MAX_INT_BITS.

        Each operation is bounded on its own; this bounds their sum, so
        ``[[0] * 100_000 for _ in range(2_000)]`` cannot fill memory.
        """
        if type(value) is int:
            return value if value.bit_length() <= MAX_INT_BITS else UNKNOWN
        if isinstance(value, (str, list, tuple)):
            self.allocated += len(value)
            if self.allocated > self.budget.elements:
                return UNKNOWN
        return value

    def name_new(self, given: Any, prefix: str) -> str:
        """The name of a Keras layer or input being built: `given` if a string, else the next automatic one."""
        self.built += 1
        self._update_step_limit()
        return given if isinstance(given, str) else self.auto_name(prefix)

    def auto_name(self, prefix: str) -> str:
        """Keras's ``uniquify``: ``dense``, ``dense_1``, ``dense_2``..."""
        count = self.name_counts.get(prefix, 0)
        self.name_counts[prefix] = count + 1
        return prefix if count == 0 else f"{prefix}_{count}"

    @property
    def entry_point(self) -> str | None:
        return self.call_stack[0] if self.call_stack else None

    # -------------------------------------------------------------- statements

    def exec_block(self, body: Iterable[cst.CSTNode], scope: Scope) -> None:
        for statement in body:
            self.exec_statement(statement, scope)

    def exec_statement(self, node: cst.CSTNode, scope: Scope) -> None:
        self.tick()
        handler = _STATEMENT_HANDLERS.get(type(node))
        if handler is None:
            return
        try:
            handler(self, node, scope)
        except RecursionError:  # a deeply nested expression: skip the statement, not the file
            self.note(node, "statement nests too deeply to evaluate")
        except _Stopped as stop:
            stop.statement = node  # set at each level on the way out: the outermost stays
            raise

    def exec_SimpleStatementLine(self, node: cst.SimpleStatementLine, scope: Scope) -> None:
        for small in node.body:
            self.exec_small(small, scope)

    def exec_small(self, node: cst.BaseSmallStatement, scope: Scope) -> None:
        # `type(...) is`: libcst's nodes are final classes, and `isinstance` on its abstract classes is slow.
        kind = type(node)
        if kind is cst.Expr:
            value = self.eval(node.value, scope)
            if type(value) is Tensor and value.reads == 0:
                self.lose(value, None, node, None, scope, "discarded")
        elif kind is cst.Assign:
            since = len(self.causes)
            value = self.eval(node.value, scope)
            if len(node.targets) == 1 and type(node.targets[0].target) is cst.Name:
                self.rebind(node.targets[0].target.value, value, node, scope)
            for target in node.targets:
                self.assign(target.target, value, scope)
                if value is UNKNOWN and type(target.target) is cst.Name:
                    scope.holder(target.target.value).remember(target.target.value, self.cause_since(since))
        elif kind is cst.AnnAssign:
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, scope), scope)
        elif kind is cst.AugAssign:
            current = self.eval(node.target, scope)
            value = self.binary(type(node.operator).__name__.replace("Assign", ""), current, self.eval(node.value, scope), node)
            self.assign(node.target, value, scope)
        elif kind is cst.Return:
            raise _Return(None if node.value is None else self.eval(node.value, scope))
        elif kind is cst.Import or kind is cst.ImportFrom:
            self.exec_import(node, scope)
        elif kind is cst.Raise:
            raise _Raise()
        elif kind is cst.Break:
            raise _Break()
        elif kind is cst.Continue:
            raise _Continue()
        elif kind is cst.Global:
            scope.declared_global = scope.declared_global | {name.name.value for name in node.names}
        elif kind is cst.Del:
            self.delete(node.target, scope)

    def delete(self, target: cst.BaseDelTargetExpression, scope: Scope) -> None:
        """``del xs[0]``, ``del config["units"]``: applied where kerlint knows the item, else the container is unknown."""
        if isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self.delete(element.value, scope)
        elif type(target) is cst.Name:
            self.bind(target.value, UNKNOWN, scope)
        elif isinstance(target, cst.Subscript):
            container, key = self.eval(target.value, scope), self.subscript_key(target, scope)
            if _one_item(container, key) and (type(container) is not dict or key in container):
                del container[key]
            elif isinstance(container, (list, dict)):
                self.forget(container, scope)

    def rebind(self, name: str, value: Any, node: cst.Assign, scope: Scope) -> None:
        """``name = value``: a layer output `name` held that nothing read is lost; remember a new one."""
        held = scope.tensors.get(name)
        if held is not None and held[0] is scope.vars.get(name) and held[0].reads == 0:
            self.lose(held[0], name, held[1], node, scope, "overwritten")
        if type(value) is Tensor and type(value.producer) is LayerCall:
            scope.tensors[name] = (value, node)
        elif held is not None:
            del scope.tensors[name]

    def lose(self, tensor: Tensor, name: str | None, bound: cst.CSTNode, lost: cst.CSTNode | None, scope: Scope, how: str) -> None:
        if self.foreign_site is None and not self.importing and type(tensor.producer) is LayerCall:
            self.lost.append(LostOutput(tensor, name, bound, lost, scope.owner, how))

    def lose_locals(self, scope: Scope) -> None:
        """A function returned: the layer outputs its names still hold unread are lost."""
        for name, (tensor, bound) in scope.tensors.items():
            if scope.vars.get(name) is tensor and tensor.reads == 0:
                self.lose(tensor, name, bound, None, scope, "function-end")

    def exec_import(self, node: cst.Import | cst.ImportFrom, scope: Scope) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                dotted = _dotted(alias.name)
                bound = dotted if alias.asname is not None else dotted.partition(".")[0]
                name = alias.asname.name.value if alias.asname is not None else bound
                scope.vars[name] = self.lazy(lambda: self.import_module(bound, 0, node) or ApiRef(canonical(bound)), bound, 0)
            return
        level = len(node.relative)
        module = _dotted(node.module) if node.module is not None else ""
        if isinstance(node.names, cst.ImportStar):
            if level == 0 and module:
                scope.star_imports.append(canonical(module))
            return
        for alias in node.names:
            name = alias.name.value if isinstance(alias.name, cst.Name) else _dotted(alias.name)
            bound = alias.asname.name.value if alias.asname is not None else name
            scope.vars[bound] = self.lazy(
                lambda module=module, name=name: self.import_name(module, name, level, node), module, level
            )

    def lazy(self, resolve: Callable[[], Any], module: str, level: int) -> Any:
        """Library imports bind at once; a project module is only read when a name from it is used."""
        if level or self.resolver.may_follow(module):
            return LazyValue(resolve)
        return resolve()

    def import_name(self, module: str, name: str, level: int, node: cst.CSTNode) -> Any:
        """``from module import name``: a followed submodule, a name of a followed module, or a library reference."""
        full = f"{module}.{name}" if module else name
        absolute = self.resolver.absolute(full, level) if level else full
        if absolute and is_modelled(absolute):
            return ApiRef(canonical(absolute))
        submodule = self.import_module(full, level, node)
        if submodule is not None:
            return submodule
        parent = self.import_module(module, level, node) if module or level else None
        if parent is not None:
            return self.attribute(parent, name, node)
        if level:
            return UNKNOWN
        return py_builtins.CONSTANTS[full] if full in py_builtins.CONSTANTS else ApiRef(canonical(full))

    def import_module(self, dotted: str, level: int, node: cst.CSTNode) -> ModuleValue | None:
        """Evaluate a project module once (its top level) and return its namespace; None if not followed."""
        path = self.resolver.find(dotted, level)
        if path is None:
            return None
        if path in self.imported:
            return self.imported[path]
        if len(self.imported) >= self.budget.modules or time.monotonic() > self.deadline:
            self.note(node, f"import of {dotted or '.'} not followed: module or time budget spent")
            return None
        self.imported[path] = None  # a circular import sees a partly evaluated module as not followed
        try:
            parsed = load_module(path)  # parsed once per process (kerlint.followed)
        except (OSError, UnicodeDecodeError, cst.ParserSyntaxError, RecursionError):
            self.note(node, f"imported module {dotted or '.'} could not be read or parsed")
            return None
        self.deferred.update(parsed.deferred)
        value = ModuleValue(dotted, level, Scope(module=parsed.module))
        with self.imported_code(node):
            try:
                for statement in parsed.module.body:
                    if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                        define = functools.partial(self.define_later, statement, value.scope, node)
                        value.scope.vars[statement.name.value] = LazyValue(define)
                    else:
                        self.exec_statement(statement, value.scope)
            except (_Return, _Break, _Continue, _Raise):
                pass
        self.imported[path] = value
        return value

    def define_later(self, statement: cst.FunctionDef | cst.ClassDef, scope: Scope, site: cst.CSTNode) -> Any:
        """A followed module's top-level ``def`` or ``class``, evaluated when first used.

        Most are never used by the importing file; evaluating a class eagerly
        would also follow the imports of its bases, and theirs, module after module.
        """
        with self.imported_code(site):
            if id(statement) in self.deferred:
                return self.define_deferred(self.deferred[id(statement)], scope)
            self.exec_statement(statement, scope)
        return _defined(scope, statement.name.value)

    def define_deferred(self, definition: DeferredDefinition, scope: Scope) -> Any:
        """A definition the skeleton left out, parsed and defined where its placeholder was, when first used."""
        try:
            node = definition.parse()
        except (cst.ParserSyntaxError, RecursionError):
            self.note(self.module, f"`{definition.name}` (line {definition.line}) could not be parsed")
            return UNKNOWN
        self.exec_statement(node, scope)
        return _defined(scope, definition.name)

    @contextlib.contextmanager
    def imported_code(self, site: cst.CSTNode) -> Iterator[None]:
        """Run a followed module's top-level code, reached through ``site``: its models are not this file's."""
        self.importing += 1
        try:
            with self.foreign(site):
                yield
        finally:
            self.importing -= 1

    @contextlib.contextmanager
    def foreign(self, site: cst.CSTNode) -> Iterator[None]:
        """Run another file's code; its graph nodes are located at ``site`` in this file."""
        outer = self.foreign_site
        self.foreign_site = outer if outer is not None else site
        try:
            yield
        finally:
            self.foreign_site = outer

    def register_model(self, model: ModelValue) -> None:
        if not self.importing:
            self.models.append(model)

    def register_call(self, call: LayerCall) -> None:
        """Calls in this file's own code, which the per-call rules report on."""
        if self.foreign_site is None:
            self.calls.append(call)

    def exec_FunctionDef(self, node: cst.FunctionDef, scope: Scope) -> None:
        if id(node) in self.deferred:
            scope.vars[node.name.value] = LazyValue(functools.partial(self.define_deferred, self.deferred[id(node)], scope))
            return
        # Defaults are evaluated at definition, as Python does.
        function = Function(node, scope, node.name.value, self.eval_defaults(node.params, scope))
        scope.vars[node.name.value] = function

    def exec_ClassDef(self, node: cst.ClassDef, scope: Scope) -> None:
        """A class: its body's definitions, and whether it subclasses a Keras layer or model."""
        bases = [self.eval(arg.value, scope) for arg in node.bases]
        body = Scope(scope)
        self.exec_block(node.body.body, body)
        kind = classes.keras_kind(bases, keras_api.is_layer_class)
        scope.vars[node.name.value] = classes.ClassValue(node.name.value, node, bases, body.vars, kind)

    def exec_If(self, node: cst.If, scope: Scope) -> None:
        condition = self.truth(self.eval(node.test, scope))
        orelse = node.orelse
        else_body: Callable[[], None]
        if type(orelse) is cst.If:
            else_body = lambda: self.exec_If(orelse, scope)  # noqa: E731
        elif type(orelse) is cst.Else:
            else_body = lambda: self.exec_block(orelse.body.body, scope)  # noqa: E731
        else:
            else_body = lambda: None  # noqa: E731
        if condition is True:
            self.exec_block(node.body.body, scope)
        elif condition is False:
            else_body()
        else:
            for name in self.exec_both(lambda: self.exec_block(node.body.body, scope), else_body, scope):
                scope.remember(name, Unresolved(node, f"`{name}` is set differently on the paths of an `if` kerlint cannot decide"))

    def exec_both(self, first: Callable[[], None], second: Callable[[], None], scope: Scope) -> list[str]:
        """Run both paths of an unknown branch and keep what they agree on; returns the names that this made unknown.

        A path that raises or returns is dropped (the other path continues), as
        with ``if weights not in {...}: raise ValueError(...)``.
        """
        before = scope.vars
        falls, returns = [], []
        for path, variables in ((first, dict(before)), (second, before)):  # the second path may change `before` itself
            scope.vars = variables
            self.undecided += 1
            try:
                path()
            except _Raise:
                continue
            except _Return as returned:
                returns.append(returned.value)
                continue
            finally:
                self.undecided -= 1
            falls.append(scope.vars)
        if not falls:
            if returns:
                raise _Return(returns[0] if len(returns) == 1 else join(*returns))
            raise _Raise()
        scope.vars = falls[0]
        return _join_into(falls[0], falls[1]) if len(falls) == 2 else []

    def exec_For(self, node: cst.For, scope: Scope) -> None:
        items = self.iterate(self.eval(node.iter, scope))
        if items is None:
            self.exec_unknown_loop(node, scope)
            return
        with self.watched_loop(node, scope) as start:
            completed = True
            for index, item in enumerate(items):
                if index >= self.budget.loop_unroll:
                    self.note(node, f"loop `{self.source_text(node)}` unrolled only {self.budget.loop_unroll} times: what it assigns is unknown after")
                    self.exec_unknown_loop(node, scope)
                    return
                if self.idle_loop(start, index, len(items)):
                    self.summarize_loop(node, index, scope)
                    return
                self.assign(node.target, item, scope)
                try:
                    self.exec_block(node.body.body, scope)
                except _Break:
                    completed = False
                    break
                except _Continue:
                    continue
            if completed and isinstance(node.orelse, cst.Else):
                self.exec_block(node.orelse.body.body, scope)

    def exec_While(self, node: cst.While, scope: Scope) -> None:
        with self.watched_loop(node, scope) as start:
            for index in range(self.budget.loop_unroll):
                if self.idle_loop(start, index, None):
                    self.note(node, f"`{self.source_text(node)}`: while loop still running after {index} iterations that touched no Keras object: summarized")
                    self.summarize_loop(node, index, scope)
                    return
                condition = self.truth(self.eval(node.test, scope))
                if condition is False:
                    return
                if condition is UNKNOWN:
                    break
                try:
                    self.exec_block(node.body.body, scope)
                except _Break:
                    return
                except _Continue:
                    continue
            else:
                self.note(node, f"`{self.source_text(node)}`: while loop still running after {self.budget.loop_unroll} iterations")
        self.exec_unknown_loop(node, scope)

    @contextlib.contextmanager
    def watched_loop(self, node: cst.For | cst.While | cst.BaseComp, scope: Scope) -> Iterator[_LoopStart]:
        """A loop `idle_loop` may summarize: while one runs, what touches a Keras object is counted (`touches`)."""
        self.watching += 1
        try:
            yield _LoopStart(self.steps, self.built + self.touches, node, scope)
        finally:
            self.watching -= 1

    def idle_loop(self, start: _LoopStart, done: int, total: int | None) -> bool:
        """Whether to summarize the rest of a loop: `done` iterations touched no Keras object, all of them
        (`total`; None for a ``while``, whose count is unknown: those done) would cost over ``idle_loop_steps``,
        and the loop changes no Keras object in place (``model.add(...)`` under a condition met later).

        Preparing data (appending thousands of samples, reading lines) would
        otherwise spend the budget that the model built after it needs; a loop
        that builds layers, calls them or sets their flags runs in full.
        """
        if done < IDLE_ITERATIONS or self.built + self.touches != start.work:
            return False
        spent = self.steps - start.steps
        if (spent if total is None else spent * total // done) <= self.budget.idle_loop_steps:
            return False
        if start.changes_keras is None:
            start.changes_keras = _changes_keras(start.node, start.scope)
        return not start.changes_keras

    def summarize_loop(self, node: cst.For | cst.While | cst.BaseComp, done: int, scope: Scope) -> None:
        """The rest of a loop that touches no Keras object, without running it: what it assigns or changes is unknown."""
        cause = Unresolved(node, f"loop `{self.source_text(node)}` summarized after {done} iterations that touched no Keras object")
        self.recall(cause)
        for name in _bound_names(node):
            self.bind(name, UNKNOWN, scope)
            scope.holder(name).remember(name, cause)
        # ``samples.append(x)``: the object's length or contents, whatever name it is seen through
        changed = {id(value) for value in map(scope.lookup, _mutated_names(node)) if isinstance(value, (list, dict, classes.Instance, Data))}
        visible: Scope | None = scope
        while changed and visible is not None:
            for name, value in visible.vars.items():
                if id(value) in changed:
                    visible.vars[name] = UNKNOWN
                    visible.remember(name, cause)
            visible = visible.parent

    def exec_unknown_loop(self, node: cst.For | cst.While, scope: Scope) -> None:
        """A loop whose trip count is unknown: maybe zero, maybe once; join the two."""

        def once() -> None:
            if type(node) is cst.For:
                self.assign(node.target, UNKNOWN, scope)
            try:
                self.exec_block(node.body.body, scope)
            except (_Break, _Continue):
                pass

        for name in self.exec_both(once, lambda: None, scope):
            scope.remember(name, Unresolved(node, f"`{name}` is set in a loop whose number of iterations kerlint does not know"))

    def exec_With(self, node: cst.With, scope: Scope) -> None:
        if any(_expects_raise(item.item) for item in node.items):
            # ``with self.assertRaises(...)``/``pytest.raises(...)``: code that fails on purpose builds no model
            # and changes none; the names it binds are unknown after it.
            for name in _bound_names(node):
                scope.vars[name] = UNKNOWN
            return
        for item in node.items:
            value = self.eval(item.item, scope)
            if item.asname is not None:
                self.assign(item.asname.name, UNKNOWN if isinstance(value, ApiRef) else value, scope)
        self.exec_block(node.body.body, scope)

    def exec_Try(self, node: cst.Try, scope: Scope) -> None:
        try:
            self.exec_block(node.body.body, scope)
        except _Raise:
            if node.handlers:
                self.exec_block(node.handlers[0].body.body, scope)
        else:
            if node.orelse is not None:
                self.exec_block(node.orelse.body.body, scope)
        finally:
            if node.finalbody is not None:
                self.exec_block(node.finalbody.body.body, scope)

    # ------------------------------------------------------------- assignment

    def assign(self, target: cst.BaseExpression, value: Any, scope: Scope) -> None:
        if type(target) is cst.Name:
            self.bind(target.value, value, scope)
        elif isinstance(target, (cst.Tuple, cst.List)):
            self.assign_unpacked(target, value, scope)
        elif isinstance(target, cst.Subscript):
            container = self.eval(target.value, scope)
            key = self.subscript_key(target, scope)
            if _one_item(container, key):
                container[key] = value
            elif isinstance(container, (list, dict)):  # a slice, an unknown key: what the container holds is unknown
                self.forget(container, scope)
        elif isinstance(target, cst.Attribute):
            owner = self.eval(target.value, scope)
            if isinstance(owner, classes.Instance):
                owner.attrs[target.attr.value] = value
                if target.attr.value == "trainable" and owner.layer is not None:  # a custom layer or subclassed model
                    keras_api.set_trainable(self, LayerValue(owner.layer), value)
            elif target.attr.value == "trainable" and isinstance(owner, (LayerValue, ModelValue)):
                keras_api.set_trainable(self, owner, value)
            if _keras_object(owner):
                self.touches += 1

    def bind(self, name: str, value: Any, scope: Scope) -> None:
        """``name = value`` in `scope`, or in the module's scope after a ``global`` statement."""
        if scope.declared_global and name in scope.declared_global:
            while scope.parent is not None:
                scope = scope.parent
        scope.vars[name] = value

    def assign_unpacked(self, target: cst.Tuple | cst.List, value: Any, scope: Scope) -> None:
        elements = [e for e in target.elements]
        values = list(value) if isinstance(value, (tuple, list)) else None
        starred = [i for i, e in enumerate(elements) if isinstance(e, cst.StarredElement)]
        if values is not None and not starred and len(values) != len(elements):
            values = None
        if values is not None and starred:
            star = starred[0]
            tail = len(elements) - star - 1
            if len(values) < len(elements) - 1:
                values = None
            else:
                values = values[:star] + [list(values[star: len(values) - tail])] + values[len(values) - tail:]
        for index, element in enumerate(elements):
            item = UNKNOWN if values is None else values[index]
            self.assign(element.value, item, scope)

    # ------------------------------------------------------------ expressions

    def eval(self, node: cst.BaseExpression, scope: Scope) -> Any:
        self.steps += 1  # `tick`, inlined: this is the interpreter's hottest path
        if self.steps > self.step_limit or not self.steps & 1023:
            self._check_budgets()
        if self.foreign_site is not None:
            self.anchors[id(node)] = self.foreign_site
        handler = _EXPRESSION_HANDLERS.get(type(node))
        if handler is None:
            return UNKNOWN
        return handler(self, node, scope)

    def eval_Name(self, node: cst.Name, scope: Scope) -> Any:
        value = resolved(scope.lookup(node.value))
        if type(value) is Tensor:
            value.reads += 1
        elif value is UNKNOWN:
            cause = scope.cause_of(node.value)
            if cause is not None:
                self.recall(cause)
        return value

    def eval_Integer(self, node: cst.Integer, scope: Scope) -> Any:
        value = _literal(node.value)  # an int of more than 4,300 digits is _INVALID (Python's limit)
        return UNKNOWN if value is _INVALID or value.bit_length() > MAX_INT_BITS else value

    def eval_Float(self, node: cst.Float, scope: Scope) -> Any:
        value = _literal(node.value)
        return node.evaluated_value if value is _INVALID else value

    def eval_SimpleString(self, node: cst.SimpleString, scope: Scope) -> Any:
        value = _literal(node.value)  # node.evaluated_value, memoized
        return value if isinstance(value, str) else UNKNOWN

    def eval_ConcatenatedString(self, node: cst.ConcatenatedString, scope: Scope) -> Any:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        return left + right if isinstance(left, str) and isinstance(right, str) else UNKNOWN

    def eval_FormattedString(self, node: cst.FormattedString, scope: Scope) -> Any:
        parts = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(part.value)
                continue
            value = self.eval(part.expression, scope)
            if not isinstance(value, (int, float, str, bool)) or part.format_spec is not None and not _simple_spec(part.format_spec):
                return UNKNOWN
            spec = "".join(p.value for p in part.format_spec) if part.format_spec else ""
            try:
                parts.append(format(value, spec))
            except (ValueError, TypeError):
                return UNKNOWN
        return "".join(parts)

    def eval_Tuple(self, node: cst.Tuple, scope: Scope) -> Any:
        return tuple(self.eval_elements(node.elements, scope))

    def eval_List(self, node: cst.List, scope: Scope) -> Any:
        return self.eval_elements(node.elements, scope)

    def eval_Set(self, node: cst.Set, scope: Scope) -> Any:
        return py_builtins.distinct(self.eval_elements(node.elements, scope))

    def eval_elements(self, elements, scope: Scope) -> list:
        values: list = []
        for element in elements:
            value = self.eval(element.value, scope)
            if type(element) is cst.StarredElement:
                items = self.iterate(value)
                if items is None:
                    return [UNKNOWN]
                values.extend(items)
            else:
                values.append(value)
        return values

    def eval_Dict(self, node: cst.Dict, scope: Scope) -> Any:
        result: dict = {}
        for element in node.elements:
            if isinstance(element, cst.StarredDictElement):
                value = self.eval(element.value, scope)
                if not isinstance(value, dict):
                    return UNKNOWN
                result.update(value)
                continue
            key = self.eval(element.key, scope)
            if key is UNKNOWN or not _hashable(key):
                return UNKNOWN
            result[key] = self.eval(element.value, scope)
        return result

    def eval_Ellipsis(self, node: cst.Ellipsis, scope: Scope) -> Any:
        return ...

    def eval_BinaryOperation(self, node: cst.BinaryOperation, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        right = self.eval(node.right, scope)
        return self.binary(type(node.operator).__name__, left, right, node)

    def binary(self, op_name: str, left: Any, right: Any, node: cst.CSTNode) -> Any:
        if isinstance(left, Tensor) or isinstance(right, Tensor):  # an array beside a tensor is a constant tensor
            self.touches += 1
            return tensor_ops.binary(self, op_name, left, right, node)
        if isinstance(left, Data) or isinstance(right, Data):
            return arrays.binary(op_name, left, right, node)
        if isinstance(left, RuntimeDim) or isinstance(right, RuntimeDim):
            return runtime_arithmetic(left, right)
        op = _BINARY.get(getattr(cst, op_name, type(None)))
        if op is None or not (is_native(left) and is_native(right)):
            return UNKNOWN
        if contains_unknown(left) or contains_unknown(right):
            if op is operator.add and isinstance(left, (list, tuple)) and type(left) is type(right):
                return self.allocate(left + right)
            return UNKNOWN
        return self.allocate(_safe_arith(op, left, right))

    def eval_UnaryOperation(self, node: cst.UnaryOperation, scope: Scope) -> Any:
        value = self.eval(node.expression, scope)
        if isinstance(node.operator, cst.Not):
            truth = self.truth(value)
            return UNKNOWN if truth is UNKNOWN else not truth
        if isinstance(value, Tensor) and isinstance(node.operator, cst.Minus):
            self.touches += 1
            return tensor_ops.record(self, "negative", [value], value.shape, node)
        if isinstance(value, (int, float)):
            if isinstance(node.operator, cst.Minus):
                return -value
            if isinstance(node.operator, cst.Plus):
                return +value
            if isinstance(node.operator, cst.BitInvert) and isinstance(value, int):
                return ~value
        return UNKNOWN

    def eval_BooleanOperation(self, node: cst.BooleanOperation, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        truth = self.truth(left)
        if truth is UNKNOWN:
            self.eval(node.right, scope)
            return UNKNOWN
        is_and = isinstance(node.operator, cst.And)
        if truth is not is_and:
            return left
        return self.eval(node.right, scope)

    def eval_Comparison(self, node: cst.Comparison, scope: Scope) -> Any:
        left = self.eval(node.left, scope)
        result: Any = True
        for target in node.comparisons:
            right = self.eval(target.comparator, scope)
            operator_name = type(target.operator).__name__
            if (type(left) is Tensor or type(right) is Tensor) and operator_name in tensor_ops.COMPARISONS and len(node.comparisons) == 1:
                return tensor_ops.binary(self, operator_name, left, right, node)  # ``x > 0``: a tensor of booleans
            outcome = self.compare(type(target.operator), left, right)
            if outcome is UNKNOWN:
                result = UNKNOWN
            elif outcome is False and result is not UNKNOWN:
                return False
            left = right
        return result

    def compare(self, op_type: type, left: Any, right: Any) -> Any:
        op = _COMPARE[op_type]
        if op_type in (cst.Is, cst.IsNot):
            if left is None or right is None:
                if left is UNKNOWN or right is UNKNOWN:
                    return UNKNOWN
                return op(left, right)
            return UNKNOWN
        if not (is_native(left) and is_native(right)) or contains_unknown(left) or contains_unknown(right):
            return UNKNOWN
        try:
            return bool(op(left, right))
        except Exception:
            return UNKNOWN

    def eval_IfExp(self, node: cst.IfExp, scope: Scope) -> Any:
        truth = self.truth(self.eval(node.test, scope))
        if truth is True:
            return self.eval(node.body, scope)
        if truth is False:
            return self.eval(node.orelse, scope)
        return join(self.eval(node.body, scope), self.eval(node.orelse, scope))

    def eval_NamedExpr(self, node: cst.NamedExpr, scope: Scope) -> Any:
        value = self.eval(node.value, scope)
        self.assign(node.target, value, scope)
        return value

    def eval_Lambda(self, node: cst.Lambda, scope: Scope) -> Any:
        return Function(node, scope, "<lambda>", self.eval_defaults(node.params, scope))

    def eval_Attribute(self, node: cst.Attribute, scope: Scope) -> Any:
        base = self.eval(node.value, scope)
        return self.attribute(base, node.attr.value, node)

    def attribute(self, base: Any, name: str, node: cst.CSTNode) -> Any:
        if isinstance(base, ApiRef):
            path = canonical(f"{base.path}.{name}")
            return py_builtins.CONSTANTS[path] if path in py_builtins.CONSTANTS else ApiRef(path)
        if isinstance(base, ModuleValue):
            if name in base.scope.vars:
                return resolved(base.scope.vars[name])
            dotted = f"{base.dotted}.{name}" if base.dotted else name
            submodule = self.import_module(dotted, base.level, node)
            if submodule is None:
                self.explain(node, f"`{dotted}` is not defined in the project's module `{base.dotted or '.'}`")
            return submodule or UNKNOWN
        if base is UNKNOWN:
            return UNKNOWN
        if self.watching and _keras_object(base):
            self.touches += 1
        value = keras_api.attribute(self, base, name, node)
        if type(value) is Tensor:
            value.reads += 1  # ``layer.output``, ``self.hidden``: a read the tensor's name does not show
        elif value is UNKNOWN:
            self.explain(node, f"`.{name}` of {_described(base)} is not statically known")
        return value

    def eval_Subscript(self, node: cst.Subscript, scope: Scope) -> Any:
        container = self.eval(node.value, scope)
        key = self.subscript_key(node, scope)
        if isinstance(container, Data):
            return arrays.subscript(container, key)
        if isinstance(container, Tensor):
            self.touches += 1
            return UNKNOWN if key is UNKNOWN else tensor_ops.subscript(self, container, key, node)
        if isinstance(container, DataShape):
            return arrays.shape_item(container, key)
        if key is UNKNOWN or not isinstance(container, (tuple, list, dict, str)) or type(container) is dict and not _hashable(key):
            return UNKNOWN
        try:
            result = container[key]
        except Exception:
            return UNKNOWN
        return result

    def subscript_key(self, node: cst.Subscript, scope: Scope) -> Any:
        keys = []
        for element in node.slice:
            item = element.slice
            if isinstance(item, cst.Index):
                keys.append(self.eval(item.value, scope))
            else:
                bounds = [None if part is None else self.eval(part, scope) for part in (item.lower, item.upper, item.step)]
                if any(b is UNKNOWN for b in bounds):
                    return UNKNOWN
                keys.append(slice(*bounds))
        if any(k is UNKNOWN for k in keys):
            return UNKNOWN
        return keys[0] if len(keys) == 1 else tuple(keys)

    def eval_ListComp(self, node: cst.ListComp, scope: Scope) -> Any:
        results = self.comprehend(node, node.for_in, scope, lambda inner: [self.eval(node.elt, inner)])
        return UNKNOWN if results is None else results

    def eval_GeneratorExp(self, node: cst.GeneratorExp, scope: Scope) -> Any:
        return self.eval_ListComp(node, scope)

    def eval_SetComp(self, node: cst.SetComp, scope: Scope) -> Any:
        items = self.eval_ListComp(node, scope)
        return UNKNOWN if items is UNKNOWN else py_builtins.distinct(items)

    def eval_DictComp(self, node: cst.DictComp, scope: Scope) -> Any:
        pairs = self.comprehend(node, node.for_in, scope, lambda inner: [(self.eval(node.key, inner), self.eval(node.value, inner))])
        if pairs is None or not all(k is not UNKNOWN and _hashable(k) for k, _ in pairs):
            return UNKNOWN
        return dict(pairs)

    def comprehend(self, node: cst.BaseComp, clause: cst.CompFor, scope: Scope, produce: Callable[[Scope], list]) -> list | None:
        """The items comprehension `node` produces from `clause` on, or None when they are unknown."""
        inner = Scope(scope)
        items = self.iterate(self.eval(clause.iter, inner))
        if items is None or len(items) > self.budget.loop_unroll:
            return None
        with self.watched_loop(node, scope) as start:
            results: list = []
            for index, item in enumerate(items):
                if self.idle_loop(start, index, len(items)):
                    self.summarize_loop(node, index, scope)
                    return None
                self.assign(clause.target, item, inner)
                keep = True
                for condition in clause.ifs:
                    truth = self.truth(self.eval(condition.test, inner))
                    if truth is UNKNOWN:
                        return None
                    keep = keep and truth
                if not keep:
                    continue
                if clause.inner_for_in is not None:
                    nested = self.comprehend(node, clause.inner_for_in, inner, produce)
                    if nested is None:
                        return None
                    results.extend(nested)
                else:
                    results.extend(produce(inner))
        return results

    def eval_Call(self, node: cst.Call, scope: Scope) -> Any:
        since = len(self.causes)
        function = self.eval(node.func, scope)
        args: list = []
        kwargs: dict[str, Any] = {}
        for arg in node.args:
            value = self.eval(arg.value, scope)
            if arg.star == "*":
                items = self.iterate(value)
                if items is None:
                    return self.unknown_call(function, node, since)
                args.extend(items)
            elif arg.star == "**":
                if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                    return self.unknown_call(function, node, since)
                kwargs.update(value)
            elif arg.keyword is not None:
                kwargs[arg.keyword.value] = value
            else:
                args.append(value)
        self.call_site = (node, scope)  # where the arguments were written: sizes are named from them (run_time_sizes)
        self.call_causes = since
        try:
            return self.call(function, args, kwargs, node)
        except keras_api.ReceiverChanged as changed:
            self.forget(changed.receiver, scope)
            return UNKNOWN

    def forget(self, container: list | dict | tuple, scope: Scope) -> None:
        """Names (and the running method's attributes) bound to `container` become unknown: it changed in a way
        kerlint cannot follow. A reference held inside another container keeps the old value."""
        holders = [self.methods[-1][1].attrs] if self.methods else []
        while scope is not None:
            holders.append(scope.vars)
            scope = scope.parent
        for names in holders:
            for name, value in names.items():
                if value is container:
                    names[name] = UNKNOWN

    def unknown_call(self, function: Any, node: cst.Call, since: int) -> Any:
        if isinstance(function, ApiRef) and keras_api.is_model_api(function):
            self.note(node, self.because(f"the arguments of `{self.source_text(node)}` could not be evaluated", since))
        return UNKNOWN

    def call(self, function: Any, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
        if isinstance(function, Function):
            return self.call_function(function, args, kwargs, node)
        if self.watching and (_keras_object(function) or any(map(_keras_object, args)) or any(map(_keras_object, kwargs.values()))):
            self.touches += 1
        if isinstance(function, py_builtins.Builtin):
            return self.allocate(function.call(self, args, kwargs))
        if function is UNKNOWN:
            return UNKNOWN
        if function == SUPER:
            return classes.Super(self.methods[-1][1], self.methods[-1][0]) if self.methods else UNKNOWN
        try:
            value = self.allocate(keras_api.call(self, function, args, kwargs, node))
        except HelperRaised:
            raise _Raise() from None
        if value is UNKNOWN and type(function) is ApiRef and len(self.causes) == self.call_causes:
            self.explain(node, _unmodelled(function.path))  # no argument was unknown: the function itself is the cause
        return value

    # ---------------------------------------------------------- user functions

    def eval_defaults(self, params: cst.Parameters, scope: Scope) -> dict[str, Any]:
        defaults = {}
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.default is not None:
                defaults[param.name.value] = self.eval(param.default, scope)
        return defaults

    def call_function(self, function: Function, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
        if function.closure.module is not self.module:
            with self.foreign(node):
                return self.run_function(function, args, kwargs, node)
        return self.run_function(function, args, kwargs, node)

    def run_function(self, function: Function, args: list, kwargs: dict, node: cst.CSTNode) -> Any:
        self.called_functions.add(id(function.node))
        if len(self.call_stack) >= self.budget.call_depth:
            self.note(node, f"call depth limit {self.budget.call_depth} reached in `{function.name}`")
            return UNKNOWN
        scope = Scope(function.closure)
        scope.owner = function.node
        self.bind_arguments(function, args, kwargs, scope)
        self.call_stack.append(function.name)
        since = len(self.causes)
        try:
            if isinstance(function.node, cst.Lambda):
                return self.eval(function.node.body, scope)
            body = function.node.body
            statements = body.body if isinstance(body, cst.IndentedBlock) else [body]
            self.exec_block(statements, scope)
            self.lose_locals(scope)
            return None
        except _Return as returned:
            self.lose_locals(scope)
            if returned.value is UNKNOWN and len(self.causes) == since:
                self.explain(node, f"what `{function.name}` returns is not statically known")
            return returned.value
        except _Raise:
            self.explain(node, f"`{function.name}` raises an exception here, or may")
            return UNKNOWN
        except (_Break, _Continue):
            return UNKNOWN
        except RecursionError:
            self.note(node, f"`{function.name}` nests too deeply to evaluate")
            return UNKNOWN
        finally:
            self.call_stack.pop()

    def bind_arguments(self, function: Function, args: list, kwargs: dict, scope: Scope) -> None:
        params = function.node.params
        positional = [*params.posonly_params, *params.params]
        defaults = function.defaults
        kwargs = dict(kwargs)
        for index, param in enumerate(positional):
            name = param.name.value
            if index < len(args):
                scope.vars[name] = args[index]
            elif name in kwargs:
                scope.vars[name] = kwargs.pop(name)
            elif name in defaults:
                scope.vars[name] = defaults[name]
            else:
                scope.vars[name] = UNKNOWN
                scope.remember(name, Unresolved(param, f"`{function.name}` is analyzed without a value for its parameter `{name}`"))
        if type(params.star_arg) is cst.Param:
            scope.vars[params.star_arg.name.value] = tuple(args[len(positional):])
        for param in params.kwonly_params:
            name = param.name.value
            scope.vars[name] = kwargs.pop(name) if name in kwargs else defaults.get(name, UNKNOWN)
        if params.star_kwarg is not None:
            scope.vars[params.star_kwarg.name.value] = kwargs

    # ---------------------------------------------------------------- helpers

    def truth(self, value: Any) -> Any:
        """``True``/``False`` when known, else ``UNKNOWN``."""
        if value is UNKNOWN or isinstance(value, Data):
            return UNKNOWN
        if is_native(value):
            if contains_unknown(value) and not isinstance(value, (tuple, list, dict)):
                return UNKNOWN
            return bool(value)
        return True  # layers, tensors, models, functions, library references

    def iterate(self, value: Any) -> list | None:
        """The items of a known iterable, or None."""
        if isinstance(value, (tuple, list, str)):
            return list(value)
        if isinstance(value, dict):
            return list(value.keys())
        if isinstance(value, range):
            return list(value) if len(value) <= MAX_ELEMENTS else None
        return None


def _all_defaulted(function: Function) -> bool:
    params = function.node.params
    positional = [*params.posonly_params, *params.params]
    if positional and positional[0].name.value in ("self", "cls"):
        positional = positional[1:]
    return all(p.default is not None for p in (*positional, *params.kwonly_params))


def _handlers(prefix: str) -> dict[type, Callable]:
    """{libcst node class: the Interpreter method `prefix` + its name}: the dispatch of ``eval`` and ``exec_statement``."""
    return {
        node_class: getattr(Interpreter, prefix + name)
        for name, node_class in vars(cst).items()
        if isinstance(node_class, type) and issubclass(node_class, cst.CSTNode) and hasattr(Interpreter, prefix + name)
    }


_STATEMENT_HANDLERS = _handlers("exec_")
_EXPRESSION_HANDLERS = _handlers("eval_")


_INVALID = object()


def _literal(text: str) -> Any:
    """``ast.literal_eval(text)`` (what libcst's ``evaluated_value`` computes) or _INVALID; short texts memoized."""
    if len(text) > 256:
        return _literal_uncached(text)
    return _literal_cached(text)


def _literal_uncached(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except Exception:
        return _INVALID


_literal_cached = functools.lru_cache(maxsize=1 << 15)(_literal_uncached)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


_RAISE_CHECKS = {"assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "assertRaisesWithPredicateMatch", "raises", "assert_raises"}
"""Context managers of unittest, absltest, pytest and numpy.testing that expect their body to raise."""


def _expects_raise(expression: cst.BaseExpression) -> bool:
    """``self.assertRaises(E)``, ``pytest.raises(E, match=...)``, ``np.testing.assert_raises(E)``."""
    if type(expression) is not cst.Call:
        return False
    function = expression.func
    name = function.attr.value if type(function) is cst.Attribute else function.value if type(function) is cst.Name else None
    return name in _RAISE_CHECKS


_BINDING_TARGETS = {cst.AssignTarget: "target", cst.AnnAssign: "target", cst.AugAssign: "target", cst.For: "target",
                    cst.AsName: "name", cst.NamedExpr: "target"}
"""Nodes that bind the plain names of one of their fields."""


def _bound_names(node: cst.CSTNode) -> set[str]:
    """The plain names a statement binds anywhere inside it (assignments, loop targets, ``as``)."""
    names: set[str] = set()
    for inner in walk.descendants(node):
        field = _BINDING_TARGETS.get(type(inner))
        if field is not None:
            names.update(walk.target_names(getattr(inner, field)))
    return names


def _mutated_names(node: cst.CSTNode) -> set[str]:
    """Names whose object a statement may change in place: ``data.append(x)``, ``d[k] = v``, ``obj.attr += 1``."""
    names: set[str] = set()
    for inner in walk.descendants(node):
        kind = type(inner)
        if kind is cst.Call:
            changed = inner.func.value if type(inner.func) is cst.Attribute else None
        elif kind is cst.AssignTarget:
            changed = inner.target if type(inner.target) in (cst.Attribute, cst.Subscript) else None
        else:
            changed = inner.target if kind is cst.AugAssign or kind is cst.Del else None
        root = walk.root_name(changed)
        if root is not None:
            names.add(root)
    return names


def _unmodelled(path: str) -> str:
    """Why calling library function `path` gave an unknown value, though its arguments were known."""
    if is_keras(path):
        return f"`{path}` is not modelled by kerlint"
    if path.startswith(("tensorflow.", *arrays.LIBRARIES)):
        return f"the result of `{path}` is not statically known"
    return f"`{path}` is neither Keras nor a module of the project: its result is only known at run time"


def _described(value: Any) -> str:
    """How a reason names a value: ``layer `dense```, ``a `Sampler` object``."""
    if type(value) is LayerValue:
        return f"layer `{value.layer.name}`"
    if type(value) is ModelValue:
        return f"model `{value.graph.name}`"
    if type(value) is classes.Instance:
        return f"a `{value.cls.name}` object"
    if isinstance(value, Tensor):
        return "a tensor"
    return "an array" if isinstance(value, Data) else f"a value of type `{type(value).__name__}`"


def _changes_keras(node: cst.CSTNode, scope: Scope) -> bool:
    """Whether code may change a Keras object in place: ``model.add(...)``, ``base.trainable = False``, or hand one
    to a function that may (``freeze(base)``)."""
    names = _mutated_names(node) | {argument.value.value for argument in _arguments(node) if type(argument.value) is cst.Name}
    return any(_keras_object(scope.lookup(name)) for name in names)


def _arguments(node: cst.CSTNode) -> list[cst.Arg]:
    """The arguments of every call inside `node`."""
    return [inner for inner in walk.descendants(node) if type(inner) is cst.Arg]


_PLAIN_TYPES = frozenset({type(UNKNOWN), type(None), bool, int, float, str, bytes, tuple, list, dict, set})
"""What most values are, and never Keras's: `_keras_object` runs on every argument of every call."""


def _keras_object(value: Any) -> bool:
    """Whether `value` is Keras's: a layer, model or tensor, a Keras class or its instance, Keras's API, their methods."""
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return False
    if kind is LayerValue or kind is ModelValue or isinstance(value, Tensor) or kind is classes.KerasBaseMethod:
        return True
    if kind is classes.Instance:
        return value.layer is not None or value.model is not None
    if kind is classes.ClassValue:
        return value.keras_kind is not None
    if kind is ApiRef:
        return is_keras(value.path)
    if kind is BoundMethod:
        return _keras_object(value.receiver)
    return kind is classes.Method and _keras_object(value.instance)


def _one_item(container: Any, key: Any) -> bool:
    """Whether ``container[key]`` names one item kerlint can set or delete: a known dict key, a list index in range."""
    if isinstance(container, dict):
        return key is not UNKNOWN and _hashable(key)
    return isinstance(container, list) and isinstance(key, int) and -len(container) <= key < len(container)


def _hashable(value: Any) -> bool:
    """Whether `value` can be a dict key or set item, cheaply: hashing visits every nested item (see `footprint`)."""
    if footprint(value) is None:
        return False
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _simple_spec(spec) -> bool:
    texts = [part.value for part in spec if isinstance(part, cst.FormattedStringText)]
    return len(texts) == len(spec) and not py_builtins.WIDE_FORMAT.search("".join(texts))
