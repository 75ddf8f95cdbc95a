"""Contribution schedules (échéancier, CT-5): imported by the insurer, read by the member."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import asyncpg
import structlog
from pydantic import ValidationError

from contracts.adapters import repository as repo
from contracts.adapters import schedules as schedules_repo
from contracts.domain.imports import FieldError, LineCounts, RefusedLine, raw_contract_number, shape_errors
from contracts.domain.schedules import KeyedScheduleShape, debit_view, schedule_errors
from contracts.app.scope import Scope, check_visible
from ms_platform.db import is_database_unavailable
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


async def _keyed_line(
    uow: UnitOfWork, raw: Any, seen: set[tuple[str, int]]
) -> tuple[bool | None, list[FieldError]]:
    """Validate and write one top-level schedule line; (changed, []) or (None, errors)."""
    try:
        shape = KeyedScheduleShape.model_validate(raw)
    except ValidationError as exc:
        return None, shape_errors(exc)
    if (shape.contract_number, shape.year) in seen:
        return None, [FieldError("year", "Cette année figure déjà plus haut pour ce contrat.")]
    async with uow.begin() as tx:
        await repo.lock_contract_number(tx.conn, shape.contract_number)
        existing = await repo.contract_state(tx.conn, shape.contract_number)
        if existing is None:
            return None, [FieldError("contract_number", "Contrat inconnu.")]
        contract_id, _, state = existing
        schedule, errors = schedule_errors(shape, "", state.start_date, state.end_date)
        if schedule is None:
            return None, [FieldError(e.field, e.message) for e in errors]
        changed = await schedules_repo.replace_year(tx.conn, contract_id, schedule)
    seen.add((shape.contract_number, shape.year))
    return changed, []


async def import_schedule_lines(uow: UnitOfWork, lines: list[Any], counts: LineCounts) -> None:
    """Top-level schedule lines ``{contract_number, year, debits}``, each in its own transaction."""
    seen: set[tuple[str, int]] = set()
    for number, raw in enumerate(lines, start=1):
        try:
            changed, errors = await _keyed_line(uow, raw, seen)
        except asyncpg.PostgresError as exc:
            if is_database_unavailable(exc):
                raise
            log.warning("contracts.import.schedule_line_failed", line=number, error=type(exc).__name__)
            changed, errors = None, [FieldError("ligne", "Ligne refusée par la base de données.")]
        if changed is None:
            counts.refused.append(RefusedLine(number, raw_contract_number(raw), tuple(errors)))
        elif changed:
            counts.accepted += 1
        else:
            counts.unchanged += 1


async def contract_schedule(uow: UnitOfWork, contract_id: uuid.UUID, year: int, scope: Scope) -> dict[str, Any]:
    """A year of the contract's debits: planned date, actual debit day, amount, and the total."""
    async with uow.connect() as conn:
        contract = check_visible(await repo.contract_by_id(conn, contract_id), scope)
        rows = await schedules_repo.debits_of_year(conn, contract_id, year)
    debits = [debit_view(due, amount) for due, amount in rows]
    return {
        "contract_id": contract["id"],
        "contract_number": contract["contract_number"],
        "year": year,
        "total_eur": sum((d["amount_eur"] for d in debits), start=Decimal("0.00")),
        "debits": debits,
    }
