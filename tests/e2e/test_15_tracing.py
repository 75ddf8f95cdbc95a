"""One journey, one trace: the gateway's traceparent reaches the event and the consumer's logs."""

from __future__ import annotations

import json
import secrets

import pytest

from e2e_support import ROOT, sign_up_body, topic_records, unique_email, wait_until
from ms_events.envelope import Envelope

pytestmark = pytest.mark.e2e


async def test_a_sign_up_trace_follows_the_event_through_kafka_to_the_notify_worker(gateway, mailbox, registry):
    [member] = await registry.register(1)
    trace_id = secrets.token_hex(16)
    address = unique_email("trace")
    r = await gateway.post("/v1/accounts", json=sign_up_body(member, address),
                           headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"})
    assert r.status_code == 201
    account_id = r.json()["id"]
    await mailbox.wait_for(address)

    async def envelope() -> Envelope | None:
        for record in await topic_records("identity.account.v1"):
            if record.key == account_id.encode():
                return Envelope.from_bytes(record.value)
        return None

    published = await wait_until(envelope, timeout=30, what="the AccountCreated event")
    assert published.traceparent.split("-")[1] == trace_id

    def worker_lines() -> list[dict]:
        lines = (ROOT / "var" / "log" / "notify-worker.log").read_text().splitlines()
        return [json.loads(line) for line in lines if trace_id in line and line.startswith("{")]

    async def handled() -> list[dict]:
        return [line for line in worker_lines() if line.get("event") == "consumer.handled"]

    [line] = await wait_until(handled, timeout=10, what="the worker's log line for the event")
    assert line["trace_id"] == trace_id and line["event_type"] == "AccountCreated"
