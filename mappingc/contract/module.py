"""What every generated module defines (mappingc/templates/module.py.j2 writes it): the names
the sync, bulk and preview read, as a Protocol.

`make test` holds every module of `generated/` to it with mypy (scripts/typecheck.py), so the
template and the code that runs its output cannot drift apart unnoticed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from pydantic import BaseModel

from mappingc.runtime.rows import Rows

# The constants that hold each direction's plan as SQL text (None where no plan expresses it),
# by the side the rows come from: "finance_operations" rows go to Dataverse.
SQL_TO_DATAVERSE = "SQL_TO_DATAVERSE"
SQL_TO_FINANCE_OPERATIONS = "SQL_TO_FINANCE_OPERATIONS"


class GeneratedModule(Protocol):
    """A generated sync module, as the code that runs it sees it."""

    @property
    def TEMPLATE(self) -> str: ...
    @property
    def SOURCE(self) -> str: ...
    @property
    def FINANCE_OPERATIONS_ENTITY(self) -> str: ...
    @property
    def DATAVERSE_TABLE(self) -> str: ...
    @property
    def INTEGRATION_KEY(self) -> tuple[str, ...]: ...
    @property
    def FINANCE_OPERATIONS_KEY(self) -> tuple[str, ...]: ...
    @property
    def COMPANY_SPECIFIC(self) -> bool: ...
    @property
    def FINANCE_OPERATIONS_FIELDS(self) -> Mapping[str, str]: ...
    @property
    def DATAVERSE_COLUMNS(self) -> Mapping[str, str]: ...
    @property
    def LOOKUP_PATHS(self) -> Mapping[str, tuple[tuple[str, ...], ...]]: ...
    @property
    def LOOKUP_TARGETS(self) -> Mapping[str, str]: ...
    @property
    def ROWS(self) -> Rows: ...
    @property
    def SQL_TO_DATAVERSE(self) -> str | None: ...
    @property
    def SQL_TO_FINANCE_OPERATIONS(self) -> str | None: ...
    @property
    def FinanceOperationsRow(self) -> type[BaseModel]: ...
    @property
    def DataverseRow(self) -> type[BaseModel]: ...

    def to_dataverse(self, row: Mapping[str, object]) -> dict[str, object]: ...
    def to_finance_operations(self, row: Mapping[str, object]) -> dict[str, object]: ...
    def accepts_from_finance_operations(self, row: Mapping[str, object]) -> bool: ...
    def accepts_from_dataverse(self, row: Mapping[str, object]) -> bool: ...


# Every name above: the emitter allocates data-derived names around them (mappingc.naming).
MODULE_INTERFACE = frozenset(
    {
        *("TEMPLATE", "SOURCE", "FINANCE_OPERATIONS_ENTITY", "DATAVERSE_TABLE"),
        *("INTEGRATION_KEY", "FINANCE_OPERATIONS_KEY", "COMPANY_SPECIFIC"),
        *("FINANCE_OPERATIONS_FIELDS", "DATAVERSE_COLUMNS", "LOOKUP_PATHS", "LOOKUP_TARGETS"),
        *("ROWS", SQL_TO_DATAVERSE, SQL_TO_FINANCE_OPERATIONS),
        *("FinanceOperationsRow", "DataverseRow"),
        *("to_dataverse", "to_finance_operations"),
        *("accepts_from_finance_operations", "accepts_from_dataverse"),
    }
)
