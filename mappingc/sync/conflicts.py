"""Which changes of one side the other side's later edits supersede, for one batch.

When both sides changed the same row, the later edit wins on both sides: the earlier change is
held back (see `SyncEngine.apply`). Whether a later edit exists is asked of every change of a
batch, so the other side's pending changes are read once per batch and indexed here, instead of
one query per change (50,000 changes against 2,000 pending ran at 223 changes/s that way).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any


def _same(value: Any) -> str:
    """A key value as text: the logged JSON and the mapped values differ in type (a JSON number
    against a Decimal, a date against its ISO text) but not in what they print."""
    return str(value)


class LaterEdits:
    """The other side's pending changes: per table and row key, when the latest happened."""

    def __init__(self, changes: Iterable[tuple[str, str, float]]) -> None:
        self._logged: dict[str, list[tuple[dict[str, Any], float]]] = {}
        for table, row_key, at in changes:
            self._logged.setdefault(table, []).append((json.loads(row_key), at))
        self._index: dict[tuple[str, tuple[str, ...]], dict[tuple[str, ...], float]] = {}

    @property
    def has_any(self) -> bool:
        return bool(self._logged)

    def latest(self, table: str, key: Mapping[str, Any]) -> float | None:
        """When the latest pending change of the row with `key` in `table` happened, if any."""
        columns = tuple(sorted(key))
        index = self._index.get((table, columns))
        if index is None:  # built on first use: a logged key holds every template's columns
            index = {}
            for logged, at in self._logged.get(table, []):
                found = tuple(_same(logged.get(c)) for c in columns)
                index[found] = max(index.get(found, at), at)
            self._index[(table, columns)] = index
        return index.get(tuple(_same(key[c]) for c in columns))
