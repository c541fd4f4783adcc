"""The corpus run behind docs/precision.md: every rule on real public Keras code, findings counted per rule.

Downloads (once, with pip) the pinned packages of benchmarks/speed.py and the
further public Keras projects below (wheels, or source distributions where those
carry example scripts and tests), unpacks them under `benchmarks/.corpus/`,
runs `kerlint check --isolated --select ALL` on all of them, and prints, per
rule, its set (default or opt-in), how many findings it reports, how many of
those are in test files, and in which packages. The totals of the default set
and of the opt-in rules follow. Reading the findings stays human: `--show
KER207,KER105` prints each finding of those rules with its location, the
lines around it and its message, to open and judge one by one.

    python benchmarks/precision.py [--show CODES] [--json FILE]

Needs pip and network access to the package index the first time. Not timed.
"""

from __future__ import annotations

import argparse
import json
import linecache
import os
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from speed import CORPUS_DIR, PACKAGES, fetch_corpus

from kerlint.rules import ALL_RULES, BY_CODE
from kerlint.rules.docs import rule_set

MORE_PACKAGES = [
    ("autokeras", "3.0.0"),
    ("d2l", "1.0.3"),
    ("deepface", "0.0.103"),
    ("efficientnet", "1.1.1"),
    ("image-classifiers", "1.0.0"),
    ("kapre", "0.4.1"),
    ("kashgari", "2.0.2"),
    ("keract", "4.5.2"),
    ("keras-applications", "1.0.8"),
    ("keras-cv", "0.9.0"),
    ("keras-facenet", "0.3.2"),
    ("keras-lr-finder", "0.1"),
    ("keras-ocr", "0.9.3"),
    ("keras-radam", "0.15.0"),
    ("keras-retinanet", "1.0.0"),
    ("keras-swa", "0.1.7"),
    ("keras-transformer", "0.40.0"),
    ("keras-tuner", "1.4.8"),
    ("keras-unet", "0.1.2"),
    ("keras-vggface", "0.6"),
    ("ktrain", "0.41.4"),
    ("tensorflow-model-optimization", "0.8.1"),
    ("tensorflow-recommenders", "0.7.7"),
    ("tf2onnx", "1.17.0"),
    ("vit-keras", "0.2.0"),
]
"""Public Keras projects beyond the speed corpus, pinned; their wheels (unpacked apart from the speed corpus, which stays as it is)."""
SOURCE_PACKAGES = [
    ("hyperas", "0.4.1"),
    ("keras-rl2", "1.0.5"),
    ("keras-self-attention", "0.51.0"),
    ("keras-tcn", "3.5.7"),
    ("ncps", "1.0.1"),
    ("qkeras", "0.9.0"),
    ("segmentation-models", "1.0.1"),
    ("spektral", "1.3.1"),
    ("talos", "2.0.10"),
]
"""Projects whose source distributions carry example training scripts and tests that their wheels leave out."""


def fetch_sources(directory: Path, packages: list[tuple[str, str]]) -> Path:
    """Like `fetch_corpus`, but from source distributions: downloaded here, then unpacked by `fetch_corpus`."""
    downloads = directory / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    for name, version in packages:
        if not (directory / "src" / f"{name}-{version}").is_dir():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--quiet",
                            "--dest", str(downloads), f"{name}=={version}"], check=True)
    return fetch_corpus(directory, packages)


def in_tests(path: str) -> bool:
    """A test module, or any file under a `tests/` directory (fixtures and helpers): where noise usually comes from."""
    name = Path(path).name
    return name.startswith("test_") or name.endswith("_test.py") or "/tests/" in path


def package_of(path: str, roots: list[Path]) -> str:
    for root in roots:
        if path.startswith(f"{root}/"):
            return path[len(str(root)) + 1:].split("/", 1)[0]
    return "?"


def run_kerlint(roots: list[Path]) -> list[dict]:
    command = [sys.executable, "-m", "kerlint", "check", *map(str, roots), "--isolated", "--select", "ALL",
               "--no-cache", "--exit-zero", "--output-format", "json"]
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    findings = json.loads(result.stdout)
    for finding in findings:  # kerlint prints paths relative to the working directory
        finding["path"] = os.path.abspath(finding["path"])
    return findings


def table(findings: list[dict], roots: list[Path]) -> str:
    by_code = Counter(f["code"] for f in findings)
    in_test_files = Counter(f["code"] for f in findings if in_tests(f["path"]))
    packages: dict[str, Counter] = defaultdict(Counter)
    for finding in findings:
        packages[finding["code"]][package_of(finding["path"], roots)] += 1
    lines = ["| Rule | Name | Set | Findings | In test files | Packages |", "| --- | --- | --- | ---: | ---: | --- |"]
    for rule in ALL_RULES:
        where = ", ".join(f"{name} ({count})" for name, count in packages[rule.code].most_common())
        lines.append(f"| {rule.code} | `{rule.name}` | {rule_set(rule)} | {by_code[rule.code]} | {in_test_files[rule.code]} | {where} |")
    default = sum(count for code, count in by_code.items() if BY_CODE[code].default)
    lines += ["", f"default set: {default} findings; opt-in rules: {len(findings) - default} findings; {len(findings)} in all"]
    return "\n".join(lines)


def show(findings: list[dict], codes: set[str], context: int = 3) -> str:
    """Each finding of `codes` with the lines around it, to open and judge."""
    out = []
    for finding in (f for f in findings if f["code"] in codes):
        out.append(f"{finding['path']}:{finding['line']}: {finding['code']} {finding['message']}")
        for number in range(max(1, finding["line"] - context), finding["line"] + context + 1):
            marker = ">" if number == finding["line"] else " "
            out.append(f"  {number:5d}{marker} {linecache.getline(finding['path'], number).rstrip()}")
        out.append("")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR)
    parser.add_argument("--show", default="", help="comma-separated codes whose findings to print with their context")
    parser.add_argument("--json", type=Path, help="also write every finding here")
    args = parser.parse_args()
    roots = [fetch_corpus(args.corpus_dir), fetch_corpus(args.corpus_dir / "precision", MORE_PACKAGES),
             fetch_sources(args.corpus_dir / "precision-sources", SOURCE_PACKAGES)]
    packages = PACKAGES + MORE_PACKAGES + SOURCE_PACKAGES
    print(f"corpus: {', '.join(f'{n}=={v}' for n, v in packages)}")
    print(f"        {sum(1 for root in roots for _ in root.rglob('*.py')):,} .py files\n")
    findings = run_kerlint(roots)
    print(table(findings, roots))
    if args.show:
        print("\n" + show(findings, {code.strip().upper() for code in args.show.split(",")}))
    if args.json:
        args.json.write_text(json.dumps(findings, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
