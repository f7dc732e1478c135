"""What the platform or dual-write fills of a Dataverse row itself (filled.toml beside this
module): required columns a template need not write, and computed ones a write cannot set."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Literal

FilledBy = Literal["autonumber", "default", "dual-write", "computed"]


@dataclass(frozen=True)
class Filled:
    table: str  # the table's logical name
    column: str
    by: FilledBy
    evidence: str  # "docs: <address>" or "catalog: <published table>"
    source_column: str | None = None  # "dual-write": the column it is filled from


@functools.cache
def _entries() -> dict[tuple[str, str], Filled]:
    text = resources.files("mappingc.schemas").joinpath("filled.toml").read_text("utf-8")
    found = {}
    for item in tomllib.loads(text)["filled"]:
        entry = Filled(
            item["table"], item["column"], item["by"], item["evidence"], item.get("from")
        )
        found[entry.table, entry.column] = entry
    return found


def filled(table: str, column: str) -> Filled | None:
    """How the column of the table (logical names) is filled, if the platform or dual-write
    fills it."""
    return _entries().get((table, column))
