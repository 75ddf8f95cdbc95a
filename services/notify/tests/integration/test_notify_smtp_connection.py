from __future__ import annotations


import pytest

from notify.adapters.sending import SendError
from notify.adapters.smtp import SmtpConfig, SmtpSender

pytestmark = pytest.mark.integration



async def test_messages_share_one_connection_and_a_restarted_server_gets_a_new_one(smtp_server, due):
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


class RefusingOneMailbox:
    """Refuses RCPT for one address for good (550), accepts every other message."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str]]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("inconnu@"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


async def test_a_refused_recipient_fails_for_good_and_the_connection_serves_the_next_message(port, due):
    from aiosmtpd.controller import Controller

    handler = RefusingOneMailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        sender = SmtpSender(SmtpConfig("127.0.0.1", port, "Mutuelle <a@mutuelle.example>", timeout_s=5))
        with pytest.raises(SendError) as refused:
            await sender.send(due("inconnu@example.org"))
        await sender.send(due("connu@example.org"))  # the envelope was reset: no "nested MAIL"
        await sender.close()
    finally:
        controller.stop()

    assert refused.value.permanent and "550" in refused.value.reason
    assert handler.messages == [("a@mutuelle.example", ["connu@example.org"])]
    assert sender.opened == 1
