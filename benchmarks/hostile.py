"""kerlint on the hostile inputs of the security review (issue 14), at full size: worst wall time and peak memory.

Generates each case in a temporary directory, runs `kerlint check` on it (and
`cost`, `graph`, standard input where the review or the entry point matters),
each command in its own process, and prints a Markdown table: exit code, wall
seconds, peak resident memory of the whole process tree (parent and workers,
measured as `benchmarks/speed.py` does), and the finding kerlint gave. Every run
must end with exit code 0, 1 or 2 and a finding that names what stopped it;
the script exits 1 otherwise.

    python benchmarks/hostile.py [--only NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from speed import kerlint  # noqa: E402 - measures a kerlint command with its process tree's peak memory

MODEL = "import keras\nmodel = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])\n"
GOOD = (Path(__file__).resolve().parent.parent / "examples" / "article_shared_layers.py").read_text()


def statements(count: int) -> str:
    body = "".join(f"x = keras.layers.Dense({8 + i % 5})(x)\n" for i in range(count))
    return f"import keras\ninputs = x = keras.Input((8,))\n{body}model = keras.Model(inputs, x)\n"


def statements_of_size(size: int) -> str:
    """Top-level model statements, `size` bytes or a little more (each statement is 30 bytes)."""
    return statements(size // 30 + 1)


CASES = {
    "`-` chain, 30,000 lines": lambda: MODEL + "x = (\n" + "-\n" * 30_000 + "1)\n",
    "999 nested brackets, one 14 KB line": lambda: MODEL + "x = " + "[" * 999 + "1" + "]" * 999 + " + " + "0" * 12_000 + "\n",
    "999 nested brackets, three lines": lambda: MODEL + ("x = " + "[" * 999 + "1" + "]" * 999 + " + " + "0" * 12_000 + "\n") * 3,
    "100,000 model statements (3 MB)": lambda: statements(100_000),
    "50 MB of statements": lambda: statements_of_size(50 * 2**20),
}
RAISED_SIZE = {"50 MB of statements": "64 MiB"}
"""Cases also run with `max-file-size` raised so that they are analyzed (and meet the time and memory limits)."""
COMMANDS = {
    "check": ["check", "{file}", "--no-cache", "--output-format", "json"],
    "check dir (+ a good file)": ["check", ".", "--no-cache", "--output-format", "json"],
    "check dir --jobs 1": ["check", ".", "--no-cache", "--output-format", "json", "--jobs", "1"],
    "stdin": ["check", "-", "--stdin-filename", "{file}", "--output-format", "json"],
    "cost": ["cost", "{file}", "--no-cache"],
    "graph": ["graph", "{file}", "--no-cache"],
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run only the cases whose name contains this")
    parser.add_argument("--commands", default=",".join(COMMANDS), help="comma-separated commands to run (default: all)")
    args = parser.parse_args()
    rows = ["| case | command | exit | wall s | peak MB | finding |", "|---|---|---|---|---|---|"]
    failures = 0
    with tempfile.TemporaryDirectory() as temporary:
        for name, generate in CASES.items():
            if args.only and args.only not in name:
                continue
            for limit in [None, RAISED_SIZE.get(name)] if name in RAISED_SIZE else [None]:
                directory = Path(temporary) / f"case{len(rows)}"
                directory.mkdir()
                source = generate()
                (directory / "hostile.py").write_text(source)
                (directory / "good.py").write_text(GOOD)
                if limit is not None:
                    (directory / "pyproject.toml").write_text(f'[tool.kerlint.limits]\nmax-file-size = "{limit}"\n')
                label = name if limit is None else f"{name}, max-file-size {limit}"
                for command in args.commands.split(","):
                    argv = [part.replace("{file}", "hostile.py") for part in COMMANDS[command]]
                    if command == "stdin":
                        measured = _with_stdin(argv, directory, source)
                    else:
                        measured = kerlint(*argv, cwd=directory)
                    finding = _finding(command, measured)
                    ok = measured["rc"] in (0, 1, 2) and finding != "none"
                    failures += not ok
                    rows.append(
                        f"| {label} | {command} | {measured['rc']} | {measured['wall']:.1f} | {measured['rss_mb']:.0f} | "
                        f"{finding}{'' if ok else ' **FAILED**'} |"
                    )
                    print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 1 if failures else 0


def _with_stdin(argv: list[str], directory: Path, source: str) -> dict:
    """`kerlint check -` with the file on standard input (speed.measure gives the child no input of its own)."""
    stdin = directory / "stdin.py.txt"
    stdin.write_text(source)
    shell = f"exec {sys.executable} -m kerlint {' '.join(argv)} < {stdin}"
    from speed import measure

    return measure(["/bin/sh", "-c", shell], cwd=directory, capture=True)


def _finding(command: str, measured: dict) -> str:
    """What kerlint said about hostile.py: `CODE message` (shortened), or `none`."""
    if command in ("cost", "graph"):
        lines = [line for line in measured["stderr"].splitlines() if "hostile.py:" in line]
        if lines:
            return _short(lines[0].split(": ", 1)[1])
        error = [line for line in measured["stderr"].splitlines() if line.startswith("kerlint: error:")]
        return _short(error[0]) if error else f"analyzed: {measured['stdout'].count('hostile.py:')} models"
    try:
        findings = [f for f in json.loads(measured["stdout"]) if f["path"].endswith("hostile.py")]
    except (json.JSONDecodeError, TypeError):
        return "none"
    codes = sorted({f["code"] for f in findings})
    meta = [f for f in findings if f["code"] in ("KER000", "KER001", "KER003")]
    if meta:
        return _short(f"{meta[0]['code']} {meta[0]['message']}")
    return f"analyzed: {len(findings):,} findings ({', '.join(codes)})" if findings else "analyzed: no findings"


def _short(text: str) -> str:
    text = text.replace("|", "\\|")
    return text if len(text) <= 110 else text[:107] + "..."


if __name__ == "__main__":
    sys.exit(main())
