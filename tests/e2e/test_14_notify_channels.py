"""Events from identity and contracts reach the right channel and read well (issue 5, NT-1)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from aiokafka import AIOKafkaProducer

from e2e_support import kafka_options, SMS_OUTBOX, unique_email, wait_until
from ms_events.envelope import Envelope
from ms_events.events import contracts as ct
from ms_events.events import identity as id_

pytestmark = pytest.mark.e2e





def sms_to(number: str) -> list[dict]:
    found = []
    for path in SMS_OUTBOX.glob("*.json"):
        record = json.loads(path.read_text())
        if record["to"] == number:
            found.append(record)
    return found


def unique_phone() -> str:
    return "+336" + str(uuid.uuid4().int)[:8]


async def produce(*events) -> list[Envelope]:
    envelopes = [Envelope.wrap(e) for e in events]
    producer = AIOKafkaProducer(**kafka_options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for envelope, event in zip(envelopes, events):
            await producer.send_and_wait(event.meta().topic, key=event.key().encode(), value=envelope.to_bytes())
    finally:
        await producer.stop()
    return envelopes


def a_person(address: str) -> id_.AccountCreated:
    now = datetime.now(UTC)
    return id_.AccountCreated(account_id=uuid.uuid4(), kind="member", email=address, first_name="Hélène",
                              last_name="Lefèvre", confirmation_expires_at=now + timedelta(hours=48), created_at=now)


def sign_up_link(person: id_.AccountCreated) -> id_.ConfirmationEmailRequested:
    """The private event identity publishes with AccountCreated (identity.secret.v1): the sign-up email."""
    return id_.ConfirmationEmailRequested(
        account_id=person.account_id, kind=person.kind, email=person.email, first_name=person.first_name,
        last_name=person.last_name, reason="sign_up", confirmation_token="tok-" + uuid.uuid4().hex,
        confirmation_expires_at=person.confirmation_expires_at, requested_at=person.created_at)


async def test_a_two_factor_code_from_identity_arrives_by_sms_only(mailbox, sms_provider):
    address, phone = unique_email("sms2fa"), unique_phone()
    person = a_person(address)
    now = datetime.now(UTC)
    code = id_.TwoFactorCodeRequested(account_id=person.account_id, phone=phone, code="582046",
                                      expires_at=now + timedelta(minutes=5), requested_at=now)
    [_, _, sent] = await produce(person, sign_up_link(person), code)

    async def arrived():
        return sms_to(phone)

    [sms] = await wait_until(arrived, timeout=60, what="the 2FA SMS")
    assert sms["text"].startswith("582046 est votre code de connexion")
    assert sms["segments"] == 1
    assert sms["reference"].startswith(str(uuid.uuid5(uuid.UUID("2cd81b3c-f4c4-4397-b5a5-774ddd892686"),
                                                      f"{sent.id}:sms")))
    await mailbox.wait_for(address, timeout=60)  # the sign-up email only: the code never goes by email
    assert [m["Subject"] for m in mailbox.messages_to(address)] == [
        "Confirmez votre adresse e-mail – Votre espace adhérent"]


async def test_a_termination_confirmed_by_contracts_is_confirmed_by_email_with_name_and_number(mailbox):
    address = unique_email("termination")
    person = a_person(address)
    termination = ct.TerminationConfirmed(
        termination_id=uuid.uuid4(), contract_id=uuid.uuid4(), contract_number="147114", holder_id=uuid.uuid4(),
        account_id=person.account_id, reason="echeance", effective_date=date(2026, 1, 1),
        confirmed_at=datetime.now(UTC))
    await produce(person, termination)

    async def confirmation():
        return [m for m in mailbox.messages_to(address) if "Résiliation" in m["Subject"]]

    [mail] = await wait_until(confirmation, timeout=60, what="the termination email")
    assert mail["Subject"] == "Résiliation de votre contrat n° 147114 enregistrée – Mutuelle Exemple"
    text = mail.get_body(("plain",)).get_content()
    assert text.startswith("Bonjour Hélène Lefèvre,")
    assert "prendra effet le 1er janvier 2026" in text
    assert f"Référence de votre demande : {str(termination.termination_id)[:8].upper()}" in text


async def test_a_password_reset_link_and_a_prospects_quote_request_arrive_by_email(mailbox):
    address, prospect = unique_email("reset"), unique_email("prospect")
    person = a_person(address)
    now = datetime.now(UTC)
    reset = id_.PasswordResetRequested(account_id=person.account_id, email=address, first_name="Hélène",
                                       last_name="Lefèvre", reset_token="r/" + uuid.uuid4().hex,
                                       reset_expires_at=now + timedelta(hours=1), requested_at=now)
    quote = ct.QuoteRequested(request_id=uuid.uuid4(), email=prospect, first_name="Léa", last_name="Petit",
                              due_at=now + timedelta(hours=72), requested_at=now)
    await produce(person, reset, quote)

    async def reset_mail():
        return [m for m in mailbox.messages_to(address) if "mot de passe" in m["Subject"]]

    [mail] = await wait_until(reset_mail, timeout=60, what="the reset email")
    text = mail.get_body(("plain",)).get_content()
    assert "/reinitialiser-mon-mot-de-passe?token=r%2F" in text and text.startswith("Bonjour Hélène Lefèvre,")
    answer = await mailbox.wait_for(prospect, timeout=60)
    assert answer["Subject"].startswith("Demande de devis reçue (réf. ")
    # A prospect's typed names never greet them: the form is open to anyone (issue 11, finding 5).
    assert answer.get_body(("plain",)).get_content().startswith("Bonjour,\n")
    assert "Léa" not in answer.get_body(("plain",)).get_content()


async def test_a_contract_event_for_an_unknown_account_is_logged_as_failed_not_dead_lettered():
    # Read in notify's database: the operator route is covered by notify's integration tests,
    # and signing an operator in here competes with the other suites for identity's throttle.
    import asyncpg

    event = ct.BankAccountChanged(holder_id=uuid.uuid4(), account_id=uuid.uuid4(),
                                  iban_masked="FR76 **** **** **** **** ***1 234", changed_at=datetime.now(UTC))
    [sent] = await produce(event)
    conn = await asyncpg.connect(os.environ["NOTIFY_DATABASE_URL"])
    try:
        async def logged():
            return await conn.fetch("select * from delivery where source_event_id = $1", sent.id)

        [row] = await wait_until(logged, timeout=60, what="the failed delivery in the log")
        assert (row["channel"], row["template"], row["status"]) == ("email", "bank_account_changed", "failed")
        assert row["last_error"] == "account unknown to notify's contact projection"
        outbox = await conn.fetch("select event_type from outbox where key = $1", str(row["id"]))
        published = await conn.fetchval("select count(*) from inbox where event_id = $1", sent.id)
        assert published == 1 and [r["event_type"] for r in outbox] in ([], ["NotificationFailed"])
    finally:
        await conn.close()
