"""Benchmark (not a test): what schema snapshots cost.

    .venv/bin/python benchmarks/schemas.py

1. `mappingc import-schema` of the 3.8 MB Dataverse `$metadata` (tests/corpus/schemas/), against
   a process that only parses the same document with defusedxml: the snapshot making on top of
   reading the XML.
2. A cold build of mappings/ (`--no-cache`, into an empty folder) with the committed schemas/
   against one with an empty schemas folder, taken in turn. The target is at most 1.2x.

Medians of 5 runs each.
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
REPO = Path(__file__).resolve().parent.parent
CRM = REPO / "tests" / "corpus" / "schemas" / "csdl" / "DynamicsCRM.xml"
RUNS = 1 if QUICK else 5
PARSE_ONLY = (
    "import sys\n"
    "from defusedxml.ElementTree import fromstring\n"
    "fromstring(open(sys.argv[1], 'rb').read())\n"
)


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started


def main() -> None:
    mappingc = [sys.executable, "-m", "mappingc"]
    imports, parses, with_schemas, without = [], [], [], []
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        (root / "pyproject.toml").write_text("[tool.mappingc]\n")
        (root / "empty").mkdir()
        for run in range(RUNS):
            imports.append(
                timed([*mappingc, "import-schema", str(CRM), "--out", f"out{run}"], root)
            )
            parses.append(timed([sys.executable, "-c", PARSE_ONLY, str(CRM)], root))
        for run in range(RUNS):
            build = [*mappingc, "build", "--no-cache", "-q"]
            with_schemas.append(timed([*build, "--out", f"{work}/a{run}"], REPO))
            without.append(
                timed([*build, "--out", f"{work}/b{run}", "--schemas", f"{work}/empty"], REPO)
            )
    imported, parsed = statistics.median(imports), statistics.median(parses)
    checked, plain = statistics.median(with_schemas), statistics.median(without)
    size = CRM.stat().st_size / 1e6
    print(f"| measure (median of {RUNS}) | figure |")
    print("|---|---|")
    print(f"| `import-schema` of a {size:.1f} MB `$metadata` (235 tables) | {imported:.2f} s |")
    print(f"| a process that only parses it with defusedxml | {parsed:.2f} s |")
    print(f"| ratio | {imported / parsed:.2f} x |")
    print(f"| cold build of mappings/ with schemas/ (121 snapshots) | {checked:.2f} s |")
    print(f"| the same without snapshots | {plain:.2f} s |")
    print(f"| ratio | {checked / plain:.2f} x |")


if __name__ == "__main__":
    main()
