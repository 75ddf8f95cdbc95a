"""Issue 15 / ID-14 rules: ORIAS and SIREN formats, a collaborator's access as an admin sets it, the
broker token claims of ADR 0013, and who may manage which company or firm."""

import uuid
from decimal import Decimal

import pytest

from identity.domain.professional import (
    AccessProblem, Actor, Autonomy, BrokerAccess, admin_access, broker_claims, checked_access, orias_number,
    siren_number,
)

FIRM_OFFERS = ["SANTE-CONFORT", "SANTE-ESSENTIEL"]


@pytest.mark.parametrize("typed, stored", [("12345678", "12345678"), ("12 345 678", "12345678"),
                                           ("12.345.678", "12345678")])
def test_an_orias_number_is_eight_digits_read_without_spaces_or_dots(typed, stored):
    assert orias_number(typed) == stored


@pytest.mark.parametrize("typed", ["1234567", "123456789", "1234567A", "", "١٢٣٤٥٦٧٨"])
def test_a_malformed_orias_number_is_refused_in_french(typed):
    with pytest.raises(ValueError, match="ORIAS"):
        orias_number(typed)


def test_a_siren_is_checked_with_its_luhn_key():
    assert siren_number("732 829 320") == "732829320"
    with pytest.raises(ValueError, match="SIREN"):
        siren_number("732829321")


def test_a_collaborators_access_is_sorted_and_limited_to_the_firms_offers():
    access = checked_access(["SANTE-ESSENTIEL", "SANTE-CONFORT", "SANTE-ESSENTIEL"], "subscribe_up_to", "2400",
                            FIRM_OFFERS)
    assert access == BrokerAccess(("SANTE-CONFORT", "SANTE-ESSENTIEL"), Autonomy.SUBSCRIBE_UP_TO, Decimal("2400.00"))
    with pytest.raises(AccessProblem) as refused:
        checked_access(["PREVOYANCE-PLUS"], "full", None, FIRM_OFFERS)
    assert refused.value.field == "offers" and "PREVOYANCE-PLUS" in str(refused.value)


@pytest.mark.parametrize("autonomy, limit, field", [
    ("subscribe_up_to", None, "subscribe_limit_eur"), ("subscribe_up_to", "0", "subscribe_limit_eur"),
    ("subscribe_up_to", "NaN", "subscribe_limit_eur"), ("quote_only", "100", "subscribe_limit_eur"),
    ("everything", None, "autonomy"),
])
def test_an_autonomy_and_its_limit_go_together(autonomy, limit, field):
    with pytest.raises(AccessProblem) as refused:
        checked_access([], autonomy, limit, FIRM_OFFERS)
    assert refused.value.field == field


def test_the_token_claims_are_those_contracts_reads():
    firm = uuid.uuid4()
    limited = broker_claims(firm, "collaborator", BrokerAccess(("SANTE-ESSENTIEL",), Autonomy.SUBSCRIBE_UP_TO,
                                                               Decimal("1200.50")))
    assert limited == {"broker_firm_id": str(firm), "broker_role": "collaborator", "broker_offers": ["SANTE-ESSENTIEL"],
                       "broker_autonomy": "subscribe_up_to", "broker_subscribe_limit_eur": "1200.50"}
    admin = broker_claims(firm, "admin", admin_access(FIRM_OFFERS))
    assert (admin["broker_offers"], admin["broker_autonomy"]) == (FIRM_OFFERS, "full")
    assert "broker_subscribe_limit_eur" not in admin


def test_admins_manage_their_own_company_or_firm_only_and_operators_every_one():
    firm, other = uuid.uuid4(), uuid.uuid4()
    employer_admin = Actor(uuid.uuid4(), siren="732829320", role="admin")
    employer_user = Actor(uuid.uuid4(), siren="732829320", role="user")
    broker_admin = Actor(uuid.uuid4(), firm_id=firm, role="admin")
    collaborator = Actor(uuid.uuid4(), firm_id=firm, role="collaborator")
    operator = Actor(uuid.uuid4(), operator=True)
    assert employer_admin.manages_company("732829320") and not employer_admin.sees_company("552100554")
    assert employer_user.sees_company("732829320") and not employer_user.manages_company("732829320")
    assert broker_admin.manages_firm(firm) and not broker_admin.sees_firm(other)
    assert collaborator.sees_firm(firm) and not collaborator.manages_firm(firm)
    assert operator.manages_company("552100554") and operator.manages_firm(other)
