"""Personal data: this context's part of the member's export, and erasure on AccountDeleted (ID-11)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from callback.adapters import contact_repository as contact_repo
from callback.adapters import repository as repo
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


async def personal_data(uow: UnitOfWork, account_id: uuid.UUID) -> dict[str, Any]:
    """Everything this context holds about the account: its callbacks, requests and complaints
    (attachments described by name, type, size and checksum)."""
    async with uow.connect() as conn:
        callbacks = await repo.of_account(conn, account_id)
        requests = await contact_repo.of_account(conn, account_id)
    return {"callbacks": [repo.export_view(c) for c in callbacks],
            "contact_requests": [contact_repo.export_view(r) for r in requests]}


async def erase_account(conn: asyncpg.Connection, envelope: Envelope, event: AccountDeleted) -> None:
    """AccountDeleted: the account's callbacks are pseudonymised, scheduled ones cancelled; its
    requests keep their dates and statuses without text or file (runs in the inbox transaction:
    once per event)."""
    now = datetime.now(UTC)
    erased = await repo.erase_account(conn, event.account_id, now)
    requests = await contact_repo.erase_account(conn, event.account_id, now)
    log.info("callback.account_erased", callbacks=erased, contact_requests=requests)


async def forget_anonymous_callbacks(uow: UnitOfWork, now: datetime, retention_days: int) -> int:
    """Callbacks booked without an account keep the person's name and number only
    ``retention_days`` after their slot: then they are pseudonymised like an erased account's."""
    async with uow.begin() as tx:
        forgotten = await repo.forget_anonymous(tx.conn, now - timedelta(days=retention_days), now)
    if forgotten:
        log.info("callback.anonymous_forgotten", callbacks=forgotten)
    return forgotten
