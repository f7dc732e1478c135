"""Every rule that turns one name into another, the same way every time, and what each target
cannot hold (docs/dsl.md, "Names and what they become").

Template names from published labels (importers); the file stem of a template's generated
module and doc, and the stems no file may have; the Python identifiers inside generated modules;
the identity a table or column name has in the stores the sync and bulk run on.
"""

from __future__ import annotations

import builtins
import enum
import keyword
import re
import sys
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


def pair_name(label: str, dataverse_table: str) -> str:
    """An imported template's name: its FO entity's label and its Dataverse table, as dual-write
    tells templates apart (`Customers V3` to `accounts` and to `contacts` are two templates).
    Both importers name templates so: `customers_v3__accounts`."""
    return template_name(label, "template") + "__" + dataverse_table.lower()


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
    names its annotations use); the caller adds an alias when it differs from `name`.

    pydantic refuses a field that starts with `_` (it is a private attribute: `_` and `__` would
    vanish from the model), warns on one in its protected namespace `model_` (a trailing `_`
    stays inside it: `model_dump_`), and a field may not hide BaseModel's own attributes; Python
    refuses keywords and a leading digit (`_0` without its `_`).
    """
    bare = name.lstrip("_")
    if not bare or bare[0].isdigit() or bare.startswith("model_"):
        preferred = (
            f"field_{bare}"  # `_0` → `field_0`, `__` → `field_`, `model_x` → `field_model_x`
        )
    elif bare != name or keyword.iskeyword(bare) or bare in _RESERVED:
        preferred = f"{bare}_"  # `class` → `class_`, `_x` → `x_`, `copy` → `copy_`
    else:
        preferred = name
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


# ---------------------------------------------------------------- file names
# Devices Windows reserves whatever the extension (`nul.py` cannot be created there).
WINDOWS_DEVICES = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{n}" for n in range(1, 10)),
        *(f"lpt{n}" for n in range(1, 10)),
    }
)
# Modules Python 3.11 ships (3.12 and 3.13 removed some; a name stays reserved on every version so
# that a build passes or fails alike everywhere) and the packages a generated module imports: a
# module of the same name in `generated/sync/` would hide them from whatever imports them from
# there, and mypy refuses it ("shadows library module").
_REMOVED_SINCE_3_11 = frozenset(
    [
        "aifc",
        "asynchat",
        "asyncore",
        "audioop",
        "cgi",
        "cgitb",
        "chunk",
        "crypt",
        "distutils",
        "imghdr",
        "imp",
        "lib2to3",
        "mailcap",
        "msilib",
        "nis",
        "nntplib",
        "ossaudiodev",
        "pipes",
        "smtpd",
        "sndhdr",
        "spwd",
        "sunau",
        "telnetlib",
        "uu",
        "xdrlib",
    ]
)
IMPORTED_MODULES = frozenset(
    {*sys.stdlib_module_names, *_REMOVED_SINCE_3_11}
    | {"mappingc", "pydantic", "pydantic_core", "typing_extensions", "annotated_types"}
)
# The pages a build and a site write beside a template's or page's own (`docs/index.md`, the
# site's `areas/` and `template/` folders, which a page of the same name would shadow).
INDEX_PAGES = frozenset({"index", "areas", "template", "mapping-reference"})


def file_stem_problem(stem: str, page: bool = False) -> str | None:
    """Why `stem` cannot name a generated file (`sync/<stem>.py`, `docs/<stem>.md`, the site's
    `template/<stem>.md`; `page`: `docs/<locale>/<stem>.md`), or None."""
    lowered = stem.lower()
    if lowered in INDEX_PAGES or (page and lowered == "search"):
        return "it is the name of an index page the docs and the site write"
    if lowered.split(".")[0] in WINDOWS_DEVICES:
        return "Windows reserves it for a device: no file can have it there"
    if stem.startswith("__") and stem.endswith("__"):
        return "Python reserves names of this form (`__init__.py` makes the folder a package)"
    if not page and stem in IMPORTED_MODULES:
        return f"its module would hide Python's `{stem}` where `generated/sync` is on the path"
    return None


def site_slug(text: str, taken: set[str]) -> str:
    """A page's file stem on the site from a free text (an area's folder name): lower-case
    ASCII words joined by `-`, never an index page's, never one another text has (`taken`
    holds those, and gets this one)."""
    base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "area"
    slug, number = base, 2
    while slug in taken or slug in INDEX_PAGES:
        slug, number = f"{base}-{number}", number + 1
    taken.add(slug)
    return slug


# ---------------------------------------------------------------- store identifiers
# PostgreSQL keeps the first 63 bytes of an identifier and drops the rest.
POSTGRES_IDENTIFIER_BYTES = 63
# The sync's own tables (mappingc.sync.tables) are named so; no entity or table may be.
SYNC_TABLE_PREFIX = "_mappingc_"


def column_name_problem(name: str, row_id: str) -> str | None:
    """Why no store can have a column `name` (`row_id`: the column each store keeps a row's id
    in), or None. SQLite reads a column `true` or `false` of a subquery as the boolean."""
    if name.lower() == row_id:
        return "is the column each store keeps a row's id in"
    if name.lower() in {"true", "false"}:
        return "reads as a boolean in SQLite, not as a column"
    return name_length_problem(name)


def name_length_problem(name: str) -> str | None:
    """Why `name` is too long for a table or column of every store, or None. FO names have at
    most 81 characters and Dataverse logical names 50; PostgreSQL keeps 63 bytes."""
    size = len(name.encode("utf-8"))
    if size > POSTGRES_IDENTIFIER_BYTES:
        return (
            f"is {size} bytes long: PostgreSQL keeps only the first {POSTGRES_IDENTIFIER_BYTES} "
            "bytes of a name"
        )
    return None


def store_identity(name: str) -> str:
    """What the stores keep of a table or column name: two names that share it are one column
    somewhere (SQLite, DuckDB and Spark compare names without regard to case)."""
    return name.lower()
