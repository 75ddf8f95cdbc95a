"""Use cases on subscriptions (operators): create, list, read, disable/enable, rotate, delete."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from ms_platform.uow import UnitOfWork

from webhooks.adapters import repository as repo
from webhooks.adapters.secret_box import SecretBox
from webhooks.domain import signing
from webhooks.domain.errors import SubscriptionNotFound
from webhooks.domain.model import Status, Subscription, new_subscription

log = structlog.get_logger()


@dataclass(frozen=True)
class Rules:
    """What bootstrap reads from the settings for these use cases."""

    allow_http_loopback: bool
    max_subscriptions: int
    rotation_overlap_s: float


async def create(uow: UnitOfWork, box: SecretBox, rules: Rules, operator: uuid.UUID, url: str,
                 event_types: list[str], description: str | None) -> tuple[Subscription, str]:
    """Subscribe a target; returns the subscription and its signing secret (shown this once)."""
    secret = signing.new_secret()
    async with uow.begin() as tx:
        await tx.conn.execute("lock table subscription in share row exclusive mode")  # the count holds
        sub = new_subscription(url, event_types, description, operator,
                               allow_http_loopback=rules.allow_http_loopback,
                               existing=await repo.count_subscriptions(tx.conn), limit=rules.max_subscriptions)
        await repo.add_subscription(tx.conn, sub, box.seal(secret))
    log.info("webhooks.subscription_created", subscription_id=str(sub.id), event_types=list(sub.event_types))
    return sub, secret


async def list_all(uow: UnitOfWork) -> list[Subscription]:
    async with uow.connect() as conn:
        return await repo.subscriptions(conn)


async def get(uow: UnitOfWork, sub_id: uuid.UUID) -> Subscription:
    async with uow.connect() as conn:
        sub = await repo.subscription(conn, sub_id)
    if sub is None:
        raise SubscriptionNotFound()
    return sub


async def set_status(uow: UnitOfWork, sub_id: uuid.UUID, status: Status) -> Subscription:
    """Disabled: nothing new is queued for it and nothing queued is posted; enabled again, the
    deliveries still pending go out."""
    async with uow.begin() as tx:
        sub = await repo.set_status(tx.conn, sub_id, status)
        if sub is None:
            raise SubscriptionNotFound()
        if status is Status.ACTIVE:
            await tx.conn.execute("select pg_notify($1, '')", repo.WAKE_CHANNEL)
    log.info("webhooks.subscription_status", subscription_id=str(sub_id), status=status.value)
    return sub


async def rotate_secret(uow: UnitOfWork, box: SecretBox, rules: Rules, sub_id: uuid.UUID) -> tuple[Subscription, str]:
    """A new secret (shown this once); the previous one keeps signing for the overlap."""
    secret = signing.new_secret()
    now = datetime.now(UTC)
    async with uow.begin() as tx:
        sub = await repo.rotate_secret(tx.conn, sub_id, box.seal(secret), now,
                                       now + timedelta(seconds=rules.rotation_overlap_s))
        if sub is None:
            raise SubscriptionNotFound()
    log.info("webhooks.secret_rotated", subscription_id=str(sub_id))
    return sub, secret


async def delete(uow: UnitOfWork, sub_id: uuid.UUID) -> None:
    """The subscription goes, with its deliveries (pending ones are never posted)."""
    async with uow.begin() as tx:
        if not await repo.delete_subscription(tx.conn, sub_id):
            raise SubscriptionNotFound()
    log.info("webhooks.subscription_deleted", subscription_id=str(sub_id))
