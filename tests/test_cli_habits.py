"""Everyday command-line habits, at ruff's standard: exit policy, short options, the output-format
variable, colour, the `help:` line, watch mode, and the GitLab and reviewdog formats."""

from __future__ import annotations

import io
import json
import os
import queue
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import jsonschema
import pytest

from kerlint.cache import ResultCache
from kerlint.color import COLORED, PLAIN, use_color
from kerlint.config import ConfigError, load_settings
from kerlint.engine import analyze_source
from kerlint.findings import Finding, Severity, Span
from kerlint.report import FORMATS, render
from kerlint.rules import ALL_RULES
from kerlint.rules.base import RuleContext

from helpers import ROOT

ARTICLE = "examples/article_shared_layers.py"  # one KER301, an error
OVERFIT = "examples/fashion_mlp_overfit.py"  # one KER202, a warning
ANSI = re.compile(r"\x1b\[[0-9;]*m")
NO_SUGGESTION = {"KER901"}
"""Rules whose message has nothing to suggest: a budget overrun is for the team to decide on."""
SUGGESTION_IN_MESSAGE = re.compile(r"[.:;] (?:[Uu]se|[Rr]emove|[Aa]dd|[Pp]ass|[Tt]ry|[Gg]ive|[Cc]heck|[Rr]educe|[Bb]ring) ")
"""How suggestions used to be tacked on to messages ("...: use sigmoid")."""
SOFTMAX_MODEL = """\
import keras
inputs = keras.Input(shape=(8,))
outputs = keras.layers.Dense(1, activation="{activation}")(inputs)
model = keras.Model(inputs, outputs)
"""


def run(*args: str, cwd: Path = ROOT, **environment: str) -> subprocess.CompletedProcess:
    """`kerlint ARGS` in a subprocess, with `environment` on top of a colour-neutral environment."""
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR", "KERLINT_OUTPUT_FORMAT")}
    return subprocess.run([sys.executable, "-m", "kerlint", *args], cwd=cwd, capture_output=True, text=True,
                          env={**env, **environment}, timeout=120)


def pyproject(directory: Path, table: str) -> Path:
    path = directory / "pyproject.toml"
    path.write_text(f"[tool.kerlint]\n{table}\n", encoding="utf-8")
    return path


# ---------------------------------------------------------------- help: the suggested change

def _reports(rule, source: str):
    settings = load_settings(None)
    result = analyze_source(textwrap.dedent(source), "snippet.py", settings)
    return list(rule().check(RuleContext("snippet.py", result.analysis, settings.options_for(rule.code))))


SUGGESTING_RULES = [
    rule for rule in ALL_RULES
    if not (rule.emitted_by_engine or rule.emitted_by_confirm or rule.code in NO_SUGGESTION or getattr(rule, "example_config", None))
]


@pytest.mark.parametrize("rule", SUGGESTING_RULES, ids=lambda rule: rule.code)
def test_every_report_splits_its_headline_from_the_suggested_change(rule):
    reports = [report for source in rule.invalid for report in _reports(rule, source)]
    assert reports, f"{rule.code}: no report on its invalid examples"
    for report in reports:
        assert report.help and report.help[0].isupper(), (rule.code, report.help)
        assert report.help not in report.message, (rule.code, report.message)
        assert not SUGGESTION_IN_MESSAGE.search(report.message), (rule.code, report.message)


def test_the_headline_keeps_the_numbers_and_help_the_change():
    [report] = _reports(next(rule for rule in ALL_RULES if rule.code == "KER204"), SOFTMAX_MODEL.format(activation="softmax"))
    assert report.message == "softmax over 1 unit in `dense` always outputs 1.0, so the model cannot learn"
    assert report.help == "Use sigmoid for a binary output"


def _finding(help: str | None = "Use sigmoid for a binary output", line: int = 3, column: int = 11) -> Finding:
    return Finding("model.py", Span(line, column, line, column + 5), "KER204", "single-unit-softmax",
                   "softmax over 1 unit always outputs 1.0", Severity.ERROR, help=help)


SOURCE = "import keras\n\nlayer = keras.layers.Dense(1)\n"


def _render(format_name: str, findings, source: str = SOURCE, **style) -> str:
    stream = io.StringIO()
    render(format_name, findings, {"model.py": source}, stream, files=["model.py"], **style)
    return stream.getvalue()


