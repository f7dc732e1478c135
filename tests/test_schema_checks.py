"""Templates against real metadata: one test per check, each on real entities and tables (the
Dataverse Web API `$metadata` and the CDM documents copied in tests/corpus/schemas/, and a
finance and operations `$metadata` written in FO's form, tests/fixtures/schemas/)."""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import CORPUS, FIXTURES, KEYLESS, REPO
from mappingc import config
from mappingc.build import compile_directory, compile_sources
from mappingc.diagnostics import Diagnostic
from mappingc.schemas import cdm, csdl
from mappingc.schemas.index import Schemas
from mappingc.schemas.index import load as load_schemas
from mappingc.schemas.merge import merge_all
from mappingc.schemas.snapshot import Snapshot

SCHEMAS = CORPUS / "schemas"
CRM = SCHEMAS / "csdl" / "DynamicsCRM.xml"
DOCUMENTS = SCHEMAS / "cdm" / "schemaDocuments"
REWARD_POINTS = (
    "core/operationsCommon/Entities/Commerce/CommerceCustomers/RetailLoyaltyRewardPointEntity"
    ".cdm.json"
)
CURRENCY = "core/applicationCommon/Currency.cdm.json"


@functools.cache
def web_api(text: str | None = None) -> tuple[Snapshot, ...]:
    """The Dataverse Web API's snapshots, as an environment's own (complete)."""
    return tuple(csdl.read(text.encode() if text else CRM.read_bytes(), "DynamicsCRM.xml"))


@functools.cache
def model(*documents: str) -> tuple[Snapshot, ...]:
    corpus = cdm.Corpus(DOCUMENTS)
    return tuple(s for d in documents for s in cdm.read(corpus, d))


def finance_operations() -> list[Snapshot]:
    path = FIXTURES / "schemas" / "fo-loyalty-metadata.xml"
    return csdl.read(path.read_bytes(), path.name)


def diagnostics(template: str, *snapshots: Snapshot) -> list[Diagnostic]:
    sources = [("mappings/t.dwmap", template)]
    result = compile_sources(sources, ignores=KEYLESS, schemas=Schemas(merge_all(list(snapshots))))
    return result.diagnostics


def codes(found: list[Diagnostic]) -> list[str]:
    return [d.code.value for d in found]


def template(
    rows: str, header: str = "", fo: str = "Currencies", dv: str = "transactioncurrencies"
) -> str:
    return (
        f'template t {{\n    label "T"\n    finance_operations {fo}\n    dataverse {dv}\n'
        f"{header}\n{rows}}}\n"
    )


def test_an_unknown_column_of_a_complete_snapshot_is_an_error_with_a_hint() -> None:
    (found,) = diagnostics(template("    CURRENCYCODE = isocurrencycod\n"), *web_api())
    assert found.code.value == "E610" and "DIPV1022/DIPV1025" in found.message
    assert (
        "`isocurrencycod` is not a column of Dataverse table `transactioncurrency`" in found.message
    )
    assert found.hint == "did you mean `isocurrencycode`?"
    assert (found.span.line, found.span.column) == (6, 20)


def test_a_name_a_partial_snapshot_lacks_is_a_note_and_a_near_miss_a_warning() -> None:
    # Most names a partial snapshot lacks are dual-write's own columns: nothing to act on.
    found = diagnostics(template("    CURRENCYCODE < msdyn_isocode\n"), *model(CURRENCY))
    assert codes(found) == ["N622"]
    assert (
        "which does not list every column (cdm:core/applicationCommon/Currency.cdm.json)"
        in found[0].message
    )
    # A name a letter or two from one it lists is most likely a typo of it.
    (typo,) = diagnostics(template("    CURRENCYCODE < isocurrencycod\n"), *model(CURRENCY))
    assert typo.code.value == "W619" and typo.hint == "did you mean `isocurrencycode`?"
    # Not the table's own id, which dual-write never maps (`msdyn_x_id` is a column of its own).
    (own_id,) = diagnostics(
        template("    CURRENCYCODE < transactioncurrency_id\n"), *model(CURRENCY)
    )
    assert own_id.code.value == "N622"


def test_fo_fields_compare_without_case() -> None:
    text = template(
        "    MAXIMUMLOYALTYREWARDPOINTS > currencyprecision\n    REWARDPOINTID > currencyname\n",
        fo='"Loyalty reward points"',
    )
    found = diagnostics(text, *model(REWARD_POINTS), *web_api())
    # MaximumLoyaltyRewardPoints is a 64-bit number in its backing table: not into 32 bits.
    assert codes(found) == ["E612"]
    assert (
        "`MaximumLoyaltyRewardPoints` → `currencyprecision`: "
        "a 64-bit whole number into a 32-bit one" in found[0].message
    )


