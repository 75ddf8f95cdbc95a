"""Contracts' side of claims (issue 14): the guarantee claims computes a processed claim's amounts
under (GET /internal/v1/claim-terms, claims' service token only), and the home summary's latest
statement lines, asked of the real claims API with contracts' own service token from identity (ADR
0007); with claims unreachable the summary still answers, without them."""

import time
import uuid

import jwt
import pytest

from contracts.adapters.claims_client import ClaimsClient
from ms_platform.service_tokens import client_credentials

pytestmark = pytest.mark.integration


@pytest.fixture
def service_token(settings, signing_key):
    """A service token of ``caller`` (``sub = service:<caller>``), as identity mints them (ADR 0007)."""
    def make(caller: str) -> dict[str, str]:
        now = int(time.time())
        body = {"sub": f"service:{caller}", "roles": ["service"], "jti": uuid.uuid4().hex, "aud": "contracts",
                "iss": settings.jwt_issuer, "iat": now, "exp": now + 300}
        return {"Authorization": "Bearer " + jwt.encode(body, signing_key, algorithm="ES256",
                                                        headers={"kid": "contracts-tests"})}
    return make


@pytest.fixture
async def holder_contract(pool, run_import, free_numbers, person, line):
    [number] = await free_numbers(1)
    holder = person(first_name="Inès", birth_date="1979-06-30")
    report = await run_import([line(number, holder)])
    assert report["accepted"] == 1, report
    holder_id = await pool.fetchval("select holder_id from contract where contract_number = $1", number)
    return number, holder, holder_id


async def test_claims_reads_the_contracts_guarantee_for_a_care_and_its_holder(client, service_token, holder_contract):
    number, holder, _ = holder_contract
    claims = service_token("claims")
    found = await client.get("/internal/v1/claim-terms", params={"contract_number": number,
                                                                 "care_type": "consultation_gp"}, headers=claims)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["guarantee"] == {"code": "CONSULT-GP", "label": "Garantie CONSULT-GP", "care_type": "consultation_gp",
                                 "rule_type": "pct_br_incl_ss", "rate_pct": 100, "amount_eur": None,
                                 "period": "per_act"}
    assert body["holder"] == {"last_name": holder["last_name"], "first_name": "Inès", "birth_date": "1979-06-30"}
    none = await client.get("/internal/v1/claim-terms", params={"contract_number": number, "care_type": "hearing_aid"},
                            headers=claims)
    assert none.status_code == 200 and none.json()["guarantee"] is None


async def test_claim_terms_are_for_claims_only_and_an_unknown_contract_is_a_404(client, token, service_token,
                                                                                holder_contract):
    number, _, _ = holder_contract
    params = {"contract_number": number, "care_type": "consultation_gp"}
    for who in (service_token("notify"), token("member"), token("operator")):
        assert (await client.get("/internal/v1/claim-terms", params=params, headers=who)).status_code == 403
    claims = service_token("claims")
    unknown = await client.get("/internal/v1/claim-terms", params={**params, "contract_number": "NOPE-1"},
                               headers=claims)
    assert unknown.status_code == 404
    bad = await client.get("/internal/v1/claim-terms", params={**params, "care_type": "massage"}, headers=claims)
    assert bad.status_code == 422 and "care_type" in bad.text


async def test_the_home_summary_asks_claims_for_the_latest_statements_and_answers_without_claims(
        app, client, token, settings, holder_contract):
    _, _, holder_id = holder_contract
    member = token("member", person_id=holder_id)
    summary = await client.get("/v1/contracts/summary", headers=member)
    assert summary.status_code == 200, summary.text
    assert summary.json()["latest_statements"] == []  # claims answered: no line for this new contract yet
    live = app.state.claims
    tokens = client_credentials(settings)
    app.state.claims = ClaimsClient("http://127.0.0.1:9", 0.5, tokens)  # nothing listens there
    try:
        away = await client.get("/v1/contracts/summary", headers=member)
    finally:
        await app.state.claims.close()
        await tokens.close()
        app.state.claims = live
    assert away.status_code == 200 and away.json()["latest_statements"] is None
    assert away.json()["categories"] == summary.json()["categories"]

