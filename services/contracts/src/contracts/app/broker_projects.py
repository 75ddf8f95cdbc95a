"""Use cases of the broker's projects (BR-3) and dashboard (BR-4), filtered by the token's access."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import structlog

from contracts.adapters import broker as repo
from contracts.app.broker import own, quote_view
from contracts.domain.broker import (
    AutonomyInsufficient, BrokerAccess, BrokerResourceNotFound, OfferNotAllowed, QuoteExpired, QuoteRequiredToSign,
    check_move,
)
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


# ---- projects (BR-3) -----------------------------------------------------------------------

def project_view(row: Any) -> dict[str, Any]:
    return {"id": row["id"], "status": row["status"], "owner_id": row["owner_id"],
            "client": {"type": row["client_type"], "name": row["client_name"], "email": row["client_email"],
                       "postcode": row["client_postcode"]},
            "signed_quote_id": row["signed_quote_id"], "created_at": row["created_at"], "updated_at": row["updated_at"]}


async def create_project(uow: UnitOfWork, access: BrokerAccess, client: dict[str, Any], today: date,
                         idempotency_key: str | None = None) -> tuple[dict[str, Any], bool]:
    """A new draft project owned by the caller; a retry with the same Idempotency-Key returns the first."""
    async with uow.connect() as conn:
        existing = await repo.project_by_key(conn, access.account_id, idempotency_key) if idempotency_key else None
    if existing is not None:
        return await get_project(uow, access, existing["id"], today), False
    try:
        async with uow.begin() as tx:
            row = await repo.insert_project(tx.conn, {
                "id": uuid.uuid4(), "firm_id": access.firm_id, "owner_id": access.account_id,
                "client_type": client["type"], "client_name": client["name"], "client_email": client.get("email"),
                "client_postcode": client.get("postcode")}, idempotency_key)
    except asyncpg.UniqueViolationError:
        async with uow.connect() as conn:
            existing = await repo.project_by_key(conn, access.account_id, idempotency_key or "")
        if existing is None:
            raise
        return await get_project(uow, access, existing["id"], today), False
    return project_view(row) | {"quotes": []}, True


async def get_project(uow: UnitOfWork, access: BrokerAccess, project_id: uuid.UUID, today: date) -> dict[str, Any]:
    async with uow.connect() as conn:
        row = await repo.project(conn, project_id)
        if row is None or not access.sees(row["firm_id"], row["owner_id"]):
            raise BrokerResourceNotFound("projet")
        quotes = await repo.quotes_of_project(conn, project_id)
    return project_view(row) | {"quotes": [quote_view(q, today) for q in quotes]}


async def list_projects(uow: UnitOfWork, access: BrokerAccess, status: str | None, client_type: str | None,
                        search: str | None, limit: int) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        rows = await repo.projects(conn, access.firm_id, own(access), status, client_type, search, limit)
    return [project_view(r) for r in rows]


async def move_project(uow: UnitOfWork, access: BrokerAccess, project_id: uuid.UUID, status: str,
                       quote_id: uuid.UUID | None, today: date) -> dict[str, Any]:
    """Move a project to ``status``; signing names one of its valid quotes, within the broker's autonomy."""
    async with uow.begin() as tx:
        row = await repo.project(tx.conn, project_id, lock=True)
        if row is None or not access.sees(row["firm_id"], row["owner_id"]):
            raise BrokerResourceNotFound("projet")
        check_move(row["status"], status)
        signed_quote = None
        if status == "signed":
            signed_quote = await _quote_to_sign(tx.conn, access, project_id, quote_id, today)
        row = await repo.move_project(tx.conn, project_id, status, signed_quote)
        quotes = await repo.quotes_of_project(tx.conn, project_id)
    log.info("broker.project_moved", project_id=str(project_id), status=status)
    return project_view(row) | {"quotes": [quote_view(q, today) for q in quotes]}


async def _quote_to_sign(conn: Any, access: BrokerAccess, project_id: uuid.UUID, quote_id: uuid.UUID | None,
                         today: date) -> uuid.UUID:
    if quote_id is None:
        raise QuoteRequiredToSign()
    quote = await repo.quote(conn, quote_id)
    if quote is None or quote["project_id"] != project_id:
        raise QuoteRequiredToSign()
    if not access.may_sell(quote["product_code"]):
        raise OfferNotAllowed()
    if not access.may_sign(Decimal(quote["monthly_eur"]) * 12):
        raise AutonomyInsufficient()
    if quote["valid_until"] < today:
        raise QuoteExpired()
    return quote_id


# ---- dashboard (BR-4) ----------------------------------------------------------------------

async def dashboard(uow: UnitOfWork, access: BrokerAccess, today: date) -> dict[str, Any]:
    """Portfolio figures over what the caller sees, and the products of the moment."""
    async with uow.connect() as conn:
        figures = await repo.dashboard(conn, access.firm_id, own(access), today)
        featured = [o for o in await repo.offers(conn, None) if o["featured"]]
    return {
        "clients": figures["clients"],
        "projects_by_status": {s: figures[s] for s in ("draft", "sent", "signed", "lost")},
        "signed_monthly_eur": str(figures["signed_monthly_eur"]),
        "quotes_valid": figures["quotes_valid"],
        "products_of_the_moment": [{"code": o["code"], "name": o["name"], "summary": o["summary"]} for o in featured],
    }
