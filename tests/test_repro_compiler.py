"""Every compiler reproducer (tests/fixtures/repro) ends in clean diagnostics or in output that
works: modules that import, keep their constants, type-check and map rows; docs that escape."""

from __future__ import annotations

from pathlib import Path

import pytest
from outcomes import build, mypy_problems, problems_of

from conftest import FIXTURES, REPO, load_module
from mappingc.build import compile_sources

REPRO = FIXTURES / "repro"
SHARED_VALUE_MAPS = (REPO / "mappings" / "shared" / "value_maps.dwmap").read_text()
CASES = sorted(
    [
        *(REPRO / "compiler").glob("*.dwmap"),
        *(REPRO / "compiler" / "cases").glob("*.dwmap"),
        *(REPRO / "injection").glob("*.dwmap"),
        *(REPRO / "site").glob("*.dwmap"),
    ]
)
# What each case that cannot build is refused with; every other case must build and work.
REFUSED = {
    "min_01.dwmap": "E106",  # NUL in a string
    "min_03.dwmap": "E213",
    "min_04.dwmap": "E107",
    "long_template_name.dwmap": "E213",
    "C01_deep_nesting.dwmap": "E107",
    "C03_nul_in_entity.dwmap": "E106",
    "C13_long_template_name.dwmap": "E213",
    "description__nul.dwmap": "E106",
    "description_long__nul.dwmap": "E106",
    "entity__nul.dwmap": "E106",
    "label__nul.dwmap": "E106",
    "xss_card.dwmap": "E106",  # it also holds U+2028 LINE SEPARATOR
}


