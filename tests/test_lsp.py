"""The language server end to end: pytest-lsp starts `mappingc lsp` as a real process and talks
LSP to it over stdio, on a copy of this repository's mappings."""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import REPO
from mappingc import config
from mappingc.build import compile_directory

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "mappingc", "lsp"])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "mappings", tmp_path / "mappings")
    # As the repository's own settings: the catalog passes with no per-path ignore.
    (tmp_path / "pyproject.toml").write_text('[tool.mappingc]\nmappings = "mappings"\n')
    return tmp_path


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, project: Path):  # type: ignore[no-untyped-def]
    params = types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"), root_uri=project.as_uri()
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, path: Path, text: str | None = None) -> str:
    uri = path.as_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            types.TextDocumentItem(
                uri=uri, language_id="dwmap", version=1, text=text or path.read_text()
            )
        )
    )
    return uri


async def _diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The diagnostics the server publishes for `uri` after the last open or change of it; a
    server that never does fails the test rather than hanging it.

    pytest-lsp records every publication in `client.diagnostics`, whereas waiting for the next
    notification misses one that arrives in the same read as another file's (seen in CI)."""
    deadline = asyncio.get_running_loop().time() + 60
    while uri not in client.diagnostics:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"no diagnostics published for {uri}")
        await asyncio.sleep(0.01)
    return list(client.diagnostics[uri])


def _position(text: str, needle: str, offset: int = 0) -> types.Position:
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return types.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


CARD = "mappings/loyalty/loyalty_card.dwmap"


async def test_diagnostics_are_the_cli_s_and_follow_every_change(
    client: LanguageClient, project: Path
) -> None:
    path = project / CARD
    broken = path.read_text().replace("via CardTenderType", "via CardTender")
    uri = _open(client, path, broken)
    (found,) = await _diagnostics(client, uri)
    path.write_text(broken)  # the CLI's view of the same text
    (expected,) = [
        d
        for d in compile_directory(
            project / "mappings", ignores=config.load(project).ignores
        ).diagnostics
        if d.path.endswith(CARD)
    ]
    assert found.code == expected.code.value == "E103"
    assert found.message == f"{expected.message}\nhint: {expected.hint}"
    start = found.range.start
    assert (start.line + 1, start.character + 1) == (expected.span.line, expected.span.column)
    client.diagnostics.pop(uri)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangeWholeDocument(
                    text=broken.replace("CardTender\n", "CardTenderType\n")
                )
            ],
        )
    )
    assert list(await _diagnostics(client, uri)) == []


async def test_hover_on_a_row_and_on_a_value_map(client: LanguageClient, project: Path) -> None:
    path = project / CARD
    text = path.read_text()
    uri = _open(client, path)
    await _diagnostics(client, uri)
    row = await client.text_document_hover_async(
        types.HoverParams(
            types.TextDocumentIdentifier(uri), _position(text, "    CARDTENDERTYPE", 4)
        )
    )
    assert row is not None and isinstance(row.contents, types.MarkupContent)
    assert "both ways, transformed" in row.contents.value
    assert "| `blocked` | `806380003` |" in row.contents.value
    assert "used inverted" in row.contents.value
    named = await client.text_document_hover_async(
        types.HoverParams(
            types.TextDocumentIdentifier(uri), _position(text, "via CardTenderType", 5)
        )
    )
    assert named is not None and "value map `CardTenderType`" in str(named.contents)


async def test_go_to_definition(client: LanguageClient, project: Path) -> None:
    card = project / CARD
    text = card.read_text()
    uri = _open(client, card)
    await _diagnostics(client, uri)
    (value_map,) = await client.text_document_definition_async(
        types.DefinitionParams(
            types.TextDocumentIdentifier(uri), _position(text, "via CardTenderType", 5)
        )
    )
    assert value_map.uri == uri
    assert value_map.range.start.line == text.split("\n").index("valuemap CardTenderType {")
    page = project / "mappings/loyalty/customer_loyalty_page.dwmap"
    page_text = page.read_text()
    page_uri = _open(client, page)
    (template,) = await client.text_document_definition_async(
        types.DefinitionParams(
            types.TextDocumentIdentifier(page_uri), _position(page_text, "loyalty_card")
        )
    )
    assert template.uri == uri and template.range.start.line == text.split("\n").index(
        "template loyalty_card {"
    )
    points = project / "mappings/loyalty/loyalty_reward_points.dwmap"
    points_text = points.read_text()
    points_uri = _open(client, points)
    targets = await client.text_document_definition_async(
        types.DefinitionParams(
            types.TextDocumentIdentifier(points_uri),
            _position(points_text, "-> transactioncurrencies", 4),
        )
    )
    assert (project / "mappings/finance/currencies.dwmap").as_uri() in {t.uri for t in targets}


