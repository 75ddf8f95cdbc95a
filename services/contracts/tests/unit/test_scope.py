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


def test_a_contract_out_of_scope_is_the_domain_error_contract_not_found_with_the_same_wire_answer():
    import pytest

    from contracts.app.scope import Scope, check_visible
    from contracts.domain.errors import ContractNotFound
    from ms_platform.problems import NotFound, domain_problem

    scope = Scope(uuid.uuid4(), uuid.uuid4(), frozenset({"sante"}))
    for contract in (None, {"holder_id": uuid.uuid4(), "category": "sante"}):
        with pytest.raises(ContractNotFound) as caught:
            check_visible(contract, scope)
        assert domain_problem(caught.value).body() == NotFound("contrat").body()


def test_the_application_and_domain_layers_import_nothing_from_the_entry_points():
    import ast
    from pathlib import Path

    import contracts

    root = Path(contracts.__file__).parent
    offenders = []
    for layer in ("app", "domain"):
        for path in (root / layer).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else (
                    [a.name for a in node.names] if isinstance(node, ast.Import) else [])
                offenders += [f"{layer}/{path.name}: {n}" for n in names if n.startswith("contracts.entrypoints")]
    assert offenders == []
