"""The member's assistance cases as claims needs them (AS-9): a local read model fed by
assistance's public events through the inbox, so a claim for advanced costs is checked against
the member's own cases without calling assistance. The events carry no health data (no life
event, no address): only whose case it is, its number, its status and the services asked for."""

from __future__ import annotations

import json
import uuid
from typing import Any

import asyncpg
import structlog

from ms_events.envelope import Envelope
from ms_events.events.assistance import AssistanceCaseOpened, AssistanceCaseStatusChanged, AssistanceRequested

log = structlog.get_logger()


async def request_projected(conn: asyncpg.Connection, envelope: Envelope, event: AssistanceRequested) -> None:
    """AssistanceRequested: the account and the services of a validated request (inbox transaction)."""
    services = [{"service": s.service, "label": s.label} for s in event.services]
    await conn.execute(
        """insert into assistance_request_projection (request_id, account_id, services, requested_at)
           values ($1, $2, $3, $4)
           on conflict (request_id) do update set account_id = excluded.account_id, services = excluded.services,
               requested_at = excluded.requested_at""",
        event.request_id, event.account_id, services, event.requested_at)


async def case_opened(conn: asyncpg.Connection, envelope: Envelope, event: AssistanceCaseOpened) -> None:
    """AssistanceCaseOpened: the case number the member will quote, and whose it is."""
    await conn.execute(
        """insert into assistance_case_projection (case_id, case_number, request_id, account_id, status, opened_at)
           values ($1, $2, $3, $4, 'opened', $5)
           on conflict (case_id) do update set case_number = excluded.case_number,
               request_id = excluded.request_id, account_id = excluded.account_id, updated_at = now()""",
        event.case_id, event.case_number, event.request_id, event.account_id, event.opened_at)


async def case_status_changed(conn: asyncpg.Connection, envelope: Envelope, event: AssistanceCaseStatusChanged) -> None:
    """AssistanceCaseStatusChanged: a cancelled case takes no claim. (Same topic and key as the
    opening, so it never arrives before it; an unknown case is one erased since.)"""
    await conn.execute("update assistance_case_projection set status = $2, updated_at = now() where case_id = $1",
                       event.case_id, event.status)


async def erase_account_cases(conn: asyncpg.Connection, account_id: uuid.UUID) -> int:
    """AccountDeleted: the account's cases and requests are forgotten (claims keep their own copy
    of the case number they were filed under)."""
    cases = await conn.execute("delete from assistance_case_projection where account_id = $1", account_id)
    await conn.execute("delete from assistance_request_projection where account_id = $1", account_id)
    return int(cases.split()[-1])


async def member_case(conn: asyncpg.Connection, account_id: uuid.UUID, case_number: str) -> dict[str, Any] | None:
    """One of the account's cases with its request's services; None when the number is unknown,
    another account's, or its request not heard of yet (the same answer)."""
    row = await conn.fetchrow(
        """select c.case_id, c.case_number, c.status, r.services from assistance_case_projection c
           join assistance_request_projection r on r.request_id = c.request_id and r.account_id = c.account_id
           where c.case_number = $1 and c.account_id = $2""",
        case_number, account_id)
    if row is None:
        return None
    services = row["services"] if isinstance(row["services"], list) else json.loads(row["services"])
    return {"case_id": row["case_id"], "case_number": row["case_number"], "status": row["status"],
            "services": {s["service"]: s["label"] for s in services}}
