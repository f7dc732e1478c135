"""Behaviour of every generated module of the committed catalog (generated/sync/), row by row:
each field moves only in the directions its map type allows, with its value map and default,
and lookups come back nested; filters are compiled predicates."""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import tempfile
from pathlib import Path
from types import ModuleType

import pytest

from conftest import REPO, compile_text, load_module, repo_build, template
from mappingc import ir

MANIFEST = json.loads((REPO / "generated" / "manifest.json").read_text(encoding="utf-8"))


@functools.cache
def _catalog() -> ir.Catalog:
    catalog = repo_build().catalog  # with the schema snapshots, as generated/ is
    assert catalog is not None
    return catalog


@functools.cache
def _module(name: str) -> ModuleType:
    entry = next(e for e in MANIFEST["templates"] if e["name"] == name)
    return load_module(REPO / "generated" / entry["module"])


def _nested(path: ir.DataverseField, value: object) -> tuple[str, object]:
    """Where a value written to `path` lands in a mapped row: lookups nest by hop."""
    for hop in reversed(path.hops):
        value = {hop: value}
    return path.column, value


def _sample(field: ir.Row, catalog: ir.Catalog, side: str) -> tuple[object, object]:
    """(value on `side`, the value it becomes on the other side)."""
    if field.value_map is not None:
        entries = catalog.value_maps[field.value_map].entries
        entry = next((e for e in entries if e.value is not None), entries[0])
        return (entry.symbol, entry.value) if side == "fo" else (entry.value, entry.symbol)
    samples: dict[ir.Kind, object] = {
        ir.Kind.STRING: "X-1",
        ir.Kind.INT: 7,
        ir.Kind.INT64: 2**40,
        ir.Kind.DECIMAL: decimal.Decimal("1.25"),
        ir.Kind.BOOL: True,
        ir.Kind.DATE: datetime.date(2024, 1, 31),
        ir.Kind.DATETIME: datetime.datetime(2024, 1, 31, 12, 0),
    }
    sample = samples.get(field.type.kind)
    return sample, sample


def _merge(into: dict[str, object], extra: object) -> None:
    assert isinstance(extra, dict)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)  # type: ignore[arg-type]
        else:
            into.setdefault(key, value)


CASES = [
    (t.name, index)
    for t in _catalog().templates
    for index, f in enumerate(t.rows)
    if not f.dataverse or not f.dataverse.targets  # polymorphic: tests/test_generated_behaviour
]


@pytest.mark.parametrize("name, index", CASES, ids=[f"{n}[{i}]" for n, i in CASES])
def test_each_row_moves_only_where_its_map_type_allows(name: str, index: int) -> None:
    catalog = _catalog()
    tmpl = next(t for t in catalog.templates if t.name == name)
    field = tmpl.rows[index]
    module = _module(name)
    if field.type.kind not in {ir.Kind.STRING, ir.Kind.INT, ir.Kind.BOOL, ir.Kind.ENUM}:
        pytest.skip("dates and decimals: tests/test_generated_behaviour")
    others_to_dv = {f.dataverse.path for f in tmpl.rows if f is not field and f.dataverse}
    others_to_fo = {f.finance_operations for f in tmpl.rows if f is not field}

    # FO → Dataverse
    if field.finance_operations is not None and field.dataverse is not None:
        given, expected = _sample(field, catalog, "fo")
        out = module.to_dataverse({field.finance_operations: given})
        column, landed = _nested(field.dataverse, expected)
        if field.map_type.to_dataverse:
            assert out[column] == landed
        elif field.dataverse.path not in others_to_dv:
            assert column not in out or out[column] != landed
    elif field.finance_operations is None and field.dataverse is not None:
        assert field.default is not None
        out = module.to_dataverse({})
        column, landed = _nested(field.dataverse, field.default.value)
        assert out[column] == landed  # a `none` row writes its default

    # Dataverse → FO
    if field.dataverse is not None and field.finance_operations is not None:
        given, expected = _sample(field, catalog, "dv")
        column, nested = _nested(field.dataverse, given)
        # Other rows that read through the same lookup column need their hops too.
        for other in tmpl.rows:
            path = other.dataverse
            if path is None or other is field or path.column != column or not path.hops:
                continue
            if isinstance(nested, dict):
                _merge(nested, _nested(path, _sample(other, catalog, "dv")[0])[1])
        back = module.to_finance_operations({column: nested})
        if field.map_type.to_finance_operations:
            assert back[field.finance_operations] == expected
        elif field.finance_operations not in others_to_fo:
            assert field.finance_operations not in back or field.default is not None
    elif field.dataverse is None and field.finance_operations is not None:
        assert field.default is not None
        assert module.to_finance_operations({})[field.finance_operations] == field.default.value


