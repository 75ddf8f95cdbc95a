"""Personal data: the export route for identity, and AccountDeleted consumed through the inbox."""

import uuid
from datetime import UTC, datetime

import jwt
import pytest
from aiokafka import ConsumerRecord

from contracts.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration

IBAN = "FR76 3000 6000 0112 3456 7890 189"


@pytest.fixture
async def member(run_import, free_numbers, person, line, pool, token, client):
    (number,) = await free_numbers()
    await run_import([line(number, person())])
    row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
    headers = token("member", person_id=row["holder_id"])
    # The token's subject is the account the export and erasure are asked for.
    claims = jwt.decode(headers["Authorization"].split()[1], options={"verify_signature": False})
    return {"contract_id": row["id"], "person_id": row["holder_id"], "number": number,
            "account_id": uuid.UUID(claims["sub"]), "headers": headers}


async def test_the_export_lists_contracts_accounts_and_requests_for_a_service_only(client, token, member):
    await client.put(f"/v1/bank-accounts/{member['person_id']}", json={"iban": IBAN, "account_holder": "Moi"},
                     headers=member["headers"])
    await client.post("/v1/contract-requests", json={"kind": "quote", "category": "prevoyance"}, headers=member["headers"])
    query = {"account_id": str(member["account_id"]), "person_id": str(member["person_id"])}
    response = await client.get("/internal/v1/personal-data", params=query, headers=token("service"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["context"] == "contracts"
    assert [c["contract_number"] for c in body["data"]["contracts"]] == [member["number"]]
    assert body["data"]["bank_accounts"][0]["iban"] == "FR7630006000011234567890189"
    assert body["data"]["requests"][0]["details"] == {"category": "prevoyance"}
    denied = await client.get("/internal/v1/personal-data", params=query, headers=member["headers"])
    assert denied.status_code == 403


def record(envelope: Envelope) -> ConsumerRecord:
    return ConsumerRecord(topic="identity.account.v1", partition=0, offset=0, timestamp=0, timestamp_type=0,
                          key=None, value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


async def test_account_deleted_pseudonymises_requests_once_and_keeps_the_contract(client, member, pool, settings):
    await client.post("/v1/contract-requests", json={"kind": "quote", "message": "Mon projet"}, headers=member["headers"])
    event = AccountDeleted(account_id=member["account_id"], person_id=member["person_id"], kind="member",
                           deleted_at=datetime.now(UTC))
    envelope = Envelope.wrap(event)
    runner = ConsumerRunner("contracts", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(record(envelope)) == "handled"
    assert await runner.process(record(envelope)) == "duplicate"
    assert await pool.fetchval("select count(*) from contract_request where account_id = $1", member["account_id"]) == 0
    row = await pool.fetchrow("select details, email from contract_request where holder_id = $1", member["person_id"])
    assert row["details"] == {} and row["email"] is None
    assert await pool.fetchval("select count(*) from contract where id = $1", member["contract_id"]) == 1
