"""What the generated sync modules do: directions, value maps, defaults, lookups, errors."""

from __future__ import annotations

import datetime
import decimal
from types import ModuleType

import pytest

from mappingc.runtime import (
    FieldTypeError,
    LookupShapeError,
    MappingError,
    ValueMapError,
    check_decimal,
    check_int,
)

CARD = {
    "CARDNUMBER": "C-0001",
    "CARDTENDERTYPE": "asContactTender",
    "PARTYNUMBER": "P-42",
    "REPLACEMENTCARDNUMBER": "C-0002",
    "OMOPERATINGUNITNUMBER": "OU-7",
    "LOYALTYENROLLMENTDATE": datetime.date(2024, 1, 31),
    "LOYALTYENROLLMENTDATELOCAL": datetime.date(2024, 2, 1),
}


@pytest.fixture
def card(generated: dict[str, ModuleType]) -> ModuleType:
    return generated["loyalty_card"]


@pytest.fixture
def points(generated: dict[str, ModuleType]) -> ModuleType:
    return generated["loyalty_reward_points"]


def test_loyalty_card_to_dataverse(card: ModuleType) -> None:
    assert card.to_dataverse(CARD) == {
        "msdyn_cardnumber": "C-0001",
        "msdyn_cardtendertype": 806380001,
        "msdyn_partynumber": "P-42",
        "msdyn_replacementcardnumber": "C-0002",
        "msdyn_operatingunitnumber": "OU-7",
        "msdyn_enrollmentdate": datetime.date(2024, 1, 31),
        "msdyn_effectivedate": datetime.date(2024, 2, 1),
    }


def test_one_way_field_does_not_come_back(card: ModuleType) -> None:
    back = card.to_finance_operations(card.to_dataverse(CARD))
    assert "REPLACEMENTCARDNUMBER" not in back
    assert back == {k: v for k, v in CARD.items() if k != "REPLACEMENTCARDNUMBER"}
    assert back["CARDTENDERTYPE"] is card.CardTenderType.asContactTender


def test_partial_rows_map_only_what_they_carry(card: ModuleType) -> None:
    assert card.to_dataverse({"PARTYNUMBER": "P-1"}) == {"msdyn_partynumber": "P-1"}
    assert card.to_finance_operations({}) == {}


def test_none_clears_a_field(card: ModuleType) -> None:
    assert card.to_dataverse({"CARDTENDERTYPE": None}) == {"msdyn_cardtendertype": None}


def test_value_outside_the_value_map_is_an_error(card: ModuleType) -> None:
    with pytest.raises(ValueMapError, match="'gold' is not in value map CardTenderType"):
        card.to_dataverse({"CARDTENDERTYPE": "gold"})
    with pytest.raises(ValueMapError, match="msdyn_cardtendertype: 42 is not in value map"):
        card.to_finance_operations({"msdyn_cardtendertype": 42})


def test_wrong_type_is_an_error_never_a_pass_through(card: ModuleType) -> None:
    with pytest.raises(FieldTypeError, match="CARDNUMBER: expected str, got int 7"):
        card.to_dataverse({"CARDNUMBER": 7})
    with pytest.raises(FieldTypeError, match=r"expected datetime\.date, got datetime"):
        card.to_dataverse({"LOYALTYENROLLMENTDATE": datetime.datetime(2024, 1, 1, 12)})
    assert issubclass(FieldTypeError, MappingError) and issubclass(ValueMapError, MappingError)


def test_boolean_value_map_both_ways(points: ModuleType) -> None:
    assert points.to_dataverse({"REDEEMABLE": "yes"}) == {"msdyn_redeemable": True}
    assert points.to_finance_operations({"msdyn_redeemable": False}) == {"REDEEMABLE": "no"}
    # 1 == True in Python; the map must still refuse an integer for a boolean column.
    with pytest.raises(ValueMapError):
        points.to_finance_operations({"msdyn_redeemable": 1})


def test_shared_value_map_serves_two_fields(points: ModuleType) -> None:
    out = points.to_dataverse({"EXPIRATIONTIMEUNIT": "month", "VESTINGTIMEUNIT": "year"})
    assert out == {"msdyn_expirationtimeunit": 806380001, "msdyn_vestingtimeunit": 806380002}


def test_lookup_is_a_nested_mapping_keyed_by_the_alternate_key(points: ModuleType) -> None:
    out = points.to_dataverse({"REWARDPOINTCURRENCY": "USD"})
    assert out == {"msdyn_rewardpointcurrency": {"isocurrencycode": "USD"}}
    assert points.to_finance_operations(out) == {"REWARDPOINTCURRENCY": "USD"}


