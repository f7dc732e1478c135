"""`mappingc lsp`: the language server (pygls over stdio).

Diagnostics on open and on every change, the same as `mappingc build` reports them; hover,
go to definition, completion, formatting (`mappingc fmt`) and quick fixes for "did you mean"
hints. LSP counts lines from 0 and columns in UTF-16 code units; mappingc counts both from 1
and columns in characters: the conversions are here and nowhere else.
"""

from __future__ import annotations

import gc
from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from mappingc.authoring import navigation
from mappingc.authoring.project import Analysis, Project
from mappingc.diagnostics import Diagnostic, Severity, Span
from mappingc.frontend.formatter import format_text


class MappingcServer(LanguageServer):
    """The server and what one editor session keeps: its projects (a mappings folder each, or
    a lone document) and what was last published for each document."""

    def __init__(self) -> None:
        super().__init__("mappingc", "1")
        self.projects: dict[Path, Project] = {}
        # What the editor shows: document URI → the diagnostics last published for it.
        self.published: dict[str, list[types.Diagnostic]] = {}

    def project(self, path: Path) -> Project:
        """The project `path` belongs to, found once and kept for the session."""
        for project in self.projects.values():
            if project.holds(path):
                return project
        project = Project.for_document(path)
        self.projects[project.lone or project.root] = project
        return project

    def refresh(self, project: Project, edited: Path | None = None) -> Analysis:
        """Analyse the project and publish the diagnostics of every file whose diagnostics
        changed (an empty list clears them), and of the document just opened or changed."""
        analysis = project.analyse()
        current = {_uri(project.path(name)): name for name in analysis.diagnostics}
        for uri in sorted(set(self.published) - set(current)):
            if project.holds(_path(uri)):  # a file gone from the project: clear what it showed
                del self.published[uri]
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
                )
        for uri, name in sorted(current.items()):
            lines = _lines(project, name)
            found = [_diagnostic(lines, d) for d in analysis.diagnostics[name]]
            if self.published.get(uri, []) == found and project.path(name) != edited:
                continue
            self.published[uri] = found
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=found)
            )
        return analysis

    def analysis(self, uri: str) -> tuple[Project, Analysis, str]:
        """The document's project, its last analysis, and the document's source name."""
        path = _path(uri)
        project = self.project(path)
        analysis = project.last or project.analyse()
        return project, analysis, project.name(path)


SERVER = MappingcServer()


def _path(uri: str) -> Path:
    found = to_fs_path(uri)
    if found is None:
        raise ValueError(f"not a file: {uri}")
    return Path(found).resolve()


def _uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def _lines(project: Project, name: str) -> list[str]:
    path = project.path(name)
    text = project.open.get(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except OSError:
            text = ""
    return text.split("\n")


def _utf16(line: str, column: int) -> int:
    """A 1-based character column → a 0-based UTF-16 offset."""
    return len(line[: column - 1].encode("utf-16-le")) // 2


def _column(line: str, character: int) -> int:
    """A 0-based UTF-16 offset → a 1-based character column."""
    units = 0
    for index, char in enumerate(line):
        if units >= character:
            return index + 1
        units += 2 if ord(char) > 0xFFFF else 1
    return len(line) + 1


def _range(lines: list[str], span: Span) -> types.Range:
    def position(line: int, column: int) -> types.Position:
        text = lines[line - 1] if 0 < line <= len(lines) else ""
        return types.Position(line=max(line - 1, 0), character=_utf16(text, column))

    return types.Range(position(span.line, span.column), position(span.end_line, span.end_column))


def _where(project: Project, name: str, position: types.Position) -> tuple[int, int]:
    lines = _lines(project, name)
    text = lines[position.line] if position.line < len(lines) else ""
    return position.line + 1, _column(text, position.character)


# A note (what was not checked) is a hint: shown faintly, not in the problems count.
_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.NOTE: types.DiagnosticSeverity.Hint,
}


def _diagnostic(lines: list[str], d: Diagnostic) -> types.Diagnostic:
    message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    fix = navigation.quick_fix(d)
    return types.Diagnostic(
        range=_range(lines, d.span),
        message=message,
        severity=_SEVERITIES[d.severity],
        code=d.code.value,
        source="mappingc",
        data={"replacement": fix} if fix is not None else None,
    )


@SERVER.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(params: types.DidOpenTextDocumentParams) -> None:
    path = _path(params.text_document.uri)
    project = SERVER.project(path)
    project.open[path] = params.text_document.text
    SERVER.refresh(project, edited=path)


