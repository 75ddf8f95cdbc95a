"""Affiliation's rules without I/O: SIREN and NIR, what an affiliation may name, the business day
of processing, review reasons, and the employer notice rule (AF-1, AF-3, AF-5, AF-6)."""

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from affiliation.domain.errors import (
    InvalidField, InvalidNir, InvalidSiren, ProvidentNotAffiliable, StartBeforeContract, UnknownOption,
)
from affiliation.domain.rules import (
    BusinessDays, GroupContract, check_affiliation, check_birth_date, checked_nir, checked_siren,
    employer_told_of_beneficiary, review_reason, searchable,
)

PARIS = ZoneInfo("Europe/Paris")


def nir_for(birth: date, sex: str = "2", place: str = "75056", order: str = "123") -> str:
    body = f"{sex}{birth.year % 100:02d}{birth.month:02d}{place}{order}"
    return body + f"{97 - int(body) % 97:02d}"


def contract(category: str = "sante", start: date = date(2024, 1, 1), options=("optique",)) -> GroupContract:
    return GroupContract(uuid.uuid4(), "732829320", "GS-1", category, "Santé", "family", start, tuple(options))


def test_a_siren_with_its_luhn_key_is_accepted_and_compacted():
    assert checked_siren("732 829 320") == "732829320"


@pytest.mark.parametrize("raw", ["732829321", "12345678", "abcdefghi", "7328293200"])
def test_a_malformed_siren_is_refused_naming_the_field(raw):
    with pytest.raises(InvalidSiren) as refused:
        checked_siren(raw)
    assert refused.value.field == "siren"


def test_a_nir_with_its_key_and_agreeing_with_the_birth_date_is_accepted():
    birth = date(1990, 4, 12)
    assert checked_nir(nir_for(birth), birth) == nir_for(birth)


def test_a_nir_with_a_wrong_key_is_refused_naming_the_field():
    birth = date(1990, 4, 12)
    wrong = nir_for(birth)[:-2] + f"{(int(nir_for(birth)[-2:]) + 1) % 97:02d}"
    with pytest.raises(InvalidNir) as refused:
        checked_nir(wrong, birth)
    assert refused.value.field == "employee.nir"


def test_a_nir_of_another_birth_year_or_month_is_refused():
    birth = date(1990, 4, 12)
    with pytest.raises(InvalidNir, match="année"):
        checked_nir(nir_for(date(1991, 4, 12)), birth)
    with pytest.raises(InvalidNir, match="mois"):
        checked_nir(nir_for(date(1990, 5, 12)), birth)


def test_a_nir_with_an_unknown_birth_month_is_accepted():
    birth = date(1990, 4, 12)
    body = "29099" + "75056" + "123"
    assert checked_nir(body + f"{97 - int(body) % 97:02d}", birth)


def test_an_employee_younger_than_14_or_born_tomorrow_is_refused():
    today = date(2027, 3, 1)
    with pytest.raises(InvalidField):
        check_birth_date(date(2020, 1, 1), today)
    with pytest.raises(InvalidField):
        check_birth_date(date(2027, 3, 2), today)
    check_birth_date(date(1990, 1, 1), today)


def test_a_prevoyance_contract_refuses_online_affiliation_with_a_french_message():
    with pytest.raises(ProvidentNotAffiliable) as refused:
        check_affiliation(contract("prevoyance"), date(2027, 1, 1), [], date(2027, 1, 1), 365)
    assert "prévoyance" in refused.value.detail and refused.value.field == "group_contract_id"


def test_a_start_date_before_the_contract_is_refused_naming_the_field():
    with pytest.raises(StartBeforeContract) as refused:
        check_affiliation(contract(start=date(2025, 1, 1)), date(2024, 12, 31), [], date(2025, 6, 1), 365)
    assert refused.value.field == "start_date" and "01/01/2025" in refused.value.detail


def test_an_option_the_contract_does_not_offer_is_refused_and_repeats_are_dropped():
    with pytest.raises(UnknownOption):
        check_affiliation(contract(), date(2025, 1, 1), ["dentaire"], date(2025, 1, 1), 365)
    assert check_affiliation(contract(), date(2025, 1, 1), ["optique", "optique"], date(2025, 1, 1), 365) == ["optique"]


def test_a_start_date_too_far_ahead_is_refused():
    with pytest.raises(InvalidField):
        check_affiliation(contract(), date(2027, 1, 1), [], date(2025, 1, 1), 365)


def test_a_request_received_on_a_friday_afternoon_is_due_monday_same_time():
    days = BusinessDays()
    friday = datetime(2027, 3, 5, 15, 30, tzinfo=PARIS)
    assert days.due(friday) == datetime(2027, 3, 8, 15, 30, tzinfo=PARIS)


def test_a_public_holiday_is_not_a_business_day_easter_monday_included():
    days = BusinessDays()
    # Thursday 6 May 2027 is Ascension: a request on Wednesday 5 is due Friday 7.
    assert days.due(datetime(2027, 5, 5, 10, 0, tzinfo=PARIS)) == datetime(2027, 5, 7, 10, 0, tzinfo=PARIS)
    # Easter Monday 29 March 2027: a request on Friday 26 is due Tuesday 30.
    assert days.due(datetime(2027, 3, 26, 9, 0, tzinfo=PARIS)) == datetime(2027, 3, 30, 9, 0, tzinfo=PARIS)


def test_a_request_received_on_a_sunday_is_due_at_the_start_of_tuesday():
    days = BusinessDays()
    sunday = datetime(2027, 3, 7, 20, 0, tzinfo=UTC)
    assert days.due(sunday) == datetime(2027, 3, 9, 0, 0, tzinfo=PARIS)


def test_a_retroactive_start_or_an_employee_affiliated_elsewhere_goes_to_review():
    today = date(2027, 3, 1)
    assert review_reason(date(2026, 1, 1), today, 90, False).startswith("Affiliation rétroactive")
    assert review_reason(date(2027, 3, 1), today, 90, True) == "Salarié déjà affilié par une autre entreprise"
    assert review_reason(date(2027, 3, 1), today, 90, False) is None


@pytest.mark.parametrize("formula, changes, told", [
    ("supplementary_company_contribution", False, True),
    ("supplementary_company_contribution", True, True),
    ("family", True, True),
    ("family", False, False),
    ("isolated", True, False),
    (None, True, False),
])
def test_the_employer_is_told_of_a_beneficiary_always_with_the_supplementary_formula_and_with_family_only_on_change(
        formula, changes, told):
    assert employer_told_of_beneficiary("sante", formula, changes) is told


@pytest.mark.parametrize("formula", ["supplementary_company_contribution", "family"])
def test_a_beneficiary_on_a_prevoyance_contract_never_tells_the_employer(formula):
    assert employer_told_of_beneficiary("prevoyance", formula, True) is False


def test_journal_search_text_leaves_out_accents_and_case():
    assert searchable("Bénéficiaire (conjoint) ajouté — LEFÈBVRE") == "beneficiaire (conjoint) ajoute — lefebvre"
    assert searchable("Résiliation") == searchable("RESILIATION")
