"""Every benchmark runs in `make test`, at its smallest (`MAPPINGC_BENCH_QUICK=1`, or a small
size argument), so that none of them rots: each must finish and print its table. The figures
of these runs mean nothing; docs/performance.md records full-size runs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import REPO

BENCHMARKS = {
    "run.py": [],
    "bulk.py": ["--rows", "2000"],
    "sync.py": ["2000"],
    "catalog.py": ["--sizes", "20,40"],
    "fmt.py": [],
    "feedback.py": [],
    "lsp.py": [],
    "schemas.py": [],
    "site.py": [],
}


def test_every_benchmark_is_listed() -> None:
    scripts = {p.name for p in (REPO / "benchmarks").glob("*.py")} - {"synthetic.py"}
    assert scripts == set(BENCHMARKS)  # synthetic.py makes catalogs for catalog.py


@pytest.mark.parametrize("script", sorted(BENCHMARKS))
def test_the_benchmark_runs_at_a_small_size(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *BENCHMARKS[script]],
        cwd=REPO,
        env={**os.environ, "MAPPINGC_BENCH_QUICK": "1"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "|---|" in done.stdout, done.stdout
