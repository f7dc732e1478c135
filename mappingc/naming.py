"""Every rule that turns one name into another, the same way every time.

Template names from published labels (importers), the file stem of a template's generated
module and doc, and the Python identifiers inside generated modules.
"""

from __future__ import annotations

import keyword
import re

from pydantic import BaseModel


def module_name(template_name: str) -> str:
    """The file stem of a template's generated module and doc: snake_case of its name."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", template_name)
    return snake.lower()


def template_name(label: str, fallback: str) -> str:
    """A template name from a label: lower snake case, a valid identifier."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", module_name(label.replace(" ", "_"))).strip("_")
    name = re.sub(r"_+", "_", name) or re.sub(r"[^A-Za-z0-9_]+", "_", fallback)
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = f"t_{name}"
    return name


# Field names that would shadow pydantic's own attributes get a trailing `_` and an alias.
_RESERVED = set(dir(BaseModel)) | {"model_config", "model_fields"}


def pascal(name: str) -> str:
    """`msdyn_rewardpointcurrency` → `MsdynRewardpointcurrency`, `CardTenderType` unchanged."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    words = [p if p[:1].isupper() and not p.isupper() else p.capitalize() for p in parts]
    joined = "".join(words) or "Value"
    return f"N{joined}" if joined[0].isdigit() else joined


def constant(name: str) -> str:
    """`CardTenderType` → `CARD_TENDER_TYPE`, `loyalty.REDEEMABLE` → `LOYALTY_REDEEMABLE`."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    snake = re.sub(r"[^A-Za-z0-9]+", "_", snake).strip("_").upper() or "VALUE"
    return f"N{snake}" if snake[0].isdigit() else snake


def attribute(name: str) -> str:
    """A safe attribute for a model field; the caller adds an alias when it differs from `name`."""
    if keyword.iskeyword(name) or name in _RESERVED or name.startswith(("model_", "_")):
        return f"{name.lstrip('_')}_"
    return name


def enum_member(symbol: str, taken: set[str]) -> str:
    """An enum member name for an FO enum symbol; kept as written where Python allows it."""
    member = (
        symbol
        if symbol.isidentifier() and not keyword.iskeyword(symbol)
        else (re.sub(r"[^A-Za-z0-9_]", "_", symbol))
    )
    if not member or member[0].isdigit() or keyword.iskeyword(member):
        member = f"v_{member}"
    if member.startswith("_"):
        member = f"v{member}"
    base, n = member, 2
    while member in taken:
        member, n = f"{base}_{n}", n + 1
    taken.add(member)
    return member
