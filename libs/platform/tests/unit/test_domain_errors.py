"""Domain errors (ms_platform.errors) become problem+json answers at the entry points."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ms_platform import errors
from ms_platform.problems import DOMAIN_STATUSES, install_problem_handlers


class TooManyItems(errors.Conflict):
    code = "too-many-items"
    title = "Too many items"


def _client(error: Exception) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/boom")
    async def boom() -> None:
        raise error

    return TestClient(app)


@pytest.mark.parametrize(("kind", "status"), sorted(DOMAIN_STATUSES.items(), key=lambda kv: kv[1]),
                         ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_kind_of_domain_error_answers_its_status_as_problem_json(kind, status):
    extra = {"retry_after_s": 7} if kind is errors.Throttled else {"dependency": "contracts"} if kind is errors.Unavailable else {}
    response = _client(kind("Ce n'est pas possible.", **extra)).get("/boom")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["detail"] == "Ce n'est pas possible."
    assert body["type"].endswith("/" + kind.code)


def test_a_service_refusal_keeps_its_code_title_field_and_extras():
    response = _client(TooManyItems("Vous ne pouvez pas enregistrer plus de 3 éléments.", field="title", limit=3)).get("/boom")
    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/too-many-items")
    assert (body["title"], body["field"], body["limit"]) == ("Too many items", "title", 3)


def test_a_one_off_refusal_can_name_its_own_code():
    response = _client(errors.InvalidInput("Précisez le contrat.", field="contract_id", code="missing-contract")).get("/boom")
    assert response.status_code == 422 and response.json()["type"].endswith("/missing-contract")
    assert errors.InvalidInput.code == "validation-error"  # the class default is untouched


def test_throttled_and_unauthenticated_say_when_and_how_to_come_back():
    throttled = _client(errors.Throttled("Trop de tentatives.", retry_after_s=42)).get("/boom")
    assert (throttled.status_code, throttled.headers["retry-after"]) == (429, "42")
    unauthenticated = _client(errors.Unauthenticated("Identifiants incorrects.")).get("/boom")
    assert unauthenticated.status_code == 401 and unauthenticated.headers["www-authenticate"].startswith("Bearer")


class WrongPassword(errors.Unauthenticated):
    code = "invalid-credentials"
    title = "Invalid credentials"
    bearer_challenge = False


class FeatureOff(errors.Unavailable):
    code = "feature-unavailable"
    title = "Feature unavailable"
    retry_after_s = None


def test_a_refusal_of_credentials_sent_in_the_body_asks_for_no_bearer_token():
    response = _client(WrongPassword("Identifiant ou mot de passe incorrect.")).get("/boom")
    assert response.status_code == 401 and response.json()["type"].endswith("/invalid-credentials")
    assert "www-authenticate" not in response.headers


def test_an_unavailable_feature_names_no_dependency_and_no_time_to_come_back():
    response = _client(FeatureOff("Indisponible pour le moment.")).get("/boom")
    assert response.status_code == 503 and "retry-after" not in response.headers
    assert "dependency" not in response.json()
    away = _client(errors.Unavailable("Réessayez.", dependency="contracts")).get("/boom")
    assert (away.headers["retry-after"], away.json()["dependency"]) == ("5", "contracts")