def test_a_suggested_fo_field_is_written_as_the_template_writes_fields() -> None:
    """Issue 30: the did-you-mean said `MaximumLoyaltyRewardPoints` where the template (and
    `mappingc new`, and the published tables) write `MAXIMUMLOYALTYREWARDPOINTS`."""
    text = template(
        "    MAXIMUMLOYALTYREWARDPOINT > currencyprecision\n", fo='"Loyalty reward points"'
    )
    hints = [d.hint for d in diagnostics(text, *model(REWARD_POINTS)) if d.hint]
    assert "did you mean `MAXIMUMLOYALTYREWARDPOINTS`?" in hints, hints


@pytest.mark.parametrize(
    ("rows", "header", "message"),
    [
        (
            "    X = currencyname.isocurrencycode\n",
            "",
            "`currencyname` is not a lookup of `transactioncurrency` but string",
        ),
        (
            "    X = organizationid.nosuchfield\n",
            "",
            "Dataverse table `organization` has no field `nosuchfield`",
        ),
        (
            "    X = organizationid.name\n",
            "    lookup organizationid -> accounts\n",
            "`organizationid` points at `organization`, not at `accounts`",
        ),
    ],
)
def test_lookups_must_be_lookups_to_the_table_named_with_the_key_field(
    rows: str, header: str, message: str
) -> None:
    found = [d for d in diagnostics(template(rows, header), *web_api()) if d.code.value == "E611"]
    assert found and message in found[0].message and "DIPV1027/DIPV1028" in found[0].message


def test_a_declared_type_that_contradicts_the_snapshot() -> None:
    text = template(
        "    MAXIMUMLOYALTYREWARDPOINTS = msdyn_points : decimal\n",
        fo='"Loyalty reward points"',
        dv="msdyn_x",
    )
    (found,) = diagnostics(text, *model(REWARD_POINTS))
    assert found.code.value == "E612"
    assert (
        "the row says `decimal`, but `MaximumLoyaltyRewardPoints`" in found.message
        and "is int64" in found.message
    )
    assert found.hint is not None and "write `: int64`" in found.hint


def test_text_longer_than_the_destination_holds() -> None:
    # FO CardNumber holds 30 characters; Dataverse isocurrencycode (CDM) 5.
    text = template(
        "    CARDNUMBER = isocurrencycode\n", fo="LoyaltyCard", header="    company_specific"
    )
    found = diagnostics(text, *finance_operations(), *model(CURRENCY))
    assert "E612" in codes(found)
    mismatch = next(d for d in found if d.code.value == "E612")
    assert "text of up to 30 characters into 5" in mismatch.message


def test_a_read_only_destination() -> None:
    (found,) = [
        d
        for d in diagnostics(template("    A = createdon\n", dv="accounts"), *web_api())
        if d.code.value == "E613"
    ]
    assert (
        found.message
        == "`createdon` is read-only in Dataverse; this `=` row writes it (dual-write: DIPV1011)"
    )
    assert not [
        d
        for d in diagnostics(template("    A < createdon\n", dv="accounts"), *web_api())
        if d.code.value == "E613"
    ]


def test_a_required_destination_nobody_writes() -> None:
    found = [
        d
        for d in diagnostics(template("    CURRENCYCODE = isocurrencycode\n"), *model(CURRENCY))
        if d.code.value == "E614"
    ]
    assert len(found) == 1
    # `currencyprecision` is required too, but Dataverse fills it (schemas/filled.toml).
    assert "requires `currencyname`, `currencysymbol`, `exchangerate`, which" in found[0].message
    filled = template(
        "    CURRENCYCODE = isocurrencycode\n    NAME = currencyname\n    SYMBOL = currencysymbol\n"
        "    none > currencyprecision default 2\n    none > exchangerate default 1\n"
    )
    assert "E614" not in codes(diagnostics(filled, *model(CURRENCY)))


