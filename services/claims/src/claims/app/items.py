"""Use cases on items: record, list, erase (AccountDeleted), export (personal data)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import structlog

from claims.adapters import repository as repo
from claims.domain.model import Item, new_item
from ms_events.envelope import Envelope
from ms_events.events.claims import ClaimsItemCreated
from ms_events.events.identity import AccountDeleted
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


async def create_item(uow: UnitOfWork, account_id: uuid.UUID, title: str, max_items: int) -> Item:
    """Record an item for the account and publish ClaimsItemCreated (one transaction)."""
    async with uow.begin() as tx:
        item = new_item(account_id, title, await repo.count_items(tx.conn, account_id), max_items)
        await repo.add_item(tx.conn, item)
        tx.publish(ClaimsItemCreated(item_id=item.id, account_id=account_id, created_at=item.created_at))
    log.info("claims.item_created", item_id=str(item.id))
    return item


async def list_items(uow: UnitOfWork, account_id: uuid.UUID) -> list[Item]:
    async with uow.connect() as conn:
        return await repo.items_of(conn, account_id)


async def erase_account(conn: asyncpg.Connection, envelope: Envelope, event: AccountDeleted) -> None:
    """AccountDeleted: the account's items go (runs in the inbox transaction: once per event)."""
    erased = await repo.delete_items_of(conn, event.account_id)
    log.info("claims.account_erased", items=erased)


async def personal_data(uow: UnitOfWork, account_id: uuid.UUID) -> dict[str, Any]:
    """Everything this context holds about the account (ID-11)."""
    items = await list_items(uow, account_id)
    return {"items": [{"id": str(i.id), "title": i.title, "created_at": i.created_at.isoformat()} for i in items]}