def test_full_prints_help_under_the_excerpt_and_concise_only_the_headline():
    full = _render("full", [_finding()])
    assert full.splitlines()[:4] == [
        "model.py:3:11: KER204 [single-unit-softmax] softmax over 1 unit always outputs 1.0",
        "3 | layer = keras.layers.Dense(1)",
        "  |           ^^^^^",
        "  = help: Use sigmoid for a binary output",
    ]
    assert "help" not in _render("full", [_finding(help=None)])
    concise = _render("concise", [_finding()])
    assert concise.splitlines()[0] == "model.py:3:11: KER204 softmax over 1 unit always outputs 1.0" and "sigmoid" not in concise


def test_machine_formats_carry_help():
    [record] = json.loads(_render("json", [_finding()]))
    assert record["help"] == "Use sigmoid for a binary output" and record["message"] == "softmax over 1 unit always outputs 1.0"
    assert json.loads(_render("json", [_finding(help=None)]))[0]["help"] is None
    assert json.loads(_render("json-lines", [_finding()]))["help"] == "Use sigmoid for a binary output"
    [result] = json.loads(_render("sarif", [_finding()]))["runs"][0]["results"]
    assert result["message"]["text"] == "softmax over 1 unit always outputs 1.0\nhelp: Use sigmoid for a binary output"
    [issue] = json.loads(_render("gitlab", [_finding()]))
    assert issue["description"].endswith("\nhelp: Use sigmoid for a binary output")


def test_the_cache_keeps_help(tmp_path):
    settings = load_settings(None)
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "model.py"
    source.write_text(SOURCE)
    cache = ResultCache(tmp_path / "cache")
    cache.store(source, settings, cache.digest_of(str(source)), {}, [_finding(), _finding(help=None, line=1)])
    cache.save()
    assert ResultCache(tmp_path / "cache").lookup(source, settings) == [_finding(), _finding(help=None, line=1)]


# ---------------------------------------------------------------- exit policy: --fail-on

def test_fail_on_error_prints_warnings_but_passes():
    warning_only = run(OVERFIT, "-n", "--fail-on", "error", "--output-format", "concise")
    assert warning_only.returncode == 0 and " KER202 " in warning_only.stdout
    assert run(OVERFIT, "-n", "--output-format", "concise").returncode == 1  # default: warnings fail
    assert run(ARTICLE, "-n", "--fail-on", "error").returncode == 1


def test_fail_on_from_pyproject_and_the_flag_wins(tmp_path):
    (tmp_path / "model.py").write_text((ROOT / OVERFIT).read_text())
    pyproject(tmp_path, 'fail-on = "error"\nextend-select = ["KER202"]')  # the example's finding is opt-in
    assert run("model.py", "-n", cwd=tmp_path).returncode == 0
    assert run("model.py", "-n", "--fail-on", "warning", cwd=tmp_path).returncode == 1


def test_a_syntax_error_fails_even_with_fail_on_error(tmp_path):
    (tmp_path / "broken.py").write_text("import keras\nx = keras.layers.Dense(1\n")
    assert run("broken.py", "-n", "--fail-on", "error", cwd=tmp_path).returncode == 1


def test_fail_on_must_be_error_or_warning(tmp_path):
    with pytest.raises(ConfigError, match=r"'fail-on' must be one of error, warning, got 'info'"):
        load_settings(pyproject(tmp_path, 'fail-on = "info"'))
    assert load_settings(None).fail_on == "warning"


# ---------------------------------------------------------------- short options, quiet and silent

def test_short_options_as_ruff_spells_them(tmp_path):
    report = tmp_path / "report.txt"
    result = run(ARTICLE, "-n", "-e", "-o", str(report), "--output-format", "concise")
    assert (result.returncode, result.stdout) == (0, "")
    assert report.read_text().startswith(f"{ARTICLE}:14:10: KER301 ")


def test_quiet_prints_only_findings_and_silent_nothing():
    loud = run(ARTICLE, "-n", "--output-format", "concise")
    quiet = run(ARTICLE, "-n", "-q", "--output-format", "concise")
    assert quiet.returncode == 1 and quiet.stdout == loud.stdout.replace("Found 1 finding (1 error).\n", "")
    assert "Found" not in run(ARTICLE, "-n", "--quiet").stdout
    silent = run(ARTICLE, "-n", "-s")
    assert (silent.returncode, silent.stdout) == (1, "")
    assert run(ARTICLE, "-q", "-s").returncode == 2  # one or the other


