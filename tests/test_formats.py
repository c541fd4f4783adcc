"""Every output format end to end on examples/, and what each one promises.

Expectations come from the `json` output of the same run (rules are added all
the time), plus concrete values for the KER301 finding of the article example,
which every format must place at line 14, columns 10-30.
"""

from __future__ import annotations

import json
import shlex
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
import yaml

from helpers import DATA, ROOT, kerlint, readme_block
from kerlint.report.github import escape_data, escape_property
from kerlint.rules import ALL_RULES, BY_CODE

ARTICLE = "examples/article_shared_layers.py"
KER301_MESSAGE_START = "Dense(32) `dense` is shared, but its first call (line 13) built it for input shape (None, 10)"
SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())


@pytest.fixture(scope="module")
def expected() -> list[dict]:
    """The findings on examples/, as the json format reports them."""
    result = kerlint("examples", "--output-format", "json")
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    [ker301] = [f for f in findings if f["path"] == ARTICLE]
    assert (ker301["code"], ker301["line"], ker301["column"], ker301["end_line"], ker301["end_column"]) == ("KER301", 14, 10, 14, 30)
    assert ker301["message"].startswith(KER301_MESSAGE_START)
    return findings


def check(output_format: str, *args: str, cwd: Path = ROOT) -> str:
    result = kerlint(*args, "--output-format", output_format, cwd=cwd)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    return result.stdout


def validate_sarif(log: dict) -> None:
    jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA).validate(log)


# --- each format on examples/ ------------------------------------------------------------------


def test_concise(expected):
    lines = check("concise", "examples").splitlines()
    assert lines[:-1] == [f"{f['path']}:{f['line']}:{f['column']}: {f['code']} {f['message']}" for f in expected]
    assert lines[-1].startswith(f"Found {len(expected)} findings")
    assert lines[0].startswith(f"{ARTICLE}:14:10: KER301 {KER301_MESSAGE_START}")


def test_full(expected):
    out = check("full", "examples")
    for f in expected:
        assert f"{f['path']}:{f['line']}:{f['column']}: {f['code']} [{f['name']}] {f['message']}\n" in out
    assert (
        f"{ARTICLE}:14:10: KER301 [incompatible-shared-layer] {KER301_MESSAGE_START}" in out
        and "14 | dense2 = shared_dense(input2)\n   |          ^^^^^^^^^^^^^^^^^^^^\n" in out
    )


def test_json_lines(expected):
    assert [json.loads(line) for line in check("json-lines", "examples").splitlines()] == expected


def with_help_line(finding: dict) -> str:
    """Formats with one text per finding: the message, then the suggested change on a `help:` line."""
    return finding["message"] + (f"\nhelp: {finding['help']}" if finding["help"] else "")


def test_github(expected):
    lines = check("github", "examples").splitlines()
    commands = {"error": "error", "warning": "warning", "info": "notice"}
    assert lines == [
        f"::{commands[f['severity']]} file={f['path']},line={f['line']},col={f['column']},endLine={f['end_line']},"
        f"endColumn={f['end_column']},title={f['code']} {f['name']}::{escape_data(with_help_line(f))}"
        for f in expected
    ]
    assert lines[0].startswith(
        f"::error file={ARTICLE},line=14,col=10,endLine=14,endColumn=30,title=KER301 incompatible-shared-layer::{KER301_MESSAGE_START}"
    )


