""""Mes demandes": guarantee change and quote requests, due 72 hours later, with their events."""

import json
import uuid
from datetime import datetime, timedelta

import pytest

pytestmark = pytest.mark.integration

REQUESTS = "/v1/contract-requests"


@pytest.fixture
async def member(run_import, free_numbers, person, line, pool, token):
    (number,) = await free_numbers()
    await run_import([line(number, person())])
    row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
    return {"contract_id": row["id"], "headers": token("member", person_id=row["holder_id"])}


async def event_for(pool, request_id):
    payload = await pool.fetchval("select payload from outbox where key = $1", request_id)
    return json.loads(payload)


async def test_a_guarantee_change_is_due_in_72_hours_and_listed_under_my_requests(client, member, pool):
    body = {"kind": "guarantee_change", "contract_id": str(member["contract_id"]),
            "requested_product_code": "IT-SANTE-PLUS", "message": "Je voudrais une meilleure couverture optique."}
    response = await client.post(REQUESTS, json=body, headers=member["headers"])
    assert response.status_code == 201, response.text
    created = response.json()
    due = datetime.fromisoformat(created["due_at"]) - datetime.fromisoformat(created["created_at"])
    assert due == timedelta(hours=72) and created["status"] == "received"
    listed = (await client.get(REQUESTS, headers=member["headers"])).json()
    assert [r["id"] for r in listed] == [created["id"]]
    event = await event_for(pool, created["id"])
    assert event["type"].endswith("GuaranteeChangeRequested")
    assert event["data"]["contract_id"] == str(member["contract_id"]) and event["data"]["account_id"]


async def test_an_unknown_guarantee_is_refused_naming_the_field(client, member, pool):
    body = {"kind": "guarantee_change", "contract_id": str(member["contract_id"]), "requested_product_code": "NOPE"}
    response = await client.post(REQUESTS, json=body, headers=member["headers"])
    assert response.status_code == 422 and response.json()["field"] == "requested_product_code"
    assert (await client.get(REQUESTS, headers=member["headers"])).json() == []


async def test_a_prospect_without_an_account_can_ask_for_a_quote(client, pool):
    email = f"prospect-{uuid.uuid4().hex[:8]}@example.org"
    body = {"kind": "quote", "category": "sante", "email": email, "first_name": "Inès", "last_name": "Prospect"}
    response = await client.post(REQUESTS, json=body)
    assert response.status_code == 201, response.text
    event = await event_for(pool, response.json()["id"])
    assert event["type"].endswith("QuoteRequested") and event["data"]["email"] == email
    assert event["data"]["account_id"] is None


async def test_a_prospect_must_give_an_email(client):
    response = await client.post(REQUESTS, json={"kind": "quote", "first_name": "A", "last_name": "B"})
    assert response.status_code == 422 and response.json()["field"] == "email"


async def test_a_guarantee_change_needs_a_signed_in_member(client, member):
    body = {"kind": "guarantee_change", "contract_id": str(member["contract_id"])}
    assert (await client.post(REQUESTS, json=body)).status_code == 401


async def test_another_members_contract_cannot_be_changed(client, member, token):
    body = {"kind": "guarantee_change", "contract_id": str(member["contract_id"])}
    response = await client.post(REQUESTS, json=body, headers=token("member", person_id=uuid.uuid4()))
    assert response.status_code == 404
