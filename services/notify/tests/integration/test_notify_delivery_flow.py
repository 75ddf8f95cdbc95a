from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest

from ms_events.envelope import Envelope

from notify.adapters.smtp import SmtpConfig, SmtpSender
from notify.app.dispatcher import Dispatcher
from notify.domain.model import RetryPolicy, message_id

pytestmark = pytest.mark.integration

MAIL_FROM = "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>"



def dispatcher(pool, port: int, **policy) -> Dispatcher:
    sender = SmtpSender(SmtpConfig(host="127.0.0.1", port=port, mail_from=MAIL_FROM, timeout_s=5))
    return Dispatcher(pool, sender, RetryPolicy(**({"first_backoff_s": 0.05} | policy)), poll_interval_s=30)


async def delivery_for(pool, envelope):
    return await pool.fetchrow("select * from delivery where source_event_id = $1", envelope.id)


async def outbox_events(pool, delivery_id) -> list[dict]:
    rows = await pool.fetch("select payload from outbox where key = $1", str(delivery_id))
    return [json.loads(r["payload"]) for r in rows]


async def test_the_same_sign_up_confirmation_handled_twice_queues_one_delivery(
        pool, queue, parked_at, account_created, sign_up_confirmation):
    await queue(Envelope.wrap(account_created), account_created)  # the contact, nothing sent
    envelope = Envelope.wrap(sign_up_confirmation)
    await queue(envelope, sign_up_confirmation)
    await queue(envelope, sign_up_confirmation)

    rows = await pool.fetch("select * from delivery where source_event_id = $1", envelope.id)
    assert len(rows) == 1
    assert rows[0]["status"] == "pending" and rows[0]["attempts"] == 0
    assert rows[0]["message_id"] == message_id(envelope.id, "email")
    contact = await pool.fetchrow("select * from contact where account_id = $1", sign_up_confirmation.account_id)
    assert (contact["first_name"], contact["last_name"]) == ("Camille", "Durand")


async def test_the_dispatcher_sends_the_confirmation_email_to_a_real_smtp_server(
    pool, queue, parked_at, sign_up_confirmation, smtp_server
):
    smtp_server.start()
    envelope = Envelope.wrap(sign_up_confirmation)
    await queue(envelope, sign_up_confirmation)
    delivery = await delivery_for(pool, envelope)

    assert await dispatcher(pool, smtp_server.port).run_once(only=[delivery["id"]], as_of=parked_at) == 1

    (mail,) = smtp_server.handler.messages
    assert mail["Message-ID"] == message_id(envelope.id, "email")
    assert mail["Subject"] == "Confirmez votre adresse e-mail – Votre espace adhérent"
    assert mail["To"] == sign_up_confirmation.email
    assert mail["X-Notify-Delivery-Id"] == str(delivery["id"])
    assert mail["X-Source-Event-Id"] == str(envelope.id)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    token = sign_up_confirmation.confirmation_token.replace("/", "%2F").replace("+", "%2B").replace("=", "%3D")
    link = f"http://127.0.0.1:8080/confirmer-mon-compte?token={token}"
    assert link in text and link in html
    assert "Bonjour Camille Durand," in text

    sent = await delivery_for(pool, envelope)
    assert sent["status"] == "sent" and sent["sent_at"] is not None and sent["attempts"] == 1
    assert sent["body_text"] is None and sent["body_html"] is None
    (event,) = await outbox_events(pool, delivery["id"])
    assert event["type"] == "NotificationSent"
    assert event["data"]["source_event_id"] == str(envelope.id)


async def test_a_delivery_stays_pending_while_smtp_is_down_and_is_sent_once_it_is_back(
    pool, queue, parked_at, sign_up_confirmation, smtp_server
):
    envelope = Envelope.wrap(sign_up_confirmation)
    await queue(envelope, sign_up_confirmation)
    delivery_id = (await delivery_for(pool, envelope))["id"]
    notifier = dispatcher(pool, smtp_server.port)

    await notifier.run_once(only=[delivery_id], as_of=parked_at)  # nothing listens on the port yet

    waiting = await delivery_for(pool, envelope)
    assert waiting["status"] == "pending" and waiting["attempts"] == 1
    assert waiting["last_error"] and "@" not in waiting["last_error"]
    assert waiting["next_attempt_at"] > parked_at
    assert await outbox_events(pool, delivery_id) == []

    smtp_server.start()
    await notifier.run_once(only=[delivery_id], as_of=parked_at + timedelta(seconds=1))  # after the backoff

    sent = await delivery_for(pool, envelope)
    assert sent["status"] == "sent" and sent["attempts"] == 2
    assert len(smtp_server.handler.messages) == 1


async def test_a_delivery_fails_after_the_last_attempt_and_says_so_on_the_outbox(
    pool, queue, parked_at, sign_up_confirmation, smtp_server
):
    envelope = Envelope.wrap(sign_up_confirmation)
    await queue(envelope, sign_up_confirmation)
    delivery_id = (await delivery_for(pool, envelope))["id"]
    notifier = dispatcher(pool, smtp_server.port, max_attempts=2)

    await notifier.run_once(only=[delivery_id], as_of=parked_at)
    await notifier.run_once(only=[delivery_id], as_of=parked_at + timedelta(seconds=1))

    failed = await delivery_for(pool, envelope)
    assert failed["status"] == "failed" and failed["attempts"] == 2
    assert failed["body_text"] is None
    (event,) = await outbox_events(pool, delivery_id)
    assert event["type"] == "NotificationFailed"
    assert event["data"]["reason"] == failed["last_error"]


async def test_a_delivery_not_yet_due_is_left_alone(pool, queue, parked_at, sign_up_confirmation, smtp_server):
    envelope = Envelope.wrap(sign_up_confirmation)
    await queue(envelope, sign_up_confirmation)
    delivery_id = (await delivery_for(pool, envelope))["id"]
    notifier = dispatcher(pool, smtp_server.port, first_backoff_s=60)

    await notifier.run_once(only=[delivery_id], as_of=parked_at)  # fails: server down, next try in a minute
    smtp_server.start()
    assert await notifier.run_once(only=[delivery_id], as_of=parked_at) == 0
    assert smtp_server.handler.messages == []


async def test_queueing_a_delivery_notifies_at_commit_and_the_notification_wakes_the_dispatcher(
    pool, queue, parked_at, sign_up_confirmation, smtp_server, eventually
):
    smtp_server.start()
    envelope = Envelope.wrap(sign_up_confirmation)
    woken = asyncio.Event()
    listener = await pool.acquire()

    def wake(*_) -> None:
        woken.set()

    await listener.add_listener("delivery", wake)
    try:
        await queue(envelope, sign_up_confirmation)
        # The handler's transaction sends the wake-up, delivered at commit.
        await asyncio.wait_for(woken.wait(), timeout=10)
    finally:
        await listener.remove_listener("delivery", wake)
        await pool.release(listener)

    # A running, idle dispatcher (it polls every 30 s) is woken by the notification alone.
    only: list = []  # read at each pass: empty until the row is this test's to send
    stop = asyncio.Event()
    notifier = dispatcher(pool, smtp_server.port)
    task = asyncio.create_task(notifier.run(stop, only=only, as_of=parked_at))
    try:
        await asyncio.sleep(0.5)  # its first pass found nothing; it waits for a NOTIFY or the poll
        only.append((await delivery_for(pool, envelope))["id"])
        await pool.execute("select pg_notify('delivery', '')")

        async def sent() -> bool:
            return (await delivery_for(pool, envelope))["status"] == "sent"

        assert await eventually(sent, timeout=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
