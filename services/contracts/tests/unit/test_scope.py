import uuid

from contracts.entrypoints.scope import scope_of
from ms_platform.auth import Principal


def _principal(roles, **claims) -> Principal:
    return Principal(subject=str(uuid.uuid4()), roles=frozenset(roles), token_id="j", claims=claims)


def test_an_employer_sees_its_own_company_contracts_only_and_acts_as_no_holder():
    scope = scope_of(_principal({"employer"}, company_siren="990100018"))
    holder = uuid.uuid4()
    ours = {"holder_id": holder, "category": "sante", "company_siren": "990100018"}
    theirs = {**ours, "company_siren": "990100026"}
    assert scope.sees_as_employer(ours) and not scope.sees_as_employer(theirs)
    assert not scope.sees(ours)  # documents, beneficiaries, requests: the employee's own
    assert not scope.holds(holder)


def test_an_employer_without_a_company_claim_sees_nothing():
    scope = scope_of(_principal({"employer"}))
    assert scope.company_siren is None and scope.sees_nothing
    assert not scope.sees_as_employer({"holder_id": uuid.uuid4(), "company_siren": None})


def test_a_member_never_sees_contracts_as_an_employer():
    person = uuid.uuid4()
    scope = scope_of(_principal({"member"}, person_id=str(person), categories=["sante"], company_siren="990100018"))
    assert scope.company_siren is None
    assert scope.sees({"holder_id": person, "category": "sante"})