def _with_alternate_keys(keys: list[list[str]]) -> str:
    records = "".join(
        '<Record Type="OData.Community.Keys.V1.AlternateKey">'
        '<PropertyValue Property="Key"><Collection>'
        + "".join(
            '<Record Type="OData.Community.Keys.V1.PropertyRef">'
            f'<PropertyValue Property="Alias" String="{n}"/>'
            f'<PropertyValue Property="Name" PropertyPath="{n}"/></Record>'
            for n in key
        )
        + "</Collection></PropertyValue></Record>"
        for key in keys
    )
    annotation = (
        '<Annotation Term="OData.Community.Keys.V1.AlternateKeys">'
        f"<Collection>{records}</Collection></Annotation>"
    )
    text = CRM.read_text(encoding="utf-8-sig")
    return re.sub(
        r'(<EntityType Name="transactioncurrency"[^>]*>)', r"\1" + annotation, text, count=1
    )


def test_the_integration_key_must_be_an_alternate_key() -> None:
    ok = web_api(_with_alternate_keys([["isocurrencycode"]]))
    keyed = template(
        "    CURRENCYCODE = isocurrencycode\n    NAME = currencyname\n",
        header="    key isocurrencycode",
    )
    assert "E615" not in codes(diagnostics(keyed, *ok))
    wrong = keyed.replace("key isocurrencycode", "key currencyname")
    (found,) = [d for d in diagnostics(wrong, *ok) if d.code.value == "E615"]
    assert (
        "key `currencyname` is not an alternate key of `transactioncurrency` "
        "(its alternate keys: isocurrencycode)" in found.message
    )
    none = web_api(_with_alternate_keys([]))
    (found,) = [d for d in diagnostics(keyed, *none) if d.code.value == "E615"]
    assert "has no alternate key" in found.message


def test_value_maps_stay_inside_the_option_set_and_the_enum() -> None:
    rows = "    STATE >< statecode via { active: 0, inactive: 1, gone: 2 }\n"
    (found,) = [d for d in diagnostics(template(rows), *model(CURRENCY)) if d.code.value == "E616"]
    assert "gives 2, which is not an option of `statecode` (its options: 0, 1)" in found.message
    rows = "    CARDTENDERTYPE >< statecode via { asCardTender: 0, lost: 1 }\n"
    text = template(rows, fo="LoyaltyCard", header="    company_specific")
    (found,) = [
        d
        for d in diagnostics(text, *finance_operations(), *model(CURRENCY))
        if d.code.value == "E616"
    ]
    assert "`lost` is not a member of the enum of `CardTenderType`" in found.message


def test_a_field_mapped_twice_both_ways_needs_no_snapshot() -> None:
    text = template("    CURRENCYCODE = isocurrencycode\n    CURRENCYCODE > currencyname\n")
    (found,) = diagnostics(text)
    assert found.code.value == "E617" and "DIPV1023" in found.message
    # Read twice towards Dataverse is what Microsoft's Units template does: nothing to say.
    read_twice = template("    CURRENCYCODE > isocurrencycode\n    CURRENCYCODE > currencyname\n")
    assert codes(diagnostics(read_twice)) == []
    written_twice = template(
        "    CURRENCYCODE < isocurrencycode\n    CURRENCYCODE < currencyname\n"
    )
    assert codes(diagnostics(written_twice)) == ["W400"]


def test_the_company_context_must_agree() -> None:
    text = template(
        "    CARDNUMBER = msdyn_cardnumber\n", fo="LoyaltyCard", dv="msdyn_loyaltycards"
    )
    (found,) = diagnostics(text, *finance_operations())
    assert found.code.value == "E618"
    assert (
        "`LoyaltyCard` is company-specific; the template does not say `company_specific`"
        in found.message
    )


def test_a_name_two_snapshots_fit_is_not_checked() -> None:
    first = finance_operations()[0]
    twin = replace(first, name="LoyaltyCardV2", entity_set="LoyaltyCardsV2", label="LoyaltyCard")
    found = diagnostics(
        template("    NOPE = msdyn_x\n", fo="LoyaltyCard", dv="msdyn_x"), first, twin
    )
    assert codes(found) == ["W601"]


def test_rows_take_the_snapshot_types_and_defaults_convert_as_dual_write_converts_them() -> None:
    rows = (
        "    CURRENCYCODE = isocurrencycode\n    NAME = currencyname\n    SYMBOL = currencysymbol\n"
        '    none > currencyprecision default 2\n    none > exchangerate default "1.5"\n'
    )
    result = compile_sources(
        [("mappings/t.dwmap", template(rows))], schemas=Schemas(list(model(CURRENCY)))
    )
    assert result.ok, result.render_diagnostics()
    module = result.files["sync/t.py"]
    assert "isocurrencycode: Annotated[str, Field(max_length=5)] | None = None" in module
    assert 'Row(None, ">", "exchangerate", default=decimal.Decimal("1.5"), line=' in module
    bad = template('    CURRENCYCODE = isocurrencycode\n    none > exchangerate default "one"\n')
    assert "E205" in codes(diagnostics(bad, *model(CURRENCY)))


