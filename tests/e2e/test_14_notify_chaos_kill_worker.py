"""Kill -9 the notify worker five times during 500 events: every message arrives, at most one
duplicate per kill, and a duplicate carries the same id (issue 5, NT-2). Disturbs the shared
notify-worker: run it alone (marker chaos)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer

from e2e_support import kafka_options, SMS_OUTBOX, stack, wait_running, wait_until
from ms_events.envelope import Envelope
from ms_events.events import identity as id_

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]

KILLS = 5
EMAILS, SMSES = 400, 100
NAMESPACE = uuid.UUID("2cd81b3c-f4c4-4397-b5a5-774ddd892686")  # notify.domain.model.MESSAGE_ID_NAMESPACE


def expected_id(event_id: uuid.UUID, channel: str) -> str:
    return f"{uuid.uuid5(NAMESPACE, f'{event_id}:{channel}')}@notify.memberspace"




def events(run: str) -> list[id_.ConfirmationEmailRequested | id_.TwoFactorCodeRequested]:
    now = datetime.now(UTC)
    out: list = []
    for i in range(EMAILS + SMSES):
        if i % 5 == 4:  # one in five is an SMS
            out.append(id_.TwoFactorCodeRequested(account_id=uuid.uuid4(), phone=f"+3375{run}{i:04d}",
                                                  code=f"{i:06d}", expires_at=now + timedelta(minutes=30),
                                                  requested_at=now))
        else:
            out.append(id_.ConfirmationEmailRequested(
                account_id=uuid.uuid4(), kind="member", email=f"k{i}@chaos-{run}.example.org", first_name="Chaos",
                last_name=f"N{i}", reason="sign_up", confirmation_token=uuid.uuid4().hex,
                confirmation_expires_at=now + timedelta(hours=48), requested_at=now))
    return out


def sms_sent(run: str) -> list[dict]:
    prefix = f"+3375{run}"
    records = (json.loads(p.read_text()) for p in SMS_OUTBOX.glob("*.json"))
    return [r for r in records if r["to"].startswith(prefix)]


async def test_killing_the_worker_five_times_during_500_events_loses_nothing_and_duplicates_at_most_once_per_kill(
    mailbox, sms_provider
):
    run = f"{uuid.uuid4().int % 10**3:03d}"
    batch = events(run)
    envelopes = [Envelope.wrap(e) for e in batch]
    ids = {}
    for event, envelope in zip(batch, envelopes):
        if isinstance(event, id_.ConfirmationEmailRequested):
            ids[expected_id(envelope.id, "email")] = str(event.email)
        else:
            ids[expected_id(envelope.id, "sms")] = event.phone
    assert len(batch) == 500

    producer = AIOKafkaProducer(**kafka_options(), acks="all", enable_idempotence=True, linger_ms=5)
    await producer.start()
    try:
        chunk = len(batch) // KILLS
        for k in range(KILLS):
            for event, envelope in zip(batch[k * chunk:(k + 1) * chunk], envelopes[k * chunk:(k + 1) * chunk]):
                await producer.send(event.meta().topic, key=event.key().encode(), value=envelope.to_bytes())
            await producer.flush()
            await asyncio.to_thread(wait_running, "notify-worker")  # restarted after the last kill
            await asyncio.sleep(3)  # it rejoins its group and is consuming and sending this chunk
            stack("kill", "notify-worker")  # SIGKILL; supervisord starts it again
    finally:
        await producer.stop()

    domain = f"chaos-{run}.example.org"

    async def all_arrived():
        emails = set(mailbox.recipients(domain))
        phones = {r["to"] for r in sms_sent(run)}
        return len(emails) == EMAILS and len(phones) == SMSES

    await wait_until(all_arrived, timeout=600, interval=2, what="all 500 messages")
    await asyncio.sleep(5)  # let any late duplicate land before counting

    email_ids = Counter()
    for address in set(mailbox.recipients(domain)):
        for message in mailbox.messages_to(address):
            message_id = message["Message-ID"].strip("<>")
            assert ids[message_id] == address  # the id is the one derived from its (event, channel)
            email_ids[message_id] += 1
    sms_ids = Counter()
    for record in sms_sent(run):
        assert ids[record["reference"]] == record["to"]
        sms_ids[record["reference"]] += 1

    sent = email_ids + sms_ids
    assert set(sent) == set(ids)  # every one of the 500 messages, each under its own id
    duplicates = sum(n - 1 for n in sent.values())
    assert duplicates <= KILLS, f"{duplicates} duplicates for {KILLS} kills"
