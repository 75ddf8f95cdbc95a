from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from ms_events.envelope import Envelope

from notify.adapters.repository import DueDelivery
from notify.adapters.smtp import SmtpConfig, SmtpSender
from notify.app.dispatcher import Dispatcher
from notify.domain.model import Rendered, RetryPolicy, message_id

pytestmark = pytest.mark.integration

MAIL_FROM = "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>"


def due(address: str) -> DueDelivery:
    event_id = uuid.uuid4()
    return DueDelivery(id=uuid.uuid4(), source_event_id=event_id, channel="email", template="t", account_id=None,
                       recipient=address, message_id=message_id(event_id, "email"), attempts=0,
                       content=Rendered("Sujet", "Bonjour", "<p>Bonjour</p>"))


async def eventually(check, timeout: float) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


async def test_concurrent_sends_share_at_most_the_configured_number_of_smtp_connections(smtp_server):
    smtp_server.start()
    sender = SmtpSender(SmtpConfig("127.0.0.1", smtp_server.port, MAIL_FROM, timeout_s=5), connections=2)
    await asyncio.gather(*(sender.send(due(f"n{i}@example.org")) for i in range(4)))
    await asyncio.gather(*(sender.send(due(f"m{i}@example.org")) for i in range(4)))

    assert sender.opened == 2  # two opened for the first four, kept for the next four
    assert len(smtp_server.handler.messages) == 8
    await sender.close()


async def test_several_dispatcher_loops_send_each_delivery_once_and_mark_it_sent_once(
    pool, queue, parked_at, account_created, smtp_server
):
    smtp_server.start()
    envelopes = []
    for i in range(12):
        event = account_created.model_copy(
            update={"account_id": uuid.uuid4(), "email": f"loop{i}-{uuid.uuid4().hex[:6]}@example.org"})
        envelope = Envelope.wrap(event)
        await queue(envelope, event)
        envelopes.append(envelope)
    ids = [r["id"] for r in await pool.fetch(
        "select id from delivery where source_event_id = any($1::uuid[])", [e.id for e in envelopes])]
    sender = SmtpSender(SmtpConfig("127.0.0.1", smtp_server.port, MAIL_FROM, timeout_s=5), connections=3)
    dispatcher = Dispatcher(pool, sender, RetryPolicy(), batch_size=2, poll_interval_s=0.1, concurrency=3)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop, only=ids, as_of=parked_at))

    async def all_sent() -> bool:
        return await pool.fetchval(
            "select count(*) from delivery where id = any($1::uuid[]) and status = 'sent'", ids) == len(ids)

    try:
        assert await eventually(all_sent, timeout=20)
    finally:
        stop.set()
        await task
        await sender.close()

    received = sorted(m["Message-ID"] for m in smtp_server.handler.messages)
    assert received == sorted(message_id(e.id, "email") for e in envelopes)  # each once
    for delivery_id in ids:
        rows = await pool.fetch("select payload from outbox where key = $1", str(delivery_id))
        assert [json.loads(r["payload"])["type"] for r in rows] == ["NotificationSent"]
    assert sender.opened <= 3
