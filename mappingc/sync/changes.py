"""What travels through the sync: a logged change, an entry of the error queue, and what became
of a change for one template. Typed, so that following one change through the sync reads it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

from mappingc.sides import Side

# What a change log says happened to a row (the triggers write these).
Operation = Literal["upsert", "delete"]


@dataclass(frozen=True, slots=True)
class Change:
    """One logged change of a row (or a retry of one): the row is read as it is now."""

    side: Side
    table: str
    op: Operation
    key: Mapping[str, Any]  # the row's key columns, as logged
    row_key: str = ""  # the key as the log keeps it (JSON): one row, one text
    row_id: int | None = None  # the row's _id, which a changed key keeps
    at: float = 0.0  # when it happened
    txid: int = 0  # where it stands in its side's log
    seq: int = 0

    @classmethod
    def logged(cls, side: Side, row: Mapping[str, Any]) -> Change:
        """A row of `side`'s change log (txid, seq, tbl, op, row_key, row_id, at)."""
        return cls(
            side,
            row["tbl"],
            row["op"],
            json.loads(row["row_key"]),
            row["row_key"],
            row["row_id"],
            row["at"],
            row["txid"],
            row["seq"],
        )


class Outcome(StrEnum):
    """What became of one change for one template."""

    WRITTEN = "written"
    DELETED = "deleted"
    SKIPPED = "skipped"  # the source filter leaves the row out
    FAILED = "failed"  # queued, with the reason
    HELD_BACK = "held back"  # the other side changed the row later
    UNCHANGED = "unchanged"  # nothing to do: the delete of a row that never had a key


# The kinds of entry in the error queue.
ErrorKind = Literal["failed", "superseded"]


@dataclass(frozen=True)
class ErrorEntry:
    """An open entry of the error queue: a change that failed, or one held back by a later edit
    of the other side (kind "superseded")."""

    id: int
    side: Side
    table: str
    row_key: str  # JSON of the key columns
    row_id: int | None
    kind: ErrorKind
    template: str | None
    reason: str
    at: float

    @classmethod
    def stored(cls, row: Mapping[str, Any]) -> ErrorEntry:
        return cls(
            row["id"],
            Side.parse(row["side"]),
            row["tbl"],
            row["row_key"],
            row["row_id"],
            row["kind"],
            row["template"],
            row["reason"],
            row["at"],
        )

    @cached_property
    def key(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.row_key)
        return found
