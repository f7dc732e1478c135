"""Drafts of published tables → canonical DSL files, one per template.

Nothing is guessed: fields are text unless a value map makes them an enum; keys, lookups and
types are left for a person to add. A row that the DSL cannot express is never dropped: it is
written as a comment and reported (W501) with the Markdown file and line. The output is checked
by the compiler's own front end, so every file written compiles. A template published more than
once with the same rows is one template; publications that differ become versions.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mappingc import ir
from mappingc import naming as names
from mappingc.diagnostics import Code, Diagnostic, Severity, render
from mappingc.emit.environment import dsl_string
from mappingc.frontend import analyse, parser
from mappingc.frontend import syntax as ast
from mappingc.frontend.parser import parse_filter
from mappingc.interchange.dsl_writer import (
    Row,
    TemplateView,
    ValueMapView,
    dsl_name,
    dsl_value,
    mark_mapped_twice,
    render_template,
)
from mappingc.interchange.published import (
    UNSTATED_TABLE,
    Draft,
    Entry,
    Layout,
    Reader,
    RowDraft,
    read_drafts,
)


@dataclass(frozen=True)
class Known:
    """What the project's schema snapshots know that a published table does not say."""

    # An FO entity's name from its label (`"Loyalty card"` → `LoyaltyCard`); None if unknown.
    entity_name: Callable[[str], str | None] = lambda label: None
    # A Dataverse table's alternate keys, each a tuple of columns; () if none or unknown.
    alternate_keys: Callable[[str], tuple[tuple[str, ...], ...]] = lambda table: ()


# Longest value map written inline on its row; longer ones get a named `valuemap` block.
_INLINE_ENTRIES = 4
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DSL_WORDS = {"none", "blank", "true", "false", "via", "default"}


@dataclass(frozen=True)
class ImportedTemplate:
    name: str
    file_name: str
    text: str
    origins: tuple[str, ...]  # `path:line` of every publication it was read from


@dataclass
class ImportResult:
    templates: list[ImportedTemplate] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # Markdown path → text

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def render_diagnostics(self) -> str:
        return "\n".join(render(d, self.sources.get(d.path)) for d in self.diagnostics)


# ---------------------------------------------------------------- writing DSL
def _origin(draft: Draft) -> str:
    return f"{draft.path}:{draft.line} ({draft.layout.name.lower()})"


def _value_text(entry: Entry, kind: str) -> str:
    if entry.value is None:
        return "blank"
    return dsl_value(entry.value, kind)


def _value_kind(entries: list[Entry]) -> str:
    values = [e.value for e in entries if e.value is not None]
    if values and all(v.lower() in {"true", "false"} for v in values):
        return "bool"
    if values and all(re.fullmatch(r"-?[0-9]+", v) for v in values):
        return "int"
    return "str"


def _symbol(text: str) -> str:
    return text if _NAME.fullmatch(text) and text.lower() not in _DSL_WORDS else dsl_name(text)


def _row_view(row: RowDraft, template: str, value_maps: list[ValueMapView], path: str) -> Row:
    if row.problem is not None:
        return Row(
            fo=row.fo or "(blank)",
            map_type=row.map_type or "(empty)",
            dataverse=row.dataverse or "(blank)",
            comments=[f"mappingc import-docs: {path}:{row.line}: {row.problem}"],
            disabled=True,
        )
    rest = ""
    if row.entries:
        kind = _value_kind(row.entries)
        entries = [(_symbol(e.symbol), _value_text(e, kind)) for e in row.entries]
        inline = "{ " + ", ".join(f"{s}: {v}" for s, v in entries) + " }"
        if len(entries) <= _INLINE_ENTRIES and len(inline) <= 60:
            rest += f" via {inline}"
        else:
            name = names.pascal(f"{template}_{row.fo}")
            value_maps.append(ValueMapView(name, entries))
            rest += f" via {name}"
    elif ir.MapType(row.map_type).transforms and row.default is None:
        rest += " via unpublished"  # the table shows the transform, not its value map
    if row.default is not None:
        symbols = {e.symbol for e in row.entries}
        written = _symbol(row.default) if row.default in symbols else dsl_value(row.default, "str")
        rest += f" default {written}"
    return Row(
        fo=row.fo, map_type=row.map_type, dataverse=row.dataverse, rest=rest, comments=row.notes
    )


