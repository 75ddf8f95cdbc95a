"""SQL for contact requests, complaints and their attachments (CB-4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from callback.domain.contact import Attachment, Category, Kind, RequestStatus

_COLUMNS = ("id, account_id, kind, category, contract_id, message, status, received_at, acknowledge_by, "
            "acknowledged_at, answer_by, answered_at, answer")


@dataclass(frozen=True)
class AttachmentInfo:
    id: uuid.UUID
    filename: str
    media_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class ContactRequest:
    id: uuid.UUID
    account_id: uuid.UUID | None
    kind: Kind
    category: Category
    contract_id: uuid.UUID | None
    message: str | None
    status: RequestStatus
    received_at: datetime
    acknowledge_by: datetime | None
    acknowledged_at: datetime | None
    answer_by: datetime
    answered_at: datetime | None
    answer: str | None
    attachments: tuple[AttachmentInfo, ...] = ()


def _request(row: asyncpg.Record, attachments: tuple[AttachmentInfo, ...] = ()) -> ContactRequest:
    values = dict(row)
    values.update(kind=Kind(values["kind"]), category=Category(values["category"]),
                  status=RequestStatus(values["status"]), attachments=attachments)
    return ContactRequest(**values)


async def add(conn: asyncpg.Connection, request: ContactRequest, attachments: list[Attachment],
              idempotency_key: str | None) -> None:
    await conn.execute(
        f"""insert into contact_request ({_COLUMNS}, idempotency_key)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)""",
        request.id, request.account_id, request.kind.value, request.category.value, request.contract_id,
        request.message, request.status.value, request.received_at, request.acknowledge_by, None,
        request.answer_by, None, None, idempotency_key)
    await conn.executemany(
        "insert into attachment (id, request_id, filename, media_type, size, sha256, content) "
        "values ($1, $2, $3, $4, $5, $6, $7)",
        [(a.id, request.id, a.filename, a.media_type, a.size, a.sha256, a.content) for a in attachments])


async def _attachments(conn: asyncpg.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[AttachmentInfo, ...]]:
    rows = await conn.fetch("select id, request_id, filename, media_type, size, sha256 from attachment "
                            "where request_id = any($1::uuid[]) order by filename, id", ids)
    found: dict[uuid.UUID, list[AttachmentInfo]] = {}
    for r in rows:
        found.setdefault(r["request_id"], []).append(
            AttachmentInfo(r["id"], r["filename"], r["media_type"], r["size"], r["sha256"]))
    return {k: tuple(v) for k, v in found.items()}


async def by_idempotency_key(conn: asyncpg.Connection, account_id: uuid.UUID, key: str) -> ContactRequest | None:
    row = await conn.fetchrow(f"select {_COLUMNS} from contact_request where account_id = $1 and idempotency_key = $2",
                              account_id, key)
    return await _with_attachments(conn, row) if row else None


async def _with_attachments(conn: asyncpg.Connection, row: asyncpg.Record) -> ContactRequest:
    return _request(row, (await _attachments(conn, [row["id"]])).get(row["id"], ()))


async def get(conn: asyncpg.Connection, request_id: uuid.UUID, *, for_update: bool = False) -> ContactRequest | None:
    lock = " for update" if for_update else ""
    row = await conn.fetchrow(f"select {_COLUMNS} from contact_request where id = $1 and erased_at is null{lock}",
                              request_id)
    return await _with_attachments(conn, row) if row else None


async def of_account(conn: asyncpg.Connection, account_id: uuid.UUID) -> list[ContactRequest]:
    rows = await conn.fetch(f"select {_COLUMNS} from contact_request where account_id = $1 and erased_at is null "
                            "order by received_at desc, id", account_id)
    files = await _attachments(conn, [r["id"] for r in rows])
    return [_request(r, files.get(r["id"], ())) for r in rows]


async def open_requests(conn: asyncpg.Connection, limit: int) -> list[ContactRequest]:
    """Requests not answered yet, the most urgent deadline first."""
    rows = await conn.fetch(
        f"""select {_COLUMNS} from contact_request where status <> 'answered' and erased_at is null
             order by least(coalesce(case when status = 'received' then acknowledge_by end, answer_by), answer_by), id
             limit $1""", limit)
    files = await _attachments(conn, [r["id"] for r in rows])
    return [_request(r, files.get(r["id"], ())) for r in rows]


async def attachment_content(conn: asyncpg.Connection, request_id: uuid.UUID,
                             attachment_id: uuid.UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("select filename, media_type, content from attachment where id = $1 and request_id = $2",
                               attachment_id, request_id)


async def acknowledge(conn: asyncpg.Connection, request_id: uuid.UUID, now: datetime) -> None:
    await conn.execute("update contact_request set status = 'acknowledged', acknowledged_at = $2 where id = $1",
                       request_id, now)


async def answer(conn: asyncpg.Connection, request_id: uuid.UUID, text: str, now: datetime) -> None:
    await conn.execute("update contact_request set status = 'answered', answered_at = $2, answer = $3 where id = $1",
                       request_id, now, text)


async def erase_account(conn: asyncpg.Connection, account_id: uuid.UUID, now: datetime) -> int:
    """Pseudonymise: deadlines and statuses stay for the complaint register, no text nor file."""
    await conn.execute("delete from attachment where request_id in (select id from contact_request where account_id = $1)",
                       account_id)
    status = await conn.execute(
        "update contact_request set account_id = null, message = null, answer = null, idempotency_key = null, "
        "erased_at = $2 where account_id = $1", account_id, now)
    return int(status.split()[-1])


def export_view(r: ContactRequest) -> dict[str, Any]:
    return {"id": str(r.id), "kind": r.kind.value, "category": r.category.value,
            "contract_id": str(r.contract_id) if r.contract_id else None, "message": r.message,
            "status": r.status.value, "received_at": r.received_at.isoformat(), "answer": r.answer,
            "attachments": [{"filename": a.filename, "media_type": a.media_type, "size": a.size, "sha256": a.sha256}
                            for a in r.attachments]}
