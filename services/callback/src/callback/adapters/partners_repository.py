"""SQL for partner applications (BR-5)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from callback.domain.partners import ApplicationStatus

_COLUMNS = ("id, firm_name, orias, siren, first_name, last_name, email, phone, status, received_at, answer_by, "
            "decided_at, decided_by, refusal_reason, broker_firm_id")


@dataclass(frozen=True)
class PartnerApplication:
    id: uuid.UUID
    firm_name: str
    orias: str
    siren: str
    first_name: str
    last_name: str
    email: str
    phone: str
    status: ApplicationStatus
    received_at: datetime
    answer_by: datetime
    decided_at: datetime | None = None
    decided_by: uuid.UUID | None = None
    refusal_reason: str | None = None
    broker_firm_id: uuid.UUID | None = None


def _application(row: asyncpg.Record) -> PartnerApplication:
    values = dict(row)
    values["status"] = ApplicationStatus(values["status"])
    return PartnerApplication(**values)


async def add(conn: asyncpg.Connection, a: PartnerApplication) -> None:
    await conn.execute(
        f"insert into partner_application ({_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " null, null, null, null)",
        a.id, a.firm_name, a.orias, a.siren, a.first_name, a.last_name, a.email, a.phone, a.status.value,
        a.received_at, a.answer_by)


async def get(conn: asyncpg.Connection, application_id: uuid.UUID, *,
              for_update: bool = False) -> PartnerApplication | None:
    row = await conn.fetchrow(f"select {_COLUMNS} from partner_application where id = $1"
                              + (" for update" if for_update else ""), application_id)
    return _application(row) if row else None


async def listed(conn: asyncpg.Connection, status: ApplicationStatus | None, limit: int) -> list[PartnerApplication]:
    """Pending ones nearest deadline first; decided ones the latest decision first."""
    rows = await conn.fetch(
        f"""select {_COLUMNS} from partner_application where $1::text is null or status = $1
             order by (status = 'received') desc, case when status = 'received' then answer_by end,
                      decided_at desc nulls last, id
             limit $2""", status.value if status else None, limit)
    return [_application(r) for r in rows]


async def decide(conn: asyncpg.Connection, application_id: uuid.UUID, status: ApplicationStatus, now: datetime,
                 by: uuid.UUID, reason: str | None, firm_id: uuid.UUID | None) -> PartnerApplication | None:
    """Record the decision if still undecided (None when another decision came first)."""
    row = await conn.fetchrow(
        f"""update partner_application set status = $2, decided_at = $3, decided_by = $4, refusal_reason = $5,
                   broker_firm_id = $6
             where id = $1 and status = 'received' returning {_COLUMNS}""",
        application_id, status.value, now, by, reason, firm_id)
    return _application(row) if row else None
