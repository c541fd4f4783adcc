"""Jupyter notebooks: cells as one program, IPython syntax skipped, findings placed in their cells."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import jsonschema
import pytest

from helpers import DATA, ROOT, kerlint, readme_block
from kerlint.findings import Span
from kerlint.notebook import NotebookError, read_notebook

NOTEBOOK = DATA / "shared_layers.ipynb"
SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
ARTICLE = (ROOT / "examples" / "article_shared_layers.py").read_text()


def notebook(*cells: str | tuple[str, str], language: str = "python") -> bytes:
    """nbformat 4 JSON; a cell is code text, or (cell_type, text). Sources as lists of lines, as Jupyter saves them."""
    def cell(spec):
        kind, text = spec if isinstance(spec, tuple) else ("code", spec)
        return {"cell_type": kind, "metadata": {}, "source": text.splitlines(keepends=True),
                **({"outputs": [], "execution_count": None} if kind == "code" else {})}
    document = {"cells": [cell(spec) for spec in cells], "metadata": {"language_info": {"name": language}},
                "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1).encode()


def program(*cells: str | tuple[str, str]) -> list[str]:
    return read_notebook(notebook(*cells)).source.splitlines()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def findings(tmp_path: Path, *args: str) -> list[dict]:
    result = kerlint(*args, "--output-format", "json", cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


# --- from cells to one program -----------------------------------------------------------------


def test_code_cells_in_order_line_for_line():
    nb = read_notebook(notebook(("markdown", "# Title\ntext\n"), "import keras\nx = 1", ("raw", "raw"), "", "y = 2\n"))
    assert nb.source == "import keras\nx = 1\ny = 2\n"
    assert nb.cell_starts == ((1, 2), (3, 5))  # empty cells take no lines; markdown and raw cells count as cells
    assert nb.cell_span(Span(3, 1, 3, 6)) == (5, Span(1, 1, 1, 6))
    assert nb.cell_span(Span(2, 5, 2, 6)) == (2, Span(2, 5, 2, 6))


def test_source_as_one_string_is_read_too():
    data = json.dumps({"cells": [{"cell_type": "code", "source": "a = 1\nb = 2"}], "metadata": {}, "nbformat": 4})
    assert read_notebook(data.encode()).source == "a = 1\nb = 2\n"


def test_line_magics_shell_escapes_and_help_become_pass_at_their_indentation():
    assert program("%matplotlib inline\n!pip install keras\nfiles = !ls\nwho = %who_ls\nkeras.layers.Dense?\n??keras\nfor i in range(2):\n    !echo $i\n") == [
        "pass", "pass", "pass", "pass", "pass", "pass", "for i in range(2):", "    pass",
    ]


def test_time_magic_keeps_its_statement_in_place():
    assert program("%time model.fit(x, y)\n%timeit  f()\n%time -n 3 g()\n") == [
        "pass; model.fit(x, y)", "pass;    f()", "pass",
    ]


def test_escape_characters_that_are_python_are_kept():
    cell = 'text = ("%s"\n        % name)\nok = (a\n      != b)\ndoc = """\n!not a shell escape\n%not a magic\n"""\n'
    assert program(cell) == cell.splitlines()


def test_cell_magics():
    lines = program("%%bash\necho ((\n", "%%time\nmodel.fit(x, y)\n", "%%writefile x.py\nimport os\n", "z = 3")
    assert lines == ["", "", "pass", "model.fit(x, y)", "", "", "z = 3"]


def test_notebooks_of_other_languages_have_no_program():
    assert read_notebook(notebook("library(keras)\n", language="R")).source == ""


@pytest.mark.parametrize(
    "data, message",
    [
        (b'{"cells": [', "invalid notebook: not valid JSON: Expecting value: line 1 column 12 (char 11)"),
        (b"\xff\xfe\x00", "invalid notebook: not valid JSON:"),
        (b"[]", "invalid notebook: expected a JSON object with a 'cells' list (nbformat 4)"),
        (b'{"cells": {}}', "invalid notebook: expected a JSON object with a 'cells' list (nbformat 4)"),
        (b'{"cells": [{"cell_type": "code", "source": "x"}, 3]}', "invalid notebook: cell 2 is not a JSON object"),
        (b'{"cells": [{"cell_type": "code", "source": [1]}]}', "invalid notebook: cell 1: 'source' must be a string or a list of strings"),
        (b'{"nbformat": 3, "worksheets": []}', "unsupported notebook format 3: kerlint reads nbformat 4"),
    ],
)
def test_broken_notebooks_say_what_is_wrong(data, message):
    with pytest.raises(NotebookError) as info:
        read_notebook(data)
    assert str(info.value).startswith(message)


# --- end to end --------------------------------------------------------------------------------


def test_findings_are_placed_in_their_cell_in_every_text_format(tmp_path):
    shutil.copy(NOTEBOOK, tmp_path)
    where = "shared_layers.ipynb:cell 5:line 2:col 10"
    concise = kerlint("shared_layers.ipynb", "--output-format", "concise", cwd=tmp_path)
    assert concise.returncode == 1
    assert concise.stdout.startswith(f"{where}: KER301 Dense(32) `dense` is shared, but its first call (cell 5, line 1) built")
    full = kerlint("shared_layers.ipynb", cwd=tmp_path).stdout
    assert full.startswith(f"{where}: KER301 [incompatible-shared-layer] ")
    assert "\n2 | dense2 = shared_dense(input2)\n  |          ^^^^^^^^^^^^^^^^^^^^\n" in full
    pylint = kerlint("shared_layers.ipynb", "--output-format", "pylint", cwd=tmp_path).stdout
    # path:line:col as pylint parsers read it (line 1 of the notebook file, as ruff does), the cell in the message
    assert pylint.startswith("shared_layers.ipynb:1:0: E9301: cell 5:line 2:col 10: Dense(32)")
    github = kerlint("shared_layers.ipynb", "--output-format", "github", cwd=tmp_path).stdout
    assert github.startswith("::error file=shared_layers.ipynb,title=KER301 incompatible-shared-layer::cell 5:line 2:col 10: Dense(32)")
    junit = ElementTree.fromstring(kerlint("shared_layers.ipynb", "--output-format", "junit", cwd=tmp_path).stdout)
    case = junit.find("testsuite/testcase")
    assert case.get("name") == "KER301 incompatible-shared-layer at cell 5:line 2:col 10" and case.get("line") == "2"
    assert case.find("failure").text.startswith(f"{where}: KER301 ")


def test_readme_notebook_output_is_what_kerlint_prints():
    shown = readme_block("text", ".ipynb:cell").strip().removesuffix("...").rstrip()
    concise = kerlint(NOTEBOOK.name, "--output-format", "concise", cwd=DATA).stdout
    assert concise.startswith(shown)


def test_json_and_sarif_positions_are_within_the_cell(tmp_path):
    shutil.copy(NOTEBOOK, tmp_path)
    [finding] = findings(tmp_path, "shared_layers.ipynb")
    assert {k: finding[k] for k in ("path", "cell", "line", "column", "end_line", "end_column", "code")} == {
        "path": "shared_layers.ipynb", "cell": 5, "line": 2, "column": 10, "end_line": 2, "end_column": 30, "code": "KER301",
    }
    lines = kerlint("shared_layers.ipynb", "--output-format", "json-lines", cwd=tmp_path).stdout.splitlines()
    assert [json.loads(line) for line in lines] == [finding]
    log = json.loads(kerlint("shared_layers.ipynb", "--output-format", "sarif", cwd=tmp_path).stdout)
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)
    [result] = log["runs"][0]["results"]
    [location] = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "shared_layers.ipynb", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 2, "startColumn": 10, "endLine": 2, "endColumn": 30},
    }
    assert location["properties"] == {"cell": 5}
    assert result["message"]["text"].startswith("cell 5:line 2:col 10: Dense(32)")
    assert "its first call (cell 5, line 1)" in result["message"]["text"]  # cell lines cited, as in JSON


def test_notebooks_are_found_in_directories_next_to_python_files(tmp_path):
    model = ARTICLE.split("import keras\n\n")[1]  # input1 = ... on, with the shared call on its 5th line
    write(tmp_path, "a.ipynb", notebook("import keras", model))
    (tmp_path / "b.py").write_text(ARTICLE)
    found = findings(tmp_path, ".")
    assert [(f["path"], f.get("cell"), f["line"], f["code"]) for f in found] == [("a.ipynb", 2, 5, "KER301"), ("b.py", None, 14, "KER301")]


def test_suppressions_inside_cells(tmp_path):
    cells = ["import keras", "a = keras.Input(shape=(10,))\nb = keras.Input(shape=(20,))\nshared = keras.layers.Dense(4)",
             "x = shared(a)\ny = shared(b)"]
    write(tmp_path, "nb.ipynb", notebook(*cells[:2], cells[2].replace("y = shared(b)", "y = shared(b)  # noqa: KER301")))
    assert findings(tmp_path, "nb.ipynb") == []
    write(tmp_path, "nb.ipynb", notebook("# kerlint: file-ignore[incompatible-shared-layer]\n" + cells[0], *cells[1:]))
    assert findings(tmp_path, "nb.ipynb") == []
    write(tmp_path, "nb.ipynb", notebook(*cells[:2], cells[2].replace("x = shared(a)", "x = shared(a)  # noqa: KER301")))
    assert [(f["code"], f["cell"], f["line"]) for f in findings(tmp_path, "nb.ipynb")] == [("KER002", 3, 1), ("KER301", 3, 2)]


def test_syntax_error_in_a_cell_is_placed_in_that_cell(tmp_path):
    write(tmp_path, "nb.ipynb", notebook("from keras import layers", ("markdown", "text"), "x = (1,\n"))
    [finding] = findings(tmp_path, "nb.ipynb")
    assert (finding["code"], finding["cell"]) == ("KER001", 3)


def test_broken_notebook_is_ker001_and_the_run_goes_on(tmp_path):
    write(tmp_path, "broken.ipynb", b'{"cells": [{"cell_type": "code", "source": "from keras import layers"}')
    write(tmp_path, "nbformat3.ipynb", b'{"nbformat": 3, "worksheets": [{"cells": [{"input": "from keras import layers"}]}]}')
    (tmp_path / "shared.py").write_text(ARTICLE)
    result = kerlint(".", "--output-format", "json", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    found = {(f["path"], f["code"]): f["message"] for f in json.loads(result.stdout)}
    assert set(found) == {("broken.ipynb", "KER001"), ("nbformat3.ipynb", "KER001"), ("shared.py", "KER301")}
    assert found[("broken.ipynb", "KER001")].startswith("invalid notebook: not valid JSON: ")
    assert "nbformat 4" in found[("nbformat3.ipynb", "KER001")]


def test_broken_notebook_is_reported_whatever_the_selection(tmp_path):
    write(tmp_path, "broken.ipynb", b'{"cells": "import keras"}')
    assert [f["code"] for f in findings(tmp_path, ".", "--ignore", "syntax-error")] == ["KER001"]
    assert [f["code"] for f in findings(tmp_path, ".", "--select", "KER3")] == ["KER001"]


@pytest.mark.parametrize("data", [b'{"cells": [', b"not json at all", b'{"nbformat": 4}', b"\xff\xfe\x00"])
def test_broken_notebook_without_keras_words_is_ker001_not_a_pass(tmp_path, data):
    write(tmp_path, "explore.ipynb", data)
    [finding] = findings(tmp_path, "explore.ipynb")
    assert finding["code"] == "KER001" and finding["message"].startswith("invalid notebook")


def test_notebook_from_stdin(tmp_path):
    result = kerlint("check", "--stdin-filename", "nb/model.ipynb", "-", "--output-format", "concise", cwd=tmp_path,
                     stdin=NOTEBOOK.read_text())
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("nb/model.ipynb:cell 5:line 2:col 10: KER301 ")


def test_cost_and_graph_place_notebook_models_in_their_cells(tmp_path):
    """Issue 18, item 1: `cost` and `graph` printed the program's flattened lines (`shared_layers.ipynb:12`)."""
    shutil.copy(NOTEBOOK, tmp_path)
    table = kerlint("cost", "shared_layers.ipynb", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    assert table.stdout.startswith('Model "functional" (shared_layers.ipynb:cell 7:line 3)\n')
    markdown = kerlint("cost", "shared_layers.ipynb", "--format", "markdown", cwd=tmp_path).stdout
    assert markdown.startswith("### `functional` (shared_layers.ipynb:cell 7:line 3)\n")
    [model] = json.loads(kerlint("cost", "shared_layers.ipynb", "--format", "json", cwd=tmp_path).stdout)["models"]
    assert (model["path"], model["cell"], model["line"]) == ("shared_layers.ipynb", 7, 3)
    graph = kerlint("graph", "shared_layers.ipynb", cwd=tmp_path).stdout
    assert '  subgraph m0["functional (shared_layers.ipynb:cell 7:line 3)"]\n' in graph
