from __future__ import annotations

import uuid

import pytest

from notify.adapters.repository import DueDelivery
from notify.adapters.smtp import SmtpConfig, SmtpSender
from notify.domain.model import Rendered, message_id

pytestmark = pytest.mark.integration


def due(address: str) -> DueDelivery:
    event_id = uuid.uuid4()
    return DueDelivery(id=uuid.uuid4(), source_event_id=event_id, channel="email", template="t", account_id=None,
                       recipient=address, message_id=message_id(event_id, "email"), attempts=0,
                       content=Rendered("Sujet", "Bonjour", "<p>Bonjour</p>"))


async def test_messages_share_one_connection_and_a_restarted_server_gets_a_new_one(smtp_server):
    smtp_server.start()
    sender = SmtpSender(SmtpConfig("127.0.0.1", smtp_server.port, "a@mutuelle.example", timeout_s=5))
    await sender.send(due("un@example.org"))
    await sender.send(due("deux@example.org"))
    assert sender.opened == 1  # kept open between messages

    smtp_server.stop()
    smtp_server.start()
    await sender.send(due("trois@example.org"))  # the dead connection is noticed and replaced
    assert sender.opened == 2

    assert [m["To"] for m in smtp_server.handler.messages] == ["un@example.org", "deux@example.org", "trois@example.org"]
    await sender.close()