def test_sarif(expected):
    log = json.loads(check("sarif", "examples"))
    validate_sarif(log)
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], log["version"]) == ("kerlint", "2.1.0")
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in ALL_RULES]
    for rule in driver["rules"]:
        registered = BY_CODE[rule["id"]]
        assert rule["name"] == registered.name and rule["shortDescription"]["text"] == registered.summary
        assert rule["help"]["markdown"] == registered.documentation() and "## Why is this bad?" in rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning", "info": "note"}[registered.severity.value]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == ROOT.as_uri() + "/"
    found = []
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        [location] = result["locations"]
        physical = location["physicalLocation"]
        region = physical["region"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        found.append((physical["artifactLocation"]["uri"], region["startLine"], region["startColumn"],
                      region["endLine"], region["endColumn"], result["ruleId"], result["message"]["text"]))
    assert found == [(f["path"], f["line"], f["column"], f["end_line"], f["end_column"], f["code"], with_help_line(f)) for f in expected]
    ker301 = run["results"][0]
    assert ker301["level"] == "error" and ker301["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": ARTICLE, "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 14, "startColumn": 10, "endLine": 14, "endColumn": 30},
    }


def test_sarif_schema_validation_is_not_vacuous():
    log = json.loads(check("sarif", ARTICLE))
    validate_sarif(log)
    del log["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        validate_sarif(log)


def test_pylint(expected):
    lines = check("pylint", "examples").splitlines()
    ids = {"error": "E", "warning": "W", "info": "I"}
    assert lines == [
        f"{f['path']}:{f['line']}:{f['column'] - 1}: {ids[f['severity']]}9{f['code'][3:]}: {f['message']}{'. ' + f['help'] if f['help'] else ''} (kerlint-{f['name']})"
        for f in expected
    ]
    assert lines[0].startswith(f"{ARTICLE}:14:9: E9301: {KER301_MESSAGE_START}")
    assert lines[0].endswith(" (kerlint-incompatible-shared-layer)")


def test_junit(expected):
    root = ElementTree.fromstring(check("junit", "examples"))
    checked = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "examples").rglob("*.py"))
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert sorted(suites) == checked
    assert (root.tag, root.get("failures"), root.get("tests")) == (
        "testsuites", str(len(expected)), str(sum(max(sum(f["path"] == p for f in expected), 1) for p in checked)))
    for path, suite in suites.items():
        mine = [f for f in expected if f["path"] == path]
        cases = suite.findall("testcase")
        assert suite.get("failures") == str(len(mine)) and suite.get("tests") == str(len(cases))
        if not mine:  # a clean file is one passing testcase
            assert [(case.get("name"), case.find("failure")) for case in cases] == [("no findings", None)]
            continue
        failures = [(case.get("line"), case.find("failure").get("type"), case.find("failure").get("message")) for case in cases]
        assert failures == [(str(f["line"]), f["code"], f["message"]) for f in mine]
    ker301 = suites[ARTICLE].find("testcase")
    assert ker301.get("name") == "KER301 incompatible-shared-layer at 14:10"
    assert ker301.find("failure").text.startswith(f"{ARTICLE}:14:10: KER301 {KER301_MESSAGE_START}")


def test_statistics(expected):
    counts = Counter((f["code"], f["name"]) for f in expected)
    out = kerlint("examples", "--statistics")
    assert out.returncode == 1
    rows = [line.split() for line in out.stdout.splitlines()]
    assert [(code, name, int(count)) for count, code, name in rows] == sorted(
        ((code, name, count) for (code, name), count in counts.items()), key=lambda row: (-row[2], row[0]))
    as_json = json.loads(kerlint("examples", "--statistics", "--output-format", "json").stdout)
    assert {(row["code"], row["name"], row["count"]) for row in as_json} == {(c, n, k) for (c, n), k in counts.items()}
    assert kerlint("examples/mnist_cnn.py", "--statistics").stdout == ""


@pytest.mark.parametrize("output_format", ["concise", "sarif", "junit"])
def test_output_file_gets_what_stdout_would(tmp_path, output_format):
    report = tmp_path / "reports" / f"kerlint.{output_format}"
    result = kerlint(ARTICLE, "--output-format", output_format, "--output-file", str(report))
    assert (result.returncode, result.stdout) == (1, "")
    assert report.read_text() == check(output_format, ARTICLE)


def test_output_file_that_cannot_be_written_is_a_usage_error(tmp_path):
    (tmp_path / "file").write_text("")
    result = kerlint(ARTICLE, "--output-file", str(tmp_path / "file" / "report.txt"))
    assert result.returncode == 2 and "--output-file: cannot write" in result.stderr


def test_exit_zero_keeps_the_report():
    result = kerlint(ARTICLE, "--output-format", "sarif", "--exit-zero")
    assert result.returncode == 0
    assert json.loads(result.stdout)["runs"][0]["results"][0]["ruleId"] == "KER301"


# --- escaping and paths ------------------------------------------------------------------------


def test_github_escaping_follows_the_actions_toolkit():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_odd_file_names_are_escaped_in_github_and_encoded_in_sarif(tmp_path):
    (tmp_path / "odd, name: 100%.py").write_text((ROOT / ARTICLE).read_text())
    annotation = check("github", ".", cwd=tmp_path)
    assert annotation.startswith("::error file=odd%2C name%3A 100%25.py,line=14,col=10,")
    log = json.loads(check("sarif", ".", cwd=tmp_path))
    validate_sarif(log)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "odd%2C%20name%3A%20100%25.py", "uriBaseId": "%SRCROOT%"}


