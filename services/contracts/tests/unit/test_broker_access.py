"""The broker's access from identity's claims (ADR 0013) and the rules of projects (BR-3)."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal

import pytest

from contracts.app.broker import default_effective_date
from contracts.domain.broker import BrokerAccess, MoveNotAllowed, check_move, signed_contract
from contracts.entrypoints.broker_scope import access_of
from ms_platform.auth import Principal

FIRM = uuid.uuid4()


def principal(**claims) -> Principal:
    base = {"broker_firm_id": str(FIRM), "broker_role": "collaborator", "broker_offers": ["SANTE-CONFORT"],
            "broker_autonomy": "quote_only"}
    return Principal(str(uuid.uuid4()), frozenset({"broker"}), "jti", {**base, **claims})


def test_a_collaborators_claims_become_their_access():
    access = access_of(principal())
    assert access is not None and access.firm_id == FIRM and not access.admin
    assert access.may_sell("SANTE-CONFORT") and not access.may_sell("SANTE-OPTIMUM")


@pytest.mark.parametrize("claims", [
    {"broker_firm_id": None}, {"broker_firm_id": "firm-a"}, {"broker_autonomy": "all"},
    {"broker_autonomy": None}, {"broker_offers": "SANTE-CONFORT"}, {"broker_offers": None},
])
def test_a_token_without_a_firm_an_autonomy_or_a_list_of_offers_gives_no_access(claims):
    assert access_of(principal(**claims)) is None


def test_quote_only_never_signs_subscribe_up_to_signs_within_its_yearly_limit_and_full_always():
    quote_only = access_of(principal())
    up_to = access_of(principal(broker_autonomy="subscribe_up_to", broker_subscribe_limit_eur="1500"))
    no_limit = access_of(principal(broker_autonomy="subscribe_up_to", broker_subscribe_limit_eur="NaN"))
    full = access_of(principal(broker_autonomy="full"))
    assert not quote_only.may_sign(Decimal("1"))
    assert up_to.may_sign(Decimal("1500")) and not up_to.may_sign(Decimal("1500.01"))
    assert not no_limit.may_sign(Decimal("1"))
    assert full.may_sign(Decimal("1000000"))


def test_an_admin_sees_the_whole_firm_and_a_collaborator_their_own_only():
    me, colleague = uuid.uuid4(), uuid.uuid4()
    collaborator = BrokerAccess(me, FIRM, False, frozenset(), "quote_only")
    admin = BrokerAccess(me, FIRM, True, frozenset(), "full")
    assert collaborator.sees(FIRM, me) and not collaborator.sees(FIRM, colleague)
    assert admin.sees(FIRM, colleague) and not admin.sees(uuid.uuid4(), me)


@pytest.mark.parametrize(("current", "target"), [("draft", "sent"), ("sent", "signed"), ("sent", "draft"),
                                                  ("draft", "lost"), ("lost", "draft")])
def test_a_project_moves_forward_or_back_at_any_time(current, target):
    check_move(current, target)


@pytest.mark.parametrize(("current", "target"), [("signed", "lost"), ("signed", "draft"), ("lost", "signed"),
                                                  ("draft", "draft")])
def test_a_signed_project_is_final_and_a_lost_one_reopens_as_a_draft_first(current, target):
    with pytest.raises(MoveNotAllowed):
        check_move(current, target)


def test_the_default_effective_date_is_the_first_of_next_month():
    from datetime import date
    assert default_effective_date(date(2026, 12, 7)) == date(2027, 1, 1)
    assert default_effective_date(date(2027, 1, 31)) == date(2027, 2, 1)


def quote_of(number: str, people: list[dict], effective: str = "2027-02-01", monthly: str = "187.42") -> dict:
    return {"number": number, "product_code": "SANTE-CONFORT", "monthly_eur": Decimal(monthly),
            "inputs": {"postcode": "69003", "option_level": 2, "effective_date": effective, "people": people}}


def test_a_signed_quote_registers_the_main_persons_contract_from_its_effective_date():
    project_id = uuid.uuid4()
    people = [{"relationship": "spouse", "birth_date": "1986-01-09"},
              {"relationship": "main", "birth_date": "1984-03-12"},
              {"relationship": "child", "birth_date": "2015-06-02"}]
    contract = signed_contract(project_id, quote_of("DV-2026-000042", people))
    assert contract.holder_birth_date == date(1984, 3, 12)
    assert contract.start_date == date(2027, 2, 1)
    assert contract.contract_number == "CB-2026-000042"
    assert contract.product_code == "SANTE-CONFORT" and contract.monthly_eur == Decimal("187.42")


def test_the_signed_contracts_id_is_the_projects_so_a_retry_finds_it_and_two_projects_never_share_one():
    people = [{"relationship": "main", "birth_date": "1984-03-12"}]
    project_a, project_b = uuid.uuid4(), uuid.uuid4()
    assert signed_contract(project_a, quote_of("DV-2026-000001", people)).id == \
        signed_contract(project_a, quote_of("DV-2026-000001", people)).id
    assert signed_contract(project_a, quote_of("DV-2026-000001", people)).id != \
        signed_contract(project_b, quote_of("DV-2026-000002", people)).id


def test_a_broker_contract_number_never_takes_an_insurers_six_digit_shape():
    number = signed_contract(uuid.uuid4(), quote_of("DV-2026-000123", [{"relationship": "main",
                                                                        "birth_date": "1990-05-05"}])).contract_number
    assert not re.fullmatch(r"\d{6}", number) and number.startswith("CB-")
