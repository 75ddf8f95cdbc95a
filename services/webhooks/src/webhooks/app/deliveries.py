"""Use cases on deliveries: queue them (every public event), list and replay them
(operators), erase and export what they hold about a person."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import structlog

from ms_events.catalogue import Event
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_platform.uow import UnitOfWork

from webhooks.adapters import repository as repo
from webhooks.domain.errors import DeliveryNotFound, NotReplayable, SubscriptionNotFound
from webhooks.domain.model import Delivery, DeliveryStatus, subscribable

log = structlog.get_logger()


def _account_of(event: Event) -> uuid.UUID | None:
    value = getattr(event, "account_id", None)
    return value if isinstance(value, uuid.UUID) else None


async def queue(conn: asyncpg.Connection, envelope: Envelope, event: Event) -> None:
    """One pending delivery per active subscription to the event's type (runs in the inbox
    transaction, so once per event). Never an event that may not leave the platform."""
    if envelope.type not in subscribable():
        return
    queued = await repo.add_deliveries(conn, envelope.type, envelope.id, _account_of(event), envelope.to_bytes())
    if queued:
        log.info("webhooks.deliveries_queued", event_id=str(envelope.id), event_type=envelope.type, count=queued)


async def queue_and_erase(conn: asyncpg.Connection, envelope: Envelope, event: AccountDeleted) -> None:
    """AccountDeleted: subscribers are told, then the payloads kept about the account go."""
    await queue(conn, envelope, event)
    erased = await repo.erase_account(conn, event.account_id)
    log.info("webhooks.account_erased", payloads=erased)


async def list_for(uow: UnitOfWork, sub_id: uuid.UUID, status: DeliveryStatus | None, limit: int) -> list[Delivery]:
    async with uow.connect() as conn:
        if await repo.subscription(conn, sub_id) is None:
            raise SubscriptionNotFound()
        return await repo.deliveries(conn, sub_id, status, limit)


async def replay(uow: UnitOfWork, sub_id: uuid.UUID, delivery_id: uuid.UUID) -> Delivery:
    """A dead delivery is posted again, with the same webhook-id, from a fresh count of attempts."""
    async with uow.begin() as tx:
        found = await repo.delivery(tx.conn, sub_id, delivery_id, lock=True)
        if found is None:
            raise DeliveryNotFound()
        if found.status is not DeliveryStatus.DEAD:
            raise NotReplayable("Seul un envoi abandonné (dead) peut être rejoué.")
        if found.erased:
            raise NotReplayable("Le contenu de cet envoi a été effacé (suppression du compte) : il ne peut pas être rejoué.")
        replayed = await repo.replay(tx.conn, delivery_id)
    log.info("webhooks.delivery_replayed", delivery_id=str(delivery_id))
    return replayed


async def personal_data(uow: UnitOfWork, account_id: uuid.UUID) -> dict[str, Any]:
    """Everything this context holds about the account (ID-11): the deliveries of events about
    it, with the event itself while it is still kept."""
    async with uow.connect() as conn:
        rows = await repo.deliveries_of_account(conn, account_id)
    return {"deliveries": [{
        "id": str(r["id"]), "subscription_id": str(r["subscription_id"]), "event_id": str(r["event_id"]),
        "event_type": r["event_type"], "status": r["status"], "created_at": r["created_at"].isoformat(),
        "event": Envelope.from_bytes(r["payload"]).model_dump(mode="json") if r["payload"] else None,
    } for r in rows]}
