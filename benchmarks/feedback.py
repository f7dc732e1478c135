"""Benchmark (not a test): how fast an error reaches the author, against `python -c pass`.

    .venv/bin/python benchmarks/feedback.py

A one-template project with an unknown value map: `mappingc build` must print the error and
exit 1. The figure is the median wall time of 15 runs of each, taken in turn, and their ratio.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# `MAPPINGC_BENCH_QUICK=1`: the smallest run that still measures (tests/test_benchmarks.py
# runs every benchmark so in `make test`, so that none of them rots).
QUICK = os.environ.get("MAPPINGC_BENCH_QUICK") == "1"
TEMPLATE = (
    'template t {\n    label "T"\n    finance_operations E\n    dataverse t\n'
    "    A = a via Missing\n}\n"
)
RUNS = 2 if QUICK else 15


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        project = Path(work)
        (project / "pyproject.toml").write_text("[tool.mappingc]\n")
        (project / "mappings").mkdir()
        (project / "mappings" / "t.dwmap").write_text(TEMPLATE)
        build = [sys.executable, "-m", "mappingc", "build"]
        done = subprocess.run(build, cwd=project, capture_output=True, text=True)
        assert done.returncode == 1 and "error[E103]" in done.stderr, done.stderr
        mappingc, python = [], []
        for _ in range(RUNS):
            mappingc.append(timed(build, project))
            python.append(timed([sys.executable, "-c", "pass"], project))
    error, floor = statistics.median(mappingc), statistics.median(python)
    print("| measure | median of 15 |")
    print("|---|---|")
    print(f"| `mappingc build`, one template with an error | {error * 1000:.0f} ms |")
    print(f"| `python -c pass` | {floor * 1000:.0f} ms |")
    print(f"| ratio | {error / floor:.1f} x |")


if __name__ == "__main__":
    main()
