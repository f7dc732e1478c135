"""`mappingc import-schema`: metadata files → snapshots, merged per table, written one file each.

A file is read by what it is: `*.xml` (and `$metadata` exports) as OData CSDL, `*.cdm.json` as a
Common Data Model document; a folder as every such file below it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from mappingc.schemas import cdm, csdl
from mappingc.schemas.index import Schemas
from mappingc.schemas.merge import merge_all
from mappingc.schemas.snapshot import Snapshot, SnapshotError, dumps, loads
from mappingc.sides import Side

MAX_XML_BYTES = 256 * 1024 * 1024  # a `$metadata` of all Dataverse is ~30 MB


@dataclass
class Reading:
    snapshots: list[Snapshot] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # one line each: `file: what`
    unresolved: set[str] = field(default_factory=set)  # CDM imports that name no document


def _files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(dirs)
                found += [
                    Path(root) / f
                    for f in sorted(files)
                    if f.endswith((".cdm.json", ".xml")) and not f.endswith(".manifest.cdm.json")
                ]
        else:
            found.append(path)
    return found


def read(paths: list[Path], side: Side | None = None, partial: bool = False) -> Reading:
    """Every snapshot the files describe, merged per table, in file-name order. CSDL documents
    are read first, whatever the order given: where readings disagree, theirs stands."""
    reading = Reading()
    corpora: dict[Path, cdm.Corpus] = {}
    files = _files(paths)
    for path in sorted(files, key=lambda p: p.name.endswith(".cdm.json")):
        name = path.name
        try:
            if name.endswith(".cdm.json"):
                corpus = cdm.Corpus.around(path)
                corpus = corpora.setdefault(corpus.root, corpus)
                reading.snapshots += cdm.read(corpus, corpus.corpus_path(path))
            elif name.endswith(".xml") or "metadata" in name.lower():
                if path.stat().st_size > MAX_XML_BYTES:
                    reading.problems.append(f"{path}: larger than {MAX_XML_BYTES >> 20} MB")
                    continue
                reading.snapshots += csdl.read(path.read_bytes(), name, side, not partial)
            else:
                reading.problems.append(
                    f"{path}: neither OData CSDL (.xml) nor a CDM document (.cdm.json)"
                )
        except (cdm.CdmError, csdl.CsdlError) as error:
            reading.problems.append(str(error))
        except OSError as error:
            reading.problems.append(f"{path}: {error.strerror or error}")
    for corpus in corpora.values():
        reading.unresolved |= corpus.missing
    reading.snapshots = merge_all(reading.snapshots)
    return reading


def used(snapshots: list[Snapshot], entities: set[str], tables: set[str]) -> list[Snapshot]:
    """The snapshots of the FO entities and Dataverse tables named (as templates name them)."""
    index = Schemas(snapshots)
    keep: dict[str, Snapshot] = {}
    for entity in entities:
        for snapshot in index.finance_operations(entity):
            keep[snapshot.file_name] = snapshot
    for table in tables:
        for snapshot in index.dataverse(table):
            keep[snapshot.file_name] = snapshot
    return [keep[k] for k in sorted(keep)]


@dataclass
class Written:
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    refused: list[str] = field(default_factory=list)  # files there that are not snapshots


def write(snapshots: list[Snapshot], folder: Path, dry_run: bool = False) -> Written:
    """Each snapshot into `folder`/<side>/<name>.json. A snapshot file there is replaced (the
    metadata is what it is: re-importing is how a snapshot follows it); any other file is
    refused and left alone, and then nothing is written."""
    written = Written()
    plan: list[tuple[Path, str, bool]] = []
    for snapshot in snapshots:
        path = folder / snapshot.file_name
        text = dumps(snapshot)
        if not path.exists():
            plan.append((path, text, True))
            continue
        try:
            old = path.read_text(encoding="utf-8")
            loads(old, str(path))
        except (OSError, UnicodeDecodeError, SnapshotError):
            written.refused.append(str(path))
            continue
        if old == text:
            written.unchanged += 1
        else:
            plan.append((path, text, False))
    if written.refused:
        return written
    from mappingc.output import write_text_atomic

    for path, text, new in plan:
        if not dry_run:
            write_text_atomic(path, text)
        (written.new if new else written.changed).append(snapshot_name(folder, path))
    return written


def snapshot_name(folder: Path, path: Path) -> str:
    return path.relative_to(folder).as_posix()
