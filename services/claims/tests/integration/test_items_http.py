"""Claims on the real PostgreSQL: items, their events in the outbox, erasure and export."""

import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import ConsumerRecord

from claims.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration


async def test_the_api_answers_its_health_routes(client):
    assert (await client.get("/health/live")).status_code == 200
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


async def test_a_recorded_item_and_its_event_are_written_in_one_transaction(client, token, pool):
    account = uuid.uuid4()
    response = await client.post("/v1/claims-items", json={"title": "Premier"}, headers=token("member", subject=account))
    assert response.status_code == 201, response.text
    item_id = response.json()["id"]
    row = await pool.fetchrow("select topic, event_type from outbox where key = $1", item_id)
    assert row is not None and (row["topic"], row["event_type"]) == ("claims.item.v1", "ClaimsItemCreated")


async def test_a_member_sees_only_their_own_items(client, token):
    mine, theirs = token("member"), token("member")
    await client.post("/v1/claims-items", json={"title": "À moi"}, headers=mine)
    await client.post("/v1/claims-items", json={"title": "À l'autre"}, headers=theirs)
    titles = [i["title"] for i in (await client.get("/v1/claims-items", headers=mine)).json()]
    assert titles == ["À moi"]


async def test_a_request_without_a_token_is_refused_with_a_problem(client):
    response = await client.get("/v1/claims-items")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_title_with_an_invisible_character_is_refused_naming_the_field_and_nothing_is_stored(client, token, pool):
    account = uuid.uuid4()
    response = await client.post("/v1/claims-items", json={"title": "a\u202eb"}, headers=token("member", subject=account))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "title" in response.text
    assert await pool.fetchval("select count(*) from item where account_id = $1", account) == 0


def _record(envelope: Envelope) -> ConsumerRecord:
    return ConsumerRecord(topic="identity.account.v1", partition=0, offset=0, timestamp=0, timestamp_type=0,
                          key=None, value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


async def test_account_deleted_erases_the_accounts_items_once(client, token, pool, settings):
    account = uuid.uuid4()
    await client.post("/v1/claims-items", json={"title": "À effacer"}, headers=token("member", subject=account))
    envelope = Envelope.wrap(AccountDeleted(account_id=account, person_id=None, kind="member",
                                            deleted_at=datetime.now(UTC)))
    runner = ConsumerRunner("claims", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record(envelope)) == "handled"
    assert await runner.process(_record(envelope)) == "duplicate"
    assert await pool.fetchval("select count(*) from item where account_id = $1", account) == 0


async def test_the_personal_data_export_lists_the_accounts_items_for_a_service_only(client, token):
    account = uuid.uuid4()
    await client.post("/v1/claims-items", json={"title": "Exporté"}, headers=token("member", subject=account))
    query = {"account_id": str(account)}
    response = await client.get("/internal/v1/personal-data", params=query, headers=token("service"))
    assert response.status_code == 200, response.text
    assert [i["title"] for i in response.json()["data"]["items"]] == ["Exporté"]
    assert (await client.get("/internal/v1/personal-data", params=query,
                             headers=token("member", subject=account))).status_code == 403
