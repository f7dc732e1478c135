"""The rules of `mappingc breaking` and `mappingc diff`: what a change to a template does to a
running integration, each with an id and a category.

Categories nest, like buf's: `data` (what the sync moves, and how) ⊂ `api` (also the public API
of the generated modules that code imports) ⊂ `all` (also what cannot break: additions, wider
types, labels and descriptions). `breaking` reports the rules of the chosen category; `diff`
reports everything, saying which category each change falls in.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    DATA = "data"
    API = "api"
    ALL = "all"

    def includes(self, other: Category) -> bool:
        order = [Category.DATA, Category.API, Category.ALL]
        return order.index(other) <= order.index(self)


class Rule(StrEnum):
    """A kind of change: `Rule.ROW_REMOVED` is "ROW_REMOVED" and knows its category."""

    category: Category
    description: str

    def __new__(cls, value: str, category: Category, description: str) -> Rule:
        member = str.__new__(cls, value)
        member._value_ = value
        member.category = category
        member.description = description
        return member

    TEMPLATE_REMOVED = (
        "TEMPLATE_REMOVED",
        Category.DATA,
        "A template was removed or renamed: its rows stop syncing, its module is gone.",
    )
    ROW_REMOVED = (
        "ROW_REMOVED",
        Category.DATA,
        "A field pair is no longer mapped: its values stop syncing.",
    )
    DIRECTION_NARROWED = (
        "DIRECTION_NARROWED",
        Category.DATA,
        "A row syncs in fewer directions (`=` became `>`): changes on one side stop arriving.",
    )
    MAP_TYPE_CHANGED = (
        "MAP_TYPE_CHANGED",
        Category.DATA,
        "A row's map type changed otherwise (a transform added or dropped, a direction swapped).",
    )
    VALUE_MAP_ENTRY_REMOVED = (
        "VALUE_MAP_ENTRY_REMOVED",
        Category.DATA,
        "A symbol left a row's value map: rows holding it now fail (and the enum member is gone).",
    )
    VALUE_MAP_VALUE_CHANGED = (
        "VALUE_MAP_VALUE_CHANGED",
        Category.DATA,
        "A symbol maps to another value: rows already synced hold the old one.",
    )
    DEFAULT_CHANGED = (
        "DEFAULT_CHANGED",
        Category.DATA,
        "A row's default value changed, or was added or removed.",
    )
    TYPE_NARROWED = (
        "TYPE_NARROWED",
        Category.DATA,
        "A field's type became narrower or another type (shorter string, fewer decimals, "
        "int64 to int): values that fitted no longer do.",
    )
    KEY_CHANGED = (
        "KEY_CHANGED",
        Category.DATA,
        "The integration key changed: rows are matched differently, existing rows duplicate.",
    )
    TABLE_CHANGED = (
        "TABLE_CHANGED",
        Category.DATA,
        "The FO entity or the Dataverse table changed: the template syncs other data.",
    )
    COMPANY_CHANGED = (
        "COMPANY_CHANGED",
        Category.DATA,
        "`company_specific` was added or removed: rows are scoped differently.",
    )
    FILTER_CHANGED = (
        "FILTER_CHANGED",
        Category.DATA,
        "A source filter changed: other rows sync.",
    )
    LOOKUP_CHANGED = (
        "LOOKUP_CHANGED",
        Category.DATA,
        "A lookup's path or target table changed: related rows are found differently.",
    )
    MODEL_FIELD_REMOVED = (
        "MODEL_FIELD_REMOVED",
        Category.API,
        "A field of a generated row model is gone: code that reads or sets it breaks.",
    )
    TEMPLATE_ADDED = ("TEMPLATE_ADDED", Category.ALL, "A template was added.")
    ROW_ADDED = ("ROW_ADDED", Category.ALL, "A field pair was added.")
    DIRECTION_WIDENED = (
        "DIRECTION_WIDENED",
        Category.ALL,
        "A row syncs in more directions than before.",
    )
    TYPE_WIDENED = ("TYPE_WIDENED", Category.ALL, "A field's type became wider.")
    VALUE_MAP_ENTRY_ADDED = (
        "VALUE_MAP_ENTRY_ADDED",
        Category.ALL,
        "A symbol was added to a row's value map.",
    )
    ENTITY_WRITTEN_DIFFERENTLY = (
        "ENTITY_WRITTEN_DIFFERENTLY",
        Category.ALL,
        "The FO entity is written another way (its label became its name): the same entity, "
        "but the generated module's constant and the exported table map say it differently.",
    )
    DESCRIBED_DIFFERENTLY = (
        "DESCRIBED_DIFFERENTLY",
        Category.ALL,
        "A label or description changed: only the docs differ.",
    )
