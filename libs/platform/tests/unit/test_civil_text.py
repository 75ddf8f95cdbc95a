"""Stored text hygiene: names, addresses, account holders and free text accept what French civil
status and postal addresses allow, and nothing that hides or reorders what a reader sees."""

from __future__ import annotations

import uuid

import pytest
from pydantic import ValidationError

from ms_platform.civil_text import account_holder_error, address_error, free_text_error, name_error
from contracts.entrypoints.http.bank_accounts import BankAccountIn
from contracts.entrypoints.http.beneficiaries import BeneficiaryIn
from contracts.entrypoints.http.requests import RequestIn
from contracts.entrypoints.http.terminations import TerminationIn

HIDDEN = {
    "a bidi override": "Lou\u202eeinna",
    "a right-to-left isolate": "Lou\u2067x",
    "a zero-width space": "Lo\u200bu",
    "a zero-width joiner": "Lo\u200du",
    "a byte order mark": "\ufeffLou",
    "a control character": "Lou\u0007",
    "an escape sequence": "Lou\u001b[31m",
    "a line separator": "Lou\u2028Garnier",
}


@pytest.mark.parametrize("name", ["Lou", "Hélène", "N'Diaye", "N’Diaye", "Marie-Ève", "Jean Pierre", "Lætitia",
                                  "Œdipe", "De La Fontaine", "Françoise", "Zoë", "Ÿvette", "Le Bihan", "João", "Márcia", "Ngọc"])
def test_names_of_french_civil_status_are_accepted(name):
    assert name_error(name) is None


@pytest.mark.parametrize("what", sorted(HIDDEN))
def test_a_name_with_hidden_or_control_characters_is_refused(what):
    assert name_error(HIDDEN[what]) is not None


@pytest.mark.parametrize("name", ["Lou2", "http://x.example", "Lou!", "Lou@x", "-Lou", "Lou-", "Lou--Anne",
                                  "'", "Лу", "李", "Ωmega", "Lou\nAnne", "Lou_Anne", "Lou.", "<b>Lou</b>"])
def test_a_name_with_digits_punctuation_or_another_script_is_refused(name):
    assert name_error(name) is not None


@pytest.mark.parametrize("address", ["12 bis, rue de l'Église", "Bât. B – Appt 3", "4 place Bellecour", "Saint-Étienne",
                                     "BP 1234", "Lieu-dit « Les Prés »", "3/5 av. du Général-de-Gaulle"])
def test_postal_address_lines_are_accepted(address):
    assert address_error(address) is None


@pytest.mark.parametrize("address", [*HIDDEN.values(), "rue <script>", "rue {x}", "rue $1", "rue\tx"])
def test_an_address_with_hidden_characters_or_markup_is_refused(address):
    assert address_error(address) is not None


@pytest.mark.parametrize("holder", ["M. ou Mme Dupont", "SCI Dupont & Fils", "Hélène Lefèvre", "Dupont J.-P."])
def test_account_holders_accept_names_initials_and_companies(holder):
    assert account_holder_error(holder) is None


@pytest.mark.parametrize("holder", [*HIDDEN.values(), "https://pay.example", "Dupont <x>"])
def test_an_account_holder_with_hidden_characters_a_link_or_markup_is_refused(holder):
    assert account_holder_error(holder) is not None


def test_free_text_keeps_lines_accents_and_punctuation():
    assert free_text_error("Je déménage à l'étranger (Québec) !\nMerci, à bientôt : 100 € ?") is None


@pytest.mark.parametrize("what", sorted(HIDDEN))
def test_free_text_with_hidden_or_control_characters_is_refused(what):
    assert free_text_error(HIDDEN[what]) is not None


CHILD = {"last_name": "Garnier", "first_name": "Lou", "birth_date": "2014-07-09", "relationship": "child",
         "nir": "2 14 07 75 123 456 42"}


def refused_field(model, body) -> str:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(body)
    return ".".join(str(p) for p in caught.value.errors()[0]["loc"])


def test_a_beneficiary_named_with_a_bidi_override_is_refused_naming_the_field():
    assert refused_field(BeneficiaryIn, {**CHILD, "first_name": "Lou\u202eeinna"}) == "first_name"
    assert refused_field(BeneficiaryIn, {**CHILD, "last_name": "Gar\u200bnier"}) == "last_name"


def test_a_beneficiary_name_is_stored_in_its_composed_form():
    body = BeneficiaryIn.model_validate({**CHILD, "first_name": "Zoe\u0308"})
    assert body.first_name == "Zoë"


def test_an_account_holder_with_a_zero_width_space_is_refused_naming_the_field():
    body = {"iban": "FR76 3000 6000 0112 3456 7890 189", "account_holder": "Du\u200bpont"}
    assert refused_field(BankAccountIn, body) == "account_holder"


def test_a_termination_summary_with_control_characters_is_refused_naming_the_field():
    body = {"contract_id": str(uuid.uuid4()), "reason": "other", "summary": "ok\u001b[2J"}
    assert refused_field(TerminationIn, body) == "summary"


@pytest.mark.parametrize("field, value", [("first_name", "Visitez http://arnaque.example"),
                                          ("last_name", "Petit\u202e"), ("message", "Bonjour\u200f")])
def test_a_quote_request_with_a_link_for_a_name_or_hidden_characters_is_refused_naming_the_field(field, value):
    body = {"kind": "quote", "email": "lea@example.org", "first_name": "Léa", "last_name": "Petit", field: value}
    assert refused_field(RequestIn, body) == field
