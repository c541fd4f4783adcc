"""Skeletons: large files parsed without their long definitions that cannot build a model (`kerlint.skeleton`).

The corpus and the examples are small files, parsed whole by default; forcing
every file and definition into the skeleton must find exactly the same
findings, at the same positions.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from kerlint import skeleton
from kerlint.config import load_settings
from kerlint.cost import model_costs
from kerlint.engine import analyze_source

ROOT = Path(__file__).parent.parent
FILES = sorted((ROOT / "tests" / "corpus").glob("*/*.py")) + sorted((ROOT / "examples").rglob("*.py"))


@pytest.fixture
def whole_files(monkeypatch):
    monkeypatch.setattr(skeleton, "MIN_FILE_CHARS", 10**12)


@pytest.fixture
def skeletons(monkeypatch):
    monkeypatch.setattr(skeleton, "MIN_FILE_CHARS", 0)
    monkeypatch.setattr(skeleton, "MIN_DEFINITION_CHARS", 0)


def analyze(source: str, path: str = "model.py"):
    """Every rule on (opt-in ones too), so that skeletons are compared on every finding."""
    return analyze_source(source, path, load_settings(None, select=["ALL"]))


def findings(path: Path) -> list[tuple]:
    result = analyze(path.read_text(encoding="utf-8"), str(path))
    return [(f.code, f.span, f.message) for f in result.findings]


@pytest.mark.parametrize("path", FILES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_skeleton_finds_what_the_whole_file_finds(path, monkeypatch):
    monkeypatch.setattr(skeleton, "MIN_FILE_CHARS", 10**12)
    whole = findings(path)
    monkeypatch.setattr(skeleton, "MIN_FILE_CHARS", 0)
    monkeypatch.setattr(skeleton, "MIN_DEFINITION_CHARS", 0)
    assert findings(path) == whole


def test_the_corpus_and_examples_do_leave_definitions_out(skeletons):
    """Otherwise the comparison above compares a file with itself."""
    deferred = [len(skeleton.parse(path.read_text(encoding="utf-8"), lambda dotted: False).deferred) for path in FILES]
    assert sum(1 for count in deferred if count) >= 3


def test_the_tree_the_engine_passes_is_the_tree_the_skeleton_would_read(skeletons, monkeypatch):
    """The analyzed file is parsed by CPython once (`parsing.python_tree`, for KER001), and its tree reused."""
    from kerlint import parsing

    sources = (path.read_text(encoding="utf-8") for path in FILES)
    source, own = next((text, parsed) for text in sources if (parsed := skeleton.parse(text, lambda dotted: False)).deferred)
    tree = parsing.python_tree(source)
    monkeypatch.setattr(parsing, "python_ast", None)  # a second CPython parse would now fail
    given = skeleton.parse(source, lambda dotted: False, tree)
    assert given.module.deep_equals(own.module)
    assert [d.name for d in given.deferred.values()] == [d.name for d in own.deferred.values()]


HELPER = '''
import keras
from keras import layers


def stack(x, blocks):
    """Apply each block in turn (the caller passes Keras layers)."""
    for block in blocks:
        x = block(x)
    return x


def build():
    inputs = keras.Input((8,))
    outputs = stack(inputs, [layers.Dense(4, activation="relu"), layers.Dense(1, activation="softmax")])
    return keras.Model(inputs, outputs)
'''


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_a_left_out_helper_is_parsed_when_called_and_its_findings_located_in_it(skeletons, newline):
    source = HELPER.replace("\n", newline)
    parsed = skeleton.parse(source, lambda dotted: False)
    assert [definition.name for definition in parsed.deferred.values()] == ["stack"]
    result = analyze(source)
    [finding] = [f for f in result.findings if f.code == "KER204"]
    line = HELPER.splitlines().index("        x = block(x)") + 1
    assert (finding.span.line, finding.span.column) == (line, 13)
    assert [cost.params for cost in model_costs(result.analysis)] == [36 + 5]


def test_definitions_that_name_a_builder_or_a_project_import_stay(skeletons):
    source = textwrap.dedent('''
        import keras
        from .blocks import head


        def build(units):
            return keras.Sequential([keras.Input((4,)), keras.layers.Dense(units)])


        def main():
            model = build(1)
            model.summary()


        def with_head():
            return head(3)


        def local_import():
            from .blocks import tail
            return tail()


        def plain():
            import json
            return json.dumps([1, 2, 3])
    ''')
    parsed = skeleton.parse(source, lambda dotted: False)
    assert [definition.name for definition in parsed.deferred.values()] == ["plain"]


def test_a_syntax_error_in_a_long_definition_is_still_reported(skeletons):
    source = HELPER + "\n\ndef broken(x):\n    return x +\n"
    result = analyze(source)
    assert [f.code for f in result.findings] == ["KER001"]


def test_placeholders_keep_every_other_line_where_it_was(skeletons):
    parsed = skeleton.parse(HELPER, lambda dotted: False)
    assert len(parsed.module.code.splitlines()) == len(HELPER.splitlines())
    assert parsed.module.code.splitlines()[-1] == HELPER.splitlines()[-1]


def test_a_one_line_stub_is_not_taken_for_a_placeholder(skeletons, monkeypatch):
    monkeypatch.setattr(skeleton, "MIN_DEFINITION_CHARS", 50)
    source = "import keras\n\n\ndef stub(): ...\n" + HELPER
    parsed = skeleton.parse(source, lambda dotted: False)
    assert [definition.name for definition in parsed.deferred.values()] == ["stack"]


def test_a_followed_module_has_every_long_definition_left_out_until_used(skeletons, tmp_path):
    (tmp_path / "blocks.py").write_text(
        "from keras import layers\n\n\ndef dense_block(x, units):\n    return layers.Dense(units)(x)\n\n\n"
        "def unused(x):\n    return x\n",
        encoding="utf-8",
    )
    source = "import keras\nfrom blocks import dense_block\n\ninputs = keras.Input((8,))\nmodel = keras.Model(inputs, dense_block(inputs, 3))\n"
    path = tmp_path / "train.py"
    path.write_text(source, encoding="utf-8")
    assert len(skeleton.parse((tmp_path / "blocks.py").read_text(encoding="utf-8")).deferred) == 2
    result = analyze(source, str(path))
    assert [cost.params for cost in model_costs(result.analysis)] == [27]


def test_names_bound_to_keras_layers_or_models_count_as_model_building(skeletons):
    source = textwrap.dedent('''
        from keras.layers import Dense
        from keras import layers
        Head = layers.Dense


        def head(x):
            return Dense(1, activation="softmax")(x)


        def other_head(x):
            return Head(2)(x)


        def plain(x):
            return [x, x, x]
    ''')
    parsed = skeleton.parse(source, lambda dotted: False)
    assert [definition.name for definition in parsed.deferred.values()] == ["plain"]
