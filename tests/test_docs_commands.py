"""Docs are tests (issue 30): every shell block of README.md and docs/*.md runs, in order, in a
scratch copy of the project, as a new user would paste it.

- A ```sh block runs whole (bash, stopping at the first command that fails).
- A ```console block runs each `$ command` and compares what it prints with the lines the page
  quotes below it (timings such as `(0.14s)` aside).
- A block that cannot run here says so on the line above it:
  `<!-- docs: not run: <why> -->`; there are few, and each says why.
- Blocks of any other language (```text for a command's synopsis, ``` for DSL) are not run.

The scratch copy holds the project's files and its git history, with `.venv/bin` first on the
PATH (the pages say to activate it); each page gets its own copy, so pages do not depend on one
another, and a page's blocks share theirs, in order.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO

PAGES = ["README.md", *sorted(p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md"))]
_NOT_RUN = re.compile(r"<!--\s*docs: not run: (?P<why>.+?)\s*-->")
_TIMING = re.compile(r"\(\d+(\.\d+)?s\)")


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    kind: str  # "sh" | "console"
    text: str
    not_run: str | None  # why, where it cannot run here


def blocks(page: str) -> list[Block]:
    lines = (REPO / page).read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        fence = re.fullmatch(r"```(sh|bash|console)\s*", lines[index])
        if fence is None:
            index += 1
            continue
        start = index
        index += 1
        body: list[str] = []
        while index < len(lines) and lines[index] != "```":
            body.append(lines[index])
            index += 1
        before = next((lines[i] for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        marker = _NOT_RUN.search(before)
        kind = "console" if fence.group(1) == "console" else "sh"
        found.append(
            Block(page, start + 1, kind, "\n".join(body), marker["why"] if marker else None)
        )
        index += 1
    return found


def _scratch(folder: Path) -> Path:
    """The project as a checkout has it (tracked and new files, and its git history)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    project = folder / "project"
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            target = project / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    shutil.copytree(REPO / ".git", project / ".git", symlinks=True)
    (project / ".venv").symlink_to(REPO / ".venv", target_is_directory=True)
    return project


def _environment() -> dict[str, str]:
    environment = dict(os.environ)
    environment["PATH"] = f"{REPO / '.venv' / 'bin'}{os.pathsep}{environment['PATH']}"
    environment["VIRTUAL_ENV"] = str(REPO / ".venv")
    return environment


def _shown(text: str) -> list[str]:
    return [_TIMING.sub("(…s)", line.rstrip()) for line in text.strip("\n").splitlines()]


def _run(block: Block, project: Path) -> None:
    where = f"{block.page}:{block.line}"
    if block.kind == "sh":
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.text],
            cwd=project,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, f"{where} failed:\n{done.stdout}\n{done.stderr}"
        return
    commands: list[tuple[str, list[str]]] = []
    for line in block.text.splitlines():
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    assert commands, f"{where}: a console block with no `$ ` command"
    for command, expected in commands:
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=project,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=600,
        )
        printed = done.stdout + done.stderr
        assert _shown(printed) == _shown("\n".join(expected)), (
            f"{where}: `{command}` printed\n{printed}"
        )


def test_few_blocks_are_not_run_and_each_says_why() -> None:
    every = [b for page in PAGES for b in blocks(page)]
    skipped = [b for b in every if b.not_run]
    assert len(every) >= 10 and len(skipped) <= 4, [(b.page, b.line, b.not_run) for b in skipped]


@pytest.mark.parametrize("page", [p for p in PAGES if any(not b.not_run for b in blocks(p))])
def test_every_command_of_the_page_runs_as_written(page: str, tmp_path: Path) -> None:
    project = _scratch(tmp_path)
    for block in blocks(page):
        if block.not_run is None:
            _run(block, project)
