"""A template's rows as data, and the two mapping functions they define.

A generated module lists its rows once, the way the template writes them::

    ROWS: Final = Rows(
        Row("CARDNUMBER", "=", "msdyn_cardnumber", check_str),
        Row("CARDTENDERTYPE", "><", "msdyn_cardtendertype", CARD_TENDER_TYPE),
    )

and its `to_dataverse` / `to_finance_operations` call `ROWS.to_dataverse(row)`. `Rows` turns
each row, once at import, into the statements that move it each way, and writes them out as one
function per direction: no parsing, no decisions and no loop per call.

What runs is what a traceback shows: each function's text is registered with `linecache` under
the template's source file and direction, every statement says which template row it comes
from, and a `MappingError` raised by a row names that row (`loyalty_card.dwmap:21: …`, through
`ROW_ORIGINS`).
"""

from __future__ import annotations

import datetime
import linecache
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mappingc.runtime import (
    ROW_ORIGINS,
    PolymorphicLookup,
    ValueMap,
    check_bool,
    check_date,
    check_datetime,
    check_str,
    put_lookup,
    read_lookup,
)

__all__ = ["Row", "Rows"]

# Map types by the direction they move values in (`syncDirection` in dual-write).
_TOWARDS_DATAVERSE = frozenset({"=", ">", "><", ">>"})
_TOWARDS_FINANCE_OPERATIONS = frozenset({"=", "<", "><", "<<"})

# `check_str(value, field)`, `check_decimal(value, field, scale)`…: see mappingc.runtime.
Check = Callable[..., object]
Convert = Callable[[object, str], object]
# One row moving in one direction: read the source row, write into the output.
Step = Callable[[Mapping[str, object], dict[str, object]], None]
Write = Callable[[dict[str, object], object], None]
# What `Rows` runs per row and direction: (source, target, read, name, step, exact, table, row). The
# common shape, a plain column that passes None through, has no `step` and runs inline in
# `Rows._apply`; there a value of type `exact` is what its check would return, and a value
# found in `table` maps to what its value map would give, so neither needs the call.
Plan = tuple[str, str, Convert, str, Step | None, type | None, Mapping[str, object] | None, "Row"]

