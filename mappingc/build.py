"""A whole build: mapping files → diagnostics and the complete output tree, in memory.

The front end (mappingc.frontend) makes the checked catalog; the emitters (mappingc.emit) make
every output file of it.

Nothing here writes; mappingc.output puts a finished tree on disk atomically, or compares it.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mappingc import ir
from mappingc.contract.manifest import FILE_NAME as MANIFEST
from mappingc.contract.manifest import Manifest
from mappingc.diagnostics import Code, Diagnostic, Severity, Span, render
from mappingc.frontend import analyse
from mappingc.frontend.suppressions import PathIgnores
from mappingc.naming import module_name
from mappingc.output import MARKER, MARKER_TEXT
from mappingc.schemas.index import Schemas
from mappingc.schemas.index import load as load_schemas
from mappingc.sources import read_sources

# The emitters (black, Jinja2, Babel) are imported once the front end found no error: an error
# is printed without loading them (a fraction of a second a build, which is most of one).
if TYPE_CHECKING:
    from mappingc.cache import Cache
    from mappingc.i18n import LocaleCatalog

MODULE_DIR = "sync"
DOC_DIR = "docs"


@dataclass
class BuildResult:
    files: dict[str, str] = field(default_factory=dict)  # output path (posix, relative) → text
    diagnostics: list[Diagnostic] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)  # source path → text, for rendering
    template_count: int = 0
    catalog: ir.Catalog | None = None  # set when the build succeeded

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def ok(self) -> bool:
        return not self.errors

    def render_diagnostics(self) -> str:
        return "\n".join(render(d, self.sources.get(d.path)) for d in self.diagnostics)


def compile_sources(
    sources: Iterable[tuple[str, str]],
    catalogs: Iterable[LocaleCatalog] | Path | None = (),
    cache: Cache | None = None,
    ignores: PathIgnores | None = None,
    schemas: Schemas | None = None,
    emit: bool = True,
) -> BuildResult:
    """Compile DSL texts. Output files are produced only when there is no error at all, and
    only when asked (`emit`): a command that needs the checked catalog alone stops before.

    The published reference is written in English and in every locale of `catalogs` (or of the
    catalogs in that locales folder, read only when there is something to publish).
    """
    result = BuildResult()
    sources = list(sources)
    result.sources.update(sources)
    catalog, result.diagnostics = analyse(sources, ignores, schemas=schemas)
    result.template_count = len(catalog.templates)
    if not emit:
        result.catalog = catalog
    if not result.ok or not emit:
        return result
    from mappingc.emit.docs import emit_index, emit_template_doc
    from mappingc.emit.formatter_pool import ModuleFormatter
    from mappingc.emit.module import render_module
    from mappingc.emit.reference import emit_localized_docs
    from mappingc.i18n import load_catalogs, published_locales

    if catalogs is None or isinstance(catalogs, Path):
        catalogs = load_catalogs(catalogs)

    entries: list[dict[str, object]] = []
    doc_links: dict[str, str] = {}
    # Modules are formatted in worker processes while the docs are rendered here.
    stems = {template.name: module_name(template.name) for template in catalog.templates}
    with ModuleFormatter(cache, expected=len(catalog.templates)) as formatter:
        for template in catalog.templates:
            module_path = f"{MODULE_DIR}/{stems[template.name]}.py"
            formatter.submit(module_path, render_module(template, catalog))
        for template in catalog.templates:
            stem = stems[template.name]
            doc_path = f"{DOC_DIR}/{stem}.md"
            result.files[doc_path] = emit_template_doc(template, catalog)
            doc_links[template.name] = f"{stem}.md"
            entries.append(
                {
                    "name": template.name,
                    "label": template.label,
                    "fo_entity": template.finance_operations_entity,
                    "dataverse_table": template.dataverse_table,
                    "ref": template.ref,
                    "source": template.source,
                    "module": f"{MODULE_DIR}/{stem}.py",
                    "doc": doc_path,
                }
            )
        index = emit_index(catalog, doc_links)
        localized = emit_localized_docs(catalog, published_locales(catalogs))
        result.files.update(formatter.results())
    for entry in entries:  # the sync loads a module only if it is still what was written
        module_text = result.files[str(entry["module"])]
        entry["module_sha256"] = hashlib.sha256(module_text.encode("utf-8")).hexdigest()
    manifest = Manifest.model_validate({"templates": entries})
    result.files[f"{DOC_DIR}/index.md"] = index
    result.files.update(localized)
    result.catalog = catalog
    result.files[MANIFEST] = manifest.text()
    result.files[MARKER] = MARKER_TEXT  # the folder is mappingc's: the next build may replace it
    return result


def openable(folder: Path, source_name: str) -> str:
    """Where the user can open a source file (`<folder name>/<path inside it>`): relative to the
    working directory if inside it."""
    path = folder.resolve() / source_name.split("/", 1)[1]
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def compile_directory(
    mappings_dir: Path,
    locales_dir: Path | None = None,
    cache: Cache | None = None,
    ignores: PathIgnores | None = None,
    schemas_dir: Path | None = None,
    emit: bool = True,
) -> BuildResult:
    sources, problems = read_sources(mappings_dir)
    schemas, unreadable = load_schemas(schemas_dir) if schemas_dir is not None else (None, [])
    result = compile_sources(sources, locales_dir, cache, ignores, schemas, emit)
    if problems:
        result.diagnostics = sorted([*problems, *result.diagnostics], key=Diagnostic.sort_key)
        result.files = {}
    # Generated files name sources the stable way; people get a path they can open.
    result.diagnostics = [
        dataclasses.replace(d, path=openable(mappings_dir, d.path)) for d in result.diagnostics
    ]
    if unreadable:  # a snapshot that cannot be read: the checks would be incomplete
        assert schemas_dir is not None
        result.diagnostics = [
            *(
                Diagnostic(
                    openable(schemas_dir, p.path),
                    Span(1, 1, 1, 1),
                    Severity.ERROR,
                    Code.SCHEMA_FILE,
                    p.message,
                    "import the metadata again with `mappingc import-schema`",
                )
                for p in unreadable
            ),
            *result.diagnostics,
        ]
        result.files = {}
    result.sources = {openable(mappings_dir, k): v for k, v in result.sources.items()}
    return result