# ---------------------------------------------------------------- KERLINT_OUTPUT_FORMAT

def test_output_format_variable_and_the_flag_over_it():
    concise = run(ARTICLE, "-n", KERLINT_OUTPUT_FORMAT="concise")
    assert concise.stdout.startswith(f"{ARTICLE}:14:10: KER301 Dense(32)")
    assert json.loads(run(ARTICLE, "-n", "--output-format", "json", KERLINT_OUTPUT_FORMAT="concise").stdout)[0]["code"] == "KER301"
    wrong = run(ARTICLE, "-n", KERLINT_OUTPUT_FORMAT="colourful")
    assert wrong.returncode == 2 and "KERLINT_OUTPUT_FORMAT: unknown output format 'colourful'" in wrong.stderr


# ---------------------------------------------------------------- colour

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("mode, environ, stream, expected", [
    ("auto", {}, _Terminal(), True),
    ("auto", {}, io.StringIO(), False),
    ("auto", {"NO_COLOR": "1"}, _Terminal(), False),
    ("auto", {"NO_COLOR": ""}, _Terminal(), True),  # no-color.org: only a non-empty value counts
    ("auto", {"FORCE_COLOR": "1"}, io.StringIO(), True),
    ("never", {"FORCE_COLOR": "1"}, _Terminal(), False),
    ("always", {"NO_COLOR": "1"}, io.StringIO(), True),
])
def test_when_colour_is_used(mode, environ, stream, expected):
    assert use_color(mode, stream, environ) is expected


@pytest.mark.parametrize("format_name", ["full", "concise"])
def test_colour_only_adds_escapes(format_name):
    plain = _render(format_name, [_finding()], palette=PLAIN)
    colored = _render(format_name, [_finding()], palette=COLORED)
    assert "\x1b[1;31mKER204\x1b[0m" in colored and ANSI.sub("", colored) == plain


def test_output_is_plain_when_piped_and_coloured_when_asked():
    piped = run(ARTICLE, "-n")
    assert "\x1b[" not in piped.stdout
    forced = run(ARTICLE, "-n", FORCE_COLOR="1")
    assert "\x1b[" in forced.stdout and ANSI.sub("", forced.stdout) == piped.stdout
    assert run(ARTICLE, "-n", "--color", "always", NO_COLOR="1").stdout == forced.stdout
    assert "\x1b[" not in run(ARTICLE, "-n", "--output-format", "json", FORCE_COLOR="1").stdout


# ---------------------------------------------------------------- gitlab and rdjson

GITLAB_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "pattern": "^(?!/)(?!\\./)"},
                    "lines": {"type": "object", "required": ["begin"], "properties": {"begin": {"type": "integer", "minimum": 1}}},
                },
            },
        },
    },
}
"""GitLab's Code Quality report, as its documentation lists the fields it requires."""

_POSITION = {"type": "object", "required": ["line"], "additionalProperties": False,
             "properties": {"line": {"type": "integer", "minimum": 1}, "column": {"type": "integer", "minimum": 1}}}
RDJSON_SCHEMA = {
    "type": "object",
    "required": ["diagnostics"],
    "properties": {
        "source": {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "url": {"type": "string"}}},
        "diagnostics": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["message", "location"],
                "additionalProperties": False,
                "properties": {
                    "message": {"type": "string", "minLength": 1},
                    "location": {
                        "type": "object", "required": ["path"], "additionalProperties": False,
                        "properties": {
                            "path": {"type": "string"},
                            "range": {"type": "object", "required": ["start"], "additionalProperties": False,
                                      "properties": {"start": _POSITION, "end": _POSITION}},
                        },
                    },
                    "severity": {"enum": ["UNKNOWN_SEVERITY", "ERROR", "WARNING", "INFO"]},
                    "code": {"type": "object", "required": ["value"], "properties": {"value": {"type": "string"}, "url": {"type": "string"}}},
                },
            },
        },
    },
}
"""reviewdog's DiagnosticResult (proto/rdf/reviewdog.proto), as JSON."""


def test_new_formats_are_registered():
    assert {"gitlab", "rdjson"} <= set(FORMATS)


