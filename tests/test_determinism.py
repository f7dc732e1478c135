"""Same inputs, same bytes: the catalog built in separate processes with different hash seeds,
working folders, locales and time zones gives the committed generated/ byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

VARIANTS = [
    ({"PYTHONHASHSEED": "1", "TZ": "UTC", "LC_ALL": "C"}, REPO),
    ({"PYTHONHASHSEED": "2", "TZ": "Pacific/Kiritimati", "LC_ALL": "C.UTF-8"}, REPO / "docs"),
    (
        {"PYTHONHASHSEED": "random", "TZ": "America/St_Johns", "LANG": "sv_SE.UTF-8"},
        REPO / "mappings" / "loyalty",
    ),
]


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.mark.parametrize(("env", "cwd"), VARIANTS, ids=["seed1-utc-C", "seed2-kiribati", "random"])
def test_a_build_in_another_process_gives_the_same_bytes(
    env: dict[str, str], cwd: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    done = subprocess.run(
        [sys.executable, "-m", "mappingc", "build", "--no-cache", "--out", str(out)],
        cwd=cwd,
        env={**environment, **env},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert tree(out) == tree(REPO / "generated")
