"""FO enums seen in real `$metadata` (fo_enums.toml beside this module), for fields whose
snapshot does not say what they hold: the Common Data Model shows an FO enum field as a bare
attribute."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from importlib import resources


@dataclass(frozen=True)
class KnownEnum:
    name: str
    members: tuple[tuple[str, int], ...]  # (symbol, value)
    evidence: str


@functools.cache
def _fields() -> dict[tuple[str, str], KnownEnum]:
    text = resources.files("mappingc.schemas").joinpath("fo_enums.toml").read_text("utf-8")
    found = {}
    for item in tomllib.loads(text)["enum"]:
        enum = KnownEnum(
            item["name"], tuple((str(s), int(v)) for s, v in item["members"]), item["evidence"]
        )
        for field in item["fields"]:
            entity, name = field.split(".")
            found[entity.casefold(), name.casefold()] = enum
    return found


def known_enum(entity: str, field: str) -> KnownEnum | None:
    """The enum the field of the FO entity holds, if real metadata has shown it (names compare
    without case, as in FO)."""
    return _fields().get((entity.casefold(), field.casefold()))
