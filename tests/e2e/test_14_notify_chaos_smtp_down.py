"""The SMTP server down for a minute: messages are delayed, not lost, and sent once when it
returns (issue 5). Stops the shared mailsink: run it alone (marker chaos)."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer

from e2e_support import kafka_options, stack, wait_until
from ms_events.envelope import Envelope
from ms_events.events import identity as id_

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]

COUNT = 20


async def test_messages_queued_while_smtp_is_down_for_a_minute_are_sent_once_when_it_returns(mailbox):
    run = uuid.uuid4().hex[:8]
    domain = f"smtp-down-{run}.example.org"
    now = datetime.now(UTC)
    batch = [id_.ConfirmationEmailRequested(account_id=uuid.uuid4(), kind="member", email=f"m{i}@{domain}",
                                            first_name="Panne", last_name=f"N{i}", reason="sign_up",
                                            confirmation_token=uuid.uuid4().hex,
                                            confirmation_expires_at=now + timedelta(hours=48), requested_at=now)
             for i in range(COUNT)]
    envelopes = [Envelope.wrap(e) for e in batch]
    conn = await asyncpg.connect(os.environ["NOTIFY_DATABASE_URL"])
    stack("stop", "mailsink")
    try:
        producer = AIOKafkaProducer(**kafka_options(), acks="all", enable_idempotence=True)
        await producer.start()
        try:
            for event, envelope in zip(batch, envelopes):
                await producer.send_and_wait(event.meta().topic, key=event.key().encode(), value=envelope.to_bytes())
        finally:
            await producer.stop()

        ids = [e.id for e in envelopes]

        async def all_tried():
            rows = await conn.fetch("select status, attempts from delivery where source_event_id = any($1::uuid[])", ids)
            return len(rows) == COUNT and all(r["attempts"] >= 1 for r in rows) and rows

        rows = await wait_until(all_tried, timeout=60, what="a first failed attempt for every message")
        assert {r["status"] for r in rows} == {"pending"}  # delayed, not given up
        await asyncio.sleep(max(0.0, 60 - (datetime.now(UTC) - now).total_seconds()))
        assert mailbox.recipients(domain) == []
        errors = await conn.fetch("select last_error from delivery where source_event_id = any($1::uuid[])", ids)
        assert all(r["last_error"] and "@" not in r["last_error"] for r in errors)
    finally:
        stack("start", "mailsink")

    try:
        async def all_arrived():
            return len(mailbox.recipients(domain)) >= COUNT

        await wait_until(all_arrived, timeout=420, interval=2, what="every delayed message")
        await asyncio.sleep(5)
        received = mailbox.recipients(domain)
        assert sorted(received) == sorted(str(e.email) for e in batch)  # each exactly once
        rows = await conn.fetch("select status from delivery where source_event_id = any($1::uuid[])", ids)
        assert [r["status"] for r in rows] == ["sent"] * COUNT
    finally:
        await conn.close()
