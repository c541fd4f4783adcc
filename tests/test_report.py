"""Output formats: ordering, excerpts with carets that line up, summaries, JSON."""

from __future__ import annotations

import io
import json

import pytest

from kerlint.findings import Finding, Severity, Span
from kerlint.report import FORMATS, render
from kerlint.report.results import printable


def finding(path: str, line: int, column: int, end_line: int, end_column: int, code: str = "KER001") -> Finding:
    names = {"KER000": ("internal-error", Severity.ERROR), "KER001": ("syntax-error", Severity.ERROR),
             "KER002": ("unused-suppression", Severity.WARNING)}
    name, severity = names[code]
    return Finding(path, Span(line, column, end_line, end_column), code, name, f"{name} here", severity)


def output(format_name: str, findings, sources=None) -> str:
    stream = io.StringIO()
    render(format_name, findings, sources or {}, stream)
    return stream.getvalue()


SOURCE = "import keras\nx = keras.layers.Dense(8)\n"


def test_formats_registered():
    assert set(FORMATS) == {"full", "concise", "json", "json-lines", "github", "sarif", "pylint", "junit", "gitlab", "rdjson"}
    with pytest.raises(ValueError, match="unknown output format 'xml' \\(allowed: full, concise, json, json-lines, "):
        output("xml", [])


@pytest.mark.parametrize("format_name", ["full", "concise"])
def test_empty(format_name):
    assert output(format_name, []) == "All checks passed!\n"


def test_json_empty():
    assert json.loads(output("json", [])) == []


def test_full_single_line_span():
    text = output("full", [finding("m.py", 2, 5, 2, 23)], {"m.py": SOURCE})
    assert text == (
        "m.py:2:5: KER001 [syntax-error] syntax-error here\n"
        "2 | x = keras.layers.Dense(8)\n"
        "  |     ^^^^^^^^^^^^^^^^^^\n"
        "\n"
        "Found 1 finding (1 error).\n"
    )


def test_full_multi_line_span_underlines_to_end_of_first_line():
    source = "y = concat([\n    a,\n])\n"
    text = output("full", [finding("m.py", 1, 5, 3, 2)], {"m.py": source})
    assert "1 | y = concat([\n  |     ^^^^^^^^\n" in text


def test_full_tabs_keep_the_caret_aligned():
    source = "def f():\n\tx = \tkeras.layers.Dense(8)\n"
    col = source.splitlines()[1].index("keras") + 1
    text = output("full", [finding("m.py", 2, col, 2, col + 5)], {"m.py": source})
    line, carets = text.splitlines()[1:3]
    assert "\t" not in line
    assert line[carets.index("^"):].startswith("keras.layers")
    assert carets.count("^") == 5


def test_full_caret_width_counts_tabs_inside_the_span():
    source = "a\tb = 1\n"
    text = output("full", [finding("m.py", 1, 1, 1, 4)], {"m.py": source})
    line, carets = text.splitlines()[1:3]
    assert line == "1 | a   b = 1"
    assert carets == "  | ^^^^^"


def test_full_gutter_width_follows_line_number():
    source = "\n" * 11 + "x = 1\n"
    text = output("full", [finding("m.py", 12, 1, 12, 2)], {"m.py": source})
    assert "12 | x = 1\n   | ^\n" in text


def test_full_clamps_odd_spans_and_handles_crlf():
    source = "x = (\r\ny = 2\r\n"
    text = output("full", [finding("m.py", 1, 9, 1, 3), finding("m.py", 2, 1, 2, 1)], {"m.py": source})
    assert "1 | x = (\n  |      ^\n" in text  # past the end: one caret just after the line
    assert "2 | y = 2\n  | ^\n" in text  # empty span: still one caret


def test_full_without_source_or_with_line_out_of_range_prints_header_only():
    findings = [finding("gone.py", 1, 1, 1, 2), finding("m.py", 99, 1, 99, 2)]
    text = output("full", findings, {"m.py": SOURCE})
    assert text == (
        "gone.py:1:1: KER001 [syntax-error] syntax-error here\n\n"
        "m.py:99:1: KER001 [syntax-error] syntax-error here\n\n"
        "Found 2 findings (2 errors).\n"
    )


def test_concise_sorted_with_summary():
    findings = [finding("b.py", 1, 1, 1, 2), finding("a.py", 3, 1, 3, 2, "KER002"), finding("a.py", 1, 4, 1, 5, "KER000")]
    assert output("concise", findings) == (
        "a.py:1:4: KER000 internal-error here\n"
        "a.py:3:1: KER002 unused-suppression here\n"
        "b.py:1:1: KER001 syntax-error here\n"
        "Found 3 findings (2 errors, 1 warning).\n"
    )


def test_full_is_sorted_with_blank_lines_between():
    findings = [finding("m.py", 2, 1, 2, 2), finding("m.py", 1, 1, 1, 7, "KER002")]
    text = output("full", findings, {"m.py": SOURCE})
    blocks = text.split("\n\n")
    assert blocks[0].startswith("m.py:1:1: KER002 [unused-suppression]")
    assert blocks[1].startswith("m.py:2:1: KER001")
    assert blocks[2] == "Found 2 findings (1 error, 1 warning).\n"


def test_json_is_sorted_list_of_to_json():
    findings = [finding("b.py", 1, 1, 1, 2), finding("a.py", 2, 3, 2, 9)]
    text = output("json", findings)
    assert json.loads(text) == [f.to_json() for f in sorted(findings, key=lambda f: f.sort_key)]
    assert text.startswith("[\n  {\n    \"code\"")


def test_printable_escapes_what_a_terminal_would_obey():
    assert printable("a\x1b[2Jb\r\nc\td\u202ee\ud800\x7f\x9b") == "a\\x1b[2Jb\\r\\nc\td\\u202ee\\ud800\\x7f\\x9b"
    assert printable("Dense(32) `dense_1` (None, 10) café ✓") == "Dense(32) `dense_1` (None, 10) café ✓"
