"""Large files parsed without their long definitions that cannot build a model, until something calls one.

Half the code of large Keras files (test suites, backends, utilities) is in
functions and methods that name nothing of Keras's model-building API, and
parsing is half of kerlint's time. A file of at least `MIN_FILE_CHARS` is
parsed as a *skeleton*: each top-level function, and each method of a
top-level class, that is at least `MIN_DEFINITION_CHARS` long and whose code
names no model-building word (`files.MODEL_BUILDING_WORDS`), no definition of
the file that does, nothing the module binds to project code or to Keras's
layers and models (`from keras.layers import Dense`), and imports no project
module, is replaced by a one-line placeholder
`def name(*__kerlint_deferred__): ...` followed by blank lines, so every other
node keeps its line and column. The interpreter binds a placeholder's name to a
lazy value that parses the real definition when first used (a helper that
model-building code calls), and does not run it as an entry point: such a
function builds no model kerlint could report on its own.

CPython's parser, several times cheaper than libcst's, reads the file first:
it finds the definitions (in the tree the engine already has for the analyzed
file), and a syntax error anywhere makes the file parse whole, so that libcst
reports it as before.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator

import libcst as cst

from kerlint import parsing
from kerlint.files import LINE_BREAK, MODEL_BUILDING_WORDS, blank_strings_and_comments

MIN_FILE_CHARS = 4 * 1024
"""Smaller files are parsed whole: what a skeleton saves on them is not worth its own cost."""

MIN_DEFINITION_CHARS = 150
"""Shorter definitions stay in the skeleton."""

_MODEL_BUILDING = frozenset(word.decode() for word in MODEL_BUILDING_WORDS)
_MODEL_MODULES = _MODEL_BUILDING | {"models"}
"""Modules named so hold layers or models: what is imported from them builds models (`keras.layers`, `keras_hub.models`)."""
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
_LINES_AND_BREAKS = re.compile(f"({LINE_BREAK.pattern})")
_PLACEHOLDER_PARAMETER = "__kerlint_deferred__"


@dataclass(eq=False)
class DeferredDefinition:
    """A definition left out of the skeleton: its text, and where it is in the file."""

    name: str
    text: str  # its lines, decorators included, as in the file
    line: int  # its first line in the file
    method: bool  # defined in a class body: parsed under a stand-in class header
    module: cst.Module | None = field(default=None, repr=False)  # once parsed

    def parse(self) -> cst.FunctionDef:
        """The definition's node; ParserSyntaxError or RecursionError if libcst cannot parse it."""
        if self.module is None:
            newline = "\r\n" if "\r\n" in self.text else "\n"
            self.module = parsing.parse(f"class _:{newline}{self.text}" if self.method else self.text)
        statement = self.module.body[0]
        return statement.body.body[0] if self.method else statement

    @property
    def line_offset(self) -> int:
        """What to add to a line of `module` to get the line in the file."""
        return self.line - 1 - int(self.method)


@dataclass(frozen=True)
class Skeleton:
    module: cst.Module
    deferred: dict[int, DeferredDefinition]  # id(placeholder FunctionDef) -> the definition it stands for


def parse(source: str, may_follow: Callable[[str], bool] | None = None, tree: ast.Module | None = None) -> Skeleton:
    """The module of `source`, as a skeleton when that pays. Raises what `parsing.parse` raises.

    `may_follow(dotted)`: is an import the project's? Given for the analyzed
    file; without it (a followed module, whose definitions the interpreter
    evaluates only when used anyway) every long definition is left out.
    `tree`: CPython's tree of `source` when the caller has it (`parsing.python_tree`);
    it is let go before libcst parses.
    """
    if len(source) >= MIN_FILE_CHARS:
        cut = _cut(source, may_follow, tree)
        del tree  # the caller passed its only reference: libcst's parse below needs the memory
        if cut is not None:
            text, deferred = cut
            module = parsing.parse(text)
            placeholders = list(_placeholders(module))
            if [node.name.value for node in placeholders] == [definition.name for definition in deferred]:
                return Skeleton(module, {id(node): definition for node, definition in zip(placeholders, deferred)})
    return Skeleton(parsing.parse(source), {})


