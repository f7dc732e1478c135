"""The two systems dual-write keeps in sync, and the two ways data moves between them.

One type for each, used by every room of mappingc. A side has one name in the DSL and the IR
(`finance_operations`, `dataverse`) and a short one where people type it or stores keep it
(`fo`, `dv`: `mappingc sync load fo …`, the sync's error queue); both parse back to the same side.
"""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    FINANCE_OPERATIONS = "finance_operations"
    DATAVERSE = "dataverse"

    @property
    def short(self) -> str:
        return "fo" if self is Side.FINANCE_OPERATIONS else "dv"

    @property
    def other(self) -> Side:
        return Side.DATAVERSE if self is Side.FINANCE_OPERATIONS else Side.FINANCE_OPERATIONS

    @property
    def prose(self) -> str:
        """As prose names it: "finance and operations", "Dataverse"."""
        return "finance and operations" if self is Side.FINANCE_OPERATIONS else "Dataverse"

    @classmethod
    def parse(cls, text: str) -> Side:
        """`fo`, `dv` or the full name."""
        for side in cls:
            if text in (side.value, side.short):
                return side
        raise ValueError(f"not a side: {text!r} (expected fo, dv, finance_operations, dataverse)")


# The column that scopes a company-specific template's rows, per side: a plan carries it across,
# and the sync matches rows by it.
COMPANY = {Side.FINANCE_OPERATIONS: "DATAAREAID", Side.DATAVERSE: "cdm_company"}


class Direction(StrEnum):
    """Which way a row or a sync moves data; the value is how the CLI spells it."""

    TO_DATAVERSE = "to-dataverse"
    TO_FINANCE_OPERATIONS = "to-finance-operations"

    @property
    def source(self) -> Side:
        return Side.FINANCE_OPERATIONS if self is Direction.TO_DATAVERSE else Side.DATAVERSE

    @property
    def target(self) -> Side:
        return self.source.other

    @classmethod
    def from_source(cls, side: Side) -> Direction:
        return cls.TO_DATAVERSE if side is Side.FINANCE_OPERATIONS else cls.TO_FINANCE_OPERATIONS
