"""The published reference: pages in every locale, catalogs, and fidelity to the seed pages."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner
from syrupy.assertion import SnapshotAssertion

from conftest import (
    CORPUS,
    DUAL_WRITE,
    LOCALES,
    REPO,
    GoldenFile,
    compile_text,
    repo_build,
    template,
)
from mappingc.build import compile_sources
from mappingc.cli import main
from mappingc.diagnostics import Code
from mappingc.i18n import (
    LocaleCatalog,
    load_catalogs,
    prose_messages,
    published_locales,
)
from mappingc.publish.extract import extract_messages

BUILD = repo_build()
SEEDS = {
    p.name.split(".")[1]: p.read_text(encoding="utf-8") for p in (CORPUS / "seeds").glob("*.md")
}


def page(locale: str) -> str:
    return BUILD.files[f"docs/{locale}/customer_loyalty.md"]


def templates_table(markdown: str) -> list[list[str]]:
    """Rows of the table under the `templates` heading, cells stripped, links unwrapped."""
    section = markdown.split('<a name="templates"></a>', 1)[1]
    rows = []
    for line in section.split("\n\n", 2)[1].splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append([re.sub(r"\[(.*?)\]\(.*?\)", r"\1", c).replace("\\_", "_") for c in cells])
    return rows


def test_every_locale_is_built() -> None:
    assert sorted({name.split("/")[1] for name in BUILD.files if name.count("/") == 2}) == LOCALES


@pytest.mark.parametrize("locale", LOCALES)
def test_loyalty_page_golden(locale: str, snapshot: SnapshotAssertion) -> None:
    assert page(locale) == snapshot.use_extension(GoldenFile)


@pytest.mark.parametrize("locale", LOCALES)
def test_reference_golden(locale: str, snapshot: SnapshotAssertion) -> None:
    assert BUILD.files[f"docs/{locale}/mapping-reference.md"] == snapshot.use_extension(GoldenFile)


def test_english_page_reproduces_the_published_mapping_tables() -> None:
    """Each include table of the published page appears, row for row, on the English page."""
    english = page("en")
    for include in [
        "LoyaltyCard-msdyn-loyaltycards.md",
        "LoyaltyRewardPoints-msdyn-loyaltyrewardpoints.md",
    ]:
        published = (DUAL_WRITE / "includes" / include).read_text(encoding="utf-8")
        heading = published.splitlines()[0].removeprefix("## ")
        section = english.split(f"</a>{heading}\n", 1)[1].split("\n## ", 1)[0]
        rows = [line for line in section.splitlines() if " | " in line][1:]  # no header
        ours = [re.sub(r"<br>.*? \|", " |", row).rstrip(" |") for row in rows]
        theirs = [
            r.rstrip(" |") for r in published.splitlines() if " | " in r and "Map type" not in r
        ]
        assert len(theirs) >= 6
        missing = [row for row in theirs if row not in ours]
        assert missing == []


def test_english_templates_table_matches_the_published_one() -> None:
    # The Swedish seed carries the English source beside each sentence.
    english_rows = [
        [
            "Loyalty card",
            "msdyn_loyaltycards",
            "This template syncs information about customer loyalty cards.",
        ],
        [
            "Loyalty reward points",
            "msdyn_loyaltyrewardpoints",
            "This template syncs information about customer reward points.",
        ],
    ]
    ours = templates_table(page("en"))
    assert [row for row in english_rows if row not in ours] == []
    assert "Customer loyalty cards and reward points" in SEEDS["sv"]


@pytest.mark.parametrize("locale", ["lv", "sv", "hu"])
def test_translated_rows_match_the_seed_page(locale: str) -> None:
    """Where the seed translates a row, the generated page shows that translation."""
    seed = templates_table(
        re.sub(
            r'<span data-ttu-id="[^"]+">(.*?)</span><span class="sxs-lookup">.*?</span></span>',
            r"\1",
            SEEDS[locale],
        )
    )
    ours = templates_table(page(locale))
    assert [row for row in seed if row not in ours] == []


@pytest.mark.parametrize("locale", ["ru", "et"])
def test_newest_seed_labels_and_links(locale: str) -> None:
    seed_rows = templates_table(SEEDS[locale])
    ours = templates_table(page(locale))
    assert [r[:2] for r in seed_rows] == [r[:2] for r in ours]
    assert seed_rows[0] == ours[0]
    for anchor in ("149", "226", "150"):
        assert f"(mapping-reference.md#{anchor})" in SEEDS[locale]
        assert f"(mapping-reference.md#{anchor})" in page(locale)


@pytest.mark.parametrize("locale", ["lv", "ru", "et", "sv", "hu"])
def test_page_title_front_matter_and_locale(locale: str) -> None:
    seed_title = re.search(r"^title: (.+)$", SEEDS[locale], re.MULTILINE)
    assert seed_title is not None
    text = page(locale)
    assert f"\ntitle: {seed_title.group(1)}\n" in text
    assert re.search(rf"^ms.contentlocale: {locale}-[A-Z][A-Z]$", text, re.MULTILINE)
    assert '# <a name="customer-loyalty-cards-and-reward-points"></a>' in text


def _catalogs_lacking(message: str, fuzzy: str) -> list[LocaleCatalog]:
    """The repository's catalogs with `message` untranslated and `fuzzy` marked fuzzy."""
    catalogs = load_catalogs(REPO / "locales")
    for entry in catalogs:
        entry.catalog[message].string = ""
        entry.catalog[fuzzy].flags.add("fuzzy")
    return catalogs