def _cut(source: str, may_follow: Callable[[str], bool] | None, tree: ast.Module | None) -> tuple[str, list[DeferredDefinition]] | None:
    """The skeleton's text and what it leaves out; None when nothing is worth leaving out."""
    if tree is None:
        try:
            tree = parsing.python_ast(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None
    pieces = _LINES_AND_BREAKS.split(source)  # line, break, line, ..., line
    lines, breaks = pieces[::2], pieces[1::2]
    ends = list(itertools.accumulate(map(len, pieces)))
    starts = [0, *ends[1::2], len(source)]  # where each line starts; the end of the last line is the end of the text

    def lines_text(first: int, last: int) -> str:
        """Lines `first` to `last` (1-based, inclusive; none when last < first) as in the file."""
        return source[starts[first - 1] : starts[last]] if last >= first else ""

    def text_of(node: ast.stmt) -> str:
        return lines_text(_first_line(node), node.end_lineno)

    definitions = list(_definitions(tree))
    builders = set() if may_follow is None else _builders(definitions, lines_text, may_follow, _reaching_names(tree, may_follow))
    deferred: list[DeferredDefinition] = []
    out = list(lines)
    for node, owner in definitions:
        if isinstance(node, ast.ClassDef) or id(node) in builders:
            continue
        first = _first_line(node)
        text = text_of(node)
        head = lines[first - 1]
        if len(text) < MIN_DEFINITION_CHARS or not head.lstrip().startswith(("@", "def", "async")):
            continue  # short, or on the line of its class's header
        out[first - 1] = f"{head[: len(head) - len(head.lstrip())]}def {node.name}(*{_PLACEHOLDER_PARAMETER}): ..."
        for index in range(first, node.end_lineno):
            out[index] = ""
        deferred.append(DeferredDefinition(node.name, text, first, owner is not None))
    if not deferred:
        return None
    return "".join(line + line_break for line, line_break in zip(out, [*breaks, ""])), deferred


def _first_line(node: ast.stmt) -> int:
    """Where a definition starts: its first decorator's line."""
    return node.decorator_list[0].lineno if node.decorator_list else node.lineno


def _definitions(tree: ast.Module) -> Iterator[tuple[ast.stmt, ast.ClassDef | None]]:
    """Top-level functions and classes, and the methods of top-level classes (with their class), in file order."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield node, None
        elif isinstance(node, ast.ClassDef):
            yield node, None
            for member in node.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    yield member, node


def _builders(
    definitions: list[tuple[ast.stmt, ast.ClassDef | None]],
    lines_text: Callable[[int, int], str],
    may_follow: Callable[[str], bool],
    reaching: set[str],
) -> set[int]:
    """The definitions (ids) that may build a model: those that name a model-building word or import a
    project module, and every definition that names one of them or one of the `reaching` names
    (it may call them with concrete arguments). A class is read as its own lines plus its methods,
    each line once."""
    members: dict[int, list[ast.stmt]] = {}
    for node, owner in definitions:
        if owner is not None:
            members.setdefault(id(owner), []).append(node)
    names: dict[int, set[str]] = {}
    imports: dict[int, bool] = {}  # imports a project module
    for node, owner in definitions:  # a class comes before its methods, which are added to it
        code = blank_strings_and_comments(_own_text(node, members.get(id(node), []), lines_text))
        names[id(node)] = set(_IDENTIFIER.findall(code)) - {node.name}
        imports[id(node)] = "import" in names[id(node)] and _imports_project_module(code, may_follow)
        if owner is not None:
            names[id(owner)] |= (names[id(node)] | {node.name}) - {owner.name}
            imports[id(owner)] = imports[id(owner)] or imports[id(node)]
    builders = {id(node) for node, _ in definitions if names[id(node)] & _MODEL_BUILDING or imports[id(node)]}
    while True:
        named = reaching | {node.name for node, _ in definitions if id(node) in builders}
        more = {id(node) for node, _ in definitions if id(node) not in builders and names[id(node)] & named}
        if not more:
            return builders
        builders |= more


def _own_text(node: ast.stmt, members: list[ast.stmt], lines_text: Callable[[int, int], str]) -> str:
    """The lines of `node` outside its `members` (in file order)."""
    parts, line = [], _first_line(node)
    for member in members:
        parts.append(lines_text(line, _first_line(member) - 1))
        line = member.end_lineno + 1
    parts.append(lines_text(line, node.end_lineno))
    return "".join(parts)


_IMPORT = re.compile(r"\bfrom[ \t]+(\.*[\w.]*)[ \t]+import\b|\bimport[ \t]+([\w.]+)")


def _imports_project_module(code: str, may_follow: Callable[[str], bool]) -> bool:
    """Whether `code` (strings and comments blanked) imports a relative or project module."""
    for match in _IMPORT.finditer(code):
        module = match.group(1) if match.group(1) is not None else match.group(2)
        if module.startswith(".") or may_follow(module):
            return True
    return False


def _reaching_names(tree: ast.Module, may_follow: Callable[[str], bool]) -> set[str]:
    """Names the module's top level binds to what may build a model: imports from the project (which
    the interpreter follows), imports from a Keras module of layers or models (`from keras.layers
    import Dense`), and assignments whose value names a model-building word (`Dense = layers.Dense`)."""
    names: set[str] = set()
    statements = list(tree.body)
    while statements:
        node = statements.pop()
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level or may_follow(module) or set(module.split(".")) & _MODEL_MODULES:
                names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update((alias.asname or alias.name).partition(".")[0] for alias in node.names if may_follow(alias.name))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _names_a_model_building_word(node.value):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(target.id for target in targets if isinstance(target, ast.Name))
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            statements += [*node.body, *getattr(node, "orelse", []), *getattr(node, "finalbody", [])]
            statements += [statement for handler in getattr(node, "handlers", []) for statement in handler.body]
    return names


def _names_a_model_building_word(node: ast.expr) -> bool:
    return any(
        isinstance(part, ast.Name) and part.id in _MODEL_BUILDING or isinstance(part, ast.Attribute) and part.attr in _MODEL_BUILDING
        for part in ast.walk(node)
    )


def _placeholders(module: cst.Module) -> Iterator[cst.FunctionDef]:
    """The skeleton's placeholder definitions, in file order."""
    for statement in module.body:
        if _is_placeholder(statement):
            yield statement
        elif isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            yield from (member for member in statement.body.body if _is_placeholder(member))


def _is_placeholder(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.FunctionDef)
        and isinstance(node.params.star_arg, cst.Param)
        and node.params.star_arg.name.value == _PLACEHOLDER_PARAMETER
    )
