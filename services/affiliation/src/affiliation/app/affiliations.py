"""Affiliation requests (AF-1, AF-3, AF-6): an employer's online request, or one completed by an
invited employee, follows one path: checked, recorded as received with its deadline (one
business day), processed by the worker (EmployeeAffiliated) or handed to a back-office user with
its deadline, and followed by the employer. Offline affiliations (paper form, phone) are imported
by operators straight into the employee list (AF-4).
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Callable

import asyncpg
import structlog
from prometheus_client import Counter

from affiliation.adapters import repository as repo
from affiliation.app.companies import existing_company
from affiliation.domain.errors import DuplicateEmployee, InvalidField, RequestNotFound, RequestNotReviewable, UnknownContract
from affiliation.domain.rules import (
    BusinessDays, Origin, Source, Status, check_affiliation, check_birth_date, checked_nir, review_reason,
)
from ms_events.events.affiliation import (
    AffiliationRejected, AffiliationRequested, AffiliationReviewRequired, EmployeeAffiliated, PostalAddress,
)
from ms_platform.uow import Transaction, UnitOfWork

log = structlog.get_logger()

PROCESSED = Counter("affiliation_requests_processed", "Online affiliation requests processed, by outcome "
                    "(affiliated, in_review, approved, rejected).", ["outcome"])


@dataclass(frozen=True)
class Rules:
    """What the settings say about deadlines and dates (built once by bootstrap)."""

    calendar: BusinessDays
    processing_business_days: int = 1
    max_retroactive_days: int = 90
    max_future_days: int = 365

    def today(self, now: datetime) -> date:
        return now.astimezone(self.calendar.zone).date()


@dataclass(frozen=True)
class Employee:
    """An employee's details as the employer or the employee typed them (names already checked)."""

    first_name: str
    last_name: str
    birth_date: date
    nir: str
    address: dict[str, Any]
    email: str | None = None


@dataclass(frozen=True)
class Affiliation:
    employee: Employee
    group_contract_id: uuid.UUID
    start_date: date
    options: list[str] = field(default_factory=list)
    beneficiaries: list[dict[str, Any]] = field(default_factory=list)


async def checked_contract(conn: asyncpg.Connection, rules: Rules, siren: str, affiliation: Affiliation,
                           now: datetime, prefix: str = "") -> tuple[Any, list[str], str]:
    """The group contract, the options and the NIR once every rule is met, or the refusal naming the field."""
    row = await repo.group_contract(conn, siren, affiliation.group_contract_id)
    if row is None:
        raise UnknownContract(f"{prefix}group_contract_id")
    contract = repo.as_contract(row)
    today = rules.today(now)
    options = check_affiliation(contract, affiliation.start_date, affiliation.options, today, rules.max_future_days,
                                prefix)
    employee = affiliation.employee
    check_birth_date(employee.birth_date, today, f"{prefix}employee.birth_date")
    nir = checked_nir(employee.nir, employee.birth_date, f"{prefix}employee.nir")
    for i, beneficiary in enumerate(affiliation.beneficiaries):
        born = beneficiary.get("birth_date")
        if born is not None and born > today:
            raise InvalidField(f"{prefix}beneficiaries.{i}.birth_date", "Date de naissance dans le futur.")
    return row, options, nir


async def open_request(tx: Transaction, rules: Rules, siren: str, affiliation: Affiliation, origin: Origin,
                       account_id: uuid.UUID | None, invitation_id: uuid.UUID | None, now: datetime) -> dict[str, Any]:
    """Record a received request and publish AffiliationRequested, in the caller's transaction."""
    contract, options, nir = await checked_contract(tx.conn, rules, siren, affiliation, now)
    if await repo.employee_exists(tx.conn, siren, nir):
        raise DuplicateEmployee()
    employee = affiliation.employee
    values = {
        "id": uuid.uuid4(), "siren": siren, "group_contract_id": contract["id"], "origin": origin.value,
        "first_name": employee.first_name, "last_name": employee.last_name, "birth_date": employee.birth_date,
        "nir": nir, "email": employee.email, "address": employee.address, "options": options,
        "beneficiaries": [_json_ready(b) for b in affiliation.beneficiaries], "start_date": affiliation.start_date,
        "account_id": account_id, "invitation_id": invitation_id, "received_at": now,
        "due_at": rules.calendar.due(now, rules.processing_business_days),
    }
    try:
        async with tx.conn.transaction():  # a savepoint: a concurrent duplicate is a 409, not a 500
            await repo.add_request(tx.conn, values)
    except asyncpg.UniqueViolationError:
        raise DuplicateEmployee() from None
    tx.publish(AffiliationRequested(
        request_id=values["id"], siren=siren, group_contract_id=contract["id"],
        contract_number=contract["contract_number"], first_name=employee.first_name, last_name=employee.last_name,
        start_date=affiliation.start_date, origin=origin.value, account_id=account_id, due_at=values["due_at"],
        requested_at=now))
    return await repo.request(tx.conn, siren, values["id"])  # type: ignore[return-value]