def test_untranslated_strings_fall_back_to_english() -> None:
    lacking = "This template syncs information about customer loyalty levels."
    fuzzy = "Businesses classify customers and provide sophisticated services, based on customer"
    fuzzy += " shopping and spending patterns."
    sources = [
        (str(p.relative_to(REPO)), p.read_text(encoding="utf-8"))
        for p in sorted((REPO / "mappings").rglob("*.dwmap"))
    ]
    result = compile_sources(sources, catalogs=_catalogs_lacking(lacking, fuzzy), emit=True)
    assert result.ok, result.render_diagnostics()
    ru = result.files["docs/ru/customer_loyalty.md"]
    assert lacking in ru
    assert fuzzy in ru  # a fuzzy translation is not used either


def test_committed_template_catalog_is_up_to_date() -> None:
    """locales/mappingc.pot lists exactly the messages in use; `make translations` refreshes it."""
    with (REPO / "locales" / "mappingc.pot").open("rb") as handle:
        committed = {str(m.id) for m in read_po(handle) if m.id}
    extracted = {str(m.id) for m in extract_messages(REPO / "mappings") if m.id}
    assert committed == extracted


def test_every_catalog_has_every_message() -> None:
    ids = {str(m.id) for m in extract_messages(REPO / "mappings") if m.id}
    for catalog in load_catalogs(REPO / "locales"):
        assert ids <= {str(m.id) for m in catalog.catalog if m.id}, catalog.language