def _include_entity(draft: Draft) -> str | None:
    """`LoyaltyCard` of `includes/LoyaltyCard-msdyn-loyaltycards.md`: include files are named
    `<FO entity>-<Dataverse table>`."""
    stem = Path(draft.path).stem
    entity, _, table = stem.partition("-")
    wanted = (draft.table or "").replace("_", "-").casefold()
    if _NAME.fullmatch(entity) and table.casefold() == wanted:
        return entity
    return None


def _fo_entity(draft: Draft, related: list[Draft], known: Known) -> tuple[str, str]:
    """The FO entity of a template whose published heading gives only its label, by name where
    the schema snapshots or an include file's name say it; with a comment saying which."""
    if draft.layout is Layout.LEGACY:  # an old page's heading names the entity itself
        return draft.fo_entity, ""
    if named := known.entity_name(draft.label):
        return (
            named,
            f"mappingc import-docs: the schema snapshot of `{named}` is labelled "
            f"{dsl_string(draft.label)}",
        )
    for other in related:
        if other.layout is Layout.INCLUDE and (named := _include_entity(other)):
            return named, f"mappingc import-docs: named as in the include file {other.path}"
    return draft.fo_entity, ""


def _view(
    draft: Draft, name: str, origins: list[Draft], related: list[Draft], known: Known
) -> tuple[TemplateView, list[ValueMapView]]:
    fo_entity, entity_note = _fo_entity(draft, related, known)
    view = TemplateView(
        name=name,
        label=draft.label,
        fo_entity=fo_entity,
        dataverse_table=draft.table or UNSTATED_TABLE,
        ref=draft.ref,
        description=draft.description,
        source_filter=draft.source_filter,
        reversed_filter=draft.reversed_filter,
        origins=[_origin(d) for d in origins],
    )
    published_in = f" ({draft.language} page; label as published there)" if draft.language else ""
    view.comment = [
        f"{draft.label}: imported by `mappingc import-docs` from{published_in}",
        *(f"  {_origin(d)}" for d in origins),
        "The published table states no field types: fields are text unless a value map makes",
        "them an enum. Keys, lookup targets and types are yours to add.",
    ]
    if entity_note:
        view.property_comments["finance_operations"] = [entity_note]
    if draft.table is None:
        view.property_comments["dataverse"] = [
            f"mappingc import-docs: {draft.path}:{draft.line} names no Dataverse table: "
            f"replace `{UNSTATED_TABLE}`"
        ]
    view.property_comments.update(draft.filter_notes)
    value_maps: list[ValueMapView] = []
    view.rows = [_row_view(row, name, value_maps, draft.path) for row in draft.rows]
    view.unmapped = _unmapped_filter_fields(draft)
    if draft.table is not None:
        _key_from_snapshot(view, known.alternate_keys(draft.table))
    return view, value_maps


def _key_from_snapshot(view: TemplateView, alternate_keys: tuple[tuple[str, ...], ...]) -> None:
    """Dual-write matches rows by the table's alternate key when a template states none; where
    the snapshot lists exactly one whose columns the rows map, the template states it."""
    rows = [r for r in view.rows if not r.disabled]
    both_ways = any(ir.MapType(r.map_type).to_dataverse for r in rows) and any(
        ir.MapType(r.map_type).to_finance_operations for r in rows
    )

    def path(column: str) -> str | None:
        # A lookup column of the key is mapped through its related row (`msdyn_company.x`).
        for row in rows:
            if row.dataverse == column or row.dataverse.split(".")[0] == column:
                if both_ways and not ir.MapType(row.map_type).bidirectional:
                    return None
                return row.dataverse
        return None

    fitting: list[tuple[tuple[str, ...], list[str]]] = []
    for key in alternate_keys:
        found = [path(column) for column in key]
        mapped = [p for p in found if p is not None]
        if len(mapped) == len(found):
            fitting.append((key, mapped))
    if len(fitting) == 1:
        ((key, mapped),) = fitting
        view.keys = mapped
        view.property_comments["key"] = [
            f"mappingc import-docs: the alternate key ({', '.join(key)}) the schema snapshot "
            f"lists for `{view.dataverse_table}`"
        ]
    elif fitting:
        listed = "; ".join(", ".join(key) for key, _ in fitting)
        view.property_comments["key"] = [
            f"mappingc import-docs: `{view.dataverse_table}` has {len(fitting)} alternate keys the "
            f"rows map ({listed}): state the one dual-write uses"
        ]