def test_sarif_uses_file_uris_for_paths_outside_the_working_directory(tmp_path):
    (tmp_path / "model.py").write_text((ROOT / ARTICLE).read_text())
    log = json.loads(check("sarif", str(tmp_path / "model.py")))
    validate_sarif(log)
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": (tmp_path / "model.py").as_uri()
    }


def test_clean_run_in_every_format():
    clean = "examples/mnist_cnn.py"
    outputs = {fmt: kerlint(clean, "--output-format", fmt) for fmt in ("full", "concise", "json", "json-lines", "github", "sarif", "pylint", "junit")}
    assert all(result.returncode == 0 for result in outputs.values())
    assert outputs["concise"].stdout == outputs["full"].stdout == "All checks passed!\n"
    assert json.loads(outputs["json"].stdout) == []
    assert outputs["json-lines"].stdout == outputs["github"].stdout == outputs["pylint"].stdout == ""
    log = json.loads(outputs["sarif"].stdout)
    validate_sarif(log)
    assert log["runs"][0]["results"] == []
    suite = ElementTree.fromstring(outputs["junit"].stdout).find("testsuite")
    assert (suite.get("name"), suite.get("failures"), suite.find("testcase").get("name")) == (clean, "0", "no findings")


# --- the README's GitHub Actions workflow ------------------------------------------------------


def test_readme_github_actions_workflow_runs_kerlint_and_uploads_valid_sarif(tmp_path):
    workflow = yaml.safe_load(readme_block("yaml", "upload-sarif"))
    [job] = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"
    steps = job["steps"]
    upload = next(step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    commands = [shlex.split(step["run"]) for step in steps if step.get("run", "").startswith("kerlint ")]
    assert [argv[argv.index("--output-format") + 1] for argv in commands] == ["github", "sarif"]

    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "shared.py").write_text((ROOT / ARTICLE).read_text())
    annotations, sarif = (kerlint(*argv[1:], cwd=tmp_path) for argv in commands)
    assert annotations.returncode == 1, annotations.stderr
    assert annotations.stdout.startswith("::error file=examples/shared.py,line=14,col=10,")
    assert sarif.returncode == 0, sarif.stderr  # --exit-zero: the upload step still runs
    log = json.loads((tmp_path / upload["with"]["sarif_file"]).read_text())
    validate_sarif(log)
    assert log["runs"][0]["results"][0]["ruleId"] == "KER301"


# --- hostile text in what users wrote -----------------------------------------------------------------

HOSTILE_NAME = "evil\x1b[2J\x1b]0;owned\x07\r\n::error::fake\u202e"
"""A layer name that clears the screen, sets the terminal's title, starts a line of its own, fakes a
GitHub annotation and reverses the text after it."""


def test_text_formats_show_control_characters_escaped(tmp_path):
    """Issue 14 (item 9 and deliverable 3): one control character in a layer name made JUnit XML invalid."""
    literal = HOSTILE_NAME.replace("\r", "\\r").replace("\n", "\\n")  # line breaks as escapes, the rest raw
    layer = f'keras.layers.Dense(8, name="{literal}")'
    (tmp_path / "evil.py").write_text(
        f"import keras\n\ninputs = keras.Input(shape=(10,))\nx = {layer}(inputs)\ny = {layer}(x)\nmodel = keras.Model(inputs, y)\n"
    )
    escaped = "evil\\x1b[2J\\x1b]0;owned\\x07\\r\\n::error::fake\\u202e"
    for fmt in ("full", "concise", "pylint", "github", "junit"):
        out = check(fmt, "evil.py", cwd=tmp_path)
        assert escaped in out, fmt
        assert not {"\x1b", "\x07", "\r", "\u202e"} & set(out), fmt
    findings = json.loads(check("json", "evil.py", cwd=tmp_path))
    github = check("github", "evil.py", cwd=tmp_path).splitlines()
    assert findings and len(github) == len(findings)  # one line per finding: no line break got through
    assert all(line.startswith(("::warning file=evil.py,", "::error file=evil.py,")) for line in github)
    assert len(check("concise", "evil.py", cwd=tmp_path).splitlines()) == len(findings) + 1  # and the summary
    suite = ElementTree.fromstring(check("junit", "evil.py", cwd=tmp_path)).find("testsuite")
    assert escaped in suite.find("testcase/failure").get("message")
    duplicate = next(f for f in findings if f["code"] == "KER309")
    assert HOSTILE_NAME in duplicate["message"]  # JSON carries the name as it is, encoded by json
