"""Sending an email through an SMTP relay with aiosmtplib."""

from __future__ import annotations

import asyncio
import email.utils
import time
from dataclasses import dataclass
from typing import Any
from email.charset import BASE64, Charset
from email.header import Header
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import aiosmtplib

from notify.adapters.repository import DueDelivery
from notify.adapters.sending import Handover, SendError

__all__ = ["SendError", "SmtpConfig", "SmtpSender", "build_email", "email_bytes"]


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
    """The message as an EmailMessage (used for addresses that need SMTPUTF8)."""
    message = EmailMessage()
    for name, value in _headers(delivery, mail_from):
        message[name] = value
    message.set_content(delivery.content.text, charset="utf-8")
    message.add_alternative(delivery.content.html, subtype="html", charset="utf-8")
    return message


# Encoded words in base64: sized in one step, where utf-8's default (the shorter of quoted-
# printable and base64) measures every character's encoding, most of the message's cost.
_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.header_encoding = BASE64


def email_bytes(delivery: DueDelivery, mail_from: str) -> bytes:
    """The same message, built with the email package's compat32 classes.

    About three times cheaper than EmailMessage (no header parsing through the header
    registry), which matters at hundreds of messages a second. ASCII addresses only.
    """
    # The parts are base64 (utf-8 MIMEText), which never contains "-" or "_": this boundary
    # cannot occur in them, so the generator need not search the text for a free one.
    message = MIMEMultipart("alternative", boundary=f"=_{delivery.id.hex}")
    for name, value in _headers(delivery, mail_from):
        message[name] = value if value.isascii() else Header(value, _UTF8_BASE64)
    message.attach(MIMEText(delivery.content.text, "plain", "utf-8"))
    message.attach(MIMEText(delivery.content.html or "", "html", "utf-8"))
    return message.as_bytes()


def _headers(delivery: DueDelivery, mail_from: str) -> list[tuple[str, str]]:
    return [
        ("From", mail_from),
        ("To", delivery.recipient or ""),
        ("Subject", delivery.content.subject or ""),
        ("Date", email.utils.formatdate(localtime=False)),
        ("Message-ID", delivery.message_id),
        ("Auto-Submitted", "auto-generated"),
        ("X-Notify-Delivery-Id", str(delivery.id)),
        ("X-Source-Event-Id", str(delivery.source_event_id)),
    ]


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


class _SMTP(aiosmtplib.SMTP):
    """aiosmtplib's client, awaiting the dispatcher's handover before DATA (sendmail calls
    ``data`` once the envelope is accepted): the message can reach the server only after it."""

    handover: Handover = None

    async def data(self, message: str | bytes, /, **kwargs: Any) -> aiosmtplib.SMTPResponse:
        if self.handover is not None:
            await self.handover()
        return await super().data(message, **kwargs)


_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)
# The server closed a kept connection (restart, idle timeout): nothing more to learn from it.
_CONNECTION_LOST = (aiosmtplib.SMTPServerDisconnected, ConnectionError)


class SmtpSender:
    """Hands messages to the configured SMTP relay over up to ``connections`` kept-open connections.

    Each message still commits on its own (the dispatcher marks it sent before taking the
    next), so a crash can repeat at most the messages in flight, one per connection. A
    connection idle for more than ``check_idle_s`` is checked with NOOP before use; a kept
    connection the server turns out to have closed is replaced and the message tried once
    more on a new one (as the retry policy would, later; same Message-ID); any other error
    drops the connection and fails the attempt.
    """

    def __init__(self, config: SmtpConfig, *, connections: int = 1, check_idle_s: float = 5.0) -> None:
        self._config = config
        self._envelope_from = email.utils.parseaddr(config.mail_from)[1]
        self._idle: list[tuple[aiosmtplib.SMTP, float]] = []
        self._slots = asyncio.Semaphore(connections)
        self._check_idle_s = check_idle_s
        self.opened = 0  # connections opened so far (tests and diagnostics)

    async def _connect(self) -> _SMTP:
        cfg = self._config
        client = _SMTP(hostname=cfg.host, port=cfg.port, timeout=cfg.timeout_s,
                                 start_tls=cfg.starttls, username=cfg.username, password=cfg.password)
        await client.connect()
        self.opened += 1
        return client

    async def _kept(self) -> _SMTP | None:
        """A kept-open connection that still looks alive, or None."""
        while self._idle:
            client, since = self._idle.pop()
            if not client.is_connected:
                _close(client)
                continue
            if time.monotonic() - since > self._check_idle_s:
                try:
                    await client.noop()
                except _ERRORS:
                    _close(client)
                    continue
            return client
        return None

    async def _transmit(self, client: _SMTP, delivery: DueDelivery, handover: Handover) -> None:
        recipient = delivery.recipient or ""
        client.handover = handover
        try:
            if recipient.isascii():
                await client.sendmail(self._envelope_from, [recipient], email_bytes(delivery, self._config.mail_from))
            else:
                await client.send_message(build_email(delivery, self._config.mail_from))
        finally:
            client.handover = None

    async def send(self, delivery: DueDelivery, handover: Handover = None) -> None:
        async with self._slots:
            client = await self._kept()
            if client is not None:
                try:
                    await self._transmit(client, delivery, handover)
                except _CONNECTION_LOST:
                    _close(client)  # then once more on a new connection, below
                except _ERRORS as exc:
                    raise self._failed(client, exc) from exc
                else:
                    self._idle.append((client, time.monotonic()))
                    return
            client = None
            try:
                client = await self._connect()
                await self._transmit(client, delivery, handover)
            except _ERRORS as exc:
                raise self._failed(client, exc) from exc
            self._idle.append((client, time.monotonic()))

    def _failed(self, client: aiosmtplib.SMTP | None, exc: Exception) -> SendError:
        if client is not None:
            if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and client.is_connected:
                self._idle.append((client, time.monotonic()))  # the connection itself is fine
            else:
                _close(client)
        return SendError(_reason(exc), permanent=_is_permanent(exc))

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client, _ in idle:
            _close(client)


def _close(client: aiosmtplib.SMTP) -> None:
    try:
        client.close()
    except Exception:  # closing a broken connection must not fail the caller
        pass
