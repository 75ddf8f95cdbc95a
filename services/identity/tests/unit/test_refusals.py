"""Identity's refusals keep the wire format clients rely on (status, type, headers)."""

from __future__ import annotations

import pytest

from identity.domain import errors
from ms_platform.problems import PROBLEM_BASE, domain_problem


@pytest.mark.parametrize("refusal", [
    errors.InvalidCredentials(),
    errors.InvalidRefreshToken("Votre session est terminée. Veuillez vous reconnecter.", field="refresh_token"),
    errors.InvalidSecondFactor("Code incorrect.", field="code"),
], ids=lambda e: e.code)
def test_credentials_refused_in_the_body_answer_401_without_asking_for_a_bearer_token(refusal):
    problem = domain_problem(refusal)
    assert problem.status == 401 and problem.headers is None


def test_an_expired_second_factor_challenge_asks_for_a_bearer_token_like_any_plain_401():
    problem = domain_problem(errors.ChallengeExpired("Ce code a expiré. Veuillez vous reconnecter."))
    assert problem.body()["type"] == PROBLEM_BASE + "unauthorized"
    assert problem.headers == {"WWW-Authenticate": 'Bearer realm="memberspace"'}


def test_too_many_attempts_says_when_to_come_back():
    problem = domain_problem(errors.TooManyAttempts("Trop de tentatives de connexion.", retry_after_s=90))
    assert (problem.status, problem.type, problem.headers) == (429, "too-many-attempts", {"Retry-After": "90"})


def test_two_factor_switched_off_answers_503_without_retry_after_or_dependency():
    problem = domain_problem(errors.TwoFactorUnavailable("Indisponible."))
    assert (problem.status, problem.headers, problem.extra) == (503, None, {})


def test_a_wrong_code_fails_a_sign_in_but_is_a_field_to_fix_in_the_settings():
    assert domain_problem(errors.InvalidSecondFactor("Code incorrect.", field="code")).status == 401
    assert domain_problem(errors.InvalidCode()).status == 422
    assert errors.InvalidSecondFactor.code == errors.InvalidCode.code == "invalid-second-factor"


def test_a_refused_password_lists_every_reason_on_its_field():
    body = domain_problem(errors.PasswordRefused(["Trop court.", "Sans chiffre."], field="new_password")).body()
    assert (body["status"], body["field"], body["detail"]) == (422, "new_password", "Trop court. Sans chiffre.")
    assert body["errors"] == [{"field": "new_password", "message": "Trop court."},
                              {"field": "new_password", "message": "Sans chiffre."}]
