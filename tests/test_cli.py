"""The `mappingc` command as a user runs it: exit codes, messages, atomic output."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import HEADER, template
from mappingc.cli import main

GOOD = (
    template("A = a : string", "B >< b via NoYes", header=HEADER + "    key a\n")
    + "valuemap NoYes {\n  yes : True\n  no : False\n}\n"
)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "t.dwmap").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_build_then_check(project: Path) -> None:
    code, output = run("build")
    assert code == 0, output
    assert "1 template(s) → generated/: 5 written" in output
    assert (project / "generated" / "sync" / "t.py").is_file()
    assert run("check") == (0, "mappingc: generated/ is up to date\n")


def test_noop_build_writes_nothing(project: Path) -> None:
    run("build")
    module = project / "generated" / "sync" / "t.py"
    before = module.stat().st_mtime_ns
    code, output = run("build")
    assert code == 0 and "already up to date" in output
    assert module.stat().st_mtime_ns == before


def test_check_names_stale_missing_and_extra_files(project: Path) -> None:
    run("build")
    out = project / "generated"
    (out / "docs" / "t.md").write_text("edited by hand\n", encoding="utf-8")
    (out / "manifest.json").unlink()
    (out / "notes.txt").write_text("stray\n", encoding="utf-8")
    (out / "sync" / "__pycache__").mkdir()  # left by imports; never counts
    code, output = run("check")
    assert code == 1
    assert "stale: generated/docs/t.md" in output
    assert "missing: generated/manifest.json" in output
    assert "extra: generated/notes.txt" in output
    assert "run `mappingc build`" in output


def test_failed_build_writes_nothing_and_exits_1(project: Path) -> None:
    run("build")
    before = {p: p.read_bytes() for p in (project / "generated").rglob("*") if p.is_file()}
    (project / "mappings" / "t.dwmap").write_text(template("A => a"), encoding="utf-8")
    (project / "mappings" / "u.dwmap").write_text(GOOD.replace("template t", "template u"))
    code, output = run("build")
    assert code == 1
    assert "mappings/t.dwmap:5:7: error[E101]: unknown map type `=>`" in output
    assert "nothing was written" in output
    after = {p: p.read_bytes() for p in (project / "generated").rglob("*") if p.is_file()}
    assert after == before


def test_folders_from_options_and_from_pyproject(project: Path) -> None:
    (project / "mappings").rename(project / "templates")
    (project / "pyproject.toml").write_text(
        '[tool.mappingc]\nmappings = "templates"\nout = "gen"\n'
    )
    assert run("build")[0] == 0
    assert (project / "gen" / "manifest.json").is_file()
    code, _ = run("build", "--mappings", "templates", "--out", "elsewhere")
    assert code == 0 and (project / "elsewhere" / "manifest.json").is_file()


def test_usage_errors_exit_2(project: Path) -> None:
    assert run("build", "--no-such-option")[0] == 2
    code, output = run("build", "--mappings", "nowhere")
    assert code == 2 and "mappings folder nowhere does not exist" in output
    (project / "pyproject.toml").write_text('[tool.mappingc]\nmapings = "x"\n')
    code, output = run("check")
    assert code == 2 and "unknown [tool.mappingc] keys: mapings" in output


def test_unreadable_file_is_a_diagnostic_not_a_traceback(project: Path) -> None:
    (project / "mappings" / "bin.dwmap").write_bytes(b"\xff\xfe\x00template")
    code, output = run("build")
    assert code == 1
    assert "mappings/bin.dwmap:1:1: error[E300]: cannot read: it is not UTF-8 text" in output
    assert "Traceback" not in output


def test_console_script_runs(project: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    result = subprocess.run(
        [sys.executable, "-m", "mappingc", "check"], capture_output=True, text=True, env=env
    )
    assert result.returncode == 1  # nothing built yet
    assert "missing: generated/manifest.json" in result.stderr


def test_a_build_says_what_changed(project: Path) -> None:
    run("build")
    source = project / "mappings" / "t.dwmap"
    source.write_text(source.read_text().replace("B >< b", "B >> b"), encoding="utf-8")
    code, output = run("build", "--no-cache")
    assert code == 0, output
    # The module, its page, the reference and the manifest (which records the module's hash)
    # change; the index does not.
    assert "1 template(s) → generated/: 4 written, 1 unchanged" in output


def test_shell_completion_as_docs_cli_says() -> None:
    """docs/cli.md: `eval "$(_MAPPINGC_COMPLETE=bash_source mappingc)"`."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    done = subprocess.run(
        [str(Path(sys.executable).parent / "mappingc")],
        env={**os.environ, "_MAPPINGC_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert "complete -o nosort -F _mappingc_completion mappingc" in done.stdout, done.stdout
