"""`mappingc new`, and the editor files in editors/: the scaffold builds and never overwrites;
the highlighting grammars know every keyword the DSL grammar has."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO
from mappingc.authoring.scaffold import label_for

EDITORS = REPO / "editors"


def _mappingc(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mappingc", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.mappingc]\n")
    (tmp_path / "mappings").mkdir()
    return tmp_path


def test_new_writes_a_template_that_builds_and_is_formatted(project: Path) -> None:
    done = _mappingc(
        project, "new", "gift_card", "--fo", "RetailGiftCard", "--dv", "msdyn_giftcards"
    )
    assert done.returncode == 0, done.stderr
    text = (project / "mappings/gift_card.dwmap").read_text()
    assert 'label "Retail gift card"' in text and "dataverse msdyn_giftcards" in text
    assert "    # key <column>  (the Dataverse columns rows are matched by" in text  # W403 says why
    assert _mappingc(project, "fmt", "--check").returncode == 0
    built = _mappingc(project, "build", "-q")
    assert built.returncode == 0, built.stderr
    assert (project / "generated/sync/gift_card.py").is_file()


def test_new_never_overwrites(project: Path) -> None:
    (project / "mappings/mine.dwmap").write_text("# my notes\n")
    done = _mappingc(project, "new", "mine", "--fo", "A", "--dv", "b")
    assert done.returncode == 2 and "never overwrites" in done.stderr
    assert (project / "mappings/mine.dwmap").read_text() == "# my notes\n"
    (project / "mappings/other.dwmap").write_text('template taken {\n    label "T"\n}\n')
    done = _mappingc(project, "new", "taken", "--fo", "A", "--dv", "b")
    assert done.returncode == 2 and "already in mappings/other.dwmap" in done.stderr
    assert not (project / "mappings/taken.dwmap").exists()


def test_new_refuses_words_the_language_cannot_hold(project: Path) -> None:
    done = _mappingc(project, "new", "9lives", "--fo", 'Bad"Name', "--dv", "a.b")
    assert done.returncode == 2
    for part in ("template name '9lives'", "entity 'Bad\"Name'", "table 'a.b'"):
        assert part in done.stderr
    assert "Traceback" not in done.stderr and list((project / "mappings").iterdir()) == []


@pytest.mark.parametrize(
    ("entity", "label"),
    [
        ("LoyaltyCard", "Loyalty card"),
        ("CustCustomerV3", "Cust customer V3"),
        ("Loyalty card", "Loyalty card"),
        ("ISOCurrencyCodes", "ISO currency codes"),
    ],
)
def test_labels_come_from_the_entity_name(entity: str, label: str) -> None:
    assert label_for(entity) == label


def _grammar_keywords() -> set[str]:
    grammar = (REPO / "mappingc/frontend/grammar/mapping.lark").read_text()
    quoted = set(re.findall(r'"([a-z_]+)"', grammar))
    # The filter words are operators in the editors, not keywords; the rest must all be known.
    return (
        quoted
        - {"and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "like"}
        - {
            "startswith",
            "endswith",
            "contains",
            "true",
            "false",
            "null",
            "none",
            "blank",
            "unpublished",
        }
    )


def test_the_textmate_grammar_is_valid_and_knows_every_keyword() -> None:
    package = json.loads((EDITORS / "vscode/package.json").read_text())
    (grammar_entry,) = package["contributes"]["grammars"]
    grammar = json.loads((EDITORS / "vscode" / grammar_entry["path"]).read_text())
    assert grammar["scopeName"] == grammar_entry["scopeName"]
    for language in package["contributes"]["languages"]:
        json.loads((EDITORS / "vscode" / language["configuration"]).read_text())
    assert (EDITORS / "vscode" / package["main"]).is_file()

    patterns: list[str] = []

    def collect(node: object) -> None:
        if isinstance(node, dict):
            patterns.extend(node[k] for k in ("match", "begin", "end") if k in node)
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(grammar)
    for pattern in patterns:
        re.compile(pattern)  # these patterns use nothing Oniguruma and Python disagree on
    words = set(re.findall(r"[a-z_]{2,}", " ".join(patterns)))
    assert _grammar_keywords() <= words


def test_the_neovim_files_know_every_keyword() -> None:
    syntax = (EDITORS / "neovim/syntax/dwmap.vim").read_text()
    known = {
        w
        for line in syntax.splitlines()
        if line.startswith("syntax keyword")
        for w in line.split()[3:]
    }
    assert _grammar_keywords() <= known
    assert "*.dwmap" in (EDITORS / "neovim/ftdetect/dwmap.vim").read_text()
    plugin = (EDITORS / "neovim/plugin/mappingc.lua").read_text()
    assert '{ "mappingc", "lsp" }' in plugin


def test_neovim_starts_the_server_and_shows_its_diagnostics(project: Path) -> None:
    """A real Neovim, headless, with the plugin: the server's diagnostic reaches the buffer."""
    nvim = subprocess.run(["which", "nvim"], capture_output=True, text=True).stdout.strip()
    if not nvim:
        pytest.skip("Neovim is not installed (make test installs it)")
    (project / "mappings/t.dwmap").write_text(
        'template t {\n    label "T"\n    finance_operations E\n    dataverse t\n    key a\n'
        "    A >< a via Missing\n}\n"
    )
    init = project / "init.lua"
    init.write_text(
        f'vim.g.mappingc_command = {{ "{sys.executable}", "-m", "mappingc", "lsp" }}\n'
        f'vim.opt.runtimepath:append("{EDITORS / "neovim"}")\n'
    )
    script = (
        "lua vim.wait(20000, function() return #vim.diagnostic.get(0) > 0 end, 100) "
        "local d = vim.diagnostic.get(0)[1] "
        "io.stdout:write(vim.bo.filetype .. '|' .. d.lnum .. '|' .. d.code .. '|' .. d.message)"
    )
    done = subprocess.run(
        [nvim, "--headless", "-n", "-u", str(init), "mappings/t.dwmap", f"+{script}", "+qa!"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
    )
    filetype, line, code, message = done.stdout.split("|", 3)
    assert (filetype, line, code) == ("dwmap", "5", "E103")
    assert message.startswith("unknown value map `Missing`")


def test_new_lists_the_fields_of_the_snapshots_to_pick_from(project: Path) -> None:
    import shutil

    shutil.copytree(REPO / "schemas", project / "schemas")
    done = _mappingc(project, "new", "c", "--fo", "Currencies", "--dv", "transactioncurrencies")
    assert done.returncode == 0, done.stderr
    assert "listing the fields of `CurrencyEntity` and `transactioncurrency`" in done.stderr
    text = (project / "mappings/c.dwmap").read_text()
    assert "#   FIELD = isocurrencycode : string(5)  (required, string)" in text
    assert "#   CURRENCYCODE = column : string  (string)" in text
    assert "= createdon " not in text  # read-only: nothing to map it to
    assert _mappingc(project, "build", "-q").returncode == 0


def test_new_takes_the_label_from_the_snapshot_and_names_who_maps_the_table(
    project: Path,
) -> None:
    """Issue 30: the label was made from the entity name ("Cust customer group entity") where
    the snapshot says "Customer groups", and nothing said that a template maps the table."""
    import shutil

    shutil.copytree(REPO / "schemas", project / "schemas")
    (project / "pyproject.toml").write_text('[tool.mappingc]\nschemas = "schemas"\n')
    shutil.copy(
        REPO / "mappings" / "dual-write" / "customer_groups__msdyn_customergroups.dwmap",
        project / "mappings",
    )
    done = _mappingc(
        project, "new", "groups", "--fo", "CustCustomerGroupEntity", "--dv", "msdyn_customergroups"
    )
    assert done.returncode == 0, done.stderr
    assert 'label "Customer groups"' in (project / "mappings/groups.dwmap").read_text()
    assert (
        "mappingc: note: `msdyn_customergroups` is already mapped by template "
        "`customer_groups__msdyn_customergroups` (the same FO entity), "
        "mappings/customer_groups__msdyn_customergroups.dwmap:" in done.stderr
    )
