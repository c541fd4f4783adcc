"""`kerlint.positions` gives, for every node, the range libcst's own PositionProvider gives."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from kerlint.positions import NodePositions

ROOT = Path(__file__).parent.parent
TRICKY = (
    "import keras\r\n"
    "@keras.saving.register_keras_serializable()\r\n"
    "class Block(keras.layers.Layer):\r\n"
    "    '''Doc\r\n    string.'''\r\n"
    "    def call(self, x, *, scale=(1 +\r\n"
    "                                2)):  # comment\r\n"
    "        return x * scale if x is not None else [y for y in (x,)] \\\r\n"
    "            or {'a': f\"{x!r:>{scale}}\"}\r\n"
    "\r\n"
    "lambda: (yield)\r\n"
)


def _sources() -> list[tuple[str, str]]:
    files = sorted((ROOT / "examples").rglob("*.py"))
    return [(path.name, path.read_text(encoding="utf-8")) for path in files] + [("tricky", TRICKY), ("cr", TRICKY.replace("\r\n", "\r"))]


@pytest.mark.parametrize(("name", "source"), _sources(), ids=lambda value: value if len(value) < 40 else "")
def test_every_node_has_the_range_position_provider_gives(name, source):
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    ours = NodePositions(module)
    assert len(expected) > 50
    for node, position in expected.items():
        assert ours.get(node) == (position.start.line, position.start.column, position.end.line, position.end.column), node


def test_a_line_offset_moves_every_line():
    module = cst.parse_module("x = 1\ny = 2\n")
    statement = module.body[1]
    assert NodePositions(module).get(statement) == (2, 0, 2, 5)
    assert NodePositions(module, line_offset=10).get(statement) == (12, 0, 12, 5)
    assert NodePositions(module).get(cst.parse_module("z = 3\n").body[0]) is None