def test_dual_write_errors_can_be_suppressed_at_their_source_and_others_not() -> None:
    text = template(
        "    CURRENCYCODE = isocurrencycode\n"
        "    CURRENCYCODE > currencyname  # mappingc: ignore[E617] as published\n"
    )
    assert diagnostics(text) == []
    text = template("    CURRENCYCODE = isocurrencycode via Nope  # mappingc: ignore[E103]\n")
    assert codes(diagnostics(text)) == ["E103", "W402"]


def test_an_unreadable_snapshot_stops_the_build(tmp_path: Path) -> None:
    (tmp_path / "mappings").mkdir()
    (tmp_path / "mappings" / "t.dwmap").write_text(template("    A = isocurrencycode\n"))
    (tmp_path / "schemas" / "dataverse").mkdir(parents=True)
    (tmp_path / "schemas" / "dataverse" / "x.json").write_text(
        '{"mappingc_schema": 1, "side": "dataverse", "name": "x", '
        '"fields": [{"name": "a", "type": "text"}]}'
    )
    result = compile_directory(tmp_path / "mappings", schemas_dir=tmp_path / "schemas")
    (found,) = result.errors
    assert found.code.value == "E600" and "fields[0].type: 'text' is not one of" in found.message
    assert result.files == {}


# The published catalog is the oracle of what dual-write accepts: Microsoft's own templates,
# built against the project's snapshots with no suppression at all, as a user's project would.
# What the checks may still say of them, exactly (docs/errors.md lists each and why).
ORACLE_WARNINGS = {"W621": 1}
# A column a published table itself writes twice, both ways (dual-write rejects it: DIPV1023).
ORACLE_ERRORS = {
    "cds_sales_order_headers__salesorders",
    "cds_sales_order_lines__salesorderdetails",
    "cds_sales_quotation_header__quotes",
    "fiscal_calendar_period__msdyn_fiscalcalendarperiods",
    "fiscal_calendar_period__msdyn_fiscalcalendarperiods__include",
    "fiscal_calendar_year_integration_entity__msdyn_fiscalcalendaryears",
    "product_categories__msdyn_productcategories__include",
    "product_category_assignments__msdyn_productcategoryassignments",
    "product_category_assignments__msdyn_productcategoryassignments__include",
    "warehouse_locations__msdyn_inventorylocations",
    "warehouses__msdyn_warehouses",
}
_SUPPRESSION = re.compile(r"#\s*mappingc:\s*ignore\[[^\]]*\].*$", re.MULTILINE)


def test_the_published_catalog_builds_with_no_suppression_as_dual_write_accepts_it() -> None:
    assert config.load(REPO).ignores == {}, "the catalog passes on its own, not by per-path ignores"
    sources = [
        (f"mappings/{p.relative_to(REPO / 'mappings').as_posix()}", p.read_text(encoding="utf-8"))
        for p in sorted((REPO / "mappings").rglob("*.dwmap"))
    ]
    bare = [(path, _SUPPRESSION.sub("", text)) for path, text in sources]
    assert bare != sources  # the E617 lines did carry a suppression
    schemas, _ = load_schemas(REPO / "schemas")
    result = compile_sources(bare, schemas=schemas, emit=False)
    errors = [d for d in result.diagnostics if d.is_error]
    assert {d.code.value for d in errors} == {"E617"}
    assert {Path(d.path).stem for d in errors} == ORACLE_ERRORS
    warnings = Counter(d.code.value for d in result.diagnostics if d.severity.value == "warning")
    assert warnings == ORACLE_WARNINGS
    assert sum(warnings.values()) <= 0.2 * len(sources)
    # What the partial snapshots do not list, the keys the published tables do not state, and
    # tables more than one template maps (the versions of a template) are notes: counted in one
    # line, never a warning per row.
    notes = Counter(d.code.value for d in result.diagnostics if d.severity.value == "note")
    assert set(notes) == {"N622", "N407", "N408"}


def test_the_catalog_is_checked_against_its_committed_snapshots() -> None:
    settings = config.load(REPO)
    assert settings.schemas == REPO / "schemas"
    result = compile_directory(
        REPO / "mappings", REPO / "locales", ignores=settings.ignores, schemas_dir=settings.schemas
    )
    assert result.ok
    shown = [d for d in result.diagnostics if d.severity.value != "note"]
    assert Counter(d.code.value for d in shown) == ORACLE_WARNINGS
    # The seeds were corrected where the metadata disagreed.
    module = result.files["sync/loyalty_reward_points.py"]
    assert "MAXIMUMLOYALTYREWARDPOINTS: int | None = None" in module
    assert "check_int64" in module


