from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ms_events.envelope import Envelope
from ms_events.events import contracts as ct
from ms_events.events import identity as id_

from notify.adapters.letters import LetterSender, LocalPrintQueue
from notify.adapters.sending import ChannelRouter
from notify.adapters.sms import SmsConfig, SmsSender
from notify.app.dispatcher import Dispatcher
from notify.domain.model import RetryPolicy, message_key
from notify.entrypoints.worker import subscriptions

pytestmark = pytest.mark.integration


def dispatcher(pool, standin, letters_dir, key=None) -> Dispatcher:
    router = ChannelRouter({
        "sms": SmsSender(SmsConfig(standin.url, key or standin.key, timeout_s=5)),
        "letter": LetterSender(LocalPrintQueue(letters_dir), ["Mutuelle Exemple"]),
    })
    return Dispatcher(pool, router, RetryPolicy(first_backoff_s=0.05), poll_interval_s=30)


async def handle_parked(pool, handlers, parked_at, event) -> Envelope:
    envelope = Envelope.wrap(event)
    async with pool.acquire() as conn, conn.transaction():
        await subscriptions(handlers)[type(event)](conn, envelope, event)
        await conn.execute("update delivery set next_attempt_at = $2 where source_event_id = $1 and status = 'pending'",
                           envelope.id, parked_at)
    return envelope


async def ids_for(pool, envelope) -> dict:
    rows = await pool.fetch("select id, channel from delivery where source_event_id = $1", envelope.id)
    return {r["channel"]: r["id"] for r in rows}


async def test_a_two_factor_code_reaches_the_sms_provider_stand_in_with_its_reference(
    pool, handlers, parked_at, sms_standin, tmp_path
):
    now = datetime.now(UTC)
    event = id_.TwoFactorCodeRequested(account_id=uuid.uuid4(), phone="+33612345678", code="271828",
                                       expires_at=now + timedelta(minutes=5), requested_at=now)
    envelope = await handle_parked(pool, handlers, parked_at, event)
    ids = await ids_for(pool, envelope)
    assert set(ids) == {"sms"}

    assert await dispatcher(pool, sms_standin, tmp_path).run_once(only=list(ids.values()), as_of=parked_at) == 1

    (sms,) = sms_standin.messages()
    assert sms["to"] == "+33612345678" and sms["text"].startswith("271828 est votre code de connexion")
    assert sms["reference"] == f"{message_key(envelope.id, 'sms')}@notify.memberspace"
    assert (sms["encoding"], sms["segments"]) == ("GSM-7", 1)
    row = await pool.fetchrow("select status, body_text, recipient from delivery where id = $1", ids["sms"])
    assert row["status"] == "sent" and row["body_text"] is None and row["recipient"] is None


async def test_a_wrong_provider_key_leaves_the_sms_pending_for_a_retry(pool, handlers, parked_at, sms_standin, tmp_path):
    now = datetime.now(UTC)
    event = id_.TwoFactorCodeRequested(account_id=uuid.uuid4(), phone="+33612345678", code="000111",
                                       expires_at=now + timedelta(minutes=5), requested_at=now)
    envelope = await handle_parked(pool, handlers, parked_at, event)
    ids = await ids_for(pool, envelope)

    await dispatcher(pool, sms_standin, tmp_path, key="wrong").run_once(only=list(ids.values()), as_of=parked_at)

    row = await pool.fetchrow("select status, attempts, last_error from delivery where id = $1", ids["sms"])
    assert (row["status"], row["attempts"], row["last_error"]) == ("pending", 1, "SMS provider HTTP 401")
    assert sms_standin.messages() == []


async def test_accepted_copies_of_a_termination_go_by_sms_and_as_a_pdf_letter(
    pool, handlers, parked_at, sms_standin, tmp_path
):
    account_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        created = id_.AccountCreated(
            account_id=account_id, kind="member", email=f"t-{uuid.uuid4().hex[:8]}@example.org",
            first_name="Hélène", last_name="Lefèvre",
            confirmation_expires_at=datetime.now(UTC), created_at=datetime.now(UTC))
        await handlers.notify(conn, Envelope.wrap(created), created)
        await handlers.profile_updated(conn, None, id_.ProfileUpdated(
            account_id=account_id, phone="+33611223344",
            address=id_.PostalAddress(line1="8 rue des Tanneurs", postcode="67000", city="Strasbourg"),
            updated_at=datetime.now(UTC)))
        await conn.execute("update delivery set next_attempt_at = $2 where account_id = $1", account_id, parked_at)
        await conn.execute("insert into notification_preference (account_id, category, channel, accepted) values "
                           "($1, 'contract', 'sms', true), ($1, 'contract', 'letter', true)", account_id)
    event = ct.TerminationConfirmed(
        termination_id=uuid.uuid4(), contract_id=uuid.uuid4(), contract_number="147114", holder_id=uuid.uuid4(),
        account_id=account_id, reason="echeance", effective_date=datetime(2026, 1, 1).date(),
        confirmed_at=datetime.now(UTC))
    envelope = await handle_parked(pool, handlers, parked_at, event)
    ids = await ids_for(pool, envelope)
    assert set(ids) == {"email", "sms", "letter"}

    await dispatcher(pool, sms_standin, tmp_path).run_once(only=[ids["sms"], ids["letter"]], as_of=parked_at)

    (sms,) = sms_standin.messages()
    assert sms["to"] == "+33611223344" and "147114" in sms["text"] and "1er janvier 2026" in sms["text"]
    (letter,) = list(tmp_path.glob("*.pdf"))
    assert letter.name == f"{message_key(envelope.id, 'letter')}.pdf"
    from pypdf import PdfReader
    text = PdfReader(letter).pages[0].extract_text()
    assert "Hélène Lefèvre" in text and "67000 Strasbourg" in text and "147114" in text
    statuses = {r["channel"]: r["status"] for r in await pool.fetch(
        "select channel, status from delivery where source_event_id = $1", envelope.id)}
    assert statuses == {"email": "pending", "sms": "sent", "letter": "sent"}
