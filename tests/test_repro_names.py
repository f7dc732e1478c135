"""Names the compiler accepts must land intact in Python, pydantic, the stores, the file system
and the site (issue 28). Every reproducer of tests/fixtures/repro/names/ (hand-made cases and
the 125 generated templates of `fuzz-failures.jsonl`, each with the failure it had) ends in
clean diagnostics or in output that imports with warnings as errors, type-checks, and maps a
sample row both ways through its typed models."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from outcomes import Outcome, build, mypy_problems, problems_of

from conftest import FIXTURES, REPO, compile_text, load_module
from mappingc.build import compile_sources
from mappingc.frontend.formatter import format_text

NAMES = FIXTURES / "repro" / "names"
SHARED = ("m/shared/value_maps.dwmap", (REPO / "mappings/shared/value_maps.dwmap").read_text())
CASES = sorted(NAMES.glob("*.txt"))
FUZZ = [json.loads(line) for line in (NAMES / "fuzz-failures.jsonl").read_text().splitlines()]
# What each hand-made case that cannot build is refused with; the others must build and work.
REFUSED = {
    "dsl-03-huge-string-length-unimportable.txt": "E102",
    "dsl-04-template-named-index-loses-page.txt": "E215",
    "sync-01-case-colliding-fields-internal-error.txt": "E216",
}


def _input(case: Path) -> str:
    """The `INPUT mappings/t.dwmap:` block of a reproducer."""
    text = case.read_text(encoding="utf-8")
    found = re.search(r"^INPUT mappings/t\.dwmap.*?:\n(.*?\n\})\n", text, re.M | re.S)
    assert found, case.name
    return found.group(1) + "\n"


def _codes_of(outcome: Outcome) -> set[str]:
    return {d.code.value for d in outcome.result.diagnostics} if outcome.result else set()


def _codes(text: str) -> set[str]:
    return {d.code.value for d in compile_text(text).diagnostics if d.is_error}


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_each_names_reproducer_is_refused_or_works(case: Path, tmp_path: Path) -> None:
    outcome = build([("m/t.dwmap", _input(case))])
    if case.name in REFUSED:
        assert outcome.kind == "diagnostics"
        assert outcome.result is not None
        assert REFUSED[case.name] in {d.code.value for d in outcome.result.diagnostics}
        return
    assert outcome.kind == "output" and outcome.result is not None, outcome.detail
    assert problems_of(outcome.result, tmp_path) == []
    assert mypy_problems(tmp_path) == []


def test_a_column_named_underscore_is_a_field_of_the_typed_model(tmp_path: Path) -> None:
    """pydantic takes `_` for a private attribute; the model gets `field_` with the alias."""
    result = compile_text(_input(NAMES / "dsl-05-column-underscore-dropped-from-typed-model.txt"))
    assert result.ok
    (name,) = [n for n in result.files if n.startswith("sync/")]
    path = tmp_path / "t1.py"
    path.write_text(result.files[name], encoding="utf-8")
    module = load_module(path)
    assert module.DataverseRow.model_fields["field_"].alias == "_"
    row = module.dataverse_row(module.FinanceOperationsRow(A="x"))
    assert row.model_dump(by_alias=True, exclude_unset=True) == {"_": "x"}


def test_every_generated_failure_is_refused_cleanly_or_builds_working_output(
    tmp_path: Path,
) -> None:
    """The campaign's 125 failures, each built as the campaign built it (with the catalog's
    shared value maps beside it); no input takes a second."""
    kinds: dict[str, int] = {}
    slowest = 0.0
    build([("m/t.dwmap", FUZZ[0]["text"]), SHARED])  # outside the clock: the first loads lark
    for number, case in enumerate(FUZZ):
        started = time.perf_counter()
        outcome = build([("m/t.dwmap", case["text"]), SHARED])
        slowest = max(slowest, time.perf_counter() - started)
        assert outcome.kind in {"diagnostics", "output"}, (case["class"], outcome.detail)
        # 29 of them were "fmt-changes-outcome": formatting must not change what a build says.
        formatted, _ = format_text("m/t.dwmap", case["text"])
        if formatted is not None:
            again = build([("m/t.dwmap", formatted), SHARED])
            assert again.kind == outcome.kind and _codes_of(again) == _codes_of(outcome), case
        kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
        if outcome.kind == "output" and outcome.result is not None:
            problems = problems_of(outcome.result, tmp_path / f"case{number}")
            assert problems == [], (case["class"], problems)
    assert sum(kinds.values()) == len(FUZZ) == 125
    assert kinds.get("output", 0) > 15, kinds  # the emitters are reached, and work
    assert slowest < 1.0
    assert mypy_problems(tmp_path) == []


_TEMPLATE = """template {name} {{
    label "L"
    finance_operations FoE
    dataverse dv_t
    key dv_a
    A = dv_a : string
}}
"""


@pytest.mark.parametrize(
    "name",
    [
        "index",
        "Index",
        "__init__",
        "__main__",
        "con",
        "NUL",
        "lpt1",
        "json",
        "typing",
        "pydantic",
        "mappingc",
        "areas",
        "template",
    ],
)
def test_a_template_name_no_file_can_have_is_refused(name: str) -> None:
    (found,) = [d for d in compile_text(_TEMPLATE.format(name=name)).diagnostics if d.is_error]
    assert found.code.value == "E215", found
    assert f"template `{name}` cannot name a generated file" in found.message


def test_a_template_that_only_resembles_a_reserved_name_builds() -> None:
    for name in ["indexes", "console", "json_feed", "com10", "init"]:
        assert _codes(_TEMPLATE.format(name=name)) == set(), name


def test_pages_are_files_too() -> None:
    text = _TEMPLATE.format(name="cards") + (
        'page index {\n    title "T"\n    templates cards\n}\n'
        'page Cards {\n    title "T"\n    templates cards\n}\n'
        'page cards {\n    title "U"\n    templates cards\n}\n'
    )
    found = [d for d in compile_text(text).diagnostics if d.is_error]
    assert [d.code.value for d in found] == ["E215", "E215"], found
    assert "page `index` cannot name a generated file" in found[0].message
    assert "pages `Cards` and `cards` differ only in case" in found[1].message


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("    Abc = dv_a : string\n    ABC = dv_b : string\n", "FO fields `Abc` and `ABC`"),
        ("    A = dv_a : string\n    B = DV_A : string\n", "Dataverse columns `dv_a` and `DV_A`"),
        ("    A = dv_a : string\n    _ID > dv_b : string\n", "`_ID` is the column each store"),
        ("    A = dv_a : string\n    B > True : string\n", "`True` reads as a boolean in SQLite"),
        (
            f"    A = dv_a : string\n    {'F' * 63}x > dv_b\n",
            f"`{'F' * 63}x` is 64 bytes long: PostgreSQL keeps only the first 63 bytes",
        ),
        ("    A = dv_a : string\n    unmapped finance_operations a\n", "FO fields `A` and `a`"),
    ],
)
def test_names_the_stores_hold_as_one_are_refused(rows: str, message: str) -> None:
    text = _TEMPLATE.format(name="t").replace("    A = dv_a : string\n", rows)
    found = [d for d in compile_text(text).diagnostics if d.is_error]
    assert [d.code.value for d in found] == ["E216"], found
    assert message in found[0].message


def test_one_table_spelled_two_ways_across_templates_is_refused() -> None:
    two = _TEMPLATE.format(name="a") + _TEMPLATE.format(name="b").replace("FoE", "FOE")
    found = [d for d in compile_sources([("m/t.dwmap", two)]).diagnostics if d.is_error]
    assert [d.code.value for d in found] == ["E216"], found
    assert "FO entity `FOE` of template `b` and `FoE` of `a` are one table" in found[0].message
    # Spelled the same, two templates share the table: that is how dual-write works.
    same = _TEMPLATE.format(name="a") + _TEMPLATE.format(name="b")
    assert not [d for d in compile_sources([("m/t.dwmap", same)]).diagnostics if d.is_error]


@pytest.mark.parametrize(
    ("declared", "ok"),
    [
        ("string(2147483647)", True),
        ("string(2147483648)", False),
        ("decimal(38)", True),
        ("decimal(39)", False),
        ("decimal(99999999999999999999)", False),
    ],
)
def test_sizes_are_at_most_what_the_stores_hold(declared: str, ok: bool) -> None:
    text = _TEMPLATE.format(name="t").replace(": string", f": {declared}")
    assert _codes(text) == (set() if ok else {"E102"})


def test_site_area_slugs_are_distinct_and_never_an_index() -> None:
    from mappingc.naming import site_slug

    taken: set[str] = set()
    slugs = [site_slug(name, taken) for name in ["Index", "a b", "a-b", "éé", "loyalty"]]
    assert slugs == ["index-2", "a-b", "a-b-2", "area", "loyalty"]