# ---------------------------------------------------------------- FO enums
def contacts() -> list[Snapshot]:
    path = FIXTURES / "schemas" / "fo-contacts-metadata.xml"
    return csdl.read(path.read_bytes(), path.name)


def _contact_template(rows: str, condition: str | None = None) -> str:
    header = "    company_specific\n    key msdyn_contactpersonid\n"
    if condition is not None:
        header += f"    source_filter ({condition})\n"
    return template(
        "    CONTACTPERSONPARTYNUMBER = msdyn_contactpersonid\n" + rows,
        header=header,
        fo="CdsContactPersonsV2",
        dv="contacts",
    )


def _built(text: str, *snapshots: Snapshot) -> tuple[list[Diagnostic], dict[str, str]]:
    result = compile_sources(
        [("mappings/t.dwmap", text)], ignores=KEYLESS, schemas=Schemas(merge_all(list(snapshots)))
    )
    return result.diagnostics, result.files


def test_a_number_an_fo_filter_compares_an_enum_with_is_its_member() -> None:
    """X++ reads `(AssociatedContactType = 1)` as `Vendor`, as the published CDS Contacts V2
    filter means it: the generated filter compares with the symbol FO sends."""
    vendor = '    ASSOCIATEDCONTACTTYPE << none default "Vendor"\n'
    found, files = _built(_contact_template(vendor, "AssociatedContactType = 1"), *contacts())
    assert [d for d in found if d.code.value == "W406"] == []
    assert 'xpp_equal(row.get("ASSOCIATEDCONTACTTYPE"), "Vendor")' in files["sync/t.py"]
    (beyond,) = [
        d
        for d in _built(_contact_template(vendor, "AssociatedContactType = 7"), *contacts())[0]
        if d.code.value == "W406"
    ]
    assert beyond.message == (
        "no member of the enum of `AssociatedContactType` has the value 7, so comparing "
        "`AssociatedContactType` with it never matches (its members: Customer=0, Vendor=1, "
        "Contact=2, NotSupported=3, Prospect=4)"
    )


def test_filter_symbols_defaults_and_value_maps_are_checked_against_the_members() -> None:
    text = _contact_template(
        '    ASSOCIATEDCONTACTTYPE << none default "Vendr"\n'
        "    ISINACTIVE >< msdyn_isinactive via { no: False, yess: True }\n",
        'AssociatedContactType == "Custmer"',
    )
    found = {d.code.value: d for d in diagnostics(text, *contacts())}
    assert found["W406"].hint == "did you mean `Customer`?"
    assert found["E616"].hint in {"did you mean `Vendor`?", "did you mean `Yes`?"}
    messages = sorted(d.message for d in diagnostics(text, *contacts()) if d.code.value == "E616")
    assert messages == [
        "`yess` is not a member of the enum of `IsInactive`, which `ISINACTIVE` holds (its "
        "members: No=0, Yes=1)",
        "default `Vendr` is not a member of the enum of `AssociatedContactType`, which "
        "`ASSOCIATEDCONTACTTYPE` holds",
    ]
    # Symbols compare without case, as in X++ and in the exports (`no`, `yes`, `Person`).
    fine = _contact_template(
        '    ASSOCIATEDCONTACTTYPE << none default "vendor"\n'
        "    ISINACTIVE >< msdyn_isinactive via { NO: False, yes: True }\n",
        "AssociatedContactType == customer",
    )
    assert [d.code.value for d in diagnostics(fine, *contacts()) if d.is_error] == []


def test_a_typo_in_a_seed_value_map_gets_the_members_spelling() -> None:
    """The loyalty card's tender type is RetailLoyaltyTenderTypeBase in real FO metadata, which
    the CDM snapshot lacks (mappingc/schemas/fo_enums.toml knows it)."""
    source = (REPO / "mappings" / "loyalty" / "loyalty_card.dwmap").read_text(encoding="utf-8")
    typo = source.replace("asCardTender    :", "asCardTendr     :")
    assert typo != source
    schemas, _ = load_schemas(REPO / "schemas")
    result = compile_sources([("mappings/l.dwmap", typo)], schemas=schemas, emit=False)
    (error,) = result.errors
    assert error.code.value == "E616" and error.hint == "did you mean `AsCardTender`?"