def test_gitlab_report_has_the_required_fields_on_the_examples():
    result = run("examples", "-n", "--output-format", "gitlab")
    issues = json.loads(result.stdout)
    jsonschema.validate(issues, GITLAB_SCHEMA)
    expected = json.loads(run("examples", "-n", "--output-format", "json").stdout)
    assert [(i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"]) for i in issues] == [
        (f["path"], f["line"], f["code"]) for f in expected
    ]
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert {issue["severity"] for issue in issues} == {"major", "minor"}


def test_gitlab_fingerprints_survive_moved_lines(tmp_path):
    source = (ROOT / ARTICLE).read_text()
    (tmp_path / "model.py").write_text(source)
    before = json.loads(run("model.py", "-n", "--output-format", "gitlab", cwd=tmp_path).stdout)
    (tmp_path / "model.py").write_text("\n\n" + source)
    after = json.loads(run("model.py", "-n", "--output-format", "gitlab", cwd=tmp_path).stdout)
    assert [i["location"]["lines"]["begin"] + 2 for i in before] == [i["location"]["lines"]["begin"] for i in after]
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]


def test_gitlab_numbers_identical_findings():
    issues = json.loads(_render("gitlab", [_finding(line=1), _finding(line=3)]))
    assert issues[0]["fingerprint"] != issues[1]["fingerprint"]


def test_rdjson_matches_the_diagnostic_format_on_the_examples():
    result = json.loads(run("examples", "-n", "--output-format", "rdjson").stdout)
    jsonschema.validate(result, RDJSON_SCHEMA)
    assert result["source"]["name"] == "kerlint"
    expected = json.loads(run("examples", "-n", "--output-format", "json").stdout)
    found = [(d["location"]["path"], d["location"]["range"]["start"]["line"], d["location"]["range"]["start"]["column"],
              d["code"]["value"], d["severity"]) for d in result["diagnostics"]]
    assert found == [(f["path"], f["line"], f["column"], f["code"], f["severity"].upper()) for f in expected]


def test_rdjson_columns_count_utf8_bytes():
    source = "import keras\n\nnamé = keras.layers.Dense(1)\n"  # é is 2 bytes: columns after it shift by one
    [diagnostic] = json.loads(_render("rdjson", [_finding()], source=source))["diagnostics"]
    assert diagnostic["location"]["range"] == {"start": {"line": 3, "column": 12}, "end": {"line": 3, "column": 17}}
    assert diagnostic["message"] == "softmax over 1 unit always outputs 1.0\nhelp: Use sigmoid for a binary output"


# ---------------------------------------------------------------- --watch

def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


def _wait_for(lines: queue.Queue, text: str, seen: list[str], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not any(text in line for line in seen):
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no {text!r} in watch output:\n{''.join(seen)}"
        try:
            seen.append(lines.get(timeout=remaining))
        except queue.Empty:
            pass


def test_watch_checks_again_after_a_change_and_ctrl_c_exits_0(tmp_path):
    model = tmp_path / "model.py"
    model.write_text(SOFTMAX_MODEL.format(activation="sigmoid"))
    env = {key: value for key, value in os.environ.items() if key != "FORCE_COLOR"}
    process = subprocess.Popen([sys.executable, "-m", "kerlint", "--watch", ".", "-n", "--output-format", "concise"],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        _wait_for(lines, "All checks passed!", seen)
        model.write_text(SOFTMAX_MODEL.format(activation="softmax"))
        _wait_for(lines, "KER204", seen)
        assert any("File change detected" in line for line in seen)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_text_formats_carry_help_and_escape_it():
    hostile = _finding(help="Use sigmoid in `out\x1b[2J`")
    assert "= help: Use sigmoid in `out\\x1b[2J`" in _render("full", [hostile])
    assert _render("pylint", [_finding()]).splitlines()[0].endswith(
        "softmax over 1 unit always outputs 1.0. Use sigmoid for a binary output (kerlint-single-unit-softmax)")
    assert _render("github", [_finding()]).endswith("::softmax over 1 unit always outputs 1.0%0Ahelp: Use sigmoid for a binary output\n")
    assert "help: Use sigmoid for a binary output" in _render("junit", [_finding()])
    assert "\x1b" not in "".join(_render(name, [hostile]) for name in ("full", "pylint", "github", "junit"))


def test_watch_refuses_standard_input():
    result = run("--watch", "-", "-n")
    assert result.returncode == 2 and "--watch checks files and directories, not standard input" in result.stderr
