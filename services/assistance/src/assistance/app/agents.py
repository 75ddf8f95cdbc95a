"""Use cases of the agents (chargés d'assistance), agent role only: the queue of requests to check
and cases to take, taking a case, the case view (health data: audited, AS-10), opening a checked
request's case, status updates the member sees (AS-6)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

import structlog

from assistance.adapters import repository as repo
from assistance.app import requests as req
from assistance.app.context import Assistance
from assistance.domain import errors
from assistance.domain.requests import CASE_STATUS_LABELS, Declaration, check_transition, missing_for_case, mobile_phone
from ms_events.events.assistance import AssistanceCaseStatusChanged
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


async def queue(uow: UnitOfWork, ctx: Assistance, now: datetime, limit: int = 200) -> list[dict[str, Any]]:
    """Requests to check, by deadline (overdue first), then opened cases nobody has taken. No
    health data here: the services asked for, days and deadlines."""
    async with uow.connect() as conn:
        rows = await repo.queue(conn, limit)
        selections = await repo.selections_of(conn, [r["request_id"] for r in rows])
    out = []
    for r in rows:
        out.append({
            "case_id": r["id"], "request_id": r["request_id"], "account_id": r["account_id"],
            "case_number": r["case_number"], "status": r["status"],
            "status_label": CASE_STATUS_LABELS.get(r["status"], r["status"]),
            "assigned_agent_id": r["assigned_agent_id"], "validated_at": r["validated_at"],
            "check_by": r["check_by"] if r["status"] == "to_check" else None,
            "overdue": bool(r["status"] == "to_check" and r["check_by"] and r["check_by"] < now),
            "missing": json.loads(r["missing"]) if r["status"] == "to_check" and r["missing"] else [],
            "services": [s["service"] for s in selections[r["request_id"]]],
        })
    return out


async def take(uow: UnitOfWork, agent_id: uuid.UUID, case_id: uuid.UUID, now: datetime) -> None:
    """The agent takes the case: from now on they are the agent on the case (AS-10)."""
    async with uow.begin() as tx:
        case = await repo.case(tx.conn, case_id, for_update=True)
        if case is None:
            raise errors.CaseNotFound()
        await repo.assign(tx.conn, case_id, agent_id, now)
    log.info("assistance.case_taken", case_id=str(case_id))


async def _on_the_case(conn, agent_id: uuid.UUID, case_id: uuid.UUID, *, for_update: bool = False) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    case = await repo.case(conn, case_id, for_update=for_update)
    if case is None:
        raise errors.CaseNotFound()
    if case["assigned_agent_id"] != agent_id:
        raise errors.NotOnTheCase()
    return case


async def view(uow: UnitOfWork, ctx: Assistance, agent_id: uuid.UUID, case_id: uuid.UUID,
               now: datetime) -> dict[str, Any]:
    """The case with its request's health data, for the agent on the case; the read is written to
    the access log the member sees, in the same transaction."""
    async with uow.begin() as tx:
        case = await _on_the_case(tx.conn, agent_id, case_id)
        request = await repo.request(tx.conn, case["request_id"])
        assert request is not None
        await repo.log_access(tx.conn, request["id"], agent_id, "case_view", now)
        (summary,) = await req._views(tx.conn, ctx, [request])
    log.info("assistance.case_read", case_id=str(case_id))  # who read is in the access log, not the data
    return {"case_id": case_id, "account_id": request["account_id"], "phone": request["phone"],
            "missing": request["missing"], "request": summary}


async def open_checked(uow: UnitOfWork, ctx: Assistance, agent_id: uuid.UUID, case_id: uuid.UUID,
                       phone: str | None, duration_days: int | None, now: datetime) -> dict[str, Any]:
    """An agent completed a request to check (a mobile number, the event's duration) and opens
    its case: the number goes by SMS like the worker's."""
    e164 = mobile_phone(phone) if phone else None
    async with uow.begin() as tx:
        case = await _on_the_case(tx.conn, agent_id, case_id, for_update=True)
        if case["status"] != "to_check":
            raise errors.CaseStateRefused("Ce dossier est déjà ouvert.")
        request = await repo.request(tx.conn, case["request_id"], for_update=True)
        assert request is not None
        declaration = req.open_declaration(ctx, request)
        if duration_days is not None:
            declaration = Declaration(declaration.event, declaration.event_date, duration_days)
        await repo.complete_request(tx.conn, request["id"], e164,
                                    req._seal_declaration(ctx, request["id"], declaration), now)
        request = await repo.request(tx.conn, case["request_id"])
        assert request is not None
        rows = (await repo.selections_of(tx.conn, [request["id"]]))[request["id"]]
        missing = missing_for_case(ctx.book, request["product_code"], declaration, [r["service"] for r in rows],
                                   request["phone"])
        if missing:
            raise errors.CaseStateRefused("Il manque encore : " + " ; ".join(missing) + ".")
        await repo.log_access(tx.conn, request["id"], agent_id, "case_check", now)
        await req._open(tx.conn, case_id, request, "agent", now)
    log.info("assistance.case_opened", case_id=str(case_id), by="agent")
    return await view(uow, ctx, agent_id, case_id, now)


async def set_status(uow: UnitOfWork, agent_id: uuid.UUID, case_id: uuid.UUID, status: str,
                     now: datetime) -> dict[str, Any]:
    """The case moves on (in progress, services scheduled, closed, cancelled): the member sees it."""
    async with uow.begin() as tx:
        case = await _on_the_case(tx.conn, agent_id, case_id, for_update=True)
        check_transition(case["status"], status)
        await repo.set_case_status(tx.conn, case_id, status, "agent", now)
        tx.publish(AssistanceCaseStatusChanged(case_id=case_id, account_id=case["account_id"], status=status,
                                               changed_at=now))
    log.info("assistance.case_status", case_id=str(case_id), status=status)
    return {"case_id": case_id, "status": status, "status_label": CASE_STATUS_LABELS[status]}
