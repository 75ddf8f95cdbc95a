"""What to send for which event: template name, recipient and the variables it needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from ms_events.events.identity import AccountCreated, ConfirmationEmailRequested

from notify.domain.model import Channel

PARIS = ZoneInfo("Europe/Paris")
CONFIRMATION_PATH = "/confirmer-mon-compte"

_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)

_SPACE_NAMES = {
    "member": "Votre espace adhérent",
    "employer": "Votre espace entreprise",
    "broker": "Votre espace courtier",
}


@dataclass(frozen=True)
class Brand:
    """How messages present the insurer and where their links point."""

    insurer_name: str
    insurer_phone: str
    public_url: str


@dataclass(frozen=True)
class MessageRequest:
    template: str
    channel: Channel
    recipient: str
    context: dict[str, Any] = field(default_factory=dict)


def french_datetime(moment: datetime) -> str:
    """'1er mars 2025 à 9 h 05' in Paris time (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("UTC"))
    local = moment.astimezone(PARIS)
    day = "1er" if local.day == 1 else str(local.day)
    return f"{day} {_MONTHS[local.month - 1]} {local.year} à {local.hour} h {local.minute:02d}"


def confirmation_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}{CONFIRMATION_PATH}?token={quote(token, safe='')}"


def account_created_email(event: AccountCreated | ConfirmationEmailRequested, brand: Brand) -> MessageRequest:
    """The sign-up confirmation email (ID-5), or the new link a person asked for."""
    return MessageRequest(
        template="account_created",
        channel=Channel.EMAIL,
        recipient=str(event.email),
        context={
            "resent": isinstance(event, ConfirmationEmailRequested),
            "first_name": event.first_name,
            "last_name": event.last_name,
            "space_name": _SPACE_NAMES.get(event.kind, "Votre espace personnel"),
            "confirmation_url": confirmation_link(brand.public_url, event.confirmation_token),
            "expires_at": french_datetime(event.confirmation_expires_at),
            "insurer_name": brand.insurer_name,
            "insurer_phone": brand.insurer_phone,
        },
    )