# The checks that return a value of exactly one type unchanged (a bool is an int, a datetime a
# date: those go through the check, which refuses or keeps them as it always did).
_EXACT: dict[object, type] = {
    check_str: str,
    check_bool: bool,
    check_date: datetime.date,
    check_datetime: datetime.datetime,
}


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a template.

    `dataverse` is a column, a lookup path (`msdyn_vendorcontactid.msdyn_vendoraccountnumber`)
    or a polymorphic lookup; `None` on either side is the template's `none`. `convert` checks
    the value's type (`check_str`…, with `size` as its length or scale) or maps it through a
    value map. `default` is used when the source value is missing or `None`; with a value map it
    is the finance and operations symbol, and the Dataverse side gets the symbol's value.
    """

    finance_operations: str | None
    map_type: str
    dataverse: str | PolymorphicLookup | None
    convert: Check | ValueMap[Any, Any] | None = None
    size: int | None = field(default=None, kw_only=True)
    default: object = field(default=None, kw_only=True)
    line: int | None = field(default=None, kw_only=True)  # in the template's source file

    def __post_init__(self) -> None:
        if self.map_type not in _TOWARDS_DATAVERSE | _TOWARDS_FINANCE_OPERATIONS:
            raise ValueError(f"unknown map type {self.map_type!r}")

    def converter(self, towards_dataverse: bool) -> Convert:
        convert = self.convert
        if isinstance(convert, ValueMap):
            return convert.to_dataverse if towards_dataverse else convert.to_finance_operations
        if convert is None:
            raise ValueError(f"row {self} reads a value but says nothing about its type")
        size = self.size
        if size is None:
            return convert
        return lambda value, name: convert(value, name, size)

    def default_towards(self, towards_dataverse: bool) -> object:
        if towards_dataverse and isinstance(self.convert, ValueMap):
            return self.convert.to_dataverse(self.default, self.finance_operations or "default")
        return self.default

    @property
    def passes_none(self) -> bool:
        """Whether `None` goes through unconverted; a value map with a `blank` entry gives
        `None` a meaning of its own, so there `None` is converted too."""
        return not (isinstance(self.convert, ValueMap) and self.convert.has_blank)


def _plan(
    source: str | None,
    read: Convert,
    name: str,
    write: Write | None,
    target: str,
    row: Row,
    towards_dataverse: bool,
) -> Plan:
    """How `row` moves one way (`write` None: into column `target`)."""
    step = _step(source, read, name, write or _into(target), target, row, towards_dataverse)
    inline = write is None and row.default is None and row.passes_none
    exact = _EXACT.get(row.convert) if row.size is None else None
    table = row.convert.symbols if isinstance(row.convert, ValueMap) and towards_dataverse else None
    return source or "", target, read, name, None if inline else step, exact, table, row


def _into(column: str) -> Write:
    def write(out: dict[str, object], value: object) -> None:
        out[column] = value

    return write


def _step(
    source: str | None,
    read: Convert,
    name: str,
    write: Write,
    target: str,
    row: Row,
    towards_dataverse: bool,
) -> Step:
    """The function that moves `row` one way: four shapes, as dual-write applies a row."""
    if row.default is not None:
        default = row.default_towards(towards_dataverse)
        if source is None:

            def constant(_: Mapping[str, object], out: dict[str, object]) -> None:
                write(out, default)

            return constant

        def defaulted(values: Mapping[str, object], out: dict[str, object]) -> None:
            value = values.get(source)
            write(out, default if value is None else read(value, name))

        return defaulted
    if source is None:
        raise ValueError(f"row {row} has neither a source field nor a default")
    if row.passes_none:

        def optional(values: Mapping[str, object], out: dict[str, object]) -> None:
            if source in values:
                value = values[source]
                if value is None:
                    out[target] = None  # clears a lookup too: there is no related row
                else:
                    write(out, read(value, name))

        return optional

    def mapped(values: Mapping[str, object], out: dict[str, object]) -> None:
        if source in values:
            write(out, read(values[source], name))

    return mapped


def _to_dataverse(row: Row) -> Plan | None:
    dataverse = row.dataverse
    if row.map_type not in _TOWARDS_DATAVERSE or dataverse is None:
        return None
    source = row.finance_operations
    convert = row.converter(True) if source is not None else _unused
    write: Write | None
    if isinstance(dataverse, PolymorphicLookup):
        column = dataverse.column
        build = dataverse.build

        def write(out: dict[str, object], value: object) -> None:
            out[column] = build(value)

    elif "." in dataverse:
        path = tuple(dataverse.split("."))
        column = path[0]

        def write(out: dict[str, object], value: object) -> None:
            put_lookup(out, path, value)

    else:
        column, write = dataverse, None
    return _plan(source, convert, source or "", write, column, row, True)


def _to_finance_operations(row: Row) -> Plan | None:
    target = row.finance_operations
    if row.map_type not in _TOWARDS_FINANCE_OPERATIONS or target is None:
        return None
    dataverse = row.dataverse
    source: str | None
    read: Convert
    if dataverse is None:
        source, name, read = None, "", _unused
    elif isinstance(dataverse, PolymorphicLookup):
        source, name, convert, lookup = (
            dataverse.column,
            dataverse.path,
            row.converter(False),
            dataverse.read,
        )

        def read(value: object, field: str) -> object:
            return convert(lookup(value, field), field)

    elif "." in dataverse:
        column, *rest = dataverse.split(".")
        source, name, convert, hops = column, dataverse, row.converter(False), tuple(rest)

        def read(value: object, field: str) -> object:
            return convert(read_lookup(value, hops, field), field)

    else:
        source, name, read = dataverse, dataverse, row.converter(False)

    return _plan(source, read, name, None, target, row, False)


def _unused(value: object, field: str) -> object:
    raise AssertionError("a row without a source converts nothing")


RowFunction = Callable[[Mapping[str, object]], dict[str, object]]


class Rows:
    """A template's rows, in the order written (a later row wins where two write one field).

    Each direction's function is written out at import and compiled on its first call: a sync
    loads every module of a build, most of whose templates it never maps a row of. `source` is
    the template's file, which errors and tracebacks name with the row's line."""

    __slots__ = ("rows", "source", "to_dataverse", "to_finance_operations")

    def __init__(self, *rows: Row, source: str = "") -> None:
        self.rows = rows
        self.source = source
        self.to_dataverse: RowFunction = _on_first_call(
            self,
            "to_dataverse",
            tuple(s for r in rows if (s := _to_dataverse(r)) is not None),
        )
        self.to_finance_operations: RowFunction = _on_first_call(
            self,
            "to_finance_operations",
            tuple(s for r in rows if (s := _to_finance_operations(r)) is not None),
        )


def _on_first_call(rows: Rows, attribute: str, plans: tuple[Plan, ...]) -> RowFunction:
    """A stand-in that compiles the function `plans` write out, puts it in its place on `rows`,
    and maps with it."""
    made: RowFunction | None = None

    def first(row: Mapping[str, object]) -> dict[str, object]:
        nonlocal made  # kept here too, for a caller that held on to the stand-in
        if made is None:
            made = _compiled(f"<{rows.source or 'rows'}: {attribute}>", rows.source, plans)
            setattr(rows, attribute, made)
        return made(row)

    return first


def _written_out(
    plans: tuple[Plan, ...], source_file: str
) -> tuple[str, dict[str, object], dict[int, str]]:
    """One direction's rows as the source of one function (and the values it reads, and the
    template row each line comes from), its
    statements written out in order, as a person would write the mapping by hand: a loop over
    the rows costs twice that per row (measured, benchmarks/run.py). Only field names go into
    the source, as `repr` literals; every other value (checks, steps, types, value-map tables)
    is a parameter of the function's factory. Each statement ends in a comment naming the
    template row it comes from, which a traceback shows.

    It is written twice. A row that has as many keys as there are fields to read (a store's
    row, the usual case) reads each field with `row[name]` in a `try`, which costs nothing when
    the field is there; a smaller row, where fields are missing, asks `name in row` first, as
    a raised KeyError costs more than the lookup it saves."""
    values: dict[str, object] = {}

    def bound(value: object) -> str:
        name = f"_v{len(values)}"
        values[name] = value
        return name

    # Per row: (the field it reads, or None for a step that reads for itself; its statements;
    # where the row is written).
    moves: list[tuple[str | None, list[str], str | None]] = []
    for source, target, read, name, step, exact, table, row in plans:
        where = f"{source_file}:{row.line}" if source_file and row.line is not None else None
        if step is not None:
            moves.append((None, [f"{bound(step)}(row, out)"], where))
            continue
        for text in (source, target, name):
            if type(text) is not str:
                raise TypeError(f"a field name must be a str, not {text!r}")
        into = f"out[{target!r}]"
        # The common case first: a value of exactly the type its check returns, or a symbol of
        # its value map; then None, which passes through; anything else goes through the check.
        tests: list[tuple[str, str]] = []
        if exact is not None:
            tests.append((f"type(value) is {bound(exact)}", "value"))
        if table is not None:
            found = bound(table)
            tests.append((f"type(value) is str and value in {found}", f"{found}[value]"))
        tests.append(("value is None", "None"))
        statements = []
        for number, (test, written) in enumerate(tests):
            keyword = "if" if number == 0 else "elif"
            statements += [f"{keyword} {test}:", f"    {into} = {written}"]
        statements += ["else:", f"    {into} = {bound(read)}(value, {name!r})"]
        moves.append((source, statements, where))

    # Which template row each line of the text comes from, for the error a row raises.
    origins: dict[int, str] = {}
    lines = ["def _make():"]

    def add(indent: str, statements: list[str], origin: str | None) -> None:
        comment = f"  # {repr(origin)[1:-1]}" if origin else ""  # a comment is one line
        for statement in statements:
            lines.append(f"{indent}{statement}{comment}")
            if origin:
                origins[len(lines)] = origin

    fields = len({field_name for field_name, _, _ in moves if field_name is not None})
    for function in ("sparse", "apply"):
        lines += [f"    def {function}(row):"]
        if function == "apply":
            lines += [f"        if len(row) < {fields}:", "            return sparse(row)"]
        lines += ["        out = {}"]
        for field_name, statements, origin in moves:
            if field_name is None:
                add("        ", statements, origin)
            elif function == "sparse":
                add("        ", [f"if {field_name!r} in row:"], origin)
                add("            ", [f"value = row[{field_name!r}]", *statements], origin)
            else:
                add("        ", ["try:"], origin)
                add("            ", [f"value = row[{field_name!r}]"], origin)
                add("        ", ["except KeyError:", "    pass", "else:"], origin)
                add("            ", statements, origin)
        lines += ["        return out"]
    lines += ["    return apply"]
    # The factory's parameters become the functions' closure: read as fast as locals.
    lines[0] = f"def _make({', '.join(values)}):"
    return "\n".join(lines), values, origins


_COMPILED: dict[str, int] = {}  # how many functions of each name were compiled


def _compiled(name: str, source_file: str, plans: tuple[Plan, ...]) -> RowFunction:
    source, values, origins = _written_out(plans, source_file)
    # One file name per function compiled, even for two builds of one template in a process.
    copy = _COMPILED[name] = _COMPILED.get(name, 0) + 1
    filename = name if copy == 1 else f"{name[:-1]} #{copy}>"
    # A MappingError raised in it names its row from these (mappingc.runtime.MappingError), and
    # a traceback through it shows its lines, as it would a module's.
    ROW_ORIGINS[filename] = origins
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace: dict[str, Any] = {}
    exec(compile(source, filename, "exec"), namespace)
    made: RowFunction = namespace["_make"](**values)
    return made
