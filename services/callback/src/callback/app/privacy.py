"""Personal data: this context's part of the member's export, and erasure on AccountDeleted (ID-11)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import structlog

from callback.adapters import repository as repo
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


async def personal_data(uow: UnitOfWork, account_id: uuid.UUID) -> dict[str, Any]:
    """Everything this context holds about the account: its callback requests."""
    async with uow.connect() as conn:
        callbacks = await repo.of_account(conn, account_id)
    return {"callbacks": [repo.export_view(c) for c in callbacks]}


async def erase_account(conn: asyncpg.Connection, envelope: Envelope, event: AccountDeleted) -> None:
    """AccountDeleted: the account's callbacks are pseudonymised, scheduled ones cancelled (runs
    in the inbox transaction: once per event)."""
    erased = await repo.erase_account(conn, event.account_id, datetime.now(UTC))
    log.info("callback.account_erased", callbacks=erased)
