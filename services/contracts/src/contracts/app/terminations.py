"""Terminations (CT-9): a draft request, then the member's confirmation with TerminationConfirmed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


from contracts.adapters import repository as repo
from contracts.domain.contracts import in_force
from contracts.domain.errors import (
    AlreadyTerminated, ContractNotFound, ContractNotInForce, TerminationNotFound, TooManyTerminationDrafts,
)
from contracts.domain.terminations import effective_date, reminder
from contracts.app.scope import Scope, check_visible
from ms_events.events.contracts import TerminationConfirmed
from ms_platform.uow import UnitOfWork

_COLUMNS = "id, contract_id, reason, event_date, summary, status, effective_date, created_at, confirmed_at"


@dataclass(frozen=True)
class TerminationRequest:
    contract_id: uuid.UUID
    reason: str
    event_date: date | None
    summary: str | None


def _holder_only(contract: Any, scope: Scope) -> None:
    if not scope.holds(contract["holder_id"]):
        raise ContractNotFound()


async def termination_reminder(uow: UnitOfWork, contract_id: uuid.UUID, scope: Scope, notice_days: int, today: date) -> dict:
    """Step 1: conditions, notice and reasons, plus any request already made. Writes nothing."""
    async with uow.connect() as conn:
        contract = check_visible(await repo.contract_by_id(conn, contract_id), scope)
        existing = await conn.fetch(f"select {_COLUMNS} from termination where contract_id = $1 order by created_at", contract_id)
    return {"contract_id": contract["id"], "contract_number": contract["contract_number"],
            **reminder(notice_days, today, contract["end_date"]), "requests": [dict(r) for r in existing]}


async def request_termination(uow: UnitOfWork, command: TerminationRequest, scope: Scope, today: date,
                              max_open_drafts: int) -> dict:
    """Step 2: a draft holding the reason, event date and summary. The contract is unchanged."""
    async with uow.begin() as tx:
        # Row lock: two drafts for one contract are counted one after the other.
        await tx.conn.execute("select 1 from contract where id = $1 for update", command.contract_id)
        contract = check_visible(await repo.contract_by_id(tx.conn, command.contract_id), scope)
        _holder_only(contract, scope)
        if not in_force(contract["start_date"], contract["end_date"], today):
            raise ContractNotInForce("Ce contrat n'est plus en cours.", field="contract_id")
        drafts = await tx.conn.fetchval(
            "select count(*) from termination where contract_id = $1 and status = 'draft'", contract["id"])
        if drafts >= max_open_drafts:
            raise TooManyTerminationDrafts(max_open_drafts)
        row = await tx.conn.fetchrow(
            f"""insert into termination (id, contract_id, holder_id, account_id, reason, event_date, summary, status)
                values ($1, $2, $3, $4, $5, $6, $7, 'draft') returning {_COLUMNS}""",
            uuid.uuid4(), contract["id"], contract["holder_id"], scope.account_id, command.reason,
            command.event_date, command.summary)
    return dict(row)


async def confirm_termination(uow: UnitOfWork, termination_id: uuid.UUID, scope: Scope, notice_days: int,
                              today: date) -> dict:
    """Step 3: terminate the contract and publish TerminationConfirmed, once."""
    async with uow.begin() as tx:
        row = await tx.conn.fetchrow(f"select {_COLUMNS}, holder_id from termination where id = $1 for update", termination_id)
        if row is None or not scope.holds(row["holder_id"]):
            raise TerminationNotFound()
        if row["status"] == "confirmed":
            return {k: row[k] for k in row.keys() if k != "holder_id"}
        await tx.conn.execute("select 1 from contract where id = $1 for update", row["contract_id"])
        contract = check_visible(await repo.contract_by_id(tx.conn, row["contract_id"]), scope)
        if await tx.conn.fetchval("select 1 from termination where contract_id = $1 and status = 'confirmed'", contract["id"]):
            raise AlreadyTerminated("La résiliation de ce contrat est déjà confirmée.")
        ends = effective_date(today, notice_days, contract["end_date"])
        now = datetime.now(UTC)
        confirmed = await tx.conn.fetchrow(
            f"""update termination set status = 'confirmed', effective_date = $2, confirmed_at = $3, account_id = $4
                 where id = $1 returning {_COLUMNS}""", termination_id, ends, now, scope.account_id)
        await tx.conn.execute("update contract set end_date = $2, updated_at = now() where id = $1", contract["id"], ends)
        tx.publish(TerminationConfirmed(
            termination_id=termination_id, contract_id=contract["id"], contract_number=contract["contract_number"],
            holder_id=contract["holder_id"], account_id=scope.account_id, reason=row["reason"],
            event_date=row["event_date"], effective_date=ends, confirmed_at=now))
    return dict(confirmed)


async def list_terminations(uow: UnitOfWork, scope: Scope) -> list[dict]:
    if not scope.holder_ids:
        return []
    async with uow.connect() as conn:
        rows = await conn.fetch(
            f"select {_COLUMNS} from termination where holder_id = any($1::uuid[]) order by created_at desc",
            list(scope.holder_ids))
    return [dict(r) for r in rows]
