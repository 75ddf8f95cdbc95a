"""Sending an email through an SMTP relay with aiosmtplib."""

from __future__ import annotations

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
    """Hands one message to the configured SMTP relay."""

    def __init__(self, config: SmtpConfig) -> None:
        self._config = config

    async def send(self, delivery: DueDelivery) -> None:
        cfg = self._config
        try:
            await aiosmtplib.send(
                build_email(delivery, cfg.mail_from),
                hostname=cfg.host,
                port=cfg.port,
                username=cfg.username,
                password=cfg.password,
                start_tls=cfg.starttls,
                timeout=cfg.timeout_s,
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise SendError(_reason(exc), permanent=_is_permanent(exc)) from exc
