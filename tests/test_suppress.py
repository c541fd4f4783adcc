"""Suppression comments: the forms, what they cover, and KER002 for stale ones."""

from __future__ import annotations

import textwrap

import pytest

from helpers import last_code
from kerlint.findings import Finding, Severity, Span
from kerlint.suppress import LineSuppression, Suppressions, apply_suppressions, parse_suppressions

ALL = frozenset({"KER000", "KER001", "KER002"})


def finding(line: int, code: str = "KER001", column: int = 1) -> Finding:
    name = {"KER000": "internal-error", "KER001": "syntax-error"}[code]
    return Finding("m.py", Span(line, column, line, column + 3), code, name, "boom", Severity.ERROR)


def run(source: str, findings: list[Finding], enabled: frozenset[str] = ALL) -> list[Finding]:
    return apply_suppressions(findings, parse_suppressions(textwrap.dedent(source)), "m.py", enabled)


def codes(findings: list[Finding]) -> list[tuple[int, str]]:
    return [(f.span.line, f.code) for f in findings]


def test_parse_forms():
    source = textwrap.dedent("""\
        a = 1  # noqa
        b = 2  # NOQA: KER001, internal-error
        c = 3  # kerlint: ignore[KER001,syntax-error]
        # kerlint: file-ignore[KER000]
        d = 4  # noqa: E501
        e = 5  # noqa:KER001 KER000
    """)
    parsed = parse_suppressions(source)
    assert parsed.file_codes == {"KER000"}
    assert [(s.line, s.codes) for s in parsed.lines] == [
        (1, None),
        (2, frozenset({"KER001", "KER000"})),
        (3, frozenset({"KER001"})),
        (6, frozenset({"KER001", "KER000"})),
    ]
    assert parsed.lines[0] == LineSuppression(1, 8, 14, None)  # 1-based column of the '#'


def test_bare_noqa_suppresses_every_code_on_its_line_only():
    result = run("x = 1  # noqa\ny = 2\n", [finding(1), finding(1, "KER000"), finding(2)])
    assert codes(result) == [(2, "KER001")]


def test_named_noqa_suppresses_only_named_codes():
    result = run("x = 1  # noqa: KER001\n", [finding(1), finding(1, "KER000")])
    assert codes(result) == [(1, "KER000")]


def test_rule_names_work_like_codes():
    result = run("x = 1  # kerlint: ignore[syntax-error]\n", [finding(1)])
    assert result == []


def test_other_tools_codes_are_ignored_silently():
    result = run("x = 1  # noqa: E501, F401\n", [finding(1)])
    assert codes(result) == [(1, "KER001")]  # not a blanket noqa, and no KER002 for E501


def test_mixed_foreign_and_kerlint_codes():
    result = run("x = 1  # noqa: E501,KER001\n", [finding(1)])
    assert result == []


def test_noqa_inside_a_string_does_not_count():
    source = '''\
        x = "# noqa"
        y = """
        # kerlint: file-ignore[KER001]
        """
    '''
    assert parse_suppressions(textwrap.dedent(source)) == Suppressions()
    assert codes(run(source, [finding(1), finding(3)])) == [(1, "KER001"), (3, "KER001")]


def test_file_ignore_applies_anywhere():
    result = run("x = 1\ny = 2\n# kerlint: file-ignore[KER001]\n", [finding(1), finding(2), finding(2, "KER000")])
    assert codes(result) == [(2, "KER000")]


def test_untokenizable_source_has_no_suppressions():
    assert parse_suppressions("x = '''unterminated  # noqa\n") == Suppressions()
    assert parse_suppressions("print 'hello'  # noqa\n").lines  # a syntax error is still tokenizable


def test_unused_named_code_reports_ker002_at_the_comment():
    result = run("x = 1  # noqa: KER001\n", [])
    assert len(result) == 1
    unused = result[0]
    assert (unused.code, unused.name, unused.severity) == ("KER002", "unused-suppression", Severity.WARNING)
    assert unused.message == "unused suppression for KER001 (syntax-error): no such finding on this line"
    assert unused.span == Span(1, 8, 1, 22)
    assert unused.path == "m.py"


def test_only_the_unused_code_of_a_directive_is_reported():
    result = run("x = 1  # kerlint: ignore[KER001, KER000]\n", [finding(1)])
    assert [f.message.split(":")[0] for f in result] == ["unused suppression for KER000 (internal-error)"]