def test_check_translations_summarizes_then_lists_on_request(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(main, ["docs", "--check-translations"])
    assert result.exit_code == 0, result.output
    # A line per locale; the catalog (mappings/dual-write) adds its labels to every locale.
    assert len(result.stdout.splitlines()) == 5
    assert "ru: 188/188 translated, 0 missing, 0 fuzzy" in result.stdout
    page = CliRunner().invoke(
        main, ["docs", "--check-translations", "--page", "customer_loyalty", "--format", "json"]
    )
    report = json.loads(page.output[: page.output.rindex("}") + 1])
    ru = next(r for r in report["locales"] if r["language"] == "ru")
    assert report["page"] == "customer_loyalty" and ru["total"] == 42
    assert ru["translated"] == 42 and ru["missing"] == [] and ru["fuzzy"] == []
    unknown = CliRunner().invoke(main, ["docs", "--check-translations", "--page", "nope"])
    assert (
        unknown.exit_code == 2 and "no page named nope (pages: customer_loyalty)" in unknown.output
    )
    strict = CliRunner().invoke(main, ["docs", "--check-translations", "--strict"])
    assert strict.exit_code == 0, strict.output


def test_check_translations_lists_what_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A catalog with a string missing and one fuzzy: counted, listed with --verbose, and
    --strict fails."""
    shutil.copytree(REPO / "mappings" / "loyalty", tmp_path / "mappings" / "loyalty")
    shutil.copytree(REPO / "mappings" / "shared", tmp_path / "mappings" / "shared")
    shutil.copytree(REPO / "locales", tmp_path / "locales")
    po = tmp_path / "locales" / "ru" / "LC_MESSAGES" / "mappingc.po"
    text = po.read_text(encoding="utf-8")
    lacking = 'msgid "This template syncs information about customer loyalty levels."\n'
    start = text.index(lacking) + len(lacking)
    text = text[:start] + 'msgstr ""\n' + text[text.index("\n", start) + 1 :]
    text = text.replace('msgid "Loyalty levels"', '#, fuzzy\nmsgid "Loyalty levels"')
    po.write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["docs", "--check-translations", "--verbose"])
    assert "ru: 43/45 translated, 1 missing, 1 fuzzy" in result.output
    assert (
        "  ru untranslated: This template syncs information about customer loyalty levels."
        in result.output
    )
    assert "  ru fuzzy (needs review): Loyalty levels" in result.output
    strict = CliRunner().invoke(main, ["docs", "--check-translations", "--strict"])
    assert strict.exit_code == 1


def test_prose_is_translated_sentence_by_sentence() -> None:
    text = "One thing happens. Then another, e.g. this.\n\nA new paragraph!"
    assert list(prose_messages(text)) == [
        "One thing happens.",
        "Then another, e.g. this.",
        "A new paragraph!",
    ]


def test_page_errors() -> None:
    text = template("A = a") + 'page p {\n    title "P"\n    templates t, tt, t\n}\npage q {\n}\n'
    result = compile_text(text)
    messages = [(d.code, d.message, d.hint) for d in result.diagnostics]
    assert (Code.PAGE, "page `p` lists unknown template `tt`", "did you mean `t`?") in messages
    assert (Code.PAGE, "page lists `t` twice", None) in messages
    assert any(m[1] == "page `q` has no `title`" for m in messages)


def test_long_strings_fold_into_paragraphs() -> None:
    page_text = (
        'page p {\n    title "P"\n    intro """\n        One\n        two.\n\n'
        '        Three.\n    """\n    templates t\n}\n'
    )
    result = compile_text(template("A = a") + page_text)
    assert result.ok, result.render_diagnostics()
    assert "\nOne two.\n\nThree.\n" in result.files["docs/en/p.md"]


def test_site_builds_with_search_and_json(tmp_path: Path) -> None:
    from mappingc.publish.site import build_site

    assert BUILD.catalog is not None
    build_site(BUILD.catalog, BUILD.files, load_catalogs(REPO / "locales"), tmp_path / "site")
    site = tmp_path / "site"
    assert (site / "ru" / "search" / "search_index.json").is_file()
    assert (site / "ru" / "template" / "loyalty_card.html").is_file()
    reference = (site / "reference.json").read_text(encoding="utf-8")
    assert (
        '"anchor": "149"' in reference
        and '"msdyn_rewardpointcurrency.isocurrencycode"' in reference
    )


# Words that are English and no word of lv, ru, et, sv or hu ("data", "a", "on", "in", "is",
# "filter", "information" are).
_ENGLISH = """the and of to this that are for with from between by about template templates
    synchronizes synchronization syncs field fields value values default source reversed
    mapping mappings map type types description symbols one-way bidirectional apps app
    loyalty reward points levels card cards row side writes other used table tables
    following explains several different topic lists column each published reference dual-write
    provides customers vendors contacts entity please note invoices invoice headers lines
    businesses classify sophisticated services based shopping spending patterns example has
    infrastructure functions facilitate handle pricing experiences when synced can use users
    provide same through help desk transformed process there"""
ENGLISH_WORDS = set(_ENGLISH.split())
# Names kept as they are in every language: products, and what the catalog names itself.
PRODUCT_NAMES = [
    "Finance and Operations",
    "Dynamics 365 Customer Service",
    "Dynamics 365 Commerce",
    "Dynamics 365",
    "Common Data Service",
    "Customer Engagement",
    "Customer engagement",
    "Dataverse",
    "Commerce",
    "CDS",
]


