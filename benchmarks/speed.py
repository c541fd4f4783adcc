"""kerlint's speed, memory and robustness on a fixed corpus of real Keras code, against its floor and pylint.

Downloads pinned releases of keras, keras-hub, tf-keras, deepctr and
keras-unet-collection with pip (`pip download --no-deps`, cached in
`benchmarks/.corpus/`), unpacks them, and times in one run on this machine,
each command in its own process, with the peak memory of its whole process tree:

- `python -c "import libcst"`: the cost of starting Python with libcst;
- libcst alone: `libcst.parse_module` on every `.py` file of the corpus, in one process;
- kerlint cold: `kerlint check` on the corpus with an empty cache (default jobs:
  every core); kerlint reads the same files and its prefilter skips those that
  never name Keras and its model-building API, which is part of what is measured;
- kerlint warm: the same command again, answered from the cache;
- kerlint on one file, the pre-commit case (`--no-cache`);
- pylint with one cheap check (`--disable=all --enable=unused-import`) on the same
  tree, with `--jobs=0` (every core, as kerlint) and no persistent data;
- internal errors (KER000) on the corpus, and on the standard library of the
  running Python as users run kerlint (prefilter on, so only the files that
  pass it are analyzed); with `--stdlib-all`, also with
  every standard-library file analyzed (slow).

    python benchmarks/speed.py [--skip-pylint] [--skip-stdlib] [--stdlib-all] [--json FILE]

Needs pip and network access to the package index the first time; pylint for
the pylint row. Prints a Markdown table, the ratios against the targets of
README's "Performance" section, and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import threading
import time
import zipfile
from pathlib import Path

from kerlint.files import might_build_keras_models

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "benchmarks" / ".corpus"
PACKAGES = [
    ("keras", "3.15.1"),
    ("keras-hub", "0.32.0"),
    ("tf-keras", "2.21.0"),
    ("deepctr", "0.9.3"),
    ("keras-unet-collection", "0.1.13"),
]
ONE_FILE = "keras_unet_collection/_model_unet_2d.py"
"""The pre-commit case: one model-building file (found anywhere under the corpus)."""

TARGETS = {
    "cold / libcst parse": 0.8,
    "warm / cold": 0.05,
    "one file / import libcst": 3.0,
    "kerlint cold / pylint": 0.1,
    "peak memory MB": 300,
}

_PARSE_ALL = """
import sys, pathlib, libcst
files = [line for line in open(sys.argv[1], encoding="utf-8").read().splitlines() if line]
errors = 0
for name in files:
    try:
        libcst.parse_module(pathlib.Path(name).read_bytes())
    except Exception:
        errors += 1
print(errors)
"""

_ALL_STDLIB = """
import json, sys
from pathlib import Path
import libcst
import kerlint.engine as engine
from kerlint import parsing, skeleton
from kerlint.config import load_settings
from kerlint.engine import Task, analyze_files
from kerlint.files import SourceError, discover, read_source
engine.might_build_keras_models = lambda data, notebook=False: True  # every file, not only those that pass the prefilter
skeleton.MIN_FILE_CHARS = 10**12  # and all of it: no definition is left out, so the interpreter runs everything
settings = load_settings(None)
# kerlint's own discovery: the default excludes keep site-packages (installed libraries) out of Lib/.
tasks = [Task(path, str(path), settings) for path in discover([Path(sys.argv[1])], lambda directory: settings)]
results = analyze_files(tasks)
errors = [f"{f.path}: {f.message}" for r in results for f in r.findings if f.code == "KER000"]
# Skeletons on every file, every definition left out, each then parsed: any exception but a syntax error is a bug.
skeleton.MIN_FILE_CHARS = skeleton.MIN_DEFINITION_CHARS = 0
deferred = 0
for task in tasks:
    try:
        source = read_source(task.path)
        parsing.check_nesting(source)
        for definition in skeleton.parse(source, lambda dotted: False).deferred.values():
            definition.parse()
            deferred += 1
    except (OSError, SourceError, libcst.ParserSyntaxError, RecursionError):
        pass
    except Exception as error:
        errors.append(f"{task.path}: skeleton: {type(error).__name__}: {error}")
