"""Sending an email through an SMTP relay with aiosmtplib."""

from __future__ import annotations

import asyncio
import base64
import email.utils
import functools
import re
import time
from dataclasses import dataclass
from typing import Any
from email.charset import BASE64, Charset
from email.header import Header
from email.message import EmailMessage

import aiosmtplib
from opentelemetry import trace
from aiosmtplib.protocol import PERIOD_REGEX, normalize_message_line_endings
from aiosmtplib.typing import SMTPStatus

from notify.adapters.repository import DueDelivery
from notify.adapters.sending import Handover, SendError

__all__ = ["SendError", "SmtpConfig", "SmtpSender", "build_email", "email_bytes"]

_tracer = trace.get_tracer("notify.smtp")


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


def email_bytes(delivery: DueDelivery, mail_from: str) -> bytes:
    """The same message as ``build_email``, as the bytes sent on the wire (ASCII addresses only).

    Written straight from the email package's encoders (RFC 2047 encoded words through
    ``email.header``, base64 bodies, ``formatdate``) into the one fixed layout notify sends,
    multipart/alternative with a plain-text and an HTML part, instead of through the
    generator, whose header folding made up most of a message's cost at hundreds of
    messages a second (about ten times cheaper; the unit tests read it back with the email
    parser against ``build_email``). CR and LF never reach a header value, so no value can
    add a header of its own.
    """
    # base64 never contains "=" followed by "_", nor "-": the boundary cannot occur in the parts.
    boundary = f"=_{delivery.id.hex}"
    lines = [f"{name}: {_header_value(name, value)}" for name, value in _headers(delivery, mail_from)]
    lines += ["MIME-Version: 1.0", "Content-Type: multipart/alternative;", f' boundary="{boundary}"', ""]
    for subtype, body in (("plain", delivery.content.text), ("html", delivery.content.html or "")):
        lines += [f"--{boundary}", f'Content-Type: text/{subtype}; charset="utf-8"',
                  "Content-Transfer-Encoding: base64", "",
                  base64.encodebytes(body.encode("utf-8")).decode("ascii").replace("\n", "\r\n")]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii")


_MAX_LINE = 78  # RFC 5322's recommended line length, folded beyond it


def _header_value(name: str, value: str) -> str:
    value = " ".join(value.splitlines())  # a CR or LF would start a header of its own
    if value.isascii() and len(name) + 2 + len(value) <= _MAX_LINE:
        return value
    return _encoded(name, value)


# Encoded words in base64: sized in one step, where utf-8's default (the shorter of quoted-
# printable and base64) measures every character's encoding. Subjects repeat from one message
# to the next (a template's, mostly), so their encoding is kept.
_UTF8_BASE64 = Charset("utf-8")
_UTF8_BASE64.header_encoding = BASE64


