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


@pytest.mark.parametrize("code", ["IT\u0007SANTE", "IT\u202eSANTE", "IT\u200bSANTE", "<b>IT</b>"])
async def test_a_product_code_that_is_not_a_catalogue_code_is_refused_naming_the_field_and_nothing_is_stored(
        client, member, code):
    body = {"kind": "quote", "category": "sante", "requested_product_code": code}
    response = await client.post(REQUESTS, json=body, headers=member["headers"])
    assert response.status_code == 422 and response.json()["field"] == "requested_product_code"
    assert (await client.get(REQUESTS, headers=member["headers"])).json() == []


def prospect_body(**changes):
    email = f"prospect-{uuid.uuid4().hex[:8]}@example.org"
    return {"kind": "quote", "category": "sante", "email": email, "first_name": "Inès", "last_name": "Prospect",
            **changes}


async def outbox_of(pool, request_id):
    rows = await pool.fetch("select payload from outbox where key = $1 order by position", str(request_id))
    return [json.loads(r["payload"]) for r in rows]


async def test_a_prospects_quote_waits_unconfirmed_and_only_a_neutral_confirmation_is_published(client, pool):
    body = prospect_body(message="Appelez le 0899 ou visitez http://arnaque.example")
    response = await client.post(REQUESTS, json=body)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "unconfirmed"
    (event,) = await outbox_of(pool, response.json()["id"])
    # The token travels only on the private topic notify reads, never on contracts.request.v1.
    topics = await pool.fetch("select topic from outbox where key = $1", response.json()["id"])
    assert [r["topic"] for r in topics] == ["contracts.secret.v1"]
    assert event["type"].endswith("QuoteConfirmationRequested")
    data = event["data"]
    assert data["email"] == body["email"] and data["confirmation_token"]
    typed = {body["first_name"], body["last_name"], body["message"]}
    assert not any(t in json.dumps(data, ensure_ascii=False) for t in typed)
    assert datetime.fromisoformat(data["confirmation_expires_at"]) > datetime.fromisoformat(data["requested_at"])


async def test_a_confirmed_quote_is_queued_for_72_hours_and_published_as_quote_requested_once(client, pool):
    created = (await client.post(REQUESTS, json=prospect_body())).json()
    (pending,) = await outbox_of(pool, created["id"])
    token = pending["data"]["confirmation_token"]
    response = await client.post(REQUESTS + "/confirm", json={"token": token})
    assert response.status_code == 200, response.text
    confirmed = response.json()
    assert confirmed["id"] == created["id"] and confirmed["status"] == "received"
    row = await pool.fetchrow("select confirmed_at, due_at from contract_request where id = $1", uuid.UUID(created["id"]))
    assert row["due_at"] - row["confirmed_at"] == timedelta(hours=72)
    events = await outbox_of(pool, created["id"])
    assert [e["type"].rsplit(".", 1)[-1] for e in events] == ["QuoteConfirmationRequested", "QuoteRequested"]
    rows = await pool.fetch("select topic, payload from outbox where key = $1 order by position", created["id"])
    assert [r["topic"] for r in rows] == ["contracts.secret.v1", "contracts.request.v1"]
    assert token not in bytes(rows[1]["payload"]).decode()
    again = await client.post(REQUESTS + "/confirm", json={"token": token})
    assert again.status_code == 400 and again.json()["field"] == "token"
    assert len(await outbox_of(pool, created["id"])) == 2


async def test_an_expired_confirmation_link_queues_nothing(client, pool):
    created = (await client.post(REQUESTS, json=prospect_body())).json()
    (pending,) = await outbox_of(pool, created["id"])
    await pool.execute("update contract_request set confirmation_expires_at = now() - interval '1 second' where id = $1",
                       uuid.UUID(created["id"]))
    response = await client.post(REQUESTS + "/confirm", json={"token": pending["data"]["confirmation_token"]})
    assert response.status_code == 400 and response.json()["type"].endswith("/quote-confirmation-invalid")
    assert len(await outbox_of(pool, created["id"])) == 1


async def test_an_unknown_confirmation_token_is_refused_like_a_used_one(client):
    response = await client.post(REQUESTS + "/confirm", json={"token": "x" * 43})
    assert response.status_code == 400 and response.json()["field"] == "token"


async def test_an_address_with_pending_confirmations_gets_no_more_emails_beyond_the_setting(client, pool, app):
    body = prospect_body()
    limit = app.state.settings.max_unconfirmed_quotes_per_email
    for _ in range(limit):
        assert (await client.post(REQUESTS, json=body)).status_code == 201
    response = await client.post(REQUESTS, json={**body, "email": body["email"].upper()})
    assert response.status_code == 429, response.text
    count = await pool.fetchval("select count(*) from contract_request where lower(email) = lower($1)", body["email"])
    assert count == limit


async def test_a_members_quote_is_queued_at_once_without_the_names_or_address_they_typed(client, member, pool):
    body = {"kind": "quote", "category": "prevoyance", "email": "autre@example.org", "first_name": "Autre"}
    response = await client.post(REQUESTS, json=body, headers=member["headers"])
    assert response.status_code == 201 and response.json()["status"] == "received"
    (event,) = await outbox_of(pool, response.json()["id"])
    assert event["type"].endswith("QuoteRequested") and event["data"]["account_id"]
    assert event["data"]["email"] is None and event["data"]["first_name"] is None


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