def _json_ready(beneficiary: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in beneficiary.items()}


async def submit(uow: UnitOfWork, rules: Rules, siren: str, affiliation: Affiliation, account_id: uuid.UUID | None,
                 now: datetime) -> dict[str, Any]:
    """An employer's online affiliation request (AF-1)."""
    async with uow.begin() as tx:
        await existing_company(tx.conn, siren)
        request = await open_request(tx, rules, siren, affiliation, Origin.EMPLOYER, account_id, None, now)
    log.info("affiliation.request_received", request_id=str(request["id"]), origin="employer")
    return request


async def requests_of(uow: UnitOfWork, siren: str, status: str | None, limit: int) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        await existing_company(conn, siren)
        return await repo.requests_of(conn, siren, status, limit)


async def one_request(uow: UnitOfWork, siren: str, request_id: uuid.UUID) -> dict[str, Any]:
    async with uow.connect() as conn:
        found = await repo.request(conn, siren, request_id)
    if found is None:
        raise RequestNotFound()
    return found


# ---- processing (AF-3) ----------------------------------------------------------------------------


def _affiliated_event(request: dict[str, Any], employee_id: uuid.UUID, company_name: str, category: str,
                      source: Source, now: datetime) -> EmployeeAffiliated:
    return EmployeeAffiliated(
        employee_id=employee_id, request_id=request.get("request_id"), siren=request["siren"],
        company_name=company_name, group_contract_id=request["group_contract_id"],
        contract_number=request["contract_number"], category=category, options=request["options"],
        first_name=request["first_name"], last_name=request["last_name"], birth_date=request["birth_date"],
        email=request["email"], address=PostalAddress(**request["address"]), start_date=request["start_date"],
        beneficiaries=len(request.get("beneficiaries", [])), source=source.value, affiliated_at=now)


async def _affiliate(tx: Transaction, request: dict[str, Any], now: datetime) -> uuid.UUID | None:
    """Write the employee and publish EmployeeAffiliated; None when the employee is already listed."""
    company = await repo.company(tx.conn, request["siren"])
    contract = await repo.group_contract(tx.conn, request["siren"], request["group_contract_id"])
    employee_id = uuid.uuid4()
    try:
        async with tx.conn.transaction():
            await repo.add_employee(tx.conn, {**request, "id": employee_id, "request_id": request["id"],
                                              "source": Source.ONLINE.value, "affiliated_at": now})
    except asyncpg.UniqueViolationError:
        return None
    tx.publish(_affiliated_event({**request, "request_id": request["id"]}, employee_id, company["name"],
                                 contract["category"], Source.ONLINE, now))
    return employee_id


async def process_received(uow: UnitOfWork, rules: Rules, now: datetime, batch_size: int = 100) -> int:
    """Process every received request (a batch per transaction): affiliated, or in review with the
    reason and the deadline shown to back-office users. Returns how many were processed."""
    total = 0
    while True:
        async with uow.begin() as tx:
            batch = await repo.received_for_processing(tx.conn, batch_size)
            for request in batch:
                reason = review_reason(request["start_date"], rules.today(now), rules.max_retroactive_days,
                                       await repo.affiliated_elsewhere(tx.conn, request["siren"], request["nir"]))
                employee_id = None if reason else await _affiliate(tx, request, now)
                if employee_id is None:
                    reason = reason or "Salarié déjà présent dans la liste de l'entreprise"
                    await repo.set_status(tx.conn, request["id"], Status.IN_REVIEW, now, review_reason=reason)
                    tx.publish(AffiliationReviewRequired(request_id=request["id"], siren=request["siren"],
                                                         reason=reason, due_at=request["due_at"], flagged_at=now))
                    PROCESSED.labels("in_review").inc()
                else:
                    await repo.set_status(tx.conn, request["id"], Status.AFFILIATED, now, employee_id=employee_id)
                    PROCESSED.labels("affiliated").inc()
        total += len(batch)
        if len(batch) < batch_size:
            return total


