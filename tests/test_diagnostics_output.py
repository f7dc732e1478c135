"""Diagnostics that respect the reader: words a person would type, no follow-on noise, invisible
characters named, suppressions as ruff does them, formats for tools, and a cached build that says
what an uncached one says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import HEADER, compile_text, template
from mappingc.build import compile_sources
from mappingc.cli import main
from mappingc.diagnostics import Code
from mappingc.frontend.formatter import format_text

HEAD = 'template t {\n    label "T"\n    finance_operations E\n    dataverse t\n'


def messages(text: str) -> list[tuple[str, str, str | None]]:
    return [(d.code.value, d.message, d.hint) for d in compile_text(text).diagnostics]


def test_a_block_that_runs_into_the_next_is_reported_at_its_brace() -> None:
    text = HEAD + "    A = a : string\n\nvaluemap M {\n    x : 1\n}\n"
    ((code, message, hint),) = messages(text)
    assert (code, message) == ("E100", "the `{` of `template t` is not closed")
    assert hint == "add a line `}` before line 7 (`valuemap M {`)"


def test_odata_words_in_an_x_plus_plus_filter_and_the_other_way_round() -> None:
    text = HEAD + "    source_filter (A == 1) and (A == 2)\n    reversed_filter a eq 1 && a eq 2\n"
    text += "    A = a : string\n}\n"
    found = messages(text)
    assert found[0][1] == "unexpected `and`; expected `&&`, `||`, end of line"
    assert "a source_filter is an X++ query range" in str(found[0][2])
    assert found[1][1] == "unexpected `&&`; expected `and`, `or`, end of line"
    assert "a reversed_filter is OData" in str(found[1][2])


_GRAMMAR_WORDS = re.compile(r"__anon|__ANON|`[a-z]+_[a-z_]+`|[A-Z]+_[A-Z]+")
_KEYWORDS = {"`finance_operations`", "`source_filter`", "`reversed_filter`", "`company_specific`"}


@pytest.mark.parametrize(
    "line",
    [
        "A = a : string(",
        "A = a via {",
        "A = a default",
        "key",
        "lookup a ->",
        'source_filter (A == "x"',
        "source_filter A == Enum::",
        "reversed_filter a eq",
        "reversed_filter startswith(a",
        "unmapped dataverse",
        "A >< a via",
    ],
)
def test_expected_lists_name_what_a_person_types(line: str) -> None:
    for code, message, _ in messages(HEAD + f"    {line}\n}}\n"):
        if code == "E100" and "expected" in message:
            expected = message.split("expected", 1)[1]
            words = set(re.findall(r"`[^`]*`", expected))
            assert not _GRAMMAR_WORDS.search(
                expected.replace("`", "") if not words else " ".join(words - _KEYWORDS)
            ), message


@pytest.mark.parametrize(
    ("written", "message", "hint"),
    [
        ("\u0421ustomer", "unexpected character U+0421 CYRILLIC CAPITAL LETTER ES", "Latin `C`"),
        ("a\u00a0b", "unexpected character U+00A0 NO-BREAK SPACE", "plain space"),
        ("a\ufeffb", "unexpected character U+FEFF ZERO WIDTH NO-BREAK SPACE", "byte-order mark"),
        ("\u201ca\u201d", "unexpected character U+201C LEFT DOUBLE QUOTATION MARK", 'write `"`'),
    ],
)
def test_invisible_and_lookalike_characters_are_named(
    written: str, message: str, hint: str
) -> None:
    ((_, found, found_hint),) = messages(HEAD + f"    A = {written} : string\n}}\n")
    assert found == message and hint in str(found_hint)


def test_no_follow_on_diagnostics_after_a_syntax_error() -> None:
    broken = (
        "m/broken.dwmap",
        HEAD + "    A = a via Flag\n    label\n}\nvaluemap Flag {\n    x : 1\n}\n",
    )
    page = (
        "m/page.dwmap",
        'page p {\n    title "P"\n    templates t\n}\nvaluemap Unused {\n    y : 2\n}\n',
    )
    codes = [d.code for d in compile_sources([broken, page]).diagnostics]
    assert codes == [Code.SYNTAX]  # no W401 for Unused or Flag, no E211 for t


def test_the_syntax_error_cap_says_how_many_more() -> None:
    text = HEAD + "".join(f"    A{n} = a{n} : string(\n" for n in range(30)) + "}\n"
    found = messages(text)
    assert len(found) == 21
    assert found[-1][1] == "… and 10 more syntax error(s) in this file, not shown"


# ---------------------------------------------------------------- suppressions
def test_a_warning_is_suppressed_on_its_line_and_only_there() -> None:
    text = template(
        "A < a", "A < b  # mappingc: ignore[W400] written twice on purpose", "B < c", "B < d"
    )
    found = compile_text(text).diagnostics
    assert [(d.code.value, d.span.line) for d in found] == [("W400", 8)]


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("# mappingc: ignore[W401]", "`# mappingc: ignore[W401]` suppresses nothing on this line"),
        ("# mappingc: ignore[E200]", "E200 is an error, which cannot be suppressed"),
        ("# mappingc: ignore[W999]", "`W999` is not a diagnostic code"),
    ],
)
def test_a_suppression_that_does_nothing_is_reported(comment: str, message: str) -> None:
    ((code, found, _),) = messages(template(f"A = a  {comment}"))
    assert (code, found) == ("W402", message)


def test_a_suppression_inside_a_string_is_text() -> None:
    text = template('A < a : string default "# mappingc: ignore[W400]"', "A < b")
    assert [c for c, _, _ in messages(text)] == ["W400"]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "mappings" / "vendor").mkdir(parents=True)
    keyed = HEADER + "    key a\n"
    (tmp_path / "mappings" / "vendor" / "t.dwmap").write_text(
        template("A < a", "A < b", header=keyed)
    )
    (tmp_path / "pyproject.toml").write_text("[tool.mappingc]\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_per_path_ignores_quiet_a_vendored_folder(project: Path) -> None:
    assert "warning[W400]" in run("build")[1]
    (project / "pyproject.toml").write_text(
        '[tool.mappingc.lint]\nper-path-ignores = { "mappings/vendor/*" = ["W400"] }\n'
    )
    code, output = run("build")
    assert code == 0 and "W400" not in output


def test_a_cached_build_shows_what_an_uncached_one_shows(project: Path) -> None:
    first = run("build")[1]
    again = run("build")[1]
    assert "already up to date" in again

    def shown(output: str) -> list[str]:
        return [line for line in output.splitlines() if not line.startswith("mappingc:")]

    assert shown(first) and shown(first) == shown(again)


def test_quiet_shows_errors_only(project: Path) -> None:
    assert run("build", "-q", "--no-cache") == (0, "")


def test_formats_for_tools(project: Path) -> None:
    _, output = run("build", "--no-cache", "--format", "json")
    (record,) = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert record["code"] == "W400" and record["line"] == 7 and record["path"].endswith("t.dwmap")
    _, output = run("check", "--no-cache", "--format", "github")
    assert "::warning file=mappings/vendor/t.dwmap,line=7,col=5" in output
    _, output = run("check", "--no-cache", "--format", "sarif")
    log = json.loads(output[: output.rindex("}") + 1])
    (result,) = log["runs"][0]["results"]
    assert log["version"] == "2.1.0" and result["ruleId"] == "W400"
    rules = {r["id"] for r in log["runs"][0]["tool"]["driver"]["rules"]}
    assert rules == {c.value for c in Code}


def test_notes_are_counted_for_people_listed_with_verbose_and_given_whole_to_tools(
    project: Path,
) -> None:
    """What was not checked (a published template states no key: N407) is nothing to act on:
    one line counts it; `--verbose` lists it; JSON and SARIF carry it; `-q` says nothing."""
    published = template("C = c", header=HEADER + '    origin "mapping-tables.md:1 (master)"\n')
    (project / "mappings" / "published.dwmap").write_text(
        published.replace("template t", "template p").replace("dataverse t\n", "dataverse p\n")
    )
    code, output = run("build", "--no-cache")
    assert code == 0
    assert "note[N407]" not in output
    assert (
        "mappingc: note: N407 published template without a key: 1; `--verbose` lists them" in output
    )
    assert "warning[W400]" in output  # warnings are shown as ever
    _, verbose = run("build", "--no-cache", "--verbose")
    assert "mappings/published.dwmap:1:10: note[N407]: template `p` has no key; its " in verbose
    assert "`--verbose` lists them" not in verbose
    _, listed = run("build", "--no-cache", "--format", "json")
    records = [json.loads(line) for line in listed.splitlines() if line.startswith("{")]
    assert {(r["code"], r["severity"]) for r in records} == {("W400", "warning"), ("N407", "note")}
    _, sarif = run("check", "--no-cache", "--format", "sarif")
    log = json.loads(sarif[: sarif.rindex("}") + 1])
    assert {r["level"] for r in log["runs"][0]["results"]} == {"warning", "note"}
    assert run("build", "-q", "--no-cache") == (0, "")


def test_a_byte_order_mark_at_the_start_is_read_and_fmt_removes_it() -> None:
    """Issue 30: a file saved with a BOM (Windows editors) was refused, and fmt could not
    repair it."""
    text = "\ufeff" + HEAD + "    A = a : string\n}\n"
    assert [d for d in compile_sources([("m/t.dwmap", text)]).diagnostics if d.is_error] == []
    formatted, _ = format_text("m/t.dwmap", text)
    assert formatted is not None and not formatted.startswith("\ufeff")


def test_an_unterminated_string_says_so() -> None:
    ((code, message, hint),) = messages(HEAD + '    description "no end\n}\n')
    assert code == "E100"
    assert message == 'unterminated string: it has no closing `"` on its line'
    assert '"""' in str(hint)