@SERVER.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(params: types.DidChangeTextDocumentParams) -> None:
    path = _path(params.text_document.uri)
    project = SERVER.project(path)
    document = SERVER.workspace.get_text_document(params.text_document.uri)
    project.open[path] = document.source
    SERVER.refresh(project, edited=path)


@SERVER.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(params: types.DidSaveTextDocumentParams) -> None:
    SERVER.refresh(SERVER.project(_path(params.text_document.uri)))


@SERVER.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(params: types.DidCloseTextDocumentParams) -> None:
    path = _path(params.text_document.uri)
    project = SERVER.project(path)
    project.open.pop(path, None)  # the file on disk stands for it again
    SERVER.refresh(project)


@SERVER.feature(types.TEXT_DOCUMENT_HOVER)
def hover(params: types.HoverParams) -> types.Hover | None:
    project, analysis, name = SERVER.analysis(params.text_document.uri)
    line, column = _where(project, name, params.position)
    found = navigation.hover(analysis, name, line, column)
    if found is None:
        return None
    text, span = found
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
        range=_range(_lines(project, name), span),
    )


@SERVER.feature(types.TEXT_DOCUMENT_DEFINITION)
def definition(params: types.DefinitionParams) -> list[types.Location]:
    project, analysis, name = SERVER.analysis(params.text_document.uri)
    line, column = _where(project, name, params.position)
    return [
        types.Location(
            uri=_uri(project.path(place.name)),
            range=_range(_lines(project, place.name), place.span),
        )
        for place in navigation.definition(analysis, name, line, column)
    ]


_KINDS = {
    "keyword": types.CompletionItemKind.Keyword,
    "operator": types.CompletionItemKind.Operator,
    "value map": types.CompletionItemKind.Enum,
    "template": types.CompletionItemKind.Module,
    "type": types.CompletionItemKind.TypeParameter,
    "symbol": types.CompletionItemKind.EnumMember,
    "table": types.CompletionItemKind.Class,
    "field": types.CompletionItemKind.Field,
}


@SERVER.feature(
    types.TEXT_DOCUMENT_COMPLETION,
    types.CompletionOptions(trigger_characters=[" ", ",", ":"]),
)
def completion(params: types.CompletionParams) -> types.CompletionList:
    project, analysis, name = SERVER.analysis(params.text_document.uri)
    document = SERVER.workspace.get_text_document(params.text_document.uri)
    line, column = _where(project, name, params.position)
    items = [
        types.CompletionItem(label=s.label, kind=_KINDS[s.kind], detail=s.detail or s.kind)
        for s in navigation.completions(analysis, name, document.source, line, column)
    ]
    return types.CompletionList(is_incomplete=False, items=items)


@SERVER.feature(types.TEXT_DOCUMENT_FORMATTING)
def formatting(params: types.DocumentFormattingParams) -> list[types.TextEdit]:
    document = SERVER.workspace.get_text_document(params.text_document.uri)
    formatted, _ = format_text(params.text_document.uri, document.source)
    if formatted is None or formatted == document.source:
        return []  # a file that does not parse is not formatted; its diagnostics say why
    lines = document.source.split("\n")
    end = types.Position(line=len(lines) - 1, character=_utf16(lines[-1], len(lines[-1]) + 1))
    whole = types.Range(start=types.Position(line=0, character=0), end=end)
    return [types.TextEdit(range=whole, new_text=formatted)]


@SERVER.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
)
def code_action(params: types.CodeActionParams) -> list[types.CodeAction]:
    actions = []
    for diagnostic in params.context.diagnostics:
        data = diagnostic.data if isinstance(diagnostic.data, dict) else {}
        replacement = data.get("replacement")
        if not isinstance(replacement, str):
            continue
        edit = types.TextEdit(range=diagnostic.range, new_text=replacement)
        actions.append(
            types.CodeAction(
                title=f"Replace with `{replacement}`",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                is_preferred=True,
                edit=types.WorkspaceEdit(changes={params.text_document.uri: [edit]}),
            )
        )
    return actions


def serve() -> None:
    """Serve one editor over standard input and output until it exits."""
    # A session keeps what it parsed between changes: rescanning it at Python's default
    # thresholds would cost more than the analysis (the CLI does the same for one build).
    gc.set_threshold(200_000, 30, 30)
    SERVER.start_io()
