"""Claims a member submits with supporting documents (CL-4): validated whole before anything is
written; the files go to the object store first, then one transaction records the claim, its
documents and ClaimStatusChanged; if that transaction fails the files are removed (no orphan).
The same Idempotency-Key sent again answers the first claim and writes nothing."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import structlog
from starlette.concurrency import run_in_threadpool

from claims.adapters.documents_store import LocalDocumentStore
from claims.domain.claims import STATUS_LABELS, WorkflowError, missing_formalities, move
from claims.domain.documents import Document
from claims.domain.errors import ClaimNotFound, ClaimStatusConflict, DocumentNotFound, InvalidField
from claims.domain.statements import CARE_TYPE_LABELS
from ms_events.events.claims import ClaimStatusChanged
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


@dataclass(frozen=True)
class ClaimForm:
    contract_number: str
    care_type: str
    care_date: date
    billed: Decimal


def check_form(form: ClaimForm, today: date) -> None:
    if form.care_type not in CARE_TYPE_LABELS:
        raise InvalidField("care_type", "Type de soin inconnu.")
    if form.care_date > today:
        raise InvalidField("care_date", "La date des soins ne peut pas être dans le futur.")
    if form.billed <= 0:
        raise InvalidField("billed", "Le montant payé doit être positif.")


async def _existing(conn: asyncpg.Connection, account_id: uuid.UUID, key: str) -> uuid.UUID | None:
    return await conn.fetchval("select id from claim where account_id = $1 and idempotency_key = $2", account_id, key)


async def submit(uow: UnitOfWork, store: LocalDocumentStore, account_id: uuid.UUID, holder_ids: list[uuid.UUID],
                 form: ClaimForm, documents: list[Document], idempotency_key: str | None,
                 quote_threshold: Decimal | None = None) -> tuple[dict[str, Any], bool]:
    """(the claim, whether it was created now)."""
    async with uow.connect() as conn:
        if idempotency_key is not None:
            found = await _existing(conn, account_id, idempotency_key)
            if found is not None:
                return await one(uow, account_id, found, quote_threshold), False
        holder = await conn.fetchval(
            "select holder_id from contract_projection where contract_number = $1 and holder_id = any($2)",
            form.contract_number, holder_ids)
    if holder is None:  # unknown, or someone else's: the same answer
        raise InvalidField("contract_number", "Contrat inconnu.")
    claim_id = uuid.uuid4()
    keys = [f"{claim_id}/{d.id}" for d in documents]
    written: list[str] = []
    try:
        for key, d in zip(keys, documents):
            store.put(key, d.content)
            written.append(key)
        async with uow.begin() as tx:
            await tx.conn.execute(
                """insert into claim (id, account_id, holder_id, contract_number, care_type, care_date, billed,
                       idempotency_key) values ($1, $2, $3, $4, $5, $6, $7, $8)""",
                claim_id, account_id, holder, form.contract_number, form.care_type, form.care_date, form.billed,
                idempotency_key)
            await tx.conn.executemany(
                """insert into claim_document (id, claim_id, position, file_name, media_type, size_bytes, sha256,
                       storage_key) values ($1, $2, $3, $4, $5, $6, $7, $8)""",
                [(d.id, claim_id, d.position, d.file_name, d.media_type, d.size, d.sha256, key)
                 for key, d in zip(keys, documents)])
            tx.publish(ClaimStatusChanged(claim_id=claim_id, account_id=account_id, holder_id=holder,
                                          status="received", changed_at=datetime.now(UTC)))
    except asyncpg.UniqueViolationError:
        for key in written:
            store.delete(key)
        # The same key sent twice at once: the other request recorded the claim.
        async with uow.connect() as conn:
            found = await _existing(conn, account_id, idempotency_key) if idempotency_key else None
        if found is None:
            raise
        return await one(uow, account_id, found, quote_threshold), False
    except BaseException:
        for key in written:
            store.delete(key)
        raise
    log.info("claims.claim_submitted", claim_id=str(claim_id), documents=len(documents))
    return await one(uow, account_id, claim_id, quote_threshold), True


def _view(row: dict[str, Any], documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": row["id"], "contract_number": row["contract_number"], "care_type": row["care_type"],
            "care_label": CARE_TYPE_LABELS.get(row["care_type"], row["care_type"]), "care_date": row["care_date"],
            "billed": row["billed"], "status": row["status"], "status_label": STATUS_LABELS[row["status"]],
            "reason": row.get("reason"), "what_to_do": row.get("what_to_do"),
            "missing": [{"code": f.code, "label": f.label} for f in row.get("missing", [])],
            "created_at": row["created_at"],
            "documents": [{"id": d["id"], "file_name": d["file_name"], "media_type": d["media_type"],
                           "size_bytes": d["size_bytes"], "sha256": d["sha256"]} for d in documents]}


async def _views(conn: asyncpg.Connection, rows: list[asyncpg.Record],
                 quote_threshold: Decimal | None = None) -> list[dict[str, Any]]:
    ids = [r["id"] for r in rows]
    docs = await conn.fetch("select * from claim_document where claim_id = any($1) order by position", ids)
    by_claim: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for d in docs:
        by_claim.setdefault(d["claim_id"], []).append(dict(d))
    out = []
    for r in rows:
        row = dict(r)
        if quote_threshold is not None and row["status"] in ("received", "under_analysis"):
            row["missing"] = await _missing(conn, row, bool(by_claim.get(r["id"])), quote_threshold)
        out.append(_view(row, by_claim.get(r["id"], [])))
    return out


async def _missing(conn: asyncpg.Connection, claim: dict[str, Any], invoice: bool, quote_threshold: Decimal):
    """CL-6: the formalities still missing for this care. The social security statement is there
    when a NOEMIE line of the same contract, care date and care type was imported."""
    statement = await conn.fetchval(
        """select exists(select 1 from statement_line where holder_id = $1 and contract_number = $2
               and care_date = $3 and care_type = $4 and source = 'noemie')""",
        claim["holder_id"], claim["contract_number"], claim["care_date"], claim["care_type"])
    return missing_formalities(claim["care_type"], claim["billed"], social_security_line=statement, invoice=invoice,
                               quote=False, quote_threshold=quote_threshold)


async def one(uow: UnitOfWork, account_id: uuid.UUID, claim_id: uuid.UUID,
              quote_threshold: Decimal | None = None) -> dict[str, Any]:
    async with uow.connect() as conn:
        rows = await conn.fetch("select * from claim where id = $1 and account_id = $2", claim_id, account_id)
        return (await _views(conn, rows, quote_threshold))[0]


@dataclass(frozen=True)
class StoredDocument:
    file_name: str
    media_type: str
    sha256: str
    content: bytes


async def read_document(uow: UnitOfWork, store: LocalDocumentStore, account_id: uuid.UUID, claim_id: uuid.UUID,
                        document_id: uuid.UUID) -> StoredDocument:
    """A supporting document of one of the account's own claims, read back from the object store;
    another account's, or an unknown one, is the same 404. The bytes are checked against the
    checksum recorded at upload."""
    async with uow.connect() as conn:
        row = await conn.fetchrow(
            """select d.file_name, d.media_type, d.sha256, d.storage_key from claim_document d
               join claim c on c.id = d.claim_id
               where d.id = $1 and d.claim_id = $2 and c.account_id = $3""",
            document_id, claim_id, account_id)
    if row is None:
        raise DocumentNotFound("Document introuvable.")
    content = await run_in_threadpool(store.get, row["storage_key"])
    if hashlib.sha256(content).hexdigest() != row["sha256"]:
        log.error("claims.document_checksum_mismatch", claim_id=str(claim_id), document_id=str(document_id))
        raise RuntimeError("stored document does not match its checksum")
    return StoredDocument(row["file_name"], row["media_type"], row["sha256"], content)


async def of_account(uow: UnitOfWork, account_id: uuid.UUID, quote_threshold: Decimal | None) -> list[dict[str, Any]]:
    """The account's claims, newest first, with what is still missing for those not yet processed (CL-6)."""
    async with uow.connect() as conn:
        rows = await conn.fetch("select * from claim where account_id = $1 order by created_at desc, id desc",
                                account_id)
        return await _views(conn, rows, quote_threshold)


