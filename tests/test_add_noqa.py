"""`--add-noqa`: after it, `kerlint check` passes, and the code is what it was but for the comments."""

from __future__ import annotations

import textwrap

from helpers import kerlint
from kerlint.fix.noqa import with_noqa

ADOPTED = textwrap.dedent(
    """
    import keras
    inputs = keras.Input(shape=(8,))
    a = keras.layers.Dense(1, activation="softmax")(inputs)
    b = keras.layers.Dense(1, activation="softmax")(inputs)  # noqa: E501
    c = keras.layers.Dense(1, activation="softmax")(inputs)  # the head
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(1,
                           activation="softmax"),
    ])
    """
).lstrip()

EXPECTED = textwrap.dedent(
    """
    import keras
    inputs = keras.Input(shape=(8,))
    a = keras.layers.Dense(1, activation="softmax")(inputs)  # noqa: KER204
    b = keras.layers.Dense(1, activation="softmax")(inputs)  # noqa: E501, KER204
    c = keras.layers.Dense(1, activation="softmax")(inputs)  # the head  # noqa: KER204
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(1,  # noqa: KER204
                           activation="softmax"),
    ])
    """
).lstrip()


def test_add_noqa_then_check_passes(tmp_path):
    (tmp_path / "model.py").write_text(ADOPTED)
    before = kerlint("check", "--no-cache", "--output-format", "concise", ".", cwd=tmp_path)
    assert before.returncode == 1 and before.stdout.count("KER204") == 4
    added = kerlint("check", "--add-noqa", "--no-cache", ".", cwd=tmp_path)
    assert (added.returncode, added.stdout, added.stderr) == (0, "", "Added 4 noqa directives.\n")
    assert (tmp_path / "model.py").read_text() == EXPECTED
    after = kerlint("check", "--no-cache", ".", cwd=tmp_path)
    assert (after.returncode, after.stdout) == (0, "All checks passed!\n")
    again = kerlint("check", "--add-noqa", "--no-cache", ".", cwd=tmp_path)
    assert (again.returncode, again.stderr) == (0, "Added 0 noqa directives.\n")
    assert (tmp_path / "model.py").read_text() == EXPECTED


def test_a_line_that_cannot_take_a_comment_is_left_and_reported(tmp_path):
    source = 'import keras\nout = keras.layers.Dense(1, activation="softmax", name="""head\n""")(keras.Input(shape=(8,)))\n'
    (tmp_path / "model.py").write_text(source)
    result = kerlint("check", "--add-noqa", "--no-cache", "model.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "model.py:2: no noqa comment added: the line ends inside a string" in result.stderr
    assert (tmp_path / "model.py").read_text() == source


def test_codes_go_on_their_lines_in_the_file_line_endings():
    source = "a = 1\r\nb = (2,\r\n     3)  # kept\r\nc = 4 \\\r\n  + 5\r\n"
    text, added, left = with_noqa(source, {1: {"KER204", "KER105"}, 3: {"KER401"}, 4: {"KER101"}})
    assert text == "a = 1  # noqa: KER105, KER204\r\nb = (2,\r\n     3)  # kept  # noqa: KER401\r\nc = 4 \\\r\n  + 5\r\n"
    assert (added, left) == (2, [4])
