"""Worked examples of the broker's pricing tool (BR-2) on the demo tariff rules."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from contracts.domain.offers import OffersFile
from contracts.domain.pricing import PersonCovered, Pricing, department_of, price

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "local" / "demo" / "broker_offers.json"
OFFERS = OffersFile.model_validate(json.loads(DEMO.read_text(encoding="utf-8")))
TARIFFS = {o.product_code: o.tariff for o in OFFERS.offers}
EFFECTIVE = date(2027, 1, 1)
FAMILY_OF_FOUR = [
    PersonCovered("main", date(1984, 3, 12)),    # 42: band 30-44, 38.90
    PersonCovered("spouse", date(1986, 5, 1)),   # 40: 38.90
    PersonCovered("child", date(2015, 6, 1)),    # 11: 16.80
    PersonCovered("child", date(2018, 9, 1)),    # 8: 16.80
]


def _price(product: str, people, postcode: str, option: int = 1) -> Pricing:
    result = price(TARIFFS[product], list(OFFERS.zones), people, postcode, option, EFFECTIVE)
    assert isinstance(result, Pricing), result
    return result


def test_a_family_of_four_in_paris_pays_the_bands_times_the_zone_factor_less_the_family_discount():
    # (38.90 + 38.90 + 16.80 + 16.80) = 111.40 × 1.15 (Z1) × 1.00 × 0.95 = 121.7045 → 121.70
    result = _price("SANTE-ESSENTIEL", FAMILY_OF_FOUR, "75011")
    assert (result.zone, result.department) == ("Z1", "75")
    assert [p.monthly_eur for p in result.people] == [Decimal("38.90"), Decimal("38.90"), Decimal("16.80"), Decimal("16.80")]
    assert result.family_discount_pct == Decimal("5")
    assert result.monthly_eur == Decimal("121.70")
    assert result.yearly_eur == Decimal("1460.40")


def test_the_same_family_in_a_rural_department_pays_the_base_zone():
    # 111.40 × 1.00 (Z3) × 0.95 = 105.83
    result = _price("SANTE-ESSENTIEL", FAMILY_OF_FOUR, "23000")
    assert (result.zone, result.monthly_eur) == ("Z3", Decimal("105.83"))


def test_the_option_level_multiplies_the_contribution():
    # Confort, single 42-year-old in Lyon (Z2), Renfort: 64.20 × 1.05 × 1.20 = 80.892 → 80.89
    result = _price("SANTE-CONFORT", FAMILY_OF_FOUR[:1], "69003", option=2)
    assert (result.zone, result.option_factor, result.monthly_eur) == ("Z2", Decimal("1.20"), Decimal("80.89"))


def test_children_beyond_the_second_are_free_and_the_youngest_is_the_free_one():
    third = PersonCovered("child", date(2021, 2, 2))
    result = _price("SANTE-ESSENTIEL", [*FAMILY_OF_FOUR, third], "23000")
    assert [p.charged for p in result.people] == [True, True, True, True, False]
    assert result.monthly_eur == Decimal("105.83")  # same as four people


def test_the_age_is_counted_in_completed_years_on_the_effective_date():
    # Born 1997-01-02: 29 on 2027-01-01 (band 18-29, 29.50), not 30.
    result = _price("SANTE-ESSENTIEL", [PersonCovered("main", date(1997, 1, 2))], "23000")
    assert (result.people[0].age, result.monthly_eur) == (29, Decimal("29.50"))


def test_a_corsican_postcode_is_in_its_department_and_overseas_departments_are_in_france():
    assert department_of("20000") == "2A"
    assert department_of("20200") == "2B"
    assert department_of("97400") == "974"
    assert _price("SANTE-ESSENTIEL", FAMILY_OF_FOUR[:1], "20090").zone == "Z2"


@pytest.mark.parametrize("postcode", ["98000", "00100", "97500", "99999", "7501", "ABCDE", "750011"])
def test_a_postcode_outside_france_is_refused_naming_the_field(postcode):
    errors = price(TARIFFS["SANTE-ESSENTIEL"], list(OFFERS.zones), FAMILY_OF_FOUR, postcode, 1, EFFECTIVE)
    assert [e.field for e in errors] == ["postcode"]


def test_a_birth_date_in_the_future_is_refused_naming_the_person():
    people = [*FAMILY_OF_FOUR[:3], PersonCovered("child", date(2027, 3, 1))]
    errors = price(TARIFFS["SANTE-ESSENTIEL"], list(OFFERS.zones), people, "75011", 1, EFFECTIVE)
    assert [e.field for e in errors] == ["people.3.birth_date"]


def test_an_unknown_option_level_and_a_missing_main_person_are_both_named():
    errors = price(TARIFFS["SANTE-ESSENTIEL"], list(OFFERS.zones), FAMILY_OF_FOUR[1:], "75011", 7, EFFECTIVE)
    assert {e.field for e in errors} == {"option_level", "people"}


def test_the_demo_file_prices_every_product_with_a_tariff_and_documents_the_others():
    priced = {code for code, tariff in TARIFFS.items() if tariff is not None}
    assert "RETRAITE-HORIZON" not in priced and "SANTE-ESSENTIEL" in priced
    for code in priced:
        assert _price(code, FAMILY_OF_FOUR, "33000").monthly_eur > 0


def test_the_demo_offers_name_only_demo_products_and_every_demo_product_has_an_offer():
    products = json.loads((DEMO.parent / "products.json").read_text(encoding="utf-8"))
    assert {o.product_code for o in OFFERS.offers} == {p["code"] for p in products}
