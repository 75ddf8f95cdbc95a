"""Contracts' events kept as a local projection: who holds which product, from when to when. A
product's assistance guarantees say what the holder may get (eligibility, AS-3)."""

from __future__ import annotations

import asyncpg
import structlog

from assistance.adapters import repository as repo
from ms_events.envelope import Envelope
from ms_events.events.contracts import ContractRegistered, TerminationConfirmed

log = structlog.get_logger()


async def contract_registered(conn: asyncpg.Connection, envelope: Envelope, event: ContractRegistered) -> None:
    await repo.upsert_contract(conn, event.contract_id, event.holder_id, event.product_code, event.category,
                               event.start_date, event.end_date)


async def termination_confirmed(conn: asyncpg.Connection, envelope: Envelope, event: TerminationConfirmed) -> None:
    await repo.end_contract(conn, event.contract_id, event.effective_date)
    log.info("assistance.contract_ended", contract_id=str(event.contract_id))
