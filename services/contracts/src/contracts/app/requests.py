""""Mes demandes": guarantee change (CT-7) and quote (CT-10) requests, answered within 72 hours."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from contracts.adapters import repository as repo
from contracts.domain.errors import ContractNotFound, ContractRequired, UnknownGuarantee
from contracts.app.scope import Scope, check_visible
from ms_events.events.contracts import GuaranteeChangeRequested, QuoteRequested
from ms_platform.uow import UnitOfWork

_COLUMNS = "id, kind, status, contract_id, details, created_at, due_at"


@dataclass(frozen=True)
class NewRequest:
    kind: str
    contract_id: uuid.UUID | None
    details: dict
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


def _view(row: asyncpg.Record) -> dict:
    return dict(row)  # the pool decodes jsonb


async def _check_guarantee_change(conn: asyncpg.Connection, request: NewRequest, scope: Scope) -> asyncpg.Record:
    if request.contract_id is None:
        raise ContractRequired()
    contract = check_visible(await repo.contract_by_id(conn, request.contract_id), scope)
    if not scope.holds(contract["holder_id"]):
        raise ContractNotFound()
    wanted = request.details.get("requested_product_code")
    if wanted is not None:
        category = await conn.fetchval("select category from product where code = $1", wanted)
        if category != contract["category"]:
            raise UnknownGuarantee("Formule de garanties inconnue pour ce contrat.",
                                   field="requested_product_code")
    return contract


async def create_request(uow: UnitOfWork, request: NewRequest, scope: Scope | None, answer_hours: int) -> dict:
    """Record the request with its due date and publish the event notify answers with an email."""
    now = datetime.now(UTC)
    due = now + timedelta(hours=answer_hours)
    request_id = uuid.uuid4()
    account_id = scope.account_id if scope else None
    holder_id = scope.holder_id if scope else None
    async with uow.begin() as tx:
        contract_id = None
        if request.kind == "guarantee_change":
            contract = await _check_guarantee_change(tx.conn, request, scope or Scope(None, None, frozenset()))
            contract_id, holder_id = contract["id"], contract["holder_id"]
        row = await tx.conn.fetchrow(
            f"""insert into contract_request (id, kind, account_id, holder_id, contract_id, email, first_name,
                                              last_name, details, created_at, due_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning {_COLUMNS}""",
            request_id, request.kind, account_id, holder_id, contract_id, request.email, request.first_name,
            request.last_name, request.details, now, due)
        if request.kind == "guarantee_change":
            event = GuaranteeChangeRequested(request_id=request_id, contract_id=contract_id, account_id=account_id,
                                             due_at=due, requested_at=now)
        else:
            event = QuoteRequested(request_id=request_id, account_id=account_id, email=request.email,
                                   first_name=request.first_name, last_name=request.last_name,
                                   due_at=due, requested_at=now)
        tx.publish(event)
    return _view(row)


async def list_requests(uow: UnitOfWork, scope: Scope) -> list[dict]:
    """The signed-in member's requests, newest first."""
    if scope.account_id is None and not scope.holder_ids:
        return []
    async with uow.connect() as conn:
        rows = await conn.fetch(
            f"""select {_COLUMNS} from contract_request
                 where account_id = $1 or holder_id = any($2::uuid[])
                 order by created_at desc""", scope.account_id, list(scope.holder_ids))
    return [_view(r) for r in rows]
