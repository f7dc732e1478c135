"""Benchmark (not a test): `mappingc fmt` over the whole catalog, against parsing it alone.

    .venv/bin/python benchmarks/fmt.py

The figure is the median wall time of 7 runs of `mappingc fmt --check` on this repository's
mappings/ (every file is parsed, laid out, parsed again and compared), and, in the same run, of
a process that only imports the parser and parses every file once: the formatter's own cost is
the difference.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

# `MAPPINGC_BENCH_QUICK=1`: the smallest run that still measures (tests/test_benchmarks.py
# runs every benchmark so in `make test`, so that none of them rots).
QUICK = os.environ.get("MAPPINGC_BENCH_QUICK") == "1"
REPO = Path(__file__).resolve().parent.parent
RUNS = 1 if QUICK else 7
PARSE_ONLY = (
    "from pathlib import Path\n"
    "from mappingc.frontend import parser\n"
    "from mappingc.sources import discover\n"
    "for path in discover(Path('mappings')):\n"
    "    parser.parse(str(path), path.read_text(encoding='utf-8'))\n"
)


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started


def main() -> None:
    fmt, parse = [], []
    for _ in range(RUNS):
        fmt.append(timed([sys.executable, "-m", "mappingc", "fmt", "--check"]))
        parse.append(timed([sys.executable, "-c", PARSE_ONLY]))
    files = len(list((REPO / "mappings").rglob("*.dwmap")))
    lines = sum(len(p.read_text().splitlines()) for p in (REPO / "mappings").rglob("*.dwmap"))
    formatted, parsed = statistics.median(fmt), statistics.median(parse)
    print(f"| measure ({files} files, {lines:,} lines) | median of {RUNS} |")
    print("|---|---|")
    print(f"| `mappingc fmt --check mappings` | {formatted * 1000:.0f} ms |")
    print(f"| a process that only parses every file once | {parsed * 1000:.0f} ms |")
    print(f"| ratio | {formatted / parsed:.2f} x |")


if __name__ == "__main__":
    main()
