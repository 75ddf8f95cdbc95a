"""Sending an email through an SMTP relay with aiosmtplib."""

from __future__ import annotations

import asyncio
import email.utils
from dataclasses import dataclass
from email.message import EmailMessage

import aiosmtplib

from notify.adapters.repository import DueDelivery
from notify.adapters.sending import SendError

__all__ = ["SendError", "SmtpConfig", "SmtpSender", "build_email"]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    mail_from: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 30.0


def build_email(delivery: DueDelivery, mail_from: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = delivery.recipient
    message["Subject"] = delivery.content.subject
    message["Date"] = email.utils.formatdate(localtime=False)
    message["Message-ID"] = delivery.message_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Notify-Delivery-Id"] = str(delivery.id)
    message["X-Source-Event-Id"] = str(delivery.source_event_id)
    message.set_content(delivery.content.text, charset="utf-8")
    message.add_alternative(delivery.content.html, subtype="html", charset="utf-8")
    return message


def _reason(exc: Exception) -> str:
    # Server replies often echo the address; keep the error's kind and code only.
    code = getattr(exc, "code", None)
    return f"{type(exc).__name__} {code}" if code else type(exc).__name__


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        return all(500 <= r.code < 600 for r in exc.recipients)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return False  # our configuration, fixable without changing the message
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return 500 <= exc.code < 600
    return False


class SmtpSender:
    """Hands messages to the configured SMTP relay over one kept-open connection.

    Each message still commits on its own (the dispatcher marks it sent before the next),
    so a crash can repeat at most the message in flight. A connection found dead (NOOP
    fails) is replaced before the message is sent; any error during the exchange drops it.
    """

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def _connect(self) -> aiosmtplib.SMTP:
        cfg = self._config
        client = aiosmtplib.SMTP(hostname=cfg.host, port=cfg.port, timeout=cfg.timeout_s,
                                 start_tls=cfg.starttls, username=cfg.username, password=cfg.password)
        await client.connect()
        return client

    async def _connection(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            try:
                await self._client.noop()
                return self._client
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                await self.close()
        self._client = await self._connect()
        return self._client

    async def send(self, delivery: DueDelivery) -> None:
        async with self._lock:
            try:
                client = await self._connection()
                await client.send_message(build_email(delivery, self._config.mail_from))
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                if not isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
                    await self.close()
                raise SendError(_reason(exc), permanent=_is_permanent(exc)) from exc

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:  # closing a broken connection must not fail the caller
                pass
