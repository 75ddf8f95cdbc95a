"""Termination in 3 steps: only the confirmation terminates and publishes TerminationConfirmed."""

import json
import uuid
from datetime import timedelta

import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
async def holder(run_import, free_numbers, person, line, pool, token):
    (number,) = await free_numbers()
    await run_import([line(number, person())])
    row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
    return {"contract_id": row["id"], "number": number, "headers": token("member", person_id=row["holder_id"])}


async def contract_state(pool, contract_id):
    return await pool.fetchrow("select end_date, updated_at from contract where id = $1", contract_id)


async def confirmed_events(pool, contract_id):
    rows = await pool.fetch("select payload from outbox where key = $1 and event_type like '%TerminationConfirmed'",
                            str(contract_id))
    return [json.loads(r["payload"])["data"] for r in rows]


async def test_opening_the_flow_shows_conditions_and_changes_nothing(client, holder, pool, app):
    before = await contract_state(pool, holder["contract_id"])
    response = await client.get(f"/v1/contracts/{holder['contract_id']}/termination", headers=holder["headers"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["free_of_charge"] is True and body["notice_days"] == 30
    assert body["effective_date_if_confirmed_today"] == (app.state.clock() + timedelta(days=30)).isoformat()
    assert "change_of_insurer" in [r["code"] for r in body["reasons"]]
    assert await contract_state(pool, holder["contract_id"]) == before
    assert await pool.fetchval("select count(*) from termination where contract_id = $1", holder["contract_id"]) == 0


async def test_a_request_is_a_draft_and_only_confirmation_terminates(client, holder, pool, app):
    body = {"contract_id": str(holder["contract_id"]), "reason": "change_of_insurer", "event_date": "2026-11-01",
            "summary": "Nouvel employeur avec mutuelle obligatoire."}
    draft = await client.post("/v1/terminations", json=body, headers=holder["headers"])
    assert draft.status_code == 201, draft.text
    assert draft.json()["status"] == "draft" and draft.json()["effective_date"] is None
    assert (await contract_state(pool, holder["contract_id"]))["end_date"] is None
    assert await confirmed_events(pool, holder["contract_id"]) == []

    confirmed = await client.post(f"/v1/terminations/{draft.json()['id']}/confirmation", headers=holder["headers"])
    assert confirmed.status_code == 200, confirmed.text
    ends = (app.state.clock() + timedelta(days=30)).isoformat()
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["effective_date"] == ends
    assert (await contract_state(pool, holder["contract_id"]))["end_date"].isoformat() == ends
    (event,) = await confirmed_events(pool, holder["contract_id"])
    assert event["termination_id"] == draft.json()["id"] and event["reason"] == "change_of_insurer"
    assert event["account_id"] is not None and event["effective_date"] == ends

    again = await client.post(f"/v1/terminations/{draft.json()['id']}/confirmation", headers=holder["headers"])
    assert again.status_code == 200 and len(await confirmed_events(pool, holder["contract_id"])) == 1


async def test_an_unknown_reason_is_refused_naming_the_field(client, holder):
    body = {"contract_id": str(holder["contract_id"]), "reason": "bored"}
    response = await client.post("/v1/terminations", json=body, headers=holder["headers"])
    assert response.status_code == 422 and response.json()["field"] == "reason"


async def test_another_member_can_neither_request_nor_confirm(client, holder, token):
    stranger = token("member", person_id=uuid.uuid4())
    body = {"contract_id": str(holder["contract_id"]), "reason": "other"}
    assert (await client.post("/v1/terminations", json=body, headers=stranger)).status_code == 404
    draft = await client.post("/v1/terminations", json=body, headers=holder["headers"])
    response = await client.post(f"/v1/terminations/{draft.json()['id']}/confirmation", headers=stranger)
    assert response.status_code == 404
