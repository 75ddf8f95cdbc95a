"""Personal data: this context's part of an account's export, and erasure on AccountDeleted (ID-11).

Affiliation keys nothing by an employee's account: the employees of a company are the company's
records (kept for the contract's duration). What it holds about an account is what an employer
user did in the company space (requests sent, invitations, journal lines): exported, and on
deletion unsigned (the company keeps the actions, no longer tied to the person).
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import structlog

from affiliation.adapters import repository as repo
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else str(value) if isinstance(value, uuid.UUID) else value


async def personal_data(uow: UnitOfWork, account_id: uuid.UUID) -> dict[str, Any]:
    async with uow.connect() as conn:
        found = await repo.actions_of_account(conn, account_id)
    return {name: [{k: _plain(v) for k, v in dict(row).items()} for row in rows] for name, rows in found.items()}


async def erase_account(conn: asyncpg.Connection, envelope: Envelope, event: AccountDeleted) -> None:
    """AccountDeleted: the employer user's id leaves their actions (runs in the inbox transaction)."""
    forgotten = await repo.forget_account(conn, event.account_id)
    log.info("affiliation.account_erased", rows=forgotten)
