"""Companies and their group contracts (operators register them; employers and operators read them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import structlog

from affiliation.adapters import repository as repo
from affiliation.domain.errors import CompanyExists, CompanyNotFound, ContractNumberTaken, InvalidField, UnknownCompany
from affiliation.domain.rules import Category, checked_siren
from ms_events.events.affiliation import CompanyRegistered, GroupContractAdded
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


@dataclass(frozen=True)
class NewGroupContract:
    contract_number: str
    category: str
    label: str
    contribution_formula: str
    start_date: date
    options: list[str]
    contracts_contract_id: uuid.UUID | None = None


async def register_company(uow: UnitOfWork, siren: str, name: str, notice_email: str) -> dict[str, Any]:
    number = checked_siren(siren)
    now = datetime.now(UTC)
    async with uow.begin() as tx:
        if not await repo.add_company(tx.conn, number, name, notice_email, now):
            raise CompanyExists()
        tx.publish(CompanyRegistered(siren=number, name=name, registered_at=now))
    log.info("affiliation.company_registered", siren=number)
    return {"siren": number, "name": name, "notice_email": notice_email, "created_at": now, "group_contracts": []}


async def existing_company(conn: asyncpg.Connection, siren: str, *, named_in_body: bool = False) -> asyncpg.Record:
    """The company, or 404 (a path's SIREN), or 422 naming ``siren`` (a body's)."""
    row = await repo.company(conn, siren)
    if row is None:
        raise UnknownCompany() if named_in_body else CompanyNotFound()
    return row


async def company_view(uow: UnitOfWork, siren: str) -> dict[str, Any]:
    async with uow.connect() as conn:
        row = await existing_company(conn, siren)
        contracts = await repo.group_contracts(conn, siren)
    return {**dict(row), "group_contracts": [contract_view(c) for c in contracts]}


def contract_view(row: asyncpg.Record) -> dict[str, Any]:
    return {"id": row["id"], "contract_number": row["contract_number"], "category": row["category"],
            "label": row["label"], "contribution_formula": row["contribution_formula"],
            "start_date": row["start_date"], "options": list(row["options"]),
            # AF-6: prévoyance needs no affiliation; the employer space offers it for santé only.
            "online_affiliation": row["category"] == Category.SANTE}


async def list_companies(uow: UnitOfWork, q: str | None, limit: int) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        return [dict(r) | {"group_contracts": []} for r in await repo.companies(conn, q, limit)]


async def add_group_contract(uow: UnitOfWork, siren: str, new: NewGroupContract) -> dict[str, Any]:
    if len(set(new.options)) != len(new.options):
        raise InvalidField("options", "Une option est présente deux fois.")
    now = datetime.now(UTC)
    values = {"id": uuid.uuid4(), "siren": siren, "contract_number": new.contract_number,
              "contracts_contract_id": new.contracts_contract_id, "category": new.category, "label": new.label,
              "contribution_formula": new.contribution_formula, "start_date": new.start_date,
              "options": new.options, "created_at": now}
    async with uow.begin() as tx:
        await existing_company(tx.conn, siren, named_in_body=True)
        if not await repo.add_group_contract(tx.conn, **values):
            raise ContractNumberTaken()
        tx.publish(GroupContractAdded(
            siren=siren, group_contract_id=values["id"], contract_number=new.contract_number, category=new.category,
            contribution_formula=new.contribution_formula, start_date=new.start_date, added_at=now))
        row = await repo.group_contract(tx.conn, siren, values["id"])
    return contract_view(row)


async def group_contracts(uow: UnitOfWork, siren: str) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        await existing_company(conn, siren)
        return [contract_view(r) for r in await repo.group_contracts(conn, siren)]
