"""Benchmark (not a test): `mappingc docs` for the catalog, cold and after editing one template.

    .venv/bin/python benchmarks/site.py

In a copy of this project (mappings/, locales/, schemas/, docs/), each figure is the median wall
time of 3 runs of `mappingc docs --manual docs`, measured in the same run:
- cold: no render cache (`.mappingc-cache/site` removed), every page converted;
- one template edited: the description of `loyalty_card` changed, so its page, its area's index
  and the reference change in every locale, and the other pages come from the cache;
- nothing changed.
The site's size is the sum of its files' sizes.
"""

from __future__ import annotations

import os
import shutil
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
RUNS = 1 if QUICK else 3
TEMPLATE = Path("mappings/loyalty/loyalty_card.dwmap")


# As on a developer's machine, Python keeps the bytecode of what it imports (some sandboxes set
# PYTHONDONTWRITEBYTECODE, which makes every run compile MkDocs, the theme and Markdown again).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(project: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mappingc", "docs", "--manual", "docs", "--site", "site"],
        cwd=project,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert done.returncode == 0, done.stderr
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="mappingc-bench-site-") as work:
        project = Path(work)
        for name in ("mappings", "locales", "schemas", "docs"):
            shutil.copytree(REPO / name, project / name)
        shutil.copy(REPO / "pyproject.toml", project)
        cold, edited, unchanged = [], [], []
        original = (project / TEMPLATE).read_text(encoding="utf-8")
        for run in range(RUNS):
            shutil.rmtree(project / ".mappingc-cache", ignore_errors=True)
            cold.append(timed(project))
            changed = original.replace(
                "customer loyalty cards.", f"customer loyalty cards (edit {run})."
            )
            (project / TEMPLATE).write_text(changed, encoding="utf-8")
            edited.append(timed(project))
            # Quick: the cached rebuild is what a run of `make test` checks; skip the third.
            unchanged.append(edited[-1] if QUICK else timed(project))
        site = project / "site"
        files = [p for p in site.rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        pages = sum(1 for p in files if p.suffix == ".html")
    first = statistics.median(cold)
    print(f"| measure ({pages:,} pages in 6 languages) | median of {RUNS} |")
    print("|---|---|")
    print(f"| cold: `mappingc docs`, no render cache | {first:.2f} s |")
    print(f"| after editing one template | {statistics.median(edited):.2f} s |")
    print(f"| nothing changed | {statistics.median(unchanged):.2f} s |")
    print(f"| one-template rebuild / cold | {statistics.median(edited) / first:.2f} x |")
    print(f"| site size | {size / 1e6:.1f} MB in {len(files):,} files |")


if __name__ == "__main__":
    main()
