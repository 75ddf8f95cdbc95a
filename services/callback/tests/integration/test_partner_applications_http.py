"""Partner applications (BR-5) on the real PostgreSQL: the public form, the operators' list with the
deadline, a refusal; each step's event in the outbox with the change. Accepting (the firm
registered at identity) is proven end to end: tests/e2e/test_33_broker_partners.py."""

import random
import uuid
from datetime import datetime

import pytest
from stdnum import luhn

pytestmark = pytest.mark.integration


def siren() -> str:
    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def application(**changes: str) -> dict:
    return {"firm_name": "Cabinet Lumière", "orias": f"{random.SystemRandom().randint(10_000_000, 99_999_999)}",
            "siren": siren(), "first_name": "Inès", "last_name": "Garnier",
            "email": f"ines.garnier+{uuid.uuid4().hex[:8]}@cabinet-lumiere.example", "phone": "01 42 68 53 00",
            } | changes


async def outbox_events(pool, application_id: str) -> list[str]:
    rows = await pool.fetch("select event_type from outbox where key = $1 order by position", application_id)
    return [r["event_type"].rsplit(".", 1)[-1] for r in rows]


async def test_anyone_applies_without_a_token_and_the_deadline_is_72_business_hours(client, pool, app):
    response = await client.post("/v1/partner-applications", json=application())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "received" and set(body) == {"id", "status", "received_at", "answer_by"}
    received = datetime.fromisoformat(body["received_at"])
    from callback.domain.partners import answer_by
    assert datetime.fromisoformat(body["answer_by"]) == answer_by(received, app.state.partner_rules.calendar, 72)
    assert await outbox_events(pool, body["id"]) == ["PartnerApplicationReceived"]


@pytest.mark.parametrize("changes, field", [
    ({"orias": "1234567"}, "orias"), ({"siren": "732829321"}, "siren"), ({"email": "not-an-email"}, "email"),
    ({"phone": "0899 123 456"}, "phone"), ({"firm_name": "Cabinet\u202e"}, "firm_name"),
])
async def test_a_bad_field_is_a_problem_naming_it_and_nothing_is_stored(client, pool, changes, field):
    before = await pool.fetchval("select count(*) from partner_application")
    response = await client.post("/v1/partner-applications", json=application(**changes))
    assert response.status_code == 422 and response.json()["field"] == field, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await pool.fetchval("select count(*) from partner_application") == before


async def test_operators_list_pending_ones_nearest_deadline_first_and_refuse_once(client, pool, token):
    operator = token("operator")
    first = (await client.post("/v1/partner-applications", json=application())).json()
    second = (await client.post("/v1/partner-applications", json=application())).json()
    pending = await client.get("/v1/partner-applications", headers=operator)
    assert pending.status_code == 200, pending.text
    ids = [a["id"] for a in pending.json()]
    assert ids.index(first["id"]) < ids.index(second["id"])
    shown = next(a for a in pending.json() if a["id"] == first["id"])
    assert shown["answer_by"] == first["answer_by"] and shown["overdue"] is False
    assert shown["phone"] == "01 42 68 53 00" and shown["status"] == "received"

    refused = await client.post(f"/v1/partner-applications/{first['id']}/refuse", headers=operator,
                                json={"reason": "Votre cabinet ne distribue pas encore de produits santé."})
    assert refused.status_code == 200 and refused.json()["status"] == "refused", refused.text
    assert await outbox_events(pool, first["id"]) == ["PartnerApplicationReceived", "PartnerApplicationDecided"]
    again = await client.post(f"/v1/partner-applications/{first['id']}/refuse", headers=operator,
                              json={"reason": "Deux fois."})
    assert again.status_code == 409 and again.json()["type"].endswith("application-already-decided")
    accepted_too = await client.post(f"/v1/partner-applications/{first['id']}/accept", headers=operator,
                                     json={"offers": ["SANTE-CONFORT"]})
    assert accepted_too.status_code == 409
    still_pending = [a["id"] for a in (await client.get("/v1/partner-applications", headers=operator)).json()]
    assert first["id"] not in still_pending and second["id"] in still_pending
    decided = await client.get("/v1/partner-applications", params={"status": "refused"}, headers=operator)
    assert first["id"] in [a["id"] for a in decided.json()]


async def test_only_operators_see_or_decide_applications(client, token):
    created = (await client.post("/v1/partner-applications", json=application())).json()
    for role in ("member", "agent", "broker"):
        headers = token(role)
        for method, path, body in (("get", "/v1/partner-applications", None),
                                   ("get", f"/v1/partner-applications/{created['id']}", None),
                                   ("post", f"/v1/partner-applications/{created['id']}/refuse", {"reason": "Non."})):
            response = await client.request(method, path, headers=headers, json=body)
            assert response.status_code == 403, (role, path, response.text)
    assert (await client.get("/v1/partner-applications")).status_code == 401
    unknown = await client.get(f"/v1/partner-applications/{uuid.uuid4()}", headers=token("operator"))
    assert unknown.status_code == 404
