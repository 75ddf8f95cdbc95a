"""Use cases on statement lines (CL-1..CL-3): import, the member's listing, the PDF statement,
the spending summary and its chart. Care types and amounts are health data: none is logged."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import structlog

from claims.adapters import repository as repo
from claims.app.assistance import erase_account_cases
from claims.app.claims import of_account
from claims.domain.errors import InvalidField
from claims.domain.statements import (
    CARE_TYPE_LABELS, ImportReport, InvalidCursor, RefusedLine, FieldError, decode_cursor, encode_cursor, totals,
    validate_batch,
)
from ms_events.envelope import Envelope
from ms_events.events.claims import StatementLineRecorded
from ms_events.events.contracts import ContractRegistered
from ms_events.events.identity import AccountDeleted
from ms_platform.db import is_database_unavailable
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    care_type: str | None = None
    beneficiary_id: uuid.UUID | None = None

    def checked(self) -> "Filters":
        if self.start and self.end and self.end < self.start:
            raise InvalidField("to", "La fin de la période précède son début.")
        if self.care_type is not None and self.care_type not in CARE_TYPE_LABELS:
            raise InvalidField("care_type", "Type de soin inconnu.")
        return self

    def as_kwargs(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "care_type": self.care_type, "beneficiary_id": self.beneficiary_id}


async def import_lines(uow: UnitOfWork, lines: list[Any], today: date) -> ImportReport:
    """Validate every line, then record each valid one in its own transaction (one bad line takes no
    other with it); a line already recorded as sent is ``unchanged``; a correction is ``accepted``."""
    report = ImportReport()
    numbers = [raw["contract_number"] for raw in lines
               if isinstance(raw, dict) and isinstance(raw.get("contract_number"), str)]
    async with uow.connect() as conn:
        holders = await repo.known_contracts(conn, numbers)
    for number, line, refused in validate_batch(lines, set(holders), today):
        if refused is not None:
            report.refused.append(refused)
            continue
        assert line is not None
        try:
            async with uow.begin() as tx:
                b = line.beneficiary
                beneficiary_id = await repo.ensure_beneficiary(tx.conn, line.contract_number, b.last_name,
                                                               b.first_name, b.birth_date)
                line_id, changed = await repo.record_line(tx.conn, line, holders[line.contract_number], beneficiary_id)
                if changed:
                    tx.publish(StatementLineRecorded(statement_line_id=line_id, contract_number=line.contract_number,
                                                     holder_id=holders[line.contract_number],
                                                     payment_date=line.payment_date, recorded_at=datetime.now(UTC)))
        except asyncpg.PostgresError as exc:
            if is_database_unavailable(exc):
                raise
            log.warning("claims.import.line_failed", line=number, error=type(exc).__name__)
            report.refused.append(RefusedLine(number, line.source_ref, (FieldError("ligne", "Ligne refusée par la base de données."),)))
            continue
        if changed:
            report.accepted += 1
        else:
            report.unchanged += 1
    log.info("claims.statements_imported", accepted=report.accepted, unchanged=report.unchanged,
             refused=len(report.refused))
    return report


def _line_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "source": row["source"], "contract_number": row["contract_number"],
        "care_date": row["care_date"], "care_type": row["care_type"],
        "care_label": CARE_TYPE_LABELS.get(row["care_type"], row["care_type"]),
        "beneficiary": {"id": row["beneficiary_id"], "first_name": row["first_name"], "last_name": row["last_name"]},
        "billed": row["billed"], "br": row["br"], "amo": row["amo"], "amc": row["amc"],
        "out_of_pocket": row["out_of_pocket"], "payment_date": row["payment_date"], "paid_to": row["paid_to"],
    }


async def page(uow: UnitOfWork, holder_ids: list[uuid.UUID], filters: Filters, cursor: str | None,
               limit: int) -> dict[str, Any]:
    """One page of the member's lines, newest care first; ``next_cursor`` gives the next one."""
    try:
        after = decode_cursor(cursor) if cursor else None
    except InvalidCursor:
        raise InvalidField("cursor", "Curseur de page invalide : reprenez le lien de la page précédente.") from None
    if not holder_ids:
        return {"items": [], "next_cursor": None}
    async with uow.connect() as conn:
        rows = await repo.lines_page(conn, holder_ids, **filters.checked().as_kwargs(), after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [_line_view(r) for r in rows],
            "next_cursor": encode_cursor(rows[-1]["care_date"], rows[-1]["id"]) if more else None}