def test_lookup_of_the_wrong_shape_is_an_error(points: ModuleType) -> None:
    with pytest.raises(LookupShapeError, match="the lookup has no `isocurrencycode`"):
        points.to_finance_operations({"msdyn_rewardpointcurrency": {"code": "USD"}})
    with pytest.raises(FieldTypeError, match="4 characters is longer than 3"):
        points.to_dataverse({"REWARDPOINTCURRENCY": "USDX"})


def test_a_64_bit_field_takes_64_bits_and_nothing_else(points: ModuleType) -> None:
    # MAXIMUMLOYALTYREWARDPOINTS is an int64 in the metadata (schemas/); it was a decimal.
    row = {"MAXIMUMLOYALTYREWARDPOINTS": 2**40}
    assert points.to_dataverse(row) == {"msdyn_maximumloyaltyrewardpoints": 2**40}
    for wrong in (2**63, decimal.Decimal("10.5"), 10.5, True):
        with pytest.raises(FieldTypeError):
            points.to_dataverse({"MAXIMUMLOYALTYREWARDPOINTS": wrong})


def test_decimal_refuses_floats() -> None:
    assert check_decimal(decimal.Decimal("10.5"), "f") == decimal.Decimal("10.5")
    with pytest.raises(FieldTypeError):
        check_decimal(10.5, "f")


def test_a_whole_number_is_32_bits() -> None:
    assert check_int(2**31 - 1, "f") == 2**31 - 1
    with pytest.raises(FieldTypeError, match="does not fit in 32 bits"):
        check_int(2**31, "f")


def test_typed_api(card: ModuleType) -> None:
    fo = card.FinanceOperationsRow(CARDNUMBER="C-9", CARDTENDERTYPE=card.CardTenderType.blocked)
    dataverse = card.dataverse_row(fo)
    assert dataverse == card.DataverseRow(msdyn_cardnumber="C-9", msdyn_cardtendertype=806380003)
    assert card.finance_operations_row(dataverse) == fo


def test_module_constants(card: ModuleType) -> None:
    assert card.INTEGRATION_KEY == ("msdyn_cardnumber",)
    assert (card.FINANCE_OPERATIONS_ENTITY, card.DATAVERSE_TABLE) == (
        "LoyaltyCard",
        "msdyn_loyaltycards",
    )


# ---------------------------------------------------------------- showcase: the rest of the DSL
def test_none_rows_write_their_constant_every_time(showcase: ModuleType) -> None:
    out = showcase.to_dataverse({})
    assert out == {
        "gendercode": 0,  # default of a value-mapped row: symbol `none` mapped
        "msdyn_points": 0,
        "msdyn_contactforvendor": True,
        "customertypecode": 3,
        "exchangerate": decimal.Decimal("1.0000000000"),
    }
    back = showcase.to_finance_operations({})
    assert back == {"ASSOCIATEDCONTACTTYPE": "Vendor", "GENDER": "none"}


def test_default_applies_when_the_source_is_none(showcase: ModuleType) -> None:
    assert showcase.to_dataverse({"LOYALTYPOINTS": None})["msdyn_points"] == 0
    assert showcase.to_dataverse({"LOYALTYPOINTS": 12})["msdyn_points"] == 12


def test_multi_hop_lookup(showcase: ModuleType) -> None:
    out = showcase.to_dataverse({"COMPANY": "USMF"})
    assert out["msdyn_company"] == {"cdm_company": {"cdm_companycode": "USMF"}}


def test_polymorphic_lookup_both_ways(showcase: ModuleType) -> None:
    out = showcase.to_dataverse({"CUSTOMERACCOUNT": "US-001"})
    assert out["customerid"] == {
        "Account": {"accountnumber": "US-001"},
        "Contact": {"msdyn_contactpersonid": "US-001"},
    }
    row = {"customerid": {"Contact": {"msdyn_contactpersonid": "CP-9"}}}
    assert showcase.to_finance_operations(row)["CUSTOMERACCOUNT"] == "CP-9"
    with pytest.raises(LookupShapeError, match="points at none of"):
        showcase.to_finance_operations({"customerid": {"Lead": {"x": 1}}})


def test_blank_value_map_entry_maps_to_none(showcase: ModuleType) -> None:
    assert showcase.to_dataverse({"VALIDFROM": "never"})["msdyn_validfrom"] is None
    assert showcase.to_dataverse({"VALIDFROM": "always"})["msdyn_validfrom"] == "always"


def test_dataverse_to_fo_only_fields_stay_put(showcase: ModuleType) -> None:
    stamp = datetime.datetime(2024, 5, 1, 8, 30)
    assert showcase.to_finance_operations({"modifiedon": stamp})["MODIFIED"] == stamp
    assert "modifiedon" not in showcase.to_dataverse({"MODIFIED": stamp})


def test_python_keyword_field_gets_an_alias(showcase: ModuleType) -> None:
    row = showcase.FinanceOperationsRow.model_validate({"class": "A"})
    assert row.class_ == "A"
    assert showcase.dataverse_row(row).msdyn_class == "A"
