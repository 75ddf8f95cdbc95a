"""Use cases of the contracts registry: one function per command, one transaction each."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import structlog

from contracts.adapters import repository as repo
from contracts.adapters import schedules as schedules_repo
from contracts.adapters.listing_cache import ListingCache
from contracts.app.schedules import import_schedule_lines
from contracts.domain.contracts import in_force
from contracts.domain.imports import (
    FieldError,
    ImportReport,
    ImportRules,
    MemberLine,
    ProductLine,
    RefusedLine,
    validate_batch,
)
from contracts.domain.names import person_key
from ms_events import outbox
from ms_events.events.contracts import ContractRegistered
from ms_platform.db import is_database_unavailable
from ms_platform.uow import Transaction, UnitOfWork

log = structlog.get_logger()


async def import_reference_data(
    uow: UnitOfWork,
    products: list[ProductLine],
    members: list[Any],
    rules: ImportRules,
    today: date,
    schedules: list[Any] | None = None,
) -> ImportReport:
    """Upsert products, register each valid member line in its own transaction, then the
    top-level schedule lines (CT-5), each in its own transaction too."""
    if not isinstance(uow, UnitOfWork):  # a bare pool (older callers, test fixtures): its outbox
        uow = outbox.unit_of_work(uow)
    report = ImportReport()
    async with uow.begin() as tx:
        for product in products:
            await repo.upsert_product(tx.conn, product)
        catalogue = await repo.product_categories(tx.conn)
    for number, line, refused in validate_batch(members, catalogue, rules, today):
        if refused is not None:
            report.refused.append(refused)
            continue
        assert line is not None
        try:
            # One unit of work per line: a line the database refuses takes no other line with it.
            async with uow.begin() as tx:
                changed = await _register_line(tx, line)
        except asyncpg.PostgresError as exc:
            if is_database_unavailable(exc):
                raise
            # Validation should leave nothing for the database to refuse; if it does, the
            # line is rolled back and reported, and the others still go through.
            log.warning("contracts.import.line_failed", line=number, error=type(exc).__name__)
            report.refused.append(RefusedLine(number, line.contract_number, (
                FieldError("ligne", "Ligne refusée par la base de données."),)))
            continue
        if changed:
            report.accepted += 1
        else:
            report.unchanged += 1
    await import_schedule_lines(uow, schedules or [], report.schedules)
    log.info(
        "contracts.imported",
        products=len(products),
        accepted=report.accepted,
        unchanged=report.unchanged,
        refused=len(report.refused),
        schedule_lines=len(schedules or []),
    )
    return report


async def _register_line(tx: Transaction, line: MemberLine) -> bool:
    """Write one contract line; publish ContractRegistered when the contract is new or changed."""
    await repo.lock_contract_number(tx.conn, line.contract_number)
    holder_id, holder_written = await repo.ensure_person(tx.conn, line.holder)
    beneficiaries = set()
    people_written = holder_written
    for b in line.beneficiaries:
        person_id, written = await repo.ensure_person(tx.conn, b.person)
        beneficiaries.add((person_id, b.relationship))
        people_written = people_written or written
    desired = repo.ContractState(
        category=line.category,
        product_code=line.product_code,
        holder_id=holder_id,
        member_number=line.member_number,
        start_date=line.start_date,
        end_date=line.end_date,
        beneficiaries=frozenset(beneficiaries),
        company_siren=line.company_siren,
    )
    existing = await repo.contract_state(tx.conn, line.contract_number)
    if existing is not None and existing[2] == desired:
        return await _write_schedules(tx.conn, existing[0], line) or people_written
    if existing is None:
        contract_id = uuid.uuid4()
        registered_at = await repo.insert_contract(tx.conn, contract_id, line.contract_number, desired)
    else:
        contract_id, registered_at, _ = existing
        await repo.update_contract(tx.conn, contract_id, desired)
    await repo.replace_beneficiaries(tx.conn, contract_id, desired.beneficiaries)
    # The insurer's line is the reconciled truth: the members' own copies it replaced go (ADR 0008).
    holders = {holder_id} if existing is None else {holder_id, existing[2].holder_id}
    await repo.drop_unlinked_member_records(tx.conn, list(holders))
    tx.publish(
        ContractRegistered(
            contract_id=contract_id,
            contract_number=line.contract_number,
            category=line.category,
            product_code=line.product_code,
            holder_id=holder_id,
            start_date=line.start_date,
            end_date=line.end_date,
            registered_at=registered_at,
        ),
    )
    await _write_schedules(tx.conn, contract_id, line)
    return True


async def _write_schedules(conn: asyncpg.Connection, contract_id: uuid.UUID, line: MemberLine) -> bool:
    """The line's years of debits (CT-5); whether any changed. Years not in the line stay."""
    written = False
    for schedule in line.schedules:
        written = await schedules_repo.replace_year(conn, contract_id, schedule) or written
    return written


