"""JUnit XML, which CI servers (Jenkins, GitLab, Azure) show as a test report.

One testsuite per checked file; each finding is a failed testcase, and a file
without findings has one passing testcase, so the report lists what was checked.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO
from xml.etree import ElementTree

from kerlint.report.results import Located, Results

PASSED = "no findings"


def render(results: Results, stream: TextIO) -> None:
    by_file: dict[str, list[Located]] = defaultdict(list)
    for item in results.located:
        by_file[item.finding.path].append(item)
    tests = sum(max(len(by_file[path]), 1) for path in results.files)
    root = ElementTree.Element("testsuites", name="kerlint", tests=str(tests), failures=str(len(results.located)), errors="0")
    for path in results.files:
        items = by_file[path]
        suite = ElementTree.SubElement(root, "testsuite", name=path, tests=str(max(len(items), 1)),
                                       failures=str(len(items)), errors="0")
        if not items:
            ElementTree.SubElement(suite, "testcase", name=PASSED, classname=path, file=path)
        for item in items:
            finding = item.finding
            case = ElementTree.SubElement(suite, "testcase", name=f"{finding.code} {finding.name} at {item.position()}",
                                          classname=path, file=path, line=str(item.span.line))
            failure = ElementTree.SubElement(case, "failure", message=item.message, type=finding.code)
            failure.text = f"{item.where()}: {finding.code} {item.message}"
            if finding.help is not None:
                failure.text += f"\nhelp: {finding.help}"
    ElementTree.indent(root)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n")
