""""Mes demandes": guarantee change (CT-7) and quote (CT-10) requests, answered within 72 hours."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from contracts.adapters import repository as repo
from contracts.app.scope import Scope, check_visible
from contracts.domain import quotes
from contracts.domain.errors import (
    ContractNotFound, ContractRequired, InvalidQuoteConfirmation, TooManyUnconfirmedQuotes, UnknownGuarantee,
)
from ms_events.events.contracts import GuaranteeChangeRequested, QuoteConfirmationRequested, QuoteRequested
from ms_platform.uow import UnitOfWork

_COLUMNS = "id, kind, status, contract_id, details, created_at, due_at"


@dataclass(frozen=True)
class RequestRules:
    """The settings a request follows: answer delay, prospects' confirmation link and its limits."""

    answer_hours: int
    confirmation_hours: int = 24
    max_unconfirmed_per_email: int = 3


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


async def create_request(uow: UnitOfWork, request: NewRequest, scope: Scope | None, rules: RequestRules) -> dict:
    """Record the request; a member's is due at once, a prospect's waits for their address's confirmation."""
    if scope is None:
        return await _create_prospect_quote(uow, request, rules)
    now = datetime.now(UTC)
    due = now + timedelta(hours=rules.answer_hours)
    request_id = uuid.uuid4()
    account_id, holder_id = scope.account_id, scope.holder_id
    async with uow.begin() as tx:
        contract_id = None
        if request.kind == "guarantee_change":
            contract = await _check_guarantee_change(tx.conn, request, scope)
            contract_id, holder_id = contract["id"], contract["holder_id"]
        # A member's names and address come from identity (notify's contact projection): what
        # they typed in these fields is neither stored nor published.
        row = await tx.conn.fetchrow(
            f"""insert into contract_request (id, kind, account_id, holder_id, contract_id, details, created_at, due_at)
                values ($1, $2, $3, $4, $5, $6, $7, $8) returning {_COLUMNS}""",
            request_id, request.kind, account_id, holder_id, contract_id, request.details, now, due)
        if request.kind == "guarantee_change":
            event = GuaranteeChangeRequested(request_id=request_id, contract_id=contract_id, account_id=account_id,
                                             due_at=due, requested_at=now)
        else:
            event = QuoteRequested(request_id=request_id, account_id=account_id, due_at=due, requested_at=now)
        tx.publish(event)
    return _view(row)


async def _create_prospect_quote(uow: UnitOfWork, request: NewRequest, rules: RequestRules) -> dict:
    """Keep the quote unconfirmed and ask notify for the neutral confirmation email only."""
    now = datetime.now(UTC)
    token, token_hash = quotes.new_confirmation_token()
    expires = quotes.confirmation_expires_at(now, rules.confirmation_hours)
    request_id = uuid.uuid4()
    async with uow.begin() as tx:
        # One address at a time: the pending count below is not raced by a concurrent request.
        await tx.conn.execute("select pg_advisory_xact_lock(hashtext('quote-email:' || lower($1)))", request.email)
        # Unconfirmed requests past their link hold a stranger's words for nothing: they go.
        await tx.conn.execute(
            "delete from contract_request where status = 'unconfirmed' and confirmation_expires_at <= $1", now)
        pending = await tx.conn.fetchval(
            "select count(*) from contract_request where status = 'unconfirmed' and lower(email) = lower($1)",
            request.email)
        if not quotes.may_ask_again(pending, rules.max_unconfirmed_per_email):
            raise TooManyUnconfirmedQuotes(retry_after_s=rules.confirmation_hours * 3600)
        row = await tx.conn.fetchrow(
            f"""insert into contract_request (id, kind, status, email, first_name, last_name, details, created_at, due_at,
                                              confirmation_token_hash, confirmation_expires_at)
                values ($1, 'quote', 'unconfirmed', $2, $3, $4, $5, $6, $7, $8, $9) returning {_COLUMNS}""",
            request_id, request.email, request.first_name, request.last_name, request.details, now,
            now + timedelta(hours=rules.answer_hours), token_hash, expires)
        tx.publish(QuoteConfirmationRequested(request_id=request_id, email=request.email, confirmation_token=token,
                                              confirmation_expires_at=expires, requested_at=now))
    return _view(row)


async def confirm_quote(uow: UnitOfWork, token: str, rules: RequestRules) -> dict:
    """The prospect opened the link: the quote is due within 72 hours and published, once."""
    now = datetime.now(UTC)
    due = now + timedelta(hours=rules.answer_hours)
    async with uow.begin() as tx:
        row = await tx.conn.fetchrow(
            f"""update contract_request
                   set status = 'received', confirmed_at = $2, due_at = $3, confirmation_token_hash = null
                 where confirmation_token_hash = $1 and status = 'unconfirmed' and confirmation_expires_at > $2
             returning {_COLUMNS}, email, first_name, last_name""", quotes.hash_token(token), now, due)
        if row is None:
            raise InvalidQuoteConfirmation()
        tx.publish(QuoteRequested(request_id=row["id"], email=row["email"], first_name=row["first_name"],
                                  last_name=row["last_name"], due_at=due, requested_at=now))
    return {k: row[k] for k in row.keys() if k not in ("email", "first_name", "last_name")}


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