@dataclass(frozen=True)
class HolderQuery:
    contract_number: str
    last_name: str
    first_name: str
    birth_date: date


async def verify_holder(uow: UnitOfWork, query: HolderQuery, today: date) -> dict[str, Any] | None:
    """The holder's in-force contract if every detail matches; None whatever fails (ID-1)."""
    async with uow.connect() as conn:
        row = await repo.contract_with_holder(conn, query.contract_number)
        if row is None:
            return None
        matches = (
            in_force(row["start_date"], row["end_date"], today)
            and row["birth_date"] == query.birth_date
            and person_key(row["last_name"], row["first_name"])
            == person_key(query.last_name, query.first_name)
        )
        if not matches:
            return None
        same_category = await repo.holder_contracts(conn, row["holder_id"], row["category"])
    return {
        "contract_id": row["id"],
        "contract_number": row["contract_number"],
        "category": row["category"],
        "member_number": row["member_number"],
        "holder_id": row["holder_id"],
        "product_code": row["product_code"],
        "contracts_in_category": [
            c["contract_number"] for c in same_category if in_force(c["start_date"], c["end_date"], today)
        ],
    }


def _contract_view(row: asyncpg.Record, beneficiaries: list[dict[str, Any]], today: date) -> dict[str, Any]:
    return {
        "id": row["id"],
        "contract_number": row["contract_number"],
        "category": row["category"],
        "holder_id": row["holder_id"],  # for the caller's scope check; not in the public answer
        "product": {"code": row["product_code"], "name": row["product_name"]},
        "member_number": row["member_number"],
        "start_date": row["start_date"],
        "end_date": row["end_date"],
        "in_force": in_force(row["start_date"], row["end_date"], today),
        "beneficiaries": beneficiaries,
        "company_siren": row["company_siren"],  # for the caller's scope check; not in the public answer
    }


async def list_holder_contracts(
    uow: UnitOfWork, cache: ListingCache, holder_ids: list[uuid.UUID], today: date
) -> list[dict[str, Any]]:
    """Every contract these people hold, with its beneficiaries (CT-1, CT-2); one query at most."""

    async def load(missing: list[uuid.UUID]) -> dict[uuid.UUID, list[dict[str, Any]]]:
        async with uow.connect() as conn:
            return await repo.listings(conn, missing)

    by_holder = await cache.get(holder_ids, load)
    rows = sorted((c for h in holder_ids for c in by_holder[h]),
                  key=lambda c: (c["category"], c["start_date"], c["contract_number"]))
    return [_contract_view(r, r["beneficiaries"], today) for r in rows]


async def list_company_contracts(uow: UnitOfWork, company_siren: str, today: date) -> list[dict[str, Any]]:
    """An employer's group contracts, without the employees' beneficiaries (not the employer's to see)."""
    async with uow.connect() as conn:
        rows = await repo.company_contracts(conn, company_siren)
    return [_contract_view(row, [], today) for row in rows]


async def get_contract(uow: UnitOfWork, contract_id: uuid.UUID, today: date) -> dict[str, Any] | None:
    """One contract with its guarantees; None if absent. The caller checks its scope."""
    async with uow.connect() as conn:
        row = await repo.contract_by_id(conn, contract_id)
        if row is None:
            return None
        beneficiaries = await repo.beneficiaries_of(conn, [row["id"]])
        guarantees = await repo.guarantees_of(conn, row["product_code"])
    view = _contract_view(row, beneficiaries[row["id"]], today)
    view["guarantees"] = [dict(g) for g in guarantees]
    return view
