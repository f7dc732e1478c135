"""mappingc never loses a file: it replaces only folders it wrote, and a build that is killed or
read while it swaps leaves nothing half done (tests/fixtures/repro/README.md)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO, template
from mappingc.cli import main
from mappingc.output import MARKER, UnsafeOutputError, check_replaceable, write_tree

GOOD = template("A = a : string")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.mappingc]\n", encoding="utf-8")
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "t.dwmap").write_text(GOOD, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("mappings", "is the mappings folder"),
        ("mappings/sub", "is inside the mappings folder"),
        (".", "is the project root"),
        ("..", "contains the project root"),
    ],
)
def test_build_refuses_the_folders_it_must_never_replace(
    project: Path, out: str, reason: str
) -> None:
    before = tree(project)
    code, output = run("build", "--out", out)
    assert code == 2, output
    assert "mappingc: refused:" in output and reason in output
    assert tree(project) == before  # nothing touched


def test_build_refuses_the_home_folder(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(project / "home"))
    (project / "home").mkdir()
    code, output = run("build", "--out", str(project / "home"))
    assert code == 2 and "is your home folder" in output


def test_a_folder_mappingc_did_not_write_is_refused_and_kept(project: Path) -> None:
    (project / "reports").mkdir()
    (project / "reports" / "q3.xlsx").write_bytes(b"precious")
    code, output = run("build", "--out", "reports")
    assert code == 2
    assert "reports is not empty and mappingc did not write it" in output
    assert (project / "reports" / "q3.xlsx").read_bytes() == b"precious"
    assert sorted(p.name for p in (project / "reports").iterdir()) == ["q3.xlsx"]


def test_a_file_named_as_the_output_folder_is_refused(project: Path) -> None:
    code, output = run("build", "--out", "notes.txt")
    assert code == 2 and "'notes.txt' is a file" in output
    assert (project / "notes.txt").read_text() == "mine\n"


def test_a_new_or_empty_folder_is_written_and_carries_the_marker(project: Path) -> None:
    (project / "empty").mkdir()
    for out in ("empty", "fresh/nested"):
        code, output = run("build", "--out", out)
        assert code == 0, output
        assert (project / out / MARKER).is_file()
    # …and so the next build may replace it, dropping what was put there by hand.
    (project / "empty" / "stray.txt").write_text("x")
    assert run("build", "--out", "empty", "--no-cache")[0] == 0
    assert not (project / "empty" / "stray.txt").exists()


def test_output_of_a_mappingc_from_before_the_marker_is_recognised(project: Path) -> None:
    assert run("build")[0] == 0
    (project / "generated" / MARKER).unlink()  # as a checkout from before markers has it
    code, output = run("build", "--no-cache")
    assert code == 0, output
    assert (project / "generated" / MARKER).is_file()


def test_docs_and_export_refuse_the_same_folders(project: Path) -> None:
    before = tree(project)
    assert run("docs", "--site", ".")[0] == 2
    assert run("export-tablemap", "--out", "mappings")[0] == 2
    assert tree(project) == before


def test_sync_dump_does_not_overwrite_a_file_unasked(project: Path) -> None:
    assert run("build")[0] == 0
    code, output = run("sync", "dump", "fo", "t", "notes.txt")
    assert code == 2 and "notes.txt exists: pass --force to replace it" in output
    assert (project / "notes.txt").read_text() == "mine\n"


def test_check_replaceable_protects_what_it_is_given(tmp_path: Path) -> None:
    sources = tmp_path / "src"
    sources.mkdir()
    with pytest.raises(UnsafeOutputError, match="contains the mappings folder"):
        check_replaceable(tmp_path, {"the mappings folder": sources})
    check_replaceable(tmp_path / "out", {"the mappings folder": sources})  # no error


# ---------------------------------------------------------------- killed and concurrent builds
_BUILD_LOOP = """
import sys
from pathlib import Path
from mappingc.output import write_tree
out = Path(sys.argv[1])
files = {f"f{i:04}.txt": f"{i}" * 2000 for i in range(int(sys.argv[2]))}
n = 0
while True:
    n += 1
    write_tree(out, {**files, "n.txt": str(n)})
"""


def _staging_folders(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if "mappingc-staging" in p.name)


def test_a_killed_build_leaves_no_staging_folder_once_the_next_build_ran(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "a"})
    for delay in (0.05, 0.1, 0.15, 0.2, 0.3, 0.45):
        writer = subprocess.Popen([sys.executable, "-c", _BUILD_LOOP, str(out), "400"])
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        assert (out / MARKER).is_file()  # the output is whole: the old tree or a new one
        write_tree(out, {"a.txt": "a"})  # the next build cleans up after the killed one
        assert _staging_folders(tmp_path) == []
        assert sorted(p.name for p in out.iterdir()) == [MARKER, "a.txt"]


def test_a_terminated_build_removes_its_own_staging_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    writer = subprocess.Popen([sys.executable, "-c", _BUILD_LOOP, str(out), "400"])
    time.sleep(0.4)
    writer.send_signal(signal.SIGTERM)
    writer.wait()
    assert _staging_folders(tmp_path) == []


_POLL = """
import os, sys, time
path = sys.argv[1]
seen = missing = 0
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    seen += 1
    if not os.path.isdir(path):
        missing += 1
print(seen, missing)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="the atomic exchange is Linux's renameat2")
def test_readers_never_see_the_output_folder_missing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_tree(out, {"a.txt": "0"})
    poller = subprocess.Popen(
        [sys.executable, "-c", _POLL, str(out), "3"], stdout=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 2.5
    swaps = 0
    while time.monotonic() < deadline:
        swaps += 1
        write_tree(out, {"a.txt": str(swaps)})
    seen, missing = map(int, poller.communicate()[0].split())
    assert swaps > 50 and seen > 10_000
    assert missing == 0


def test_the_committed_output_folder_carries_the_marker() -> None:
    assert (REPO / "generated" / MARKER).is_file()