async def page_json(uow: UnitOfWork, holder_ids: list[uuid.UUID], filters: Filters, cursor: str | None,
                    limit: int) -> bytes:
    """``page``'s answer as the JSON body of the listing: PostgreSQL writes each line's JSON (the
    listing's hot path: no per-line decoding, model building or validation in Python)."""
    try:
        after = decode_cursor(cursor) if cursor else None
    except InvalidCursor:
        raise InvalidField("cursor", "Curseur de page invalide : reprenez le lien de la page précédente.") from None
    rows: list[Any] = []
    if holder_ids:
        async with uow.connect() as conn:
            rows = await repo.lines_page_json(conn, holder_ids, CARE_TYPE_LABELS, **filters.checked().as_kwargs(),
                                              after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = json.dumps(encode_cursor(rows[-1]["care_date"], rows[-1]["id"])) if more else "null"
    return f'{{"items":[{",".join(r["json"] for r in rows)}],"next_cursor":{next_cursor}}}'.encode()


async def statement(uow: UnitOfWork, holder_ids: list[uuid.UUID], filters: Filters) -> dict[str, Any]:
    """Every line of the period, oldest first, with its totals: what the PDF prints."""
    filters = filters.checked()
    async with uow.connect() as conn:
        rows = await repo.all_lines(conn, holder_ids, **filters.as_kwargs()) if holder_ids else []
    return {"start": filters.start, "end": filters.end, "lines": [_line_view(r) for r in rows],
            "totals": totals(rows)}


async def summary(uow: UnitOfWork, holder_ids: list[uuid.UUID], filters: Filters, by: str) -> dict[str, Any]:
    """Spending per month, care type or beneficiary (CL-3): the data a chart is drawn from."""
    filters = filters.checked()
    async with uow.connect() as conn:
        rows = await repo.summary(conn, holder_ids, **filters.as_kwargs(), by=by) if holder_ids else []
    groups = [{"key": r["key"],
               "label": CARE_TYPE_LABELS.get(r["label"], r["label"]) if by == "care_type" else r["label"],
               "lines": r["lines"], "billed": r["billed"], "amo": r["amo"], "amc": r["amc"],
               "out_of_pocket": r["out_of_pocket"]} for r in rows]
    return {"by": by, "start": filters.start, "end": filters.end, "groups": groups, "totals": totals(rows)}


async def project_contract(conn: asyncpg.Connection, envelope: Envelope, event: ContractRegistered) -> None:
    """ContractRegistered: who holds the contract, so its statement lines reach the holder (inbox transaction)."""
    await repo.upsert_contract(conn, event.contract_number, event.contract_id, event.holder_id, event.category)


async def erase_account(conn: asyncpg.Connection, envelope: Envelope, event: AccountDeleted) -> None:
    """AccountDeleted: the account's assistance cases (AS-9's read model) are forgotten. Statement
    lines are the insurer's reimbursement records of a contract (kept for their legal retention),
    not the account's."""
    cases = await erase_account_cases(conn, event.account_id)
    log.info("claims.account_erased", statement_lines_kept=True, assistance_cases_erased=cases)


async def personal_data(uow: UnitOfWork, account_id: uuid.UUID, person_id: uuid.UUID | None) -> dict[str, Any]:
    """The statement lines of the contracts the person holds, and the claims the account submitted (ID-11)."""
    lines = (await statement(uow, [person_id], Filters()))["lines"] if person_id is not None else []
    claims = await of_account(uow, account_id, None)
    return {
        "statement_lines": [_jsonable(line) for line in lines],
        "claims": [_jsonable({k: v for k, v in c.items() if k != "missing"}) for c in claims],
    }


def _jsonable(value: Any) -> Any:
    """UUIDs, dates and amounts as text (amounts keep their cents)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, (uuid.UUID, Decimal)):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
