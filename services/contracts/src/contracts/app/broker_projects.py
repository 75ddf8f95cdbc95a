"""Use cases of the broker's projects (BR-3) and dashboard (BR-4), filtered by the token's access."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
import structlog

from contracts.adapters import broker as repo
from contracts.adapters import repository as registry
from contracts.app.broker import own, quote_view
from contracts.domain.broker import (
    AutonomyInsufficient, BrokerAccess, BrokerResourceNotFound, HolderRequiredToSign, OfferNotAllowed, QuoteExpired,
    QuoteRequiredToSign, check_move, signed_contract,
)
from contracts.domain.imports import Person
from ms_events.events.contracts import ContractRegistered
from ms_platform.uow import Transaction, UnitOfWork

log = structlog.get_logger()


# ---- projects (BR-3) -----------------------------------------------------------------------

def project_view(row: Any, contract: Any = None) -> dict[str, Any]:
    return {"id": row["id"], "status": row["status"], "owner_id": row["owner_id"],
            "client": {"type": row["client_type"], "name": row["client_name"], "email": row["client_email"],
                       "postcode": row["client_postcode"]},
            "signed_quote_id": row["signed_quote_id"], "created_at": row["created_at"], "updated_at": row["updated_at"],
            "contract": None if contract is None else {
                "id": contract["id"], "contract_number": contract["contract_number"],
                "member_number": contract["member_number"], "start_date": contract["start_date"],
                "end_date": contract["end_date"], "monthly_eur": str(contract["monthly_eur"])}}


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
        contract = await repo.contract_of_project(conn, project_id) if row["status"] == "signed" else None
    return project_view(row, contract) | {"quotes": [quote_view(q, today) for q in quotes]}


async def list_projects(uow: UnitOfWork, access: BrokerAccess, status: str | None, client_type: str | None,
                        search: str | None, limit: int) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        rows = await repo.projects(conn, access.firm_id, own(access), status, client_type, search, limit)
    return [project_view(r) for r in rows]


async def move_project(uow: UnitOfWork, access: BrokerAccess, project_id: uuid.UUID, status: str,
                       quote_id: uuid.UUID | None, today: date, holder: dict[str, str] | None = None) -> dict[str, Any]:
    """Move a project to ``status``; signing names one of its valid quotes, within the broker's autonomy,
    and the holder's names: it registers the client's contract in the same transaction."""
    async with uow.begin() as tx:
        row = await repo.project(tx.conn, project_id, lock=True)
        if row is None or not access.sees(row["firm_id"], row["owner_id"]):
            raise BrokerResourceNotFound("projet")
        check_move(row["status"], status)
        signed_quote, contract = None, None
        if status == "signed":
            quote = await _quote_to_sign(tx.conn, access, project_id, quote_id, today)
            if holder is None:
                raise HolderRequiredToSign()
            signed_quote = quote["id"]
            await _register_contract(tx, access, row, quote, holder)
        row = await repo.move_project(tx.conn, project_id, status, signed_quote)
        quotes = await repo.quotes_of_project(tx.conn, project_id)
        if status == "signed":
            contract = await repo.contract_of_project(tx.conn, project_id)
    log.info("broker.project_moved", project_id=str(project_id), status=status)
    return project_view(row, contract) | {"quotes": [quote_view(q, today) for q in quotes]}


async def _register_contract(tx: Transaction, access: BrokerAccess, project: Any, quote: dict[str, Any],
                             holder: dict[str, str]) -> None:
    """The client's contract, as the registry keeps the insurer's: the holder is the registry person of
    that name and birth date (created if new); ContractRegistered goes out through the outbox."""
    contract = signed_contract(project["id"], quote)
    holder_id, _ = await registry.ensure_person(
        tx.conn, Person(last_name=holder["last_name"], first_name=holder["first_name"],
                        birth_date=contract.holder_birth_date))
    category = await repo.product_category(tx.conn, contract.product_code)
    _, registered_at = await repo.insert_signed_contract(
        tx.conn, contract, category, holder_id, access.firm_id, project["owner_id"], project["id"], quote["id"])
    tx.publish(ContractRegistered(
        contract_id=contract.id, contract_number=contract.contract_number, category=category,
        product_code=contract.product_code, holder_id=holder_id, start_date=contract.start_date,
        registered_at=registered_at))
    log.info("broker.contract_registered", contract_id=str(contract.id), project_id=str(project["id"]),
             firm_id=str(access.firm_id))


async def _quote_to_sign(conn: Any, access: BrokerAccess, project_id: uuid.UUID, quote_id: uuid.UUID | None,
                         today: date) -> dict[str, Any]:
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
    return quote


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
        "contracts_in_force": figures["contracts_in_force"],
        "in_force_monthly_eur": str(figures["in_force_monthly_eur"]),
        "products_of_the_moment": [{"code": o["code"], "name": o["name"], "summary": o["summary"]} for o in featured],
    }