def sources(path: Path) -> list[tuple[str, str]]:
    found = [(f"m/{path.name}", path.read_bytes().decode("utf-8"))]
    if path.with_suffix(".needs-shared-value-maps").exists():
        found.append(("m/shared/value_maps.dwmap", SHARED_VALUE_MAPS))
    return found


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case that builds, written out together for one mypy run."""
    folder = tmp_path_factory.mktemp("repro")
    for index, path in enumerate(CASES):
        outcome = build(sources(path))
        if outcome.kind == "output" and outcome.result is not None:
            assert problems_of(outcome.result, folder / f"case{index}") == [], path.name
    return folder


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_each_reproducer_ends_in_clean_diagnostics_or_working_output(
    path: Path, tmp_path: Path
) -> None:
    outcome = build(sources(path))
    assert outcome.kind in {"diagnostics", "output"}, outcome.detail
    if path.name in REFUSED:
        assert outcome.kind == "diagnostics"
        assert outcome.result is not None
        assert REFUSED[path.name] in {d.code.value for d in outcome.result.errors}
        assert outcome.result.files == {}  # nothing is written for a failed build
        rendered = outcome.result.render_diagnostics()
        assert "\x00" not in rendered and "\u2028" not in rendered  # shown as escapes
        return
    assert outcome.kind == "output", outcome.result.render_diagnostics()  # type: ignore[union-attr]
    assert outcome.result is not None
    assert problems_of(outcome.result, tmp_path) == []


def test_every_built_reproducer_passes_mypy_strict(built: Path) -> None:
    assert mypy_problems(built) == []


def _module(text: str, tmp_path: Path, name: str = "t") -> object:
    result = compile_sources([("m/t.dwmap", text)])
    assert result.ok, result.render_diagnostics()
    path = tmp_path / f"{name}.py"
    path.write_text(result.files[f"sync/{name}.py"], encoding="utf-8")
    return load_module(path)


HEAD = 'template t {\n    label "L"\n    finance_operations E\n    dataverse tbl\n'


def test_value_maps_named_like_module_names_keep_the_constants(tmp_path: Path) -> None:
    text = HEAD + "    A >< a via Template\n    B >< b via DataverseTable\n    C >< c via Row\n}\n"
    for name in ("Template", "DataverseTable", "Row"):
        text += f"valuemap {name} {{\n    x : 1\n}}\n"
    module = _module(text, tmp_path)
    assert module.TEMPLATE == "t" and module.DATAVERSE_TABLE == "tbl"  # type: ignore[attr-defined]
    assert module.to_dataverse({"A": "x", "B": "x", "C": "x"}) == {"a": 1, "b": 1, "c": 1}  # type: ignore[attr-defined]
    assert module.RowEnum.x == "x"  # type: ignore[attr-defined]


def test_two_inline_value_maps_on_one_field_stay_two(tmp_path: Path) -> None:
    text = HEAD + (
        "    S >> s1 via { open: 1, closed: 2 }\n    S >> s2 via { open: 10, closed: 20 }\n}\n"
    )
    module = _module(text, tmp_path)
    assert module.to_dataverse({"S": "open"}) == {"s1": 1, "s2": 10}  # type: ignore[attr-defined]


def test_a_named_map_and_an_inline_map_that_would_share_a_class_name(tmp_path: Path) -> None:
    text = HEAD + "    gender >> g1 via { m: 1 }\n    G2 >< g2 via Gender\n}\n"
    text += "valuemap Gender {\n    male : 1\n}\n"
    module = _module(text, tmp_path)
    classes = {module.Gender.__name__, module.GenderEnum.__name__}  # type: ignore[attr-defined]
    assert classes == {"Gender", "GenderEnum"}
    assert module.to_dataverse({"gender": "m", "G2": "male"}) == {"g1": 1, "g2": 1}  # type: ignore[attr-defined]


def test_lookalike_symbols_become_distinct_members(tmp_path: Path) -> None:
    text = (
        HEAD + '    S >< s via M\n}\nvaluemap M {\n    "\ufb01" : 1\n    "fi" : 2\n    mro : 3\n}\n'
    )
    module = _module(text, tmp_path)
    assert [m.value for m in module.M] == ["\ufb01", "fi", "mro"]  # type: ignore[attr-defined]
    assert module.to_dataverse({"S": "fi"}) == {"s": 2}  # type: ignore[attr-defined]


def test_a_percent_and_jinja_syntax_in_labels_are_text(tmp_path: Path) -> None:
    text = 'template t {\n    label "100% {{ 7*7 }} %(x)s"\n    finance_operations E\n'
    text += "    dataverse tbl\n    ref 1\n    A = a : string\n}\n"
    result = compile_sources([("m/t.dwmap", text)])
    assert result.ok
    reference = result.files["docs/en/mapping-reference.md"]
    assert "100% {{ 7\\*7 }} %(x)s" in reference or "100% {{ 7*7 }} %(x)s" in reference


def test_user_text_cannot_become_html_or_front_matter() -> None:
    text = (
        'template card {\n    label "Card <img src=x onerror=alert(1)> template: 404.html"\n'
        "    finance_operations E\n    dataverse tbl\n    ref 7\n"
        '    description "<script>alert(2)</script> [x](javascript:alert(3))"\n'
        '    NAME >> name : string default "<svg onload=alert(4)>"\n}\n'
        'page p {\n    title "T: <b>x</b>"\n    templates card\n}\n'
    )
    result = compile_sources([("m/t.dwmap", text)])
    assert result.ok, result.render_diagnostics()
    for name, output in result.files.items():
        if name.endswith(".md"):
            for payload in ("<img", "<script", "<svg", "<b>"):
                assert payload not in output, (name, payload)
            assert "](javascript:" not in output.replace("\\](javascript:", ""), name
    page = result.files["docs/en/p.md"]
    assert page.startswith('---\ntitle: "T: &lt;b&gt;x&lt;/b&gt;"\n')  # one key, quoted


def test_the_site_shows_user_text_and_runs_none_of_it(tmp_path: Path) -> None:
    from mappingc.publish.site import build_site

    text = (
        "template card {\n"
        '    label "Card <img src=x onerror=alert(1)> </title><script>x</script>"\n'
        "    finance_operations E\n    dataverse tbl\n    ref 7\n"
        '    description "<script>alert(2)</script>"\n'
        '    NAME >> name : string default "<svg onload=alert(4)>"\n}\n'
        'page p {\n    title "T: <b>x</b>"\n    templates card\n}\n'
    )
    result = compile_sources([("m/t.dwmap", text)])
    assert result.ok and result.catalog is not None
    build_site(result.catalog, result.files, [], tmp_path / "site")
    pages = [p for p in (tmp_path / "site").rglob("*.html")]
    assert pages
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for payload in (
            "<img src=x",
            "<script>alert",
            "<svg onload",
            "<b>x</b>",
            "</title><script>",
        ):
            assert payload not in html, (page.name, payload)
    card = (tmp_path / "site" / "en" / "template" / "card.html").read_text(encoding="utf-8")
    assert "Card &lt;img src=x onerror=alert(1)&gt;" in card  # shown, as text


def test_a_form_feed_above_a_filter_does_not_shift_its_text(tmp_path: Path) -> None:
    text = "# page break:\f\n" + HEAD + '    source_filter (K == "a")\n    K = k : string\n}\n'
    module = _module(text, tmp_path)
    assert module.SOURCE_FILTER == '(K == "a")'  # type: ignore[attr-defined]


def test_dwmap_files_in_tool_folders_are_skipped_by_build_and_cache_alike(tmp_path: Path) -> None:
    from mappingc.cache import fingerprint
    from mappingc.sources import discover, ignored_sources

    (tmp_path / "m" / "__pycache__").mkdir(parents=True)
    (tmp_path / "m" / "a.dwmap").write_text(HEAD + "    A = a : string\n}\n")
    (tmp_path / "m" / "__pycache__" / "b.dwmap").write_text("not a template")
    assert [p.name for p in discover(tmp_path / "m")] == ["a.dwmap"]
    assert ignored_sources(tmp_path / "m") == ["__pycache__/b.dwmap"]
    before = fingerprint(tmp_path / "m", None, lambda p: Path(p).read_text())
    (tmp_path / "m" / "__pycache__" / "b.dwmap").write_text("changed")
    assert fingerprint(tmp_path / "m", None, lambda p: Path(p).read_text()) == before