async def run_processor(uow: UnitOfWork, rules: Rules, stop: asyncio.Event, interval_s: float, batch_size: int,
                        clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
    """Process received requests until ``stop``; a failed pass (database away) is logged and retried."""
    while not stop.is_set():
        try:
            count = await process_received(uow, rules, clock(), batch_size)
            if count:
                log.info("affiliation.requests_processed", count=count)
        except Exception as exc:  # noqa: BLE001  (the next pass retries; the worker must keep consuming)
            log.warning("affiliation.processing_failed", error=type(exc).__name__)
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            pass


# ---- back office ----------------------------------------------------------------------------------


async def review_queue(uow: UnitOfWork, limit: int) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        return await repo.in_review(conn, limit)


async def decide(uow: UnitOfWork, request_id: uuid.UUID, approve: bool, reason: str | None,
                 now: datetime) -> dict[str, Any]:
    """A back-office user approves (EmployeeAffiliated) or rejects (AffiliationRejected) a request in review."""
    async with uow.begin() as tx:
        request = await repo.request(tx.conn, None, request_id, for_update=True)
        if request is None:
            raise RequestNotFound()
        if request["status"] != Status.IN_REVIEW:
            raise RequestNotReviewable()
        if approve:
            employee_id = await _affiliate(tx, request, now)
            if employee_id is None:
                raise DuplicateEmployee(field="request_id")
            await repo.set_status(tx.conn, request_id, Status.AFFILIATED, now, employee_id=employee_id)
        else:
            await repo.set_status(tx.conn, request_id, Status.REJECTED, now, rejection_reason=reason)
            tx.publish(AffiliationRejected(request_id=request_id, siren=request["siren"],
                                           first_name=request["first_name"], last_name=request["last_name"],
                                           reason=reason or "", rejected_at=now))
        PROCESSED.labels("approved" if approve else "rejected").inc()
        return await repo.request(tx.conn, None, request_id)  # type: ignore[return-value]


# ---- offline affiliations (AF-4) ------------------------------------------------------------------


async def import_offline(uow: UnitOfWork, rules: Rules, siren: str, lines: list[Affiliation],
                         now: datetime) -> list[uuid.UUID]:
    """Employees affiliated offline (paper form, phone), from the insurer's files: all or nothing,
    each refusal naming its line (``employees.<n>.<field>``)."""
    ids: list[uuid.UUID] = []
    async with uow.begin() as tx:
        company = await existing_company(tx.conn, siren, named_in_body=True)
        seen: set[str] = set()
        for n, line in enumerate(lines):
            prefix = f"employees.{n}."
            contract, options, nir = await checked_contract(tx.conn, rules, siren, line, now, prefix)
            if nir in seen or await repo.employee_exists(tx.conn, siren, nir):
                raise DuplicateEmployee(field=f"{prefix}employee.nir")
            seen.add(nir)
            e = line.employee
            values = {"id": uuid.uuid4(), "siren": siren, "group_contract_id": contract["id"],
                      "contract_number": contract["contract_number"], "request_id": None,
                      "source": Source.OFFLINE.value, "first_name": e.first_name, "last_name": e.last_name,
                      "birth_date": e.birth_date, "nir": nir, "email": e.email, "address": e.address,
                      "options": options, "start_date": line.start_date, "affiliated_at": now}
            await repo.add_employee(tx.conn, values)
            tx.publish(_affiliated_event(values, values["id"], company["name"], contract["category"], Source.OFFLINE,
                                         now))
            ids.append(values["id"])
    log.info("affiliation.offline_imported", count=len(ids))
    return ids
