"""Benchmark (not a test): cold and no-op builds of the whole catalog, and of synthetic catalogs.

    .venv/bin/python benchmarks/catalog.py [--sizes 100,1000,10000]

Cold: `mappingc build --no-cache` into an empty folder (every module parsed, checked, rendered
and formatted by black). No-op: `mappingc build` again with nothing changed (answered from
.mappingc-cache/). Synthetic catalogs are copies of the imported templates under new names
(benchmarks/synthetic.py). Prints a Markdown table of seconds and ms/template.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from synthetic import REPO, write_catalog

MAPPINGC = [sys.executable, "-m", "mappingc"]


def timed_build(mappings: Path, out: Path, *flags: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [*MAPPINGC, "build", "--mappings", str(mappings), "--out", str(out), *flags],
        check=True,
        capture_output=True,
        cwd=mappings.parent,
    )
    return time.perf_counter() - started


def measure(label: str, mappings: Path, templates: int, work: Path) -> str:
    out = work / f"out-{label}"
    (mappings.parent / "pyproject.toml").write_text("[tool.mappingc]\n", encoding="utf-8")
    cold = timed_build(mappings, out, "--no-cache")
    shutil.rmtree(out)
    shutil.rmtree(mappings.parent / ".mappingc-cache", ignore_errors=True)
    timed_build(mappings, out)  # fills the cache
    noop = min(timed_build(mappings, out) for _ in range(3))
    return f"| {label} | {templates} | {cold:.2f} | {1000 * cold / templates:.1f} | {noop:.2f} |"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000", help="synthetic catalog sizes")
    sizes = [int(s) for s in parser.parse_args().sizes.split(",") if s]
    print("| catalog | templates | cold build (s) | ms/template | no-op build (s) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        real = work / "real" / "mappings"
        shutil.copytree(REPO / "mappings", real)
        count = len(list(real.rglob("*.dwmap")))
        print(measure("mappings/ (the real catalog)", real, count, work), flush=True)
        for size in sizes:
            mappings = work / f"synthetic{size}" / "mappings"
            write_catalog(mappings, size)
            print(measure(f"synthetic {size}", mappings, size, work), flush=True)


if __name__ == "__main__":
    main()
