"""The seed templates against the published tables they were taken from (tests/corpus/)."""

from __future__ import annotations

import re

import pytest

from conftest import DUAL_WRITE, REPO

MASTER = (DUAL_WRITE / "mapping-tables.md").read_text(encoding="utf-8")


def table_rows(markdown: str) -> list[str]:
    """The body rows of the first table, whitespace-normalised, empty last cell dropped."""
    rows = markdown.split("---|---|---", 1)[1].split("\n\n", 1)[0].strip().splitlines()[1:]
    return [re.sub(r"\s*\|\s*", " | ", row.strip()).rstrip(" |") for row in rows if row.strip()]


def master_section(anchor: int) -> str:
    start = MASTER.index(f'<a name="{anchor}"></a>')
    end = MASTER.find("###", start)
    return MASTER[start : end if end != -1 else None]


def generated_doc(name: str) -> str:
    return (REPO / "generated" / "docs" / f"{name}.md").read_text(encoding="utf-8")


SEEDS = [("loyalty_card", 149), ("loyalty_reward_points", 150), ("loyalty_levels", 226)]


@pytest.mark.parametrize(("name", "anchor"), SEEDS)
def test_generated_table_reproduces_the_master_section(name: str, anchor: int) -> None:
    assert table_rows(generated_doc(name)) == table_rows(master_section(anchor))


@pytest.mark.parametrize(("name", "anchor"), SEEDS)
def test_generated_heading_and_anchor_match_the_published_ones(name: str, anchor: int) -> None:
    heading = re.search(r"</a>(.+) \((\w+)\)", master_section(anchor))
    assert heading is not None
    label, table = heading.groups()
    doc = generated_doc(name)
    assert f'<a name="{anchor}"></a>' in doc
    assert f"## {label} to {table}\n" in doc


@pytest.mark.parametrize(
    ("name", "include"),
    [
        ("loyalty_card", "LoyaltyCard-msdyn-loyaltycards.md"),
        ("loyalty_reward_points", "LoyaltyRewardPoints-msdyn-loyaltyrewardpoints.md"),
    ],
)
def test_every_include_row_is_kept(name: str, include: str) -> None:
    """Includes omit value maps; with those stripped, each include row is in the generated table."""
    ours = [re.sub(r"<br>.*? \|", " |", row) for row in table_rows(generated_doc(name))]
    theirs = table_rows((DUAL_WRITE / "includes" / include).read_text(encoding="utf-8"))
    assert [row for row in theirs if row not in ours] == []


def test_index_links_every_template_to_its_anchor() -> None:
    index = (REPO / "generated" / "docs" / "index.md").read_text(encoding="utf-8")
    for name, anchor in SEEDS:
        assert f"]({name}.md#{anchor}) |" in index


def test_index_legend_covers_the_published_symbols() -> None:
    legend = (DUAL_WRITE / "dual-write-symbols.md").read_text(encoding="utf-8")
    published = re.findall(r"^\| (\S+) +\| (.+?) \|$", legend, flags=re.MULTILINE)
    index = (REPO / "generated" / "docs" / "index.md").read_text(encoding="utf-8")
    for symbol, description in published:
        if symbol in {"Symbol", "--------"}:
            continue
        assert f"| {symbol} | {description} |" in index
