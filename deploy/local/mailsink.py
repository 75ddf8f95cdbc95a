"""SMTP sink of the local stack: a real SMTP server that keeps every message it receives.

Listens on SMTP_HOST:SMTP_PORT (default 127.0.0.1:1025) and delivers each message, as
received, into the Maildir MAILDIR (default var/mail): new/ holds one file per message.
Two trace headers are prepended, as aiosmtpd's own Mailbox handler does: X-MailFrom and
X-RcptTo (the SMTP envelope, which shows Bcc recipients too).

Logs one JSON line per message with its Message-ID, size and recipient count, never its
content or addresses.
"""

from __future__ import annotations

import asyncio
import json
import mailbox
import os
import signal
import sys
import time
from email.parser import BytesHeaderParser
from email.policy import default as default_policy
from pathlib import Path

from aiosmtpd.smtp import SMTP, Envelope, Session

REPO = Path(__file__).resolve().parents[2]


def log(event: str, **fields: object) -> None:
    record = {"ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "event": event, **fields}
    print(json.dumps(record, separators=(",", ":")), flush=True)


class MaildirHandler:
    def __init__(self, path: Path) -> None:
        self.maildir = mailbox.Maildir(str(path), factory=None, create=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        trace = (
            f"X-MailFrom: {envelope.mail_from}\r\n"
            f"X-RcptTo: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode("utf-8")
        raw = trace + content
        try:
            key = await asyncio.to_thread(self.maildir.add, raw)
        except OSError as exc:
            log("mail.store_failed", error=type(exc).__name__)
            return "451 Requested action aborted: cannot store the message"
        headers = BytesHeaderParser(policy=default_policy).parsebytes(content, headersonly=True)
        log(
            "mail.received",
            message_id=str(headers.get("Message-ID", "")).strip() or None,
            size=len(content),
            recipients=len(envelope.rcpt_tos),
            key=key,
        )
        return "250 Message accepted for delivery"


async def main() -> None:
    host = os.environ.get("SMTP_HOST", "127.0.0.1")
    port = int(os.environ.get("SMTP_PORT", "1025"))
    maildir = Path(os.environ.get("MAILDIR", REPO / "var" / "mail"))
    handler = MaildirHandler(maildir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        # hostname is fixed: the default (socket.getfqdn) can hang without DNS.
        lambda: SMTP(handler, hostname="mailsink.local", enable_SMTPUTF8=True, decode_data=False),
        host=host,
        port=port,
        reuse_address=True,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    log("mailsink.started", address=f"{host}:{port}", maildir=str(maildir))
    await stop.wait()
    server.close()
    try:
        await asyncio.wait_for(server.wait_closed(), timeout=5)
    except TimeoutError:
        pass
    log("mailsink.stopped")


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as exc:  # e.g. address already in use
        log("mailsink.failed", error=str(exc))
        sys.exit(1)