def prose_of(markdown: str, locale: str) -> str:
    """The words a reader reads as sentences: without code, names, filter expressions, link
    targets, anchors, comments, front-matter keys, and the name columns of the tables."""
    assert BUILD.catalog is not None
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.DOTALL)
    text = re.sub(r"^ms\.\w+:.*$", " ", text, flags=re.MULTILINE)
    text = re.sub(r"^(title|description):", " ", text, flags=re.MULTILINE)
    translations = dict(published_locales(load_catalogs(REPO / "locales")))[locale]
    for label in ("Source filter:", "Reversed source filter:"):
        expression = rf"^{re.escape(translations.gettext(label))} .*$"
        text = re.sub(expression, " ", text, flags=re.MULTILINE)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<a name=\"[^\"]*\"></a>", " ", text)
    text = re.sub(r"\]\([^)]*\)", "] ", text)
    lines = []
    columns = 0  # of the table being read; its header row is prose
    for line in text.splitlines():
        if re.fullmatch(r"\|?\s*-+\s*(\|\s*-+\s*)*\|?", line.strip()):
            continue
        if "|" not in line:
            columns = 0
            lines.append(line)
            continue
        cells = [c.strip() for c in line.strip().removeprefix("|").split("|")]
        if not columns:
            columns = len([c for c in cells if c])
        elif columns == 4:
            cells = []  # a mapping row: field names, symbols, default values
        elif columns == 3:
            cells = [cells[0], cells[2]]  # label, table name, description
        elif columns == 2:
            cells = [cells[1]]  # symbol, its meaning
        lines.append(" ".join(cells))
    text = "\n".join(lines).replace("\\_", "_")
    for name in PRODUCT_NAMES:  # with the endings languages add ("Dataverse'is", "-appar")
        text = re.sub(rf"{re.escape(name)}[\w'-]*", " ", text)
    tables = {t.dataverse_table for t in BUILD.catalog.templates}
    return " ".join(w for w in re.split(r"\s+", text) if w.strip("()[]→.,:") not in tables)


def english_words(markdown: str, locale: str) -> list[str]:
    words = re.findall(r"[A-Za-z][\w-]*", prose_of(markdown, locale))
    return sorted({w for w in words if w.lower() in ENGLISH_WORDS})


def test_the_english_page_is_seen_as_english() -> None:
    """The detector below finds English where there is English."""
    assert {"template", "synchronizes", "between"} <= set(english_words(page("en"), "en"))


@pytest.mark.parametrize("locale", ["lv", "ru", "et", "sv", "hu"])
def test_no_english_prose_on_the_loyalty_page_or_the_reference(locale: str) -> None:
    for name in ("customer_loyalty.md", "mapping-reference.md"):
        assert english_words(BUILD.files[f"docs/{locale}/{name}"], locale) == [], name


def test_make_translations_on_a_clean_checkout_changes_nothing(tmp_path: Path) -> None:
    """The committed catalogs are what `make translations` writes: its pybabel commands, taken
    from the Makefile, run on a copy of what they read, and every file comes out the same."""
    import subprocess
    import sys

    recipe = (REPO / "Makefile").read_text(encoding="utf-8").split("\ntranslations:", 1)[1]
    lines = recipe.split("\n\n", 1)[0].replace("\\\n", " ").splitlines()[1:]
    commands = [line.strip() for line in lines if "pybabel" in line]
    assert len(commands) == 2, commands
    for name in ("babel.cfg", "mappings", "locales", "mappingc/templates"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    for path in (REPO / "mappingc" / "publish").glob("site*.py"):
        (tmp_path / "mappingc" / "publish").mkdir(parents=True, exist_ok=True)
        shutil.copy(path, tmp_path / "mappingc" / "publish" / path.name)
    bin_dir = str(Path(sys.executable).parent) + "/"
    for command in commands:
        done = subprocess.run(
            command.replace("$(BIN)/", bin_dir), shell=True, cwd=tmp_path, capture_output=True
        )
        assert done.returncode == 0, done.stderr
    for path in sorted((REPO / "locales").rglob("*.po*")):
        relative = path.relative_to(REPO)
        assert (tmp_path / relative).read_bytes() == path.read_bytes(), f"{relative} is stale"


def test_entries_that_say_they_are_microsoft_s_translation_are() -> None:
    """A translator comment "Microsoft's published translation (KEY, method)" is checked against
    the published alignment (tests/corpus/dual-write-l10n/alignments.tsv, from Microsoft's
    localized repositories): same English, same translation, same key."""
    import csv

    with (CORPUS / "dual-write-l10n" / "alignments.tsv").open(encoding="utf-8") as handle:
        published = {
            (r["lang"][:2], r["key"], r["english"], r["translation"])
            for r in csv.DictReader(handle, delimiter="\t")
        }
    claimed = 0
    for entry in load_catalogs(REPO / "locales"):
        for message in entry.catalog:
            for comment in message.user_comments:
                found = re.match(r"Microsoft's published translation \((\w+), ", comment)
                if found:
                    claimed += 1
                    fact = (entry.language, found.group(1), str(message.id), str(message.string))
                    assert fact in published, fact
    assert claimed >= 50
