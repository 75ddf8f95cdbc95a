"""Contracts' refusals keep the wire format clients rely on (status, type, detail, field)."""

from __future__ import annotations

from contracts.domain import errors
from contracts.domain.imports import FieldError
from ms_platform.problems import PROBLEM_BASE, domain_problem


def test_a_contract_the_caller_may_not_see_answers_the_same_404_as_one_that_does_not_exist():
    body = domain_problem(errors.ContractNotFound()).body()
    assert (body["status"], body["type"], body["title"]) == (404, PROBLEM_BASE + "not-found", "Not found")
    assert body["detail"] == "Ressource introuvable (contrat)."


def test_an_invalid_beneficiary_names_the_first_field_and_lists_every_broken_rule():
    broken = [FieldError("nir", "Numéro invalide."), FieldError("birth_date", "Date future.")]
    body = domain_problem(errors.InvalidBeneficiary(broken)).body()
    assert (body["status"], body["type"], body["field"], body["detail"]) == (
        422, PROBLEM_BASE + "invalid-beneficiary", "nir", "Numéro invalide.")
    assert [e["field"] for e in body["errors"]] == ["nir", "birth_date"]


def test_a_contract_no_longer_in_force_is_a_conflict():
    problem = domain_problem(errors.ContractNotInForce("Ce contrat n'est plus en cours.", field="contract_id"))
    assert (problem.status, problem.type, problem.title) == (409, "contract-not-in-force", "Contract not in force")
