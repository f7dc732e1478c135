"""`mappingc new`: the text of a template to start from, in the canonical layout.

The header is complete; the rows are left to the author, with every map type shown once in a
comment (a scaffold that guessed rows would be a silently wrong mapping waiting to happen).
"""

from __future__ import annotations

import re

from mappingc.frontend.formatter import format_text

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


def scaffold(name: str, entity: str, table: str, label: str) -> str:
    fo = f'"{entity}"' if " " in entity else entity
    text = (
        f"template {name} {{\n"
        f'    label "{label}"\n'
        f"    finance_operations {fo}\n"
        f"    dataverse {table}\n"
        f"\n{_ROW_HELP}"
        "}\n"
    )
    formatted, errors = format_text(f"{name}.dwmap", text)
    assert formatted is not None, errors  # `problems` let only well-formed words through
    return formatted