print(json.dumps({"files": len(tasks), "KER000": errors, "KER001": sum(f.code == "KER001" for r in results for f in r.findings),
                  "deferred": deferred}))
"""


# ------------------------------------------------------------------ corpus


def fetch_corpus(directory: Path, packages: list[tuple[str, str]] = PACKAGES) -> Path:
    """Download (once) and unpack the pinned packages; the directory of their sources."""
    downloads, sources = directory / "downloads", directory / "src"
    downloads.mkdir(parents=True, exist_ok=True)
    for name, version in packages:
        target = sources / f"{name}-{version}"
        if target.is_dir():
            continue
        archive = _download(name, version, downloads)
        unpacking = sources / f".{name}-{version}.partial"
        shutil.rmtree(unpacking, ignore_errors=True)
        unpacking.mkdir(parents=True)
        if archive.suffix == ".whl":
            with zipfile.ZipFile(archive) as wheel:
                wheel.extractall(unpacking)
        else:
            with tarfile.open(archive) as sdist:
                sdist.extractall(unpacking, filter="data")
        unpacking.rename(target)
    return sources


def _download(name: str, version: str, downloads: Path) -> Path:
    normalized = name.replace("-", "_").lower()
    for candidate in downloads.iterdir():
        stem = candidate.name.lower().replace("-", "_")
        if stem.startswith(f"{normalized}_{version}") and candidate.suffix in (".whl", ".gz"):
            return candidate
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", str(downloads), f"{name}=={version}"],
        check=True,
    )
    return _download(name, version, downloads)


# ------------------------------------------------------------------ measuring


def measure(command: list[str], cwd: Path | None = None, env: dict | None = None, capture: bool = False) -> dict:
    """Run `command`; wall seconds, CPU seconds, peak RSS summed over its process tree."""
    before = os.times()
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak_rss = 0
    output_chunks: list[str] = []
    if capture:
        reader = threading.Thread(target=lambda: output_chunks.append(process.stdout.read()), daemon=True)
        reader.start()
    error_chunks: list[str] = []
    err_reader = threading.Thread(target=lambda: error_chunks.append(process.stderr.read()), daemon=True)
    err_reader.start()
    while process.poll() is None:
        peak_rss = max(peak_rss, _tree_rss(process.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    if capture:
        reader.join()
    err_reader.join()
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_mb": peak_rss / 2**20,
        "rc": process.returncode,
        "stdout": "".join(output_chunks),
        "stderr": "".join(error_chunks),
    }


def _tree_rss(root: int) -> int:
    """Resident bytes of `root` and its descendants, from /proc/PID/statm (cheap: polled 10 times a second
    while the measured command runs on every core; smaps_rollup would walk page tables and slow it)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                parent = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(parent, []).append(int(entry))
    rss = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        stack += children.get(pid, [])
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
                rss += int(statm.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            continue
    return rss


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def kerlint(*args: str, cwd: Path, env: dict | None = None, capture: bool = True) -> dict:
    return measure([sys.executable, "-m", "kerlint", *args], cwd=cwd, env=env, capture=capture)


# ------------------------------------------------------------------ main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR)
    parser.add_argument("--skip-pylint", action="store_true")
    parser.add_argument("--skip-stdlib", action="store_true")
    parser.add_argument("--stdlib-all", action="store_true", help="also analyze every standard-library file, prefilter off (slow)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if not sys.platform.startswith("linux"):
        print("the memory figures read /proc: run this on Linux", file=sys.stderr)
        return 2

    sources = fetch_corpus(args.corpus_dir)
    files = sorted(str(path) for path in sources.rglob("*.py"))
    size = sum(os.path.getsize(path) for path in files)
    mentions = sum(1 for path in files if might_build_keras_models(Path(path).read_bytes()))
    one_file = next(path for path in files if path.endswith(ONE_FILE))
    print(f"corpus: {', '.join(f'{n}=={v}' for n, v in PACKAGES)}")
    print(f"        {len(files):,} .py files, {size / 2**20:.1f} MiB; {mentions:,} pass kerlint's prefilter (the rest are never parsed)")
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    figures: dict = {"files": len(files), "bytes": size, "keras_files": mentions, "cores": os.cpu_count()}

    work = Path(tempfile.mkdtemp(prefix="kerlint-bench-"))
    try:
        listing = work / "files.txt"
        listing.write_text("\n".join(files), encoding="utf-8")
        env = {**os.environ, "KERLINT_TIMINGS": str(work / "timings.json")}

        _compile_kerlint()
        imports = [measure([sys.executable, "-c", "import libcst"]) for _ in range(5)]
        figures["import_libcst"] = statistics.median(m["wall"] for m in imports)

        parse = measure([sys.executable, "-c", _PARSE_ALL, str(listing)], capture=True)
        figures["libcst_parse"] = _row(parse)
        figures["libcst_parse_errors"] = int(parse["stdout"].strip() or 0)
        print(f"libcst parse: {parse['wall']:.1f}s", flush=True)

        cache_dir = work / "cache"
        check = ["check", str(sources), "--isolated", "--exit-zero", "--output-format", "json", "--cache-dir", str(cache_dir)]
        cold = kerlint(*check, cwd=work, env=env)
        figures["kerlint_cold"] = _row(cold)
        found = json.loads(cold["stdout"] or "[]")
        figures["corpus_KER000"] = [f"{f['path']}: {f['message']}" for f in found if f["code"] == "KER000"]
        figures["corpus_KER001"] = sum(f["code"] == "KER001" for f in found)
        figures["findings"] = len(found)
        timings = json.loads((work / "timings.json").read_text()) if (work / "timings.json").exists() else {}
        slowest = max(timings.items(), key=lambda item: item[1], default=("-", 0.0))
        figures["slowest_file"] = {"path": os.path.relpath(slowest[0], sources) if slowest[0] != "-" else "-", "seconds": slowest[1]}

        print(f"kerlint cold: {cold['wall']:.1f}s, {len(figures['corpus_KER000'])} KER000", flush=True)
        warm = kerlint(*check, cwd=work)
        figures["kerlint_warm"] = _row(warm)
        figures["warm_same_findings"] = json.loads(warm["stdout"] or "[]") == found

        single = [kerlint("check", one_file, "--isolated", "--no-cache", "--exit-zero", cwd=work, capture=False) for _ in range(5)]
        figures["kerlint_one_file"] = _row(min(single, key=lambda m: m["wall"]))
        figures["one_file"] = os.path.relpath(one_file, sources)

        if not args.skip_pylint and _has_module("pylint"):
            pylint = measure(
                [sys.executable, "-m", "pylint", "--disable=all", "--enable=unused-import", "--jobs=0",
                 "--persistent=n", "--score=n", "--recursive=y", str(sources)],
                cwd=work,
            )
            figures["pylint"] = _row(pylint)
            print(f"pylint: {pylint['wall']:.1f}s", flush=True)

        if not args.skip_stdlib:
            stdlib = sysconfig.get_paths()["stdlib"]
            as_users = kerlint("check", stdlib, "--isolated", "--no-cache", "--exit-zero", "--output-format", "json", cwd=work)
            found_std = json.loads(as_users["stdout"] or "[]")
            figures["stdlib_check"] = {**_row(as_users), "KER000": [f"{f['path']}: {f['message']}" for f in found_std if f["code"] == "KER000"]}
            print(f"standard library as users run it: {len(figures['stdlib_check']['KER000'])} KER000", flush=True)
            if args.stdlib_all:
                everything = measure([sys.executable, "-c", _ALL_STDLIB, stdlib], cwd=work, capture=True)
                lines = everything["stdout"].strip().splitlines()
                report = json.loads(lines[-1]) if lines else {"files": 0, "KER000": ["driver failed: " + everything["stderr"][-500:]], "KER001": 0, "deferred": 0}
                figures["stdlib_all_files"] = {**_row(everything), **report}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    missed = report_table(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    return 1 if missed else 0


def _compile_kerlint() -> None:
    """Write kerlint's bytecode, as `pip install` does for libcst: an editable checkout under
    PYTHONDONTWRITEBYTECODE would otherwise compile every module at each start."""
    import importlib.util

    spec = importlib.util.find_spec("kerlint")
    for location in spec.submodule_search_locations or [] if spec else []:
        subprocess.run([sys.executable, "-m", "compileall", "-q", location], check=False, stdout=subprocess.DEVNULL)


def _row(m: dict) -> dict:
    return {key: m[key] for key in ("wall", "cpu", "rss_mb", "rc")}


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def report_table(f: dict) -> list[str]:
    parse, cold, warm, one = f["libcst_parse"], f["kerlint_cold"], f["kerlint_warm"], f["kerlint_one_file"]
    rows = [
        ("`python -c \"import libcst\"` (median of 5)", f["import_libcst"], None, None),
        (f"libcst alone, parse all {f['files']:,} files, 1 process", parse["wall"], parse["cpu"], parse["rss_mb"]),
        ("kerlint cold (empty cache)", cold["wall"], cold["cpu"], cold["rss_mb"]),
        ("kerlint warm (cache)", warm["wall"], warm["cpu"], warm["rss_mb"]),
        (f"kerlint one file (`{f['one_file']}`, best of 5)", one["wall"], one["cpu"], one["rss_mb"]),
    ]
    if "pylint" in f:
        rows.append(("pylint `--disable=all --enable=unused-import --jobs=0`", f["pylint"]["wall"], f["pylint"]["cpu"], f["pylint"]["rss_mb"]))
    print()
    print("| Run | Wall (s) | CPU (s) | Peak memory, process tree (MB) |")
    print("| --- | ---: | ---: | ---: |")
    for name, wall, cpu, rss in rows:
        print(f"| {name} | {wall:.2f} | {'' if cpu is None else f'{cpu:.1f}'} | {'' if rss is None else f'{rss:.0f}'} |")

    ratios = {
        "cold / libcst parse": cold["wall"] / parse["wall"],
        "warm / cold": warm["wall"] / cold["wall"],
        "one file / import libcst": one["wall"] / f["import_libcst"],
        "peak memory MB": max(cold["rss_mb"], warm["rss_mb"], one["rss_mb"]),
    }
    if "pylint" in f:
        ratios["kerlint cold / pylint"] = cold["wall"] / f["pylint"]["wall"]
    print()
    print("| Ratio | Measured | Target |")
    print("| --- | ---: | ---: |")
    missed = []
    for name, value in ratios.items():
        target = TARGETS[name]
        ok = value <= target
        if not ok:
            missed.append(name)
        shown = f"{value:.0f}" if name.endswith("MB") else f"{value:.3f}"
        print(f"| {name} | {shown} | <= {target:g} {'ok' if ok else 'MISSED'} |")
    print()
    print(f"kerlint cold: {f['findings']:,} findings, {f['corpus_KER001']} KER001 (unparsable files), "
          f"{len(f['corpus_KER000'])} KER000 (internal errors); warm run identical: {f['warm_same_findings']}")
    print(f"slowest file: {f['slowest_file']['path']} ({f['slowest_file']['seconds']:.2f}s)")
    if f["corpus_KER000"]:
        missed.append("KER000 on the corpus")
        for line in f["corpus_KER000"][:20]:
            print(f"  KER000 {line}")
    if "stdlib_check" in f:
        s = f["stdlib_check"]
        a = f.get("stdlib_all_files", {"KER000": []})
        print(f"standard library as users run it: {len(s['KER000'])} KER000 ({s['wall']:.1f}s)")
        if "files" in a:
            print(f"standard library, all {a['files']:,} files analyzed (prefilter and skeletons off): {len(a['KER000'])} KER000, "
                  f"{a['KER001']} KER001 ({a['wall']:.1f}s, peak {a['rss_mb']:.0f} MB); then as skeletons, "
                  f"{a.get('deferred', 0):,} definitions left out and parsed")
        for line in (s["KER000"] + a["KER000"])[:20]:
            print(f"  KER000 {line}")
        if s["KER000"] or a["KER000"]:
            missed.append("KER000 on the standard library")
    if missed:
        print(f"\nmissed: {', '.join(missed)}")
    return missed


if __name__ == "__main__":
    sys.exit(main())