@pytest.mark.parametrize("entry", MANIFEST["templates"], ids=lambda e: e["name"])
def test_every_module_has_both_predicates(entry: dict[str, str]) -> None:
    module = _module(entry["name"])
    assert module.accepts_from_finance_operations({}) in {True, False}
    assert module.accepts_from_dataverse({}) in {True, False}


def test_catalog_filters_are_compiled() -> None:
    currencies = _module("currencies__transactioncurrencies__include")
    assert currencies.accepts_from_finance_operations({"CURRENCYCODE": "EUR"})
    assert not currencies.accepts_from_finance_operations({"CURRENCYCODE": "999"})
    contacts = _module("cds_contacts_v2__contacts")
    vendor = {"msdyn_contactforvendor": True, "msdyn_sellable": False, "msdyn_contactpersonid": "7"}
    assert contacts.accepts_from_dataverse(vendor)
    assert not contacts.accepts_from_dataverse({**vendor, "msdyn_contactpersonid": None})
    assert not contacts.accepts_from_dataverse({**vendor, "msdyn_sellable": True})
    # X++ names fields in any case, and `=` is `==`; `AssociatedContactType = 1` compares the
    # enum with its member's value, and FO sends the member: Vendor.
    assert contacts.accepts_from_finance_operations({"ASSOCIATEDCONTACTTYPE": "Vendor"})
    assert contacts.accepts_from_finance_operations({"ASSOCIATEDCONTACTTYPE": "vendor"})
    assert not contacts.accepts_from_finance_operations({"ASSOCIATEDCONTACTTYPE": "Customer"})
    attachments = _module("customer_attachments__annotations")
    assert attachments.accepts_from_finance_operations({"TYPEID": "url"})
    assert not attachments.accepts_from_finance_operations({"TYPEID": "File"})


FILTERED = template(
    "unmapped dataverse statecode : int",
    "NAME = name",
    "KIND = kind",
    "AMOUNT = amount : decimal(2)",
)


@pytest.mark.parametrize(
    "source_filter, row, accepted",
    [
        ('(NAME like "AB*")', {"NAME": "abc"}, True),
        ('(NAME like "AB*")', {"NAME": "xab"}, False),
        ('!(NAME == "x") && (KIND != "")', {"NAME": "y", "KIND": "k"}, True),
        ('!(NAME == "x") && (KIND != "")', {"NAME": "y"}, False),  # None is the empty value
        ("(KIND == AccountType::Customer)", {"KIND": "customer"}, True),
        ("((AMOUNT > 10) || (AMOUNT <= -1))", {"AMOUNT": 10}, False),
        ("((AMOUNT > 10) || (AMOUNT <= -1))", {"AMOUNT": -1}, True),
        ("((AMOUNT > 10) || (AMOUNT <= -1))", {}, False),
    ],
)
def test_source_filter_predicates(
    source_filter: str, row: dict[str, object], accepted: bool
) -> None:
    text = _with_filters(f"source_filter {source_filter}")
    module = _compiled(text)
    assert module.accepts_from_finance_operations(row) is accepted


@pytest.mark.parametrize(
    "reversed_filter, row, accepted",
    [
        ("name eq 'a''b'", {"name": "a'b"}, True),
        ("name ne '' and not (kind eq null)", {"name": "x", "kind": "k"}, True),
        ("name ne '' and not (kind eq null)", {"name": "x"}, False),
        ("startswith(name, 'ab') or endswith(name, 'yz')", {"name": "xyz"}, True),
        ("contains(name, 'mid')", {"name": "amidst"}, True),
        ("statecode eq 0 and amount ge 2.5", {"statecode": 0, "amount": 2.5}, True),
        ("statecode eq 0 and amount ge 2.5", {"statecode": 1, "amount": 3}, False),
        ("kind eq 3", {"kind": "3"}, True),  # a text field equals the number it holds
    ],
)
def test_reversed_filter_predicates(
    reversed_filter: str, row: dict[str, object], accepted: bool
) -> None:
    module = _compiled(_with_filters(f"reversed_filter {reversed_filter}"))
    assert module.accepts_from_dataverse(row) is accepted


def _with_filters(line: str) -> str:
    declaration = "unmapped dataverse statecode : int"
    return FILTERED.replace(declaration, f"{declaration}\n    {line}")


def _compiled(text: str) -> ModuleType:
    result = compile_text(text)
    assert result.ok, result.render_diagnostics()
    folder = Path(tempfile.mkdtemp())
    (path,) = [k for k in result.files if k.startswith("sync/")]
    target = folder / "module.py"
    target.write_text(result.files[path], encoding="utf-8")
    return load_module(target)


def test_a_filter_on_a_field_the_template_lacks_is_an_error() -> None:
    result = compile_text(_with_filters('source_filter (NAMES == "x")'))
    assert not result.ok
    rendered = result.render_diagnostics()
    assert "error[E212]: `NAMES` in the source_filter is not a field of template" in rendered
    assert "did you mean `NAME`?" in rendered
