from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from ms_events.envelope import Envelope

from notify.adapters.smtp import SmtpConfig, SmtpSender
from notify.app.dispatcher import Dispatcher
from notify.domain.model import RetryPolicy, message_id

pytestmark = pytest.mark.integration

MAIL_FROM = "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>"




async def test_concurrent_sends_share_at_most_the_configured_number_of_smtp_connections(smtp_server, due):
    smtp_server.start()
    sender = SmtpSender(SmtpConfig("127.0.0.1", smtp_server.port, MAIL_FROM, timeout_s=5), connections=2)
    await asyncio.gather(*(sender.send(due(f"n{i}@example.org")) for i in range(4)))
    await asyncio.gather(*(sender.send(due(f"m{i}@example.org")) for i in range(4)))

    assert sender.opened == 2  # two opened for the first four, kept for the next four
    assert len(smtp_server.handler.messages) == 8
    await sender.close()


async def test_several_dispatcher_loops_send_each_delivery_once_and_mark_it_sent_once(
    pool, queue, parked_at, sign_up_confirmation, smtp_server, eventually
):
    smtp_server.start()
    envelopes = []
    for i in range(12):
        event = sign_up_confirmation.model_copy(
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


class WindowCheckingSender:
    """Sends nothing; at each handover, checks every message handed over before is committed sent."""

    def __init__(self, pool) -> None:
        self._pool = pool
        self.handed_over: list = []
        self.not_yet_committed: list[int] = []

    async def send(self, delivery, handover=None) -> None:
        await asyncio.sleep(0.01)  # the envelope: the loops overlap here
        await handover()
        self.not_yet_committed.append(await self._pool.fetchval(
            "select count(*) from delivery where id = any($1::uuid[]) and status = 'pending'", self.handed_over))
        self.handed_over.append(delivery.id)
        await asyncio.sleep(0.01)  # the message itself


async def test_with_several_loops_a_message_is_handed_over_only_once_the_one_before_is_marked_sent(
    pool, queue, parked_at, sign_up_confirmation, eventually
):
    ids = []
    for i in range(8):
        event = sign_up_confirmation.model_copy(update={"account_id": uuid.uuid4(), "email": f"w{i}@example.org"})
        envelope = Envelope.wrap(event)
        await queue(envelope, event)
        ids.append(await pool.fetchval("select id from delivery where source_event_id = $1", envelope.id))
    sender = WindowCheckingSender(pool)
    dispatcher = Dispatcher(pool, sender, RetryPolicy(), batch_size=2, poll_interval_s=0.1, concurrency=3)
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop, only=ids, as_of=parked_at))
    try:
        assert await eventually(lambda: _all_sent(pool, ids), timeout=20)
    finally:
        stop.set()
        await task

    assert sorted(sender.handed_over) == sorted(ids)
    assert sender.not_yet_committed == [0] * len(ids)  # at most one message in the duplicate window


async def _all_sent(pool, ids) -> bool:
    return await pool.fetchval(
        "select count(*) from delivery where id = any($1::uuid[]) and status = 'sent'", ids) == len(ids)


class RefusingAtData:
    async def handle_DATA(self, server, session, envelope):
        return "554 5.6.0 message refused"


async def test_a_message_refused_at_data_leaves_no_sent_mark_and_publishes_notification_failed(
    pool, queue, parked_at, sign_up_confirmation, port
):
    from aiosmtpd.controller import Controller

    controller = Controller(RefusingAtData(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        envelope = Envelope.wrap(sign_up_confirmation)
        await queue(envelope, sign_up_confirmation)
        delivery_id = await pool.fetchval("select id from delivery where source_event_id = $1", envelope.id)
        sender = SmtpSender(SmtpConfig("127.0.0.1", port, MAIL_FROM, timeout_s=5), connections=2)
        dispatcher = Dispatcher(pool, sender, RetryPolicy(), concurrency=2)

        assert await dispatcher.run_once(only=[delivery_id], as_of=parked_at) == 1
        await sender.close()
    finally:
        controller.stop()

    row = await pool.fetchrow("select status, sent_at, last_error from delivery where id = $1", delivery_id)
    assert (row["status"], row["sent_at"]) == ("failed", None)  # 554: permanent
    rows = await pool.fetch("select payload from outbox where key = $1", str(delivery_id))
    assert [json.loads(r["payload"])["type"] for r in rows] == ["NotificationFailed"]


async def test_two_claims_get_separate_batches_and_a_released_claim_is_free_again(pool, queue, parked_at, sign_up_confirmation):
    from notify.adapters.repository import DeliveryRepository

    ids = []
    for i in range(12):
        event = sign_up_confirmation.model_copy(update={"account_id": uuid.uuid4(), "email": f"c{i}@example.org"})
        envelope = Envelope.wrap(event)
        await queue(envelope, event)
        ids.append(await pool.fetchval("select id from delivery where source_event_id = $1", envelope.id))
    async with pool.acquire() as first, pool.acquire() as second, pool.acquire() as third:
        a, b, c = DeliveryRepository(first), DeliveryRepository(second), DeliveryRepository(third)
        mine = await a.claim_due(5, only=ids, as_of=parked_at)
        theirs = await b.claim_due(5, only=ids, as_of=parked_at)
        # Each claim holds only its own batch: the next loop gets the next rows, not nothing.
        assert len(mine) == 5 and len(theirs) == 5
        assert not {d.id for d in mine} & {d.id for d in theirs}
        rest = await c.claim_due(5, only=ids, as_of=parked_at)
        assert {d.id for d in rest} == set(ids) - {d.id for d in mine} - {d.id for d in theirs}

        await a.release_claims()
        again = await c.claim_due(10, only=ids, as_of=parked_at)  # its own 2 again, and a's 5
        assert {d.id for d in again} == {d.id for d in mine} | {d.id for d in rest}
        await b.release_claims()
        await c.release_claims()
