"""AccountDeleted erases everything assistance holds about the account; the export (ID-11) gives the
member their own data, health data opened for them (AS-10)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import structlog

from assistance.adapters import repository as repo
from assistance.app import addresses as addresses_app
from assistance.app import requests as req
from assistance.app.context import Assistance
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


async def erase_account(conn: asyncpg.Connection, envelope: Envelope, event: AccountDeleted) -> None:
    """Runs in the inbox transaction: once per event. Requests, cases, access logs, trips, addresses."""
    counts = await repo.erase_account(conn, event.account_id)
    log.info("assistance.account_erased", **counts)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (uuid.UUID,)):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


async def personal_data(uow: UnitOfWork, ctx: Assistance, account_id: uuid.UUID) -> dict[str, Any]:
    requests = await req.of_member(uow, ctx, account_id)
    async with uow.connect() as conn:
        access = {str(r["id"]): await repo.access_log(conn, r["id"]) for r in requests}
    return _jsonable({"requests": requests, "health_data_access": access,
                      "addresses": await addresses_app.addresses(uow, account_id),
                      "school_trips": await addresses_app.trips(uow, account_id)})