def test_bare_noqa_is_never_reported_unused():
    assert run("x = 1  # noqa\n", []) == []


def test_no_ker002_when_it_or_the_named_code_is_disabled():
    assert run("x = 1  # noqa: KER001\n", [], enabled=frozenset({"KER001"})) == []
    assert run("x = 1  # noqa: KER001\n", [], enabled=frozenset({"KER002"})) == []


def test_ker002_can_be_file_ignored_or_named_on_the_line():
    assert run("x = 1  # noqa: KER001\n# kerlint: file-ignore[unused-suppression]\n", []) == []
    assert run("x = 1  # noqa: KER001, KER002\n", []) == []


def test_file_ignore_entries_are_never_reported_unused():
    assert run("# kerlint: file-ignore[KER001]\n", []) == []


def test_results_are_sorted():
    result = run("a = 1\nb = 2  # noqa: KER000\n", [finding(1, column=5), finding(1, column=2)])
    assert [(f.span.line, f.span.column, f.code) for f in result] == [(1, 2, "KER001"), (1, 5, "KER001"), (2, 8, "KER002")]


# --- KER004: directives that cannot work ----------------------------------------------------------

WITH_KER004 = ALL | {"KER004"}


def invalid(source: str, findings: list[Finding] = (), enabled: frozenset[str] = WITH_KER004) -> list[tuple[int, int, str]]:
    return [(f.span.line, f.span.column, f.message) for f in run(source, list(findings), enabled) if f.code == "KER004"]


@pytest.mark.parametrize(
    "comment, message",
    [
        ("# kerlint: ignore", "`# kerlint: ignore`: names no rule, so it suppresses nothing: put the codes in brackets, e.g. `# kerlint: ignore[KER101]`"),
        ("# kerlint: file-ignore", "`# kerlint: file-ignore`: names no rule, so it suppresses nothing: put the codes in brackets, e.g. `# kerlint: file-ignore[KER101]`"),
        ("# kerlint: ignore[bogus]", "`# kerlint: ignore[bogus]`: 'bogus' is not a kerlint rule code or name (`kerlint rule --all` lists them)"),
        ("# kerlint: ignore[KER2]", f"`# kerlint: ignore[KER2]`: KER2 names no rule; did you mean KER201-{last_code('KER2')}? write the full code (suppressions take no prefixes)"),
        ("# noqa: KER3", f"`# noqa: KER3`: KER3 names no rule; did you mean KER301-{last_code('KER3')}? write the full code (suppressions take no prefixes)"),
        ("# noqa: KER999, E501", "`# noqa: KER999, E501`: KER999 is not a kerlint rule (`kerlint rule --all` lists them)"),
        ("# kerlint: ignore[]", "`# kerlint: ignore[]`: names no rule, so it suppresses nothing: put the codes in the brackets, e.g. `[KER101]`"),
        ("# kerlint: skip[KER301]", "`# kerlint: skip[KER301]`: unknown directive 'skip': write `# kerlint: ignore[KER101]` (this line) or `# kerlint: file-ignore[KER101]` (the whole file)"),
        ("# noqa KER301", "`# noqa KER301`: without a colon this is a bare `# noqa`, which suppresses every rule on the line; write `# noqa: KER301`"),
    ],
)
def test_invalid_directives_are_reported_with_what_was_meant(comment, message):
    """Issue 18, item 6: each of these suppressed nothing (or everything) and said nothing."""
    assert invalid(f"x = 1  {comment}\n") == [(1, 8, message)]


def test_a_valid_code_next_to_an_invalid_one_still_suppresses():
    result = run("x = 1  # kerlint: ignore[KER001, bogus]\n", [finding(1)], WITH_KER004)
    assert codes(result) == [(1, "KER004")]


def test_bare_noqa_and_other_tools_codes_are_valid():
    assert invalid("a = 1  # noqa\nb = 2  # noqa: E501, F401\nc = 3  # NOQA:KER001\n# kerlint: file-ignore[KER000]\n", [finding(3)]) == []


def test_ker004_can_be_disabled_file_ignored_or_named_on_the_line():
    assert invalid("x = 1  # noqa: KER3\n", enabled=ALL) == []
    assert invalid("x = 1  # noqa: KER3\n# kerlint: file-ignore[invalid-suppression]\n") == []
    assert invalid("x = 1  # noqa: KER3, KER004\n") == []


def test_invalid_directive_inside_a_string_is_not_one():
    assert invalid('x = "# kerlint: ignore"\n') == []