async def queue(uow: UnitOfWork, status: str, quote_threshold: Decimal, limit: int) -> list[dict[str, Any]]:
    """The back office's queue: claims in this status, oldest first, with what is missing."""
    async with uow.connect() as conn:
        rows = await conn.fetch("select * from claim where status = $1 order by created_at, id limit $2", status, limit)
        return await _views(conn, rows, quote_threshold)


async def decide(uow: UnitOfWork, claim_id: uuid.UUID, target: str, reason: str | None, what_to_do: str | None,
                 quote_threshold: Decimal) -> dict[str, Any]:
    """A back-office step of the workflow (CL-5); each change publishes ClaimStatusChanged."""
    async with uow.begin() as tx:
        row = await tx.conn.fetchrow("select * from claim where id = $1 for update", claim_id)
        if row is None:
            raise ClaimNotFound("Demande introuvable.")
        try:
            step = move(row["status"], target, reason, what_to_do)
        except WorkflowError as exc:
            raise ClaimStatusConflict(str(exc), field="status") from None
        now = datetime.now(UTC)
        await tx.conn.execute(
            "update claim set status = $2, reason = $3, what_to_do = $4, status_changed_at = $5 where id = $1",
            claim_id, step.status, step.reason, step.what_to_do, now)
        tx.publish(ClaimStatusChanged(claim_id=claim_id, account_id=row["account_id"], holder_id=row["holder_id"],
                                      status=step.status, changed_at=now))
    log.info("claims.claim_status_changed", claim_id=str(claim_id), status=step.status)
    return await one(uow, row["account_id"], claim_id, quote_threshold)
