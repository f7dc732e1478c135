"""Where imported templates go: files in one folder, written only when nothing is lost and the
project still builds.

- A file name is a template name (`<name>.dwmap`): never a path, so nothing lands outside the
  folder.
- A file that exists is replaced only when asked (`--force`); the caller lists what would be.
- The import is compiled against the project's schema snapshots; when the folder is inside the
  project's mappings folder, together with the rest of the project. A template the project
  already holds outside the folder (same name or reference id: typically a curated copy) is
  left out with W505; any error left means nothing is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mappingc.diagnostics import Code, Diagnostic, Severity, render
from mappingc.frontend import analyse, parser, syntax
from mappingc.naming import MAX_TEMPLATE_NAME
from mappingc.output import write_text_atomic
from mappingc.schemas.index import Schemas
from mappingc.sources import read_sources, source_name

_FILE_NAME = re.compile(rf"[A-Za-z_][A-Za-z0-9_]{{0,{MAX_TEMPLATE_NAME - 1}}}\.dwmap")


class PlacementError(ValueError):
    """An importer produced a file name that is not a template name (a bug in the importer)."""


@dataclass
class Placement:
    files: dict[str, str]  # file name in the folder → text: what will be written
    replaced: list[str]  # of those, the ones that exist already
    diagnostics: list[Diagnostic] = field(default_factory=list)  # W505, and the build's errors
    sources: dict[str, str] = field(default_factory=dict)  # for rendering the diagnostics

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    def render_diagnostics(self) -> str:
        return "\n".join(render(d, self.sources.get(d.path)) for d in self.diagnostics)

    def write(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, text in self.files.items():
            write_text_atomic(out_dir / name, text)


def _identities(text: str, path: str) -> list[tuple[str, int | None, syntax.Span]]:
    """(name, ref, where) of each template a DSL text declares, as far as it parses."""
    source, _ = parser.parse(path, text)
    found = []
    for template in source.templates:
        ref = next((s.value for s in template.statements if isinstance(s, syntax.Ref)), None)
        found.append((template.name.text, ref, template.name.span))
    return found


def place(
    files: dict[str, str],
    out_dir: Path,
    mappings_dir: Path | None,
    schemas: Schemas | None = None,
) -> Placement:
    """What importing `files` into `out_dir` would write, and what stands against it: checked
    against the project's schema snapshots, as `mappingc build` will check it."""
    for name in files:
        if not _FILE_NAME.fullmatch(name):
            raise PlacementError(f"{name!r} is not a template file name")
    placement = Placement(
        files=dict(sorted(files.items())),
        replaced=sorted(name for name in files if (out_dir / name).exists()),
    )
    inside = mappings_dir is not None and out_dir.resolve().is_relative_to(mappings_dir.resolve())
    if mappings_dir is None or not inside:
        named = {f"{out_dir.name}/{name}": text for name, text in placement.files.items()}
        _, diagnostics = analyse(named.items(), schemas=schemas)
        placement.diagnostics = [d for d in diagnostics if d.is_error]
        placement.sources = named
        return placement
    # The project as it will be: its sources but the files the import replaces, and the import.
    new_paths = {
        source_name(mappings_dir, out_dir.resolve() / name): name for name in placement.files
    }
    existing, problems = read_sources(mappings_dir.resolve())
    existing = [(path, text) for path, text in existing if path not in new_paths]
    held: dict[str, str] = {}  # name or "ref N" → where the project has it
    for path, text in existing:
        for name, ref, span in _identities(text, path):
            held.setdefault(name, f"{path}:{span.line} as `{name}`")
            if ref is not None:
                held.setdefault(f"ref {ref}", f"{path}:{span.line} as `{name}`")
    kept: list[tuple[str, str]] = []
    for path, name in new_paths.items():
        text = placement.files[name]
        clash = next(
            (
                (template, ref, span, held.get(template) or held[f"ref {ref}"])
                for template, ref, span in _identities(text, path)
                if template in held or (ref is not None and f"ref {ref}" in held)
            ),
            None,
        )
        if clash is None:
            kept.append((path, text))
            continue
        template, ref, span, where = clash
        shown_ref = f" (ref {ref})" if ref is not None else ""
        placement.diagnostics.append(
            Diagnostic(
                path,
                span,
                Severity.WARNING,
                Code.ALREADY_IN_PROJECT,
                f"`{template}`{shown_ref} is already in the project at {where}; not imported",
                "the project's copy stays the only one; delete it first to import this one",
            )
        )
        del placement.files[name]
    placement.replaced = [name for name in placement.replaced if name in placement.files]
    _, diagnostics = analyse([*existing, *kept], schemas=schemas)
    placement.diagnostics += [*problems, *(d for d in diagnostics if d.is_error)]
    placement.sources = dict([*existing, *kept])
    return placement