async def test_completion_offers_what_can_stand_there(
    client: LanguageClient, project: Path
) -> None:
    path = project / CARD
    text = path.read_text().replace(
        "    LOYALTYENROLLMENTDATE ", "    NEWFIELD \n    LOYALTYENROLLMENTDATE ", 1
    )
    uri = _open(client, path, text)
    await _diagnostics(client, uri)

    async def labels(needle: str, offset: int) -> set[str]:
        found = await client.text_document_completion_async(
            types.CompletionParams(
                types.TextDocumentIdentifier(uri), _position(text, needle, offset)
            )
        )
        assert isinstance(found, types.CompletionList)
        return {item.label for item in found.items}

    assert {"=", "><", ">>", "<<"} <= await labels("NEWFIELD ", 9)
    assert {"label", "key", "source_filter", "none"} <= await labels("    NEWFIELD", 4)
    via = text.index("via CardTenderType") + 4
    found = await client.text_document_completion_async(
        types.CompletionParams(
            types.TextDocumentIdentifier(uri), _position(text, "via CardTenderType", 4)
        )
    )
    assert isinstance(found, types.CompletionList)
    assert {"CardTenderType", "NoYes", "unpublished"} <= {i.label for i in found.items}
    assert via > 0


async def test_formatting_and_quick_fixes(client: LanguageClient, project: Path) -> None:
    path = project / CARD
    rough = path.read_text().replace("    CARDNUMBER                 =  ", "  CARDNUMBER = ")
    rough = rough.replace("via CardTenderType", "via CardTendrType")
    uri = _open(client, path, rough)
    (diagnostic,) = await _diagnostics(client, uri)
    (edit,) = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            types.TextDocumentIdentifier(uri), types.FormattingOptions(4, True)
        )
    )
    assert "    CARDNUMBER                 =  msdyn_cardnumber" in edit.new_text
    (action,) = await client.text_document_code_action_async(
        types.CodeActionParams(
            types.TextDocumentIdentifier(uri),
            diagnostic.range,
            types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert isinstance(action, types.CodeAction) and action.edit is not None
    assert action.edit.changes is not None
    (fix,) = action.edit.changes[uri]
    assert fix.new_text == "CardTenderType" and fix.range == diagnostic.range


async def test_with_snapshots_the_server_checks_hovers_and_completes_from_them(
    client: LanguageClient, project: Path
) -> None:
    shutil.copytree(REPO / "schemas", project / "schemas")
    (project / "pyproject.toml").write_text(
        '[tool.mappingc]\nmappings = "mappings"\nschemas = "schemas"\n'
    )
    path = project / "mappings/finance/currencies.dwmap"
    text = path.read_text().replace("isocurrencycode : string(5)", "isocurrencycode : string(3)")
    uri = _open(client, path, text)
    (found,) = await _diagnostics(client, uri)
    assert found.code == "E612" and "is string(5)" in found.message
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri), _position(text, "    CURRENCYCODE", 4))
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert (
        "Dataverse `transactioncurrency.isocurrencycode`: string, up to 5 characters, required. "
        "ISO currency code for the transaction currency." in hover.contents.value
    )
    completed = await client.text_document_completion_async(
        types.CompletionParams(
            types.TextDocumentIdentifier(uri), _position(text, "CURRENCYCODE =  ", 16)
        )
    )
    assert isinstance(completed, types.CompletionList)
    labels = {item.label for item in completed.items}
    assert {"isocurrencycode", "currencyprecision", "exchangerate"} <= labels
