"""Subscriptions and deliveries: what an operator may subscribe a target to, and how.

Only public events without a secret field can be subscribed to (``subscribable``): private
topics (``<context>.secret.v<N>``) carry single-use tokens and codes, which must never leave
the platform through a webhook, whatever a subscription row says.
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import cache
from types import MappingProxyType
from typing import Iterable, Mapping
from urllib.parse import urlsplit

from ms_events.catalogue import Event, registered, secret_fields

from webhooks.domain.errors import InvalidTargetUrl, TooManySubscriptions, UnknownEventType

MAX_URL = 2048


class Status(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


@cache
def subscribable() -> Mapping[str, type[Event]]:
    """Event types a webhook may carry: public ones, none with a secret field, by type name.

    Worked out once per process (the catalogue is fixed once loaded; reading every event's
    JSON Schema costs about 0.1 s, and the worker asks for every record)."""
    return MappingProxyType({name: cls for name, cls in sorted(registered().items())
                             if not cls.meta().private and not secret_fields(cls)})


def check_event_types(types: Iterable[str]) -> list[str]:
    """The chosen types, each once and in catalogue order; each must be subscribable."""
    allowed = subscribable()
    chosen: list[str] = []
    for index, name in enumerate(types):
        if name not in allowed:
            raise UnknownEventType(f"« {name[:80]} » n'est pas un événement auquel on peut s'abonner "
                                   "(voir GET /v1/webhook-event-types).", index=index)
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        raise UnknownEventType("Choisissez au moins un type d'événement.", index=0)
    return sorted(chosen)


def check_target_url(url: str, *, allow_http_loopback: bool) -> str:
    """The URL deliveries are posted to: https to a public host; http only to 127.0.0.1 where
    the setting allows it (the local stack). No credentials, no fragment, printable ASCII."""
    if not url or len(url) > MAX_URL or any(not (0x21 <= ord(ch) <= 0x7E) for ch in url):
        raise InvalidTargetUrl(f"L'adresse doit être une URL de 1 à {MAX_URL} caractères ASCII imprimables, sans espace.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidTargetUrl("L'adresse n'est pas une URL valide.") from exc
    host = (parts.hostname or "").lower()
    if not host:
        raise InvalidTargetUrl("L'adresse doit nommer un hôte.")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise InvalidTargetUrl("L'adresse ne doit pas contenir d'identifiants (utilisez la signature).")
    if parts.fragment:
        raise InvalidTargetUrl("L'adresse ne doit pas contenir de fragment (#).")
    if port == 0:
        raise InvalidTargetUrl("Le port de l'adresse n'est pas valide.")
    if parts.scheme == "http" and allow_http_loopback and host == "127.0.0.1":
        return url
    if parts.scheme != "https":
        raise InvalidTargetUrl("L'adresse doit commencer par https://.")
    if not _public_host(host):
        raise InvalidTargetUrl("L'adresse doit désigner un hôte public (ni localhost ni adresse privée).")
    return url


def _public_host(host: str) -> bool:
    """A host deliveries may go to: a global IP address, or a dotted name other than localhost
    (a single label resolves inside the network). Names are not resolved here: see the README."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host != "localhost" and not host.endswith(".localhost") and "." in host
    return address.is_global and not address.is_multicast


@dataclass(frozen=True)
class Subscription:
    id: uuid.UUID
    url: str
    event_types: tuple[str, ...]
    description: str | None
    status: Status
    created_by: uuid.UUID
    created_at: datetime
    secret_rotated_at: datetime
    disabled_at: datetime | None = None


def new_subscription(url: str, event_types: Iterable[str], description: str | None, created_by: uuid.UUID,
                     *, allow_http_loopback: bool, existing: int, limit: int) -> Subscription:
    """The rules of subscribing a target: a valid URL, subscribable event types, a bounded count."""
    if existing >= limit:
        raise TooManySubscriptions(f"Il ne peut pas y avoir plus de {limit} abonnements.")
    now = datetime.now(UTC)
    return Subscription(
        id=uuid.uuid4(), url=check_target_url(url, allow_http_loopback=allow_http_loopback),
        event_types=tuple(check_event_types(event_types)), description=description,
        status=Status.ACTIVE, created_by=created_by, created_at=now, secret_rotated_at=now)


@dataclass(frozen=True)
class Delivery:
    """One event for one subscription: posted until the target answers 2xx, or dead."""

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    dead_at: datetime | None = None
    replayed_at: datetime | None = None
    erased: bool = field(default=False)

    @property
    def webhook_id(self) -> str:
        return message_id(self.id)


def message_id(delivery_id: uuid.UUID) -> str:
    """The ``webhook-id`` header: one per delivery, the same on every attempt and replay."""
    return f"msg_{delivery_id.hex}"
