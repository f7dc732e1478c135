"""Every rule that turns one name into another, the same way every time.

Template names from published labels (importers), the file stem of a template's generated
module and doc, and the Python identifiers inside generated modules.
"""

from __future__ import annotations

import builtins
import enum
import keyword
import re
import unicodedata
from collections.abc import Callable, Iterable

from pydantic import BaseModel

# A template's name is a file name (`sync/<name>.py`, `docs/<locale>/templates/<name>.md`); file
# systems allow 255 bytes, and the published catalog's longest name has 88 characters.
MAX_TEMPLATE_NAME = 120


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
_RESERVED = set(dir(BaseModel)) | {"model_config", "model_fields", "mro"}
# What a model's class body or its base defines: a module-level class with one of these names is
# hidden inside the models, where pydantic reads the annotations that name it.
MODEL_NAMES = frozenset(_RESERVED)


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


def attribute(name: str, taken: Scope) -> str:
    """A safe attribute for a model field, unique in `taken` (the class's scope, which holds the
    names its annotations use); the caller adds an alias when it differs from `name`."""
    preferred = name
    if keyword.iskeyword(name) or name in _RESERVED or name.startswith(("model_", "_")):
        preferred = f"{name.lstrip('_')}_"
    return taken.unique(preferred, lambda n: preferred + "_" * n)


# Enum member names Python refuses (`mro`, `_sunder_`, private names) or that would hide what
# every member has (`name`, `value`, and the methods of `str`).
_NOT_MEMBERS = {"mro"} | set(dir(enum.StrEnum)) | set(dir(str))


def enum_member(symbol: str, taken: Scope) -> str:
    """An enum member name for an FO enum symbol: kept as written where Python allows it (in
    the form Python reads it: identifiers are compared after NFKC normalization), unique."""
    normal = unicodedata.normalize("NFKC", symbol)
    member = (
        normal
        if normal.isidentifier() and not keyword.iskeyword(normal)
        else re.sub(r"[^A-Za-z0-9_]", "_", normal)
    )
    if not member or member[0].isdigit() or keyword.iskeyword(member):
        member = f"v_{member}"
    if member.startswith("_") or member in _NOT_MEMBERS:
        member = f"v{member}" if member.startswith("_") else f"{member}_"
    return taken.unique(member, lambda n: f"{member}_{n + 1}")


class Scope:
    """The names one Python scope of a generated module defines, so that no two are the same.

    Python compares identifiers after NFKC normalization (`ﬁ` is `fi`), so this does too. A name
    that is taken gets the first free variant of `variants(n)` for n = 1, 2, …: output stays the
    same from build to build, and a collision is never silent.
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken = {unicodedata.normalize("NFKC", name) for name in reserved}

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and unicodedata.normalize("NFKC", name) in self._taken

    def unique(self, preferred: str, variants: Callable[[int], str]) -> str:
        name, n = preferred, 1
        while name in self:
            name, n = variants(n), n + 1
        self._taken.add(unicodedata.normalize("NFKC", name))
        return name


# What the builtins module holds: a generated class must not hide `str`, `int`…
BUILTINS = frozenset(dir(builtins))
