"""Claims (CL-5): a ClaimStatusChanged handled as the worker does queues the member's email (and
their SMS when they accepted contract SMS copies); the dispatcher delivers them to a real SMTP
server and to the SMS provider's stand-in, in French, naming the claim and its new status."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ms_events.envelope import Envelope
from ms_events.events import claims as cl
from ms_events.events import identity as id_

from notify.adapters.sending import ChannelRouter
from notify.adapters.sms import SmsConfig, SmsSender
from notify.adapters.smtp import SmtpConfig, SmtpSender
from notify.app.dispatcher import Dispatcher
from notify.domain.messages import reference
from notify.domain.model import RetryPolicy
from notify.entrypoints.worker import subscriptions

pytestmark = pytest.mark.integration

MAIL_FROM = "Mutuelle Exemple <ne-pas-repondre@mutuelle.example>"


async def _member(pool, handlers, parked_at, *, sms: bool) -> tuple[uuid.UUID, str]:
    account_id, email = uuid.uuid4(), f"claims-{uuid.uuid4().hex[:8]}@example.org"
    async with pool.acquire() as conn, conn.transaction():
        created = id_.AccountCreated(
            account_id=account_id, kind="member", email=email, first_name="Hélène", last_name="Lefèvre",
            confirmation_expires_at=datetime.now(UTC), created_at=datetime.now(UTC))
        await handlers.notify(conn, Envelope.wrap(created), created)
        await handlers.profile_updated(conn, None, id_.ProfileUpdated(
            account_id=account_id, phone="+33611223344", updated_at=datetime.now(UTC)))
        if sms:
            await conn.execute("insert into notification_preference (account_id, category, channel, accepted) "
                               "values ($1, 'contract', 'sms', true)", account_id)
    return account_id, email


async def _handle(pool, handlers, parked_at, event) -> dict[str, uuid.UUID]:
    envelope = Envelope.wrap(event)
    async with pool.acquire() as conn, conn.transaction():
        await subscriptions(handlers)[type(event)](conn, envelope, event)
        # Parked a day ahead: the stack's own notify worker shares this database.
        await conn.execute("update delivery set next_attempt_at = $2 where source_event_id = $1 and status = 'pending'",
                           envelope.id, parked_at)
    rows = await pool.fetch("select id, channel from delivery where source_event_id = $1", envelope.id)
    return {r["channel"]: r["id"] for r in rows}


def _event(account_id: uuid.UUID, status: str) -> cl.ClaimStatusChanged:
    return cl.ClaimStatusChanged(claim_id=uuid.uuid4(), account_id=account_id, holder_id=uuid.uuid4(),
                                 status=status, changed_at=datetime.now(UTC))


async def test_a_paid_claim_is_told_to_the_member_by_email_and_by_the_sms_they_accepted(
    pool, handlers, parked_at, smtp_server, sms_standin
):
    smtp_server.start()
    account_id, email = await _member(pool, handlers, parked_at, sms=True)
    event = _event(account_id, "paid")
    ids = await _handle(pool, handlers, parked_at, event)
    assert set(ids) == {"email", "sms"}

    router = ChannelRouter({
        "email": SmtpSender(SmtpConfig(host="127.0.0.1", port=smtp_server.port, mail_from=MAIL_FROM, timeout_s=5)),
        "sms": SmsSender(SmsConfig(sms_standin.url, sms_standin.key, timeout_s=5)),
    })
    sent = await Dispatcher(pool, router, RetryPolicy(first_backoff_s=0.05), poll_interval_s=30).run_once(
        only=list(ids.values()), as_of=parked_at)
    assert sent == 2

    ref = reference(event.claim_id)
    (mail,) = smtp_server.handler.messages
    assert mail["To"] == email
    assert mail["Subject"].startswith(f"Votre demande de remboursement {ref} est remboursée")
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith("Bonjour Hélène Lefèvre,") and "a été payée sur votre compte bancaire" in text
    (sms,) = sms_standin.messages()
    assert sms["to"] == "+33611223344" and ref in sms["text"] and "remboursée" in sms["text"]
    statuses = {r["channel"]: r["status"] for r in await pool.fetch(
        "select channel, status from delivery where id = any($1::uuid[])", list(ids.values()))}
    assert statuses == {"email": "sent", "sms": "sent"}


async def test_a_rejected_claim_is_one_email_when_the_member_accepted_no_sms(pool, handlers, parked_at):
    account_id, email = await _member(pool, handlers, parked_at, sms=False)
    ids = await _handle(pool, handlers, parked_at, _event(account_id, "rejected"))
    assert set(ids) == {"email"}
    row = await pool.fetchrow("select recipient, template, subject from delivery where id = $1", ids["email"])
    assert (row["recipient"], row["template"]) == (email, "claim_status_changed")
    assert "refusée" in row["subject"]