@functools.lru_cache(maxsize=1024)
def _encoded(name: str, value: str) -> str:
    if name in ("From", "To"):  # encode the display name only, never the address
        return email.utils.formataddr(email.utils.parseaddr(value), charset=_UTF8_BASE64)
    charset = "us-ascii" if value.isascii() else _UTF8_BASE64
    return Header(value, charset, header_name=name).encode(linesep="\r\n")


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
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        code = exc.recipients[0].code
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
    """aiosmtplib's client, awaiting the dispatcher's handover right before the end of data.

    A server takes responsibility for a message only when it answers the end-of-data mark
    (the line holding a single dot, RFC 5321 section 4.1.1.4); a connection lost before that
    aborts the transaction. So the DATA command and the content go first, while the message
    before this one is still being marked sent, and the duplicate window holds only the end
    of data, the server's answer and the sent mark's commit.

    As aiosmtplib's own ``data`` (``SMTPProtocol.execute_data_command``, whose line ending
    and dot-stuffing helpers it reuses), split at that point; ``sendmail`` and
    ``send_message`` call it once the envelope is accepted.
    """

    handover: Handover = None

    async def send_bytes(self, sender: str, recipient: str, content: bytes) -> None:
        """``sendmail`` for one plain ASCII recipient and content already in SMTP's terms
        (``email_bytes``: CRLF line ends, no line starting with a dot).

        The same commands as ``sendmail`` (EHLO if needed, MAIL with SIZE, RCPT, DATA, RSET
        after a refusal), without parsing both addresses twice through ``email.utils`` and
        scanning the content three times (about a fifth of the worker's CPU per message).
        ``_plain_address`` decides who may take this way: the others go through ``sendmail``.
        """
        if self.is_ehlo_or_helo_needed:
            try:
                await self.ehlo()
            except aiosmtplib.SMTPHeloError:
                await self.helo()
        size = f" SIZE={len(content)}" if self.supports_extension("size") else ""
        try:
            reply = await self.execute_command(f"MAIL FROM:<{sender}>{size}".encode("ascii"))
            if reply.code != SMTPStatus.completed:
                raise aiosmtplib.SMTPSenderRefused(reply.code, reply.message, sender)
            reply = await self.execute_command(f"RCPT TO:<{recipient}>".encode("ascii"))
            if reply.code not in (SMTPStatus.completed, SMTPStatus.will_forward):
                raise aiosmtplib.SMTPRecipientsRefused(
                    [aiosmtplib.SMTPRecipientRefused(reply.code, reply.message, recipient)])
            await self.data(content, wire_ready=True)
        except (aiosmtplib.SMTPResponseException, aiosmtplib.SMTPRecipientsRefused):
            try:  # as sendmail: leave the connection ready for the next message
                await self.rset()
            except (ConnectionError, aiosmtplib.SMTPException):
                pass
            raise

    async def data(self, message: str | bytes, /, *, wire_ready: bool = False, **kwargs: Any) -> aiosmtplib.SMTPResponse:
        if self.handover is None or self.protocol is None:
            return await super().data(message, **kwargs)
        if isinstance(message, str):
            message = message.encode("ascii")
        content = message if wire_ready else PERIOD_REGEX.sub(b"..", normalize_message_line_endings(message))
        start = await self.execute_command(b"DATA")
        if start.code != SMTPStatus.start_input:
            raise aiosmtplib.SMTPDataError(start.code, start.message)
        try:
            self.protocol.write(content)
            await self.handover()
        except BaseException:
            self.close()  # the server drops a message whose end of data never comes
            raise
        try:
            self.protocol.write(b".\r\n")
            response = await self.protocol.read_response(timeout=self.timeout)
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError):
            self.close()
            raise
        if response.code != SMTPStatus.completed:
            raise aiosmtplib.SMTPDataError(response.code, response.message)
        return response


_PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")


def _plain_address(address: str) -> bool:
    """An address that can go into MAIL FROM / RCPT TO as it is: ASCII dot-atom local part and
    domain, nothing that could end the command or the angle brackets."""
    return _PLAIN_ADDRESS.fullmatch(address) is not None


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
        self._plain_sender = _plain_address(self._envelope_from)  # decided once, not per message
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
            if self._plain_sender and _plain_address(recipient):
                await client.send_bytes(self._envelope_from, recipient, email_bytes(delivery, self._config.mail_from))
            elif recipient.isascii():
                await client.sendmail(self._envelope_from, [recipient], email_bytes(delivery, self._config.mail_from))
            else:
                await client.send_message(build_email(delivery, self._config.mail_from))
        finally:
            client.handover = None

    async def send(self, delivery: DueDelivery, handover: Handover = None) -> None:
        # Hand-made CLIENT span (no maintained instrumentation of aiosmtplib): the server, never
        # the recipient nor the content.
        with _tracer.start_as_current_span("smtp send", kind=trace.SpanKind.CLIENT) as span:
            if span.is_recording():
                span.set_attributes({"server.address": self._config.host, "server.port": self._config.port,
                                     "network.protocol.name": "smtp", "notify.delivery_id": str(delivery.id)})
            try:
                await self._send(delivery, handover)
            except SendError as exc:
                span.set_status(trace.StatusCode.ERROR, exc.reason)
                raise

    async def _send(self, delivery: DueDelivery, handover: Handover = None) -> None:
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
