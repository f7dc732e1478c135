"""The snapshots of a project, found by the names templates use.

A template names its FO entity by label (`"Loyalty card"`) or by name, and its Dataverse table by
the Web API collection (`msdyn_loyaltycards`) or the logical name. Labels compare without case,
spaces and punctuation; an FO entity name without case; Dataverse names exactly. A Dataverse
snapshot that does not know its collection (CDM does not say) is also found by the plural its
logical name makes in English (`transactioncurrency` → `transactioncurrencies`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from mappingc.schemas.snapshot import Snapshot, SnapshotError, loads
from mappingc.sides import Side


def _folded(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def plurals(logical: str) -> set[str]:
    """The collection names Dataverse makes of a logical name."""
    found = {logical + "s", logical + "es"}
    if logical.endswith("y"):
        found.add(logical[:-1] + "ies")
    return found


@dataclass
class Schemas:
    snapshots: list[Snapshot] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._fo: dict[str, list[Snapshot]] = {}
        self._dv: dict[str, list[Snapshot]] = {}
        for snapshot in self.snapshots:
            if snapshot.side is Side.FINANCE_OPERATIONS:
                names = {_folded(snapshot.name)}
                names |= {_folded(n) for n in (snapshot.label, snapshot.entity_set) if n}
                for name in names:
                    self._fo.setdefault(name, []).append(snapshot)
            else:
                names = {snapshot.name}
                names |= {snapshot.entity_set} if snapshot.entity_set else plurals(snapshot.name)
                for name in names:
                    self._dv.setdefault(name, []).append(snapshot)

    def __bool__(self) -> bool:
        return bool(self.snapshots)

    def finance_operations(self, entity: str) -> list[Snapshot]:
        """Every FO snapshot the name fits (more than one: the template is ambiguous)."""
        return list(self._fo.get(_folded(entity), []))

    def dataverse(self, table: str) -> list[Snapshot]:
        return list(self._dv.get(table, []))

    def find(self, side: Side, name: str) -> Snapshot | None:
        """The one snapshot `name` names on `side`, or None (none, or several)."""
        found = (
            self.finance_operations(name)
            if side is Side.FINANCE_OPERATIONS
            else self.dataverse(name)
        )
        return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class SnapshotProblem:
    path: str  # as diagnostics show it: `schemas/dataverse/account.json`
    message: str


def load(folder: Path) -> tuple[Schemas, list[SnapshotProblem]]:
    """Every `*.json` snapshot below `folder`, in a fixed order; a file that is not one is a
    problem, reported and left out."""
    snapshots: list[Snapshot] = []
    problems: list[SnapshotProblem] = []
    if not folder.is_dir():
        return Schemas(), problems
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.endswith(".json"):
                continue
            path = Path(root) / name
            shown = f"{folder.name}/{path.relative_to(folder).as_posix()}"
            try:
                snapshot = loads(path.read_text(encoding="utf-8"), shown)
            except (OSError, UnicodeDecodeError) as error:
                problems.append(SnapshotProblem(shown, f"cannot read: {error}"))
                continue
            except SnapshotError as error:
                problems.append(SnapshotProblem(shown, str(error)))
                continue
            expected = snapshot.file_name
            if path.relative_to(folder).as_posix() != expected:
                problems.append(
                    SnapshotProblem(shown, f"holds `{snapshot.name}`; its place is {expected}")
                )
                continue
            snapshots.append(snapshot)
    return Schemas(snapshots), problems
