"""Each reason an import line is refused, and the report's shape."""

import copy
from datetime import date

import pytest

from contracts.domain.imports import (
    FieldError,
    ImportReport,
    ImportRules,
    RefusedLine,
    validate_batch,
    validate_member_line,
)

TODAY = date(2026, 11, 23)
RULES = ImportRules(contract_number_pattern=r"^\d{6}$", member_number_pattern=r"^\d{7}$")
PRODUCTS = {"SANTE-CONFORT": "sante", "PREVOYANCE-SERENITE": "prevoyance"}
LINE = {
    "last_name": "Martin",
    "first_name": "Claire",
    "birth_date": "1984-03-12",
    "contract_number": "104233",
    "member_number": "2045871",
    "category": "sante",
    "in_force": True,
    "product_code": "SANTE-CONFORT",
    "start_date": "2024-01-01",
    "end_date": None,
    "city": "Lyon",
    "beneficiaries": [
        {"last_name": "Martin", "first_name": "Thomas", "birth_date": "1982-10-04", "relationship": "spouse"},
        {"last_name": "Martin", "first_name": "Louis", "birth_date": "2015-06-02", "relationship": "child"},
    ],
}


def line(**changes):
    raw = copy.deepcopy(LINE)
    raw.update(changes)
    return raw


def errors_of(raw, rules=RULES):
    parsed, errors = validate_member_line(raw, PRODUCTS, rules, TODAY)
    assert parsed is None
    return {(e.field, e.message) for e in errors}


def fields_of(raw, rules=RULES):
    return {field for field, _ in errors_of(raw, rules)}


def test_accepts_a_complete_valid_line():
    parsed, errors = validate_member_line(LINE, PRODUCTS, RULES, TODAY)
    assert errors == []
    assert parsed.contract_number == "104233"
    assert parsed.holder.city == "Lyon"
    assert [b.relationship for b in parsed.beneficiaries] == ["spouse", "child"]


@pytest.mark.parametrize("number", ["10423", "1042330", "10423A", ""])
def test_refuses_a_contract_number_not_in_the_configured_format(number):
    assert fields_of(line(contract_number=number)) == {"contract_number"}


def test_refuses_a_member_number_not_in_the_configured_format():
    assert fields_of(line(member_number="204587")) == {"member_number"}


def test_number_formats_follow_the_settings():
    rules = ImportRules(contract_number_pattern=r"^[A-Z]{2}\d{4}$", member_number_pattern=r"^\w+$")
    parsed, errors = validate_member_line(line(contract_number="AB1234", member_number="X9"), PRODUCTS, rules, TODAY)
    assert errors == [] and parsed.contract_number == "AB1234"


def test_refuses_an_unknown_category():
    assert "category" in fields_of(line(category="auto"))


def test_refuses_an_unknown_product():
    assert fields_of(line(product_code="NOPE")) == {"product_code"}


def test_refuses_a_product_of_another_category():
    assert fields_of(line(category="prevoyance")) == {"product_code"}


def test_refuses_a_holder_born_in_the_future():
    assert fields_of(line(birth_date="2027-01-01", beneficiaries=[])) == {"birth_date"}


def test_refuses_a_minor_holder():
    found = errors_of(line(birth_date="2008-11-24", beneficiaries=[]))
    assert found == {("birth_date", "Le souscripteur doit être majeur.")}


def test_accepts_a_holder_who_turns_adult_today():
    parsed, errors = validate_member_line(line(birth_date="2008-11-23", beneficiaries=[]), PRODUCTS, RULES, TODAY)
    assert errors == []


def test_refuses_a_child_older_than_the_holder():
    child = {"last_name": "Martin", "first_name": "Léa", "birth_date": "1980-01-01", "relationship": "child"}
    assert fields_of(line(beneficiaries=[child])) == {"beneficiaries.0.birth_date"}


def test_refuses_a_beneficiary_born_in_the_future():
    child = {"last_name": "Martin", "first_name": "Léa", "birth_date": "2030-01-01", "relationship": "child"}
    assert "beneficiaries.0.birth_date" in fields_of(line(beneficiaries=[child]))


def test_refuses_an_end_date_before_the_start_date():
    assert fields_of(line(end_date="2023-12-31")) == {"end_date"}


def test_accepts_an_end_date_equal_to_the_start_date():
    parsed, errors = validate_member_line(line(end_date="2024-01-01"), PRODUCTS, RULES, TODAY)
    assert errors == []


def test_refuses_an_unknown_relationship():
    cousin = {"last_name": "Martin", "first_name": "Paul", "birth_date": "1990-01-01", "relationship": "cousin"}
    assert fields_of(line(beneficiaries=[cousin])) == {"beneficiaries.0.relationship"}


def test_refuses_the_same_beneficiary_twice_even_spelled_differently():
    a = {"last_name": "Martin", "first_name": "Léa", "birth_date": "2016-01-01", "relationship": "child"}
    b = dict(a, first_name="LEA")
    assert fields_of(line(beneficiaries=[a, b])) == {"beneficiaries.1"}


def test_refuses_a_missing_field_or_a_malformed_date_in_french():
    raw = line(start_date="01/01/2024")
    del raw["member_number"]
    found = errors_of(raw)
    assert ("member_number", "Ce champ est obligatoire.") in found
    assert ("start_date", "Date invalide (format attendu : AAAA-MM-JJ).") in found


def test_refuses_an_unexpected_field_and_a_line_that_is_not_an_object():
    assert fields_of(line(iban="FR76")) == {"iban"}
    parsed, errors = validate_member_line("104233", PRODUCTS, RULES, TODAY)
    assert parsed is None and errors


def test_a_line_collects_every_reason_at_once():
    found = fields_of(line(contract_number="12", member_number="1", end_date="2020-01-01"))
    assert found == {"contract_number", "member_number", "end_date"}


def test_a_contract_number_repeated_in_one_file_is_refused_the_second_time():
    results = validate_batch([LINE, LINE], PRODUCTS, RULES, TODAY)
    assert results[0][1] is not None and results[0][2] is None
    assert results[1][1] is None
    assert results[1][2].line == 2 and results[1][2].errors[0].field == "contract_number"


def test_batch_numbers_lines_from_one_and_keeps_the_claimed_contract_number():
    results = validate_batch([LINE, line(contract_number="999999", category="auto"), 42], PRODUCTS, RULES, TODAY)
    assert [(n, r.contract_number if r else None) for n, _, r in results] == [(1, None), (2, "999999"), (3, None)]


def test_report_has_counts_and_refused_lines_with_french_messages():
    report = ImportReport(accepted=2, unchanged=1)
    report.refused.append(RefusedLine(3, "12", (FieldError("contract_number", "Format de numéro de contrat invalide."),)))
    assert report.as_dict() == {
        "accepted": 2,
        "unchanged": 1,
        "refused": [
            {
                "line": 3,
                "contract_number": "12",
                "errors": [{"field": "contract_number", "message": "Format de numéro de contrat invalide."}],
            }
        ],
        "schedules": {"accepted": 0, "unchanged": 0, "refused": []},
    }


def test_a_group_contract_names_its_employer_by_a_valid_siren():
    parsed, errors = validate_member_line(line(company_siren="990 100 018"), PRODUCTS, RULES, TODAY)
    assert errors == [] and parsed.company_siren == "990100018"
    assert fields_of(line(company_siren="990100019")) == {"company_siren"}
