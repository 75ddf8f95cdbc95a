"""A malformed event on a consumed topic is dead-lettered and does not block what follows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer

from e2e_support import kafka_options, topic_records, unique_email, wait_until
from ms_events.envelope import Envelope
from ms_events.events.identity import SignUpAttemptedWithExistingEmail

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]


async def test_a_malformed_event_lands_in_the_dead_letter_topic_and_the_next_email_is_still_sent(mailbox):
    key = uuid.uuid4()
    address = unique_email("behind-poison")
    now = datetime.now(UTC)
    # A public event of identity.account.v1 that sends an email by itself (the sign-up's email
    # travels on the private identity.secret.v1).
    good = Envelope.wrap(SignUpAttemptedWithExistingEmail(
        account_id=key, email=address, first_name="Inès", last_name="Bernard", attempted_at=now,
    ))
    producer = AIOKafkaProducer(**kafka_options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:  # same key, same partition: the good event sits right behind the poison
        await producer.send_and_wait("identity.account.v1", key=str(key).encode(), value=b'{"broken": ')
        await producer.send_and_wait("identity.account.v1", key=str(key).encode(), value=good.to_bytes())
    finally:
        await producer.stop()

    mail = await mailbox.wait_for(address, timeout=60)
    assert "Bonjour Inès Bernard" in mail.get_body(("plain",)).get_content()

    # Every consumer group of the topic (notify, contracts for AccountDeleted, and whichever other
    # service declares it) meets the poison message and dead-letters it on its own, once.
    from ms_deploy import declaration

    declared = {svc.name.encode() for svc in declaration.load().services if "identity.account.v1" in svc.consumes}
    assert {b"notify", b"contracts"} <= declared

    async def dead_letters_of_notify_and_contracts():
        found = [r for r in await topic_records("identity.account.v1.dlq") if r.key == str(key).encode()]
        return found if {dict(r.headers)["dlq.consumer"] for r in found} >= {b"notify", b"contracts"} else None

    dead = await wait_until(dead_letters_of_notify_and_contracts, timeout=30, what="the dead letters")
    groups = [dict(r.headers)["dlq.consumer"] for r in dead]
    assert len(groups) == len(set(groups)) and set(groups) <= declared, groups  # once per consuming group
    for record in dead:
        headers = dict(record.headers)
        assert record.value == b'{"broken": '
        assert headers["dlq.original_topic"] == b"identity.account.v1"
        assert b"MalformedEvent" in headers["dlq.error"]
