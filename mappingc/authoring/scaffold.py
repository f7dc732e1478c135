"""`mappingc new`: the text of a template to start from, in the canonical layout.

The header is complete; the rows are left to the author, with every map type shown once in a
comment (a scaffold that guessed rows would be a silently wrong mapping waiting to happen).
With schema snapshots, every field of the table (or entity) is listed as a commented row to
pick from, paired with the field of the other side that has its name where there is one.
"""

from __future__ import annotations

import re

from mappingc.frontend.formatter import format_text
from mappingc.schemas.snapshot import Field, Snapshot

NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# An FO entity name may hold spaces (`"Loyalty card"`); anything that needs escaping may not.
ENTITY = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]*\Z")

_ROW_HELP = """\
    # Rows: finance and operations field, map type, Dataverse column, then optionally
    # `: type`, `via ValueMap` and `default value`. The map types:
    #   =   both ways
    #   >   to Dataverse only
    #   <   to finance and operations only
    #   ><  >>  <<  the same three, through a value map (`via`)
    # For example:
    #   CARDNUMBER = msdyn_cardnumber : string
"""


def label_for(entity: str) -> str:
    """`LoyaltyCard` → "Loyalty card"; a name with spaces is already a label."""
    if " " in entity:
        return entity
    words = re.findall(r"[A-Z]+[0-9]*(?![a-z])|[A-Z]?[a-z]+[0-9]*|[0-9]+", entity) or [entity]
    return " ".join([words[0], *(w if w.isupper() else w.lower() for w in words[1:])])


def problems(name: str, entity: str, table: str, label: str) -> list[str]:
    """What makes the arguments unusable, in words; empty when they are fine."""
    found = []
    if not NAME.match(name):
        found.append(f"template name {name!r}: letters, digits and `_`, not starting with a digit")
    if not ENTITY.match(entity):
        found.append(f"finance and operations entity {entity!r}: letters, digits, `_` and spaces")
    if not NAME.match(table):
        found.append(f"Dataverse table {table!r}: letters, digits and `_`")
    if '"' in label or "\\" in label or "\n" in label:
        found.append(f"label {label!r}: no quotes, backslashes or line breaks")
    return found


def _type(item: Field) -> str:
    if item.type == "string":
        return f" : string({item.max_length})" if item.max_length else " : string"
    if item.type in {"int", "int64", "decimal", "bool", "date", "datetime"}:
        return f" : {item.type}"
    return ""  # an option set wants a value map, a lookup a `.key` path: the author says which


def _candidates(fo: Snapshot | None, dv: Snapshot | None) -> list[str]:
    """Commented rows, one per field of the snapshots, FO and Dataverse paired by name."""
    lines: list[str] = []
    fo_fields = {f.name.casefold(): f for f in fo.fields} if fo else {}
    paired: set[str] = set()
    for column in sorted(dv.fields if dv else (), key=lambda f: f.name):
        if column.read_only:
            continue
        bare = column.name.removeprefix("msdyn_").removeprefix("cdm_").casefold()
        match = fo_fields.get(bare) or fo_fields.get(column.name.casefold())
        left = match.name.upper() if match else "FIELD"
        if match:
            paired.add(match.name.casefold())
        notes = [n for n in ("required" if column.required else "", column.type) if n]
        lines.append(f"#   {left} = {column.name}{_type(column)}  ({', '.join(notes)})")
    for item in sorted(fo.fields if fo else (), key=lambda f: f.name):
        if item.name.casefold() not in paired and not item.read_only:
            lines.append(f"#   {item.name.upper()} = column{_type(item)}  ({item.type})")
    return lines


def _key_help(table: str, dv: Snapshot | None) -> str:
    """The integration key, commented: the sync and dual-write match rows by it (W403 without
    one), and it can be stated once its columns are mapped `=`."""
    keys = dv.alternate_keys if dv and dv.alternate_keys else None
    if keys:
        return (
            f"    # key {', '.join(keys[0])}  (an alternate key of {table}; state it once its\n"
            "    # columns are mapped `=`)\n"
        )
    return "    # key <column>  (the Dataverse columns rows are matched by: an alternate key)\n"


def scaffold(
    name: str,
    entity: str,
    table: str,
    label: str,
    fo: Snapshot | None = None,
    dv: Snapshot | None = None,
) -> str:
    fo_name = f'"{entity}"' if " " in entity else entity
    candidates = _candidates(fo, dv)
    listed = ""
    if candidates:
        sources = sorted({*(fo.sources if fo else ()), *(dv.sources if dv else ())})
        listed = (
            "\n    # The fields the schema snapshots list, to pick from: uncomment a row, and\n"
            "    # name the other side's field where it says FIELD or column. Read from:\n"
            + "".join(f"    #   {source}\n" for source in sources)
            + "".join(f"    {line}\n" for line in candidates)
        )
    text = (
        f"template {name} {{\n"
        f'    label "{label}"\n'
        f"    finance_operations {fo_name}\n"
        f"    dataverse {table}\n"
        f"{_key_help(table, dv)}"
        f"\n{_ROW_HELP}{listed}"
        "}\n"
    )
    formatted, errors = format_text(f"{name}.dwmap", text)
    assert formatted is not None, errors  # `problems` let only well-formed words through
    return formatted