def _unmapped_filter_fields(draft: Draft) -> list[tuple[str, str]]:
    """Fields the filters read that no row maps: dual-write filters on any column of the table,
    so the template declares them (`unmapped dataverse msdyn_sellable`)."""
    rows = [r for r in draft.rows if r.problem is None]
    fo_fields = {r.fo.lower() for r in rows}
    dv_columns = {r.dataverse.split(".")[0] for r in rows}
    found: list[tuple[str, str]] = []
    for side, text, dialect in (
        ("finance_operations", draft.source_filter, "finance_operations"),
        ("dataverse", draft.reversed_filter, "odata"),
    ):
        if text is None:
            continue
        for name in _filter_field_names(parse_filter(text, dialect)):
            known = (
                name.lower() in fo_fields if side == "finance_operations" else name in dv_columns
            )
            if not known and (side, name) not in found:
                found.append((side, name))
                if side == "finance_operations":
                    fo_fields.add(name.lower())
    return found


def _filter_field_names(expr: ast.Expr) -> list[str]:
    if isinstance(expr, ast.BoolOp):
        return [name for operand in expr.operands for name in _filter_field_names(operand)]
    if isinstance(expr, ast.Not):
        return _filter_field_names(expr.operand)
    return [expr.field.text]


def _disable_failing_rows(
    view: TemplateView,
    value_maps: list[ValueMapView],
    draft: Draft,
    reader: Reader,
) -> str:
    """Render, compile, and turn each row the compiler rejects into a reported comment."""
    for _ in range(len(view.rows) + 1):
        mark_mapped_twice(view, "as published")
        text = render_template(view, value_maps)
        _, diagnostics = analyse([(view.name, text)])
        errors = [d for d in diagnostics if d.is_error]
        if not errors:
            return text
        if view.keys and any(e.code is Code.KEY_FIELD for e in errors):
            # The snapshot's key does not fit the rows as they compile: state no key.
            reason = next(e for e in errors if e.code is Code.KEY_FIELD).message
            view.property_comments["key"] = [
                f"mappingc import-docs: the snapshot's alternate key ({', '.join(view.keys)}) "
                f"is not stated: {reason}"
            ]
            view.keys = []
            continue
        lines = text.splitlines()
        row_lines = _row_lines(text, view)
        failing: dict[int, Diagnostic] = {}
        for error in errors:
            index = row_lines.get(error.span.line)
            if index is None:
                index = _row_of_value_map(lines, error.span.line, view)
            if index is None:
                raise AssertionError(
                    f"import of {draft.path}:{draft.line} does not compile: {error}"
                )
            failing.setdefault(index, error)
        for index, error in failing.items():
            row, source = view.rows[index], draft.rows[index]
            reason = f"{error.message} [{error.code.value}]"
            reader.report(source.line, Code.ROW_NOT_IMPORTED, f"row kept as a comment: {reason}")
            row.comments.append(f"mappingc import-docs: {draft.path}:{source.line}: {reason}")
            row.disabled = True
            used = re.search(r" via ([A-Za-z0-9_]+)", row.rest)
            if used:
                value_maps[:] = [v for v in value_maps if v.name != used.group(1)]
    raise AssertionError(f"import of {draft.path}:{draft.line} does not converge")


def _row_lines(text: str, view: TemplateView) -> dict[int, int]:
    """DSL line number → index of the view's row written on it (commented rows are not rows)."""
    source, _ = parser.parse(view.name, text)
    written = [row for template in source.templates for row in template.rows]
    enabled = [index for index, row in enumerate(view.rows) if not row.disabled]
    return {row.span.line: index for row, index in zip(written, enabled, strict=False)}


def _row_of_value_map(lines: list[str], line: int, view: TemplateView) -> int | None:
    """The row that uses the named value map whose block holds `line`."""
    for number in range(line, 0, -1):
        if match := re.match(r"valuemap ([A-Za-z0-9_]+) \{", lines[number - 1]):
            for index, row in enumerate(view.rows):
                if re.search(rf" via {match.group(1)}\b", row.rest):
                    return index
            return None
    return None


