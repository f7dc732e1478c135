"""A project as an editor sees it: the `.dwmap` files of one mappings folder, with the documents
open in the editor standing in for their files on disk, analysed as `mappingc build` analyses
them (the same diagnostics), again after every change.

Unchanged files are neither parsed nor lowered again (mappingc.frontend.Caches); a document
outside any mappings folder is a project of its own.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from mappingc import config as config_module
from mappingc import ir
from mappingc.diagnostics import Diagnostic, Severity
from mappingc.frontend import Caches, analyse, parser, syntax
from mappingc.schemas.index import Schemas
from mappingc.schemas.index import load as load_schemas
from mappingc.sources import discover


@dataclass
class Analysis:
    catalog: ir.Catalog
    diagnostics: dict[str, list[Diagnostic]]  # by source name; every file, empty lists too
    trees: dict[str, syntax.SourceFile]  # by source name, as far as each parsed
    # The last tree that parsed whole, of each file that does not parse now: what it declared
    # is still offered for completion while the author is halfway through a line.
    remembered: dict[str, syntax.SourceFile] = field(default_factory=dict)
    schemas: Schemas | None = None  # the project's schema snapshots, when it has any

    def value_map_names(self) -> list[str]:
        """The value maps a row can name: the catalog's, and those of remembered files."""
        named = {n for n, m in self.catalog.value_maps.items() if not m.inline}
        named.update(d.name.text for t in self.remembered.values() for d in t.value_maps)
        return sorted(named)

    def template_names(self) -> list[str]:
        named = {t.name for t in self.catalog.templates}
        named.update(d.name.text for t in self.remembered.values() for d in t.templates)
        return sorted(named)


@dataclass
class Project:
    root: Path  # the mappings folder (or the folder of a lone document)
    ignores: dict[str, list[str]] = field(default_factory=dict)
    schemas_dir: Path | None = None
    lone: Path | None = None  # the one document of a project outside any mappings folder
    open: dict[Path, str] = field(default_factory=dict)  # document path → its text in the editor
    _parsed: dict[tuple[str, str], tuple[syntax.SourceFile, list[Diagnostic]]] = field(
        default_factory=dict
    )
    _caches: Caches = field(default_factory=Caches)
    _disk: dict[Path, tuple[tuple[int, int], str]] = field(default_factory=dict)
    _whole: dict[str, syntax.SourceFile] = field(default_factory=dict)  # last tree that parsed
    _schemas: tuple[tuple[tuple[str, int, int], ...], Schemas | None] = ((), None)
    last: Analysis | None = None

    @classmethod
    def for_document(cls, path: Path) -> Project:
        """The project a document belongs to: the mappings folder of the nearest pyproject.toml
        when the document is in it, else the document alone."""
        try:
            settings = config_module.load(path.parent)
        except config_module.ConfigError:
            settings = None
        if settings is not None and path.resolve().is_relative_to(settings.mappings.resolve()):
            return cls(settings.mappings.resolve(), settings.ignores, settings.schemas)
        return cls(path.parent.resolve(), lone=path.resolve())

    def holds(self, path: Path) -> bool:
        path = path.resolve()
        return path == self.lone if self.lone is not None else path.is_relative_to(self.root)

    def name(self, path: Path) -> str:
        """The source name diagnostics use for `path` (`<folder>/<path inside it>`); `path` is
        absolute and resolved, as discovery and the server give it."""
        return f"{self.root.name}/{path.relative_to(self.root).as_posix()}"

    def path(self, name: str) -> Path:
        return self.root / name.split("/", 1)[1]

    def _sources(self) -> list[tuple[str, str]]:
        paths = [self.lone] if self.lone is not None else discover(self.root)
        found: dict[Path, str] = {}
        for path in paths:
            if path is None:
                continue
            text = self._saved(path)
            if text is not None:
                found[path] = text
        found.update((p, t) for p, t in self.open.items() if self.holds(p))
        return [(self.name(p), t) for p, t in sorted(found.items())]

    def _saved(self, path: Path) -> str | None:
        """A file's text on disk, read again only when its size or modification time moved."""
        try:
            status = path.stat()
            stamp = (status.st_mtime_ns, status.st_size)
            known = self._disk.get(path)
            if known is None or known[0] != stamp:
                known = (stamp, path.read_text(encoding="utf-8-sig"))
                self._disk[path] = known
            return known[1]
        except (OSError, UnicodeDecodeError):
            self._disk.pop(path, None)
            return None  # `mappingc build` reports it (E300); the editor shows what it can

    def _parse(self, name: str, text: str) -> tuple[syntax.SourceFile, list[Diagnostic]]:
        key = (name, text)
        if key not in self._parsed:
            self._parsed[key] = parser.parse(name, text)
        return self._parsed[key]

    def _remember_saved(self, name: str) -> None:
        try:
            text = self.path(name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return
        tree, errors = parser.parse(name, text)
        if not any(e.severity is Severity.ERROR for e in errors):
            self._whole[name] = tree

    def _snapshots(self) -> Schemas | None:
        """The schema snapshots, read again only when a file of them changed."""
        folder = self.schemas_dir
        if folder is None or not folder.is_dir():
            return None
        stamps = []
        for path in sorted(folder.rglob("*.json")):
            with contextlib.suppress(OSError):
                status = path.stat()
                stamps.append((str(path), status.st_mtime_ns, status.st_size))
        if tuple(stamps) != self._schemas[0]:
            schemas, _ = load_schemas(folder)  # `mappingc build` reports unreadable ones
            self._schemas = (tuple(stamps), schemas or None)
        return self._schemas[1]

    def analyse(self) -> Analysis:
        sources = self._sources()
        live = {(name, text) for name, text in sources}
        self._parsed = {k: v for k, v in self._parsed.items() if k in live}
        schemas = self._snapshots()
        catalog, diagnostics = analyse(
            sources, self.ignores, self._parse, self._caches, schemas=schemas
        )
        by_file: dict[str, list[Diagnostic]] = {name: [] for name, _ in sources}
        for diagnostic in diagnostics:
            by_file.setdefault(diagnostic.path, []).append(diagnostic)
        trees: dict[str, syntax.SourceFile] = {}
        remembered: dict[str, syntax.SourceFile] = {}
        for name, text in sources:
            tree, errors = self._parse(name, text)
            trees[name] = tree
            if not any(e.severity is Severity.ERROR for e in errors):
                self._whole[name] = tree
                continue
            if name not in self._whole:  # never parsed whole here: the file as saved may have
                self._remember_saved(name)
            if name in self._whole:
                remembered[name] = self._whole[name]
        self.last = Analysis(catalog, by_file, trees, remembered, schemas)
        return self.last