# ---------------------------------------------------------------- the whole import
def base_name(draft: Draft) -> str:
    """The pair: a localized page's template is named as the English page's (by the English
    label its heading's anchor keeps)."""
    return names.pair_name(draft.name_label or draft.label, draft.table or UNSTATED_TABLE)


def import_documents(documents: Iterable[tuple[str, str]], known: Known = Known()) -> ImportResult:
    """Import (path, Markdown) pairs. Templates that are published more than once with the same
    rows become one template; differing publications become versions named after their layout.
    An FO entity the tables give by label is written by name where `known` or an include file's
    name knows it; a table's single alternate key that `known` lists becomes the template's key.
    """
    result = ImportResult()
    readers: dict[str, Reader] = {}
    groups: dict[str, list[Draft]] = {}
    for path, text in documents:
        if path in result.sources:
            continue  # the same file twice imports once
        result.sources[path] = text
        drafts, readers[path] = read_drafts(path, text)
        for draft in drafts:
            if draft.refused:  # an error says why it is not written
                continue
            # `LoyaltyCard` (old pages) and `Loyalty card` are one template, published twice.
            groups.setdefault(base_name(draft), []).append(draft)

    for drafts in groups.values():
        versions: dict[tuple[object, ...], list[Draft]] = {}
        for draft in sorted(drafts, key=lambda d: (d.layout, d.path, d.line)):
            versions.setdefault(draft.content(), []).append(draft)
        taken: set[str] = set()
        for number, same in enumerate(versions.values()):
            main = same[0]
            base = base_name(main)
            name = base if number == 0 else f"{base}__{main.layout.name.lower()}"
            suffix = 2
            while name in taken:
                name, suffix = f"{base}__{main.layout.name.lower()}{suffix}", suffix + 1
            taken.add(name)
            view, value_maps = _view(main, name, same, drafts, known)
            if number > 0:
                view.comment.insert(
                    1, f"This {main.layout.name.lower()} version differs from `{base}`."
                )
            text = _disable_failing_rows(view, value_maps, main, readers[main.path])
            result.templates.append(
                ImportedTemplate(
                    name=name,
                    file_name=f"{name}.dwmap",
                    text=text,
                    origins=tuple(_origin(d) for d in same),
                )
            )
    result.templates.sort(key=lambda t: t.name)
    result.diagnostics = sorted(
        (d for reader in readers.values() for d in reader.diagnostics), key=Diagnostic.sort_key
    )
    return result


def shown_paths(paths: Iterable[Path]) -> dict[Path, str]:
    """Each input named relative to the folder that holds them all, so that imported templates
    name their origin the same way on every machine (`includes/LoyaltyCard-….md`)."""
    resolved = {path: path.resolve() for path in paths}
    if not resolved:
        return {}
    root = Path(os.path.commonpath([p.parent for p in resolved.values()]))
    return {path: full.relative_to(root).as_posix() for path, full in resolved.items()}


def import_files(paths: Iterable[Path], known: Known = Known()) -> ImportResult:
    """Read and import files; an unreadable file is an error (E300)."""
    paths = list(paths)
    shown = shown_paths(paths)
    documents: list[tuple[str, str]] = []
    unreadable: list[Diagnostic] = []
    for path in paths:
        try:
            documents.append((shown[path], path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as error:
            reason = "it is not UTF-8 text" if isinstance(error, UnicodeDecodeError) else str(error)
            unreadable.append(
                Diagnostic(
                    shown[path],
                    ast.Span(1, 1, 1, 2),
                    Severity.ERROR,
                    Code.FILE,
                    f"cannot read: {reason}",
                )
            )
    result = import_documents(documents, known)
    # Origins in the templates name inputs the same way on every machine; diagnostics name
    # them as the user gave them, so that an editor or terminal can open them.
    given = {shown[path]: path.as_posix() for path in paths}
    result.diagnostics = sorted(
        (
            dataclasses.replace(d, path=given.get(d.path, d.path))
            for d in [*unreadable, *result.diagnostics]
        ),
        key=Diagnostic.sort_key,
    )
    result.sources = {given.get(name, name): text for name, text in result.sources.items()}
    return result
