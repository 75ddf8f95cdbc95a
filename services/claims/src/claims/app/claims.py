"""Claims a member submits with supporting documents (CL-4): validated whole before anything is
written; the files go to the object store first, then one transaction records the claim, its
documents and ClaimStatusChanged; if that transaction fails the files are removed (no orphan).
The same Idempotency-Key sent again answers the first claim and writes nothing. A claim is for care
(a care type of the coverage rules) or for the costs the member advanced for a service of one of
their own assistance cases (AS-9, checked against claims' read model of assistance's events)."""

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

from claims.adapters import repository as repo
from claims.adapters.contracts_client import ContractsClient
from claims.adapters.documents_store import DocumentStore
from claims.app.assistance import member_case
from claims.domain.amounts import ClaimAmounts, assistance_amounts, care_amounts, guarantee_of
from claims.domain.claims import (
    ASSISTANCE_QUOTE_ELSEWHERE, CARE_QUOTE_ELSEWHERE, CASE_CANCELLED, HEALTH_COSTS_ELSEWHERE, STATUS_LABELS,
    WorkflowError, assistance_formalities, missing_formalities, move,
)
from claims.domain.documents import Document
from claims.domain.errors import ClaimNotFound, ClaimStatusConflict, DocumentNotFound, InvalidField, UnknownToContracts
from claims.domain.statements import CARE_TYPE_LABELS, BeneficiaryShape, StatementLine
from ms_events.events.claims import ClaimStatusChanged, StatementLineRecorded
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


@dataclass(frozen=True)
class ClaimForm:
    contract_number: str
    care_type: str | None
    care_date: date
    billed: Decimal
    # AS-9: the case (its number, as the member received it) and the service whose costs were advanced.
    assistance_case_number: str | None = None
    assistance_service: str | None = None
    # What the files are: an invoice (paid), or a quote, which is never reimbursed.
    document_kind: str = "invoice"

    @property
    def kind(self) -> str:
        return "assistance" if self.assistance_case_number is not None else "care"


def check_form(form: ClaimForm, today: date) -> None:
    """Everything that needs no database. Health costs and quotes sent as assistance costs, or a
    quote sent as care, are refused with where to go instead (AS-9)."""
    if form.document_kind == "quote":
        raise InvalidField("document_kind",
                           ASSISTANCE_QUOTE_ELSEWHERE if form.kind == "assistance" else CARE_QUOTE_ELSEWHERE)
    if form.kind == "assistance":
        if form.care_type is not None:
            raise InvalidField("care_type", HEALTH_COSTS_ELSEWHERE)
        if form.assistance_service is None:
            raise InvalidField("assistance_service", "Indiquez la prestation d'assistance dont vous avez avancé les frais.")
    else:
        if form.assistance_service is not None:
            raise InvalidField("assistance_case_number", "Indiquez le numéro du dossier d'assistance de cette prestation.")
        if form.care_type is None:
            raise InvalidField("care_type", "Indiquez le type de soin.")
        if form.care_type not in CARE_TYPE_LABELS:
            raise InvalidField("care_type", "Type de soin inconnu.")
    if form.care_date > today:
        raise InvalidField("care_date", "La date des soins ne peut pas être dans le futur.")
    if form.billed <= 0:
        raise InvalidField("billed", "Le montant payé doit être positif.")


async def _existing(conn: asyncpg.Connection, account_id: uuid.UUID, key: str) -> uuid.UUID | None:
    return await conn.fetchval("select id from claim where account_id = $1 and idempotency_key = $2", account_id, key)


async def submit(uow: UnitOfWork, store: DocumentStore, account_id: uuid.UUID, holder_ids: list[uuid.UUID],
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
        case = (await _assistance_case(conn, account_id, form)
                if form.kind == "assistance" and holder is not None else None)
    if holder is None:  # unknown, or someone else's: the same answer
        raise InvalidField("contract_number", "Contrat inconnu.")
    claim_id = uuid.uuid4()
    keys = [f"{claim_id}/{d.id}" for d in documents]
    written: list[str] = []
    try:
        for key, d in zip(keys, documents):
            await run_in_threadpool(store.put, key, d.content, d.sha256)
            written.append(key)
        async with uow.begin() as tx:
            await tx.conn.execute(
                """insert into claim (id, account_id, holder_id, contract_number, care_type, care_date, billed,
                       idempotency_key, kind, assistance_case_id, assistance_case_number, assistance_service,
                       assistance_service_label) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
                claim_id, account_id, holder, form.contract_number, form.care_type, form.care_date, form.billed,
                idempotency_key, form.kind, case and case["case_id"], case and case["case_number"],
                form.assistance_service if case else None,
                case["services"][form.assistance_service] if case else None)
            await tx.conn.executemany(
                """insert into claim_document (id, claim_id, position, file_name, media_type, size_bytes, sha256,
                       storage_key) values ($1, $2, $3, $4, $5, $6, $7, $8)""",
                [(d.id, claim_id, d.position, d.file_name, d.media_type, d.size, d.sha256, key)
                 for key, d in zip(keys, documents)])
            tx.publish(ClaimStatusChanged(claim_id=claim_id, account_id=account_id, holder_id=holder,
                                          status="received", changed_at=datetime.now(UTC)))
    except asyncpg.UniqueViolationError:
        for key in written:
            await run_in_threadpool(store.delete, key)
        # The same key sent twice at once: the other request recorded the claim.
        async with uow.connect() as conn:
            found = await _existing(conn, account_id, idempotency_key) if idempotency_key else None
        if found is None:
            raise
        return await one(uow, account_id, found, quote_threshold), False
    except BaseException:
        for key in written:  # not awaited: a cancelled request still removes its files
            store.delete(key)
        raise
    log.info("claims.claim_submitted", claim_id=str(claim_id), documents=len(documents))
    return await one(uow, account_id, claim_id, quote_threshold), True


async def _assistance_case(conn: asyncpg.Connection, account_id: uuid.UUID, form: ClaimForm) -> dict[str, Any]:
    """AS-9: one of the account's own cases, not cancelled, and a service it asked for. Another
    account's case and an unknown number are the same answer."""
    assert form.assistance_case_number is not None and form.assistance_service is not None
    case = await member_case(conn, account_id, form.assistance_case_number)
    if case is None:
        raise InvalidField("assistance_case_number",
                           "Dossier d'assistance inconnu : indiquez le numéro reçu par SMS à l'ouverture du dossier.")
    if case["status"] == "cancelled":
        raise InvalidField("assistance_case_number", CASE_CANCELLED)
    if form.assistance_service not in case["services"]:
        raise InvalidField("assistance_service", f"Cette prestation ne fait pas partie du dossier {case['case_number']} : "
                                                 + ", ".join(case["services"].values()) + ".")
    return case


def _view(row: dict[str, Any], documents: list[dict[str, Any]]) -> dict[str, Any]:
    assistance = None
    if row.get("kind") == "assistance":
        assistance = {"case_number": row["assistance_case_number"], "case_status": row.get("case_status"),
                      "service": row["assistance_service"], "service_label": row["assistance_service_label"]}
    care = row["care_type"]
    amounts = None
    if row.get("amo") is not None:
        amounts = {k: row[k] for k in ("br", "amo", "amc", "out_of_pocket", "participation_forfaitaire")}
        amounts.update(rules=row["amount_rules"] or [], paid_on=row["paid_on"],
                       statement_line_id=row["statement_line_id"])
    return {"id": row["id"], "amounts": amounts, "kind": row.get("kind", "care"), "contract_number": row["contract_number"],
            "care_type": care, "care_label": CARE_TYPE_LABELS.get(care, care) if care else None,
            "assistance": assistance, "care_date": row["care_date"],
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
    cases = [r["assistance_case_id"] for r in rows if r["assistance_case_id"] is not None]
    statuses = dict(await conn.fetch("select case_id, status from assistance_case_projection where case_id = any($1)",
                                     cases)) if cases else {}
    out = []
    for r in rows:
        row = dict(r)
        row["case_status"] = statuses.get(r["assistance_case_id"])
        if quote_threshold is not None and row["status"] in ("received", "under_analysis"):
            row["missing"] = await _missing(conn, row, bool(by_claim.get(r["id"])), quote_threshold)
        out.append(_view(row, by_claim.get(r["id"], [])))
    return out


async def _missing(conn: asyncpg.Connection, claim: dict[str, Any], invoice: bool, quote_threshold: Decimal):
    """CL-6: the formalities still missing for this care. The social security statement is there
    when a NOEMIE line of the same contract, care date and care type was imported. An assistance
    service's costs (AS-9) need the invoice only."""
    if claim["kind"] == "assistance":
        return assistance_formalities(invoice=invoice)
    statement = await conn.fetchval(
        """select exists(select 1 from statement_line where holder_id = $1 and contract_number = $2
               and care_date = $3 and care_type = $4 and source = 'noemie')""",
        claim["holder_id"], claim["contract_number"], claim["care_date"], claim["care_type"])
    return missing_formalities(claim["care_type"], claim["billed"], social_security_line=statement, invoice=invoice,
                               quote=False, quote_threshold=quote_threshold)


async def one(uow: UnitOfWork, account_id: uuid.UUID, claim_id: uuid.UUID,
              quote_threshold: Decimal | None = None) -> dict[str, Any]:
    """One of the account's claims; another account's, or an unknown id, is the same 404."""
    async with uow.connect() as conn:
        rows = await conn.fetch("select * from claim where id = $1 and account_id = $2", claim_id, account_id)
        if not rows:
            raise ClaimNotFound("Demande introuvable.")
        return (await _views(conn, rows, quote_threshold))[0]


@dataclass(frozen=True)
class StoredDocument:
    file_name: str
    media_type: str
    sha256: str
    content: bytes


async def read_document(uow: UnitOfWork, store: DocumentStore, account_id: uuid.UUID, claim_id: uuid.UUID,
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


@dataclass(frozen=True)
class Decision:
    claim_id: uuid.UUID
    status: str
    reason: str | None = None
    what_to_do: str | None = None
    # Processing a care claim: the base de remboursement of the act, and whether it was in the care path.
    br: Decimal | None = None
    in_care_path: bool = True


def _step(row: asyncpg.Record, d: Decision):
    try:
        return move(row["status"], d.status, d.reason, d.what_to_do)
    except WorkflowError as exc:
        raise ClaimStatusConflict(str(exc), field="status") from None


async def _amounts(uow: UnitOfWork, contracts: ContractsClient, row: asyncpg.Record,
                   d: Decision) -> tuple[ClaimAmounts, dict[str, Any] | None]:
    """What the processed claim pays, computed by the coverage rules under the contract's guarantee
    (contracts gives it, ADR 0007/0012); an assistance service's costs are paid back whole (AS-9)."""
    if row["kind"] == "assistance":
        return assistance_amounts(row["billed"]), None
    if d.br is None:
        raise InvalidField("br", "Indiquez la base de remboursement de l'acte pour calculer le remboursement.")
    terms = await contracts.claim_terms(row["contract_number"], row["care_type"])
    if terms is None:
        raise UnknownToContracts("Le contrat de cette demande est inconnu du registre des contrats.", field="claim_id")
    holder = terms["holder"]
    async with uow.connect() as conn:  # the participations forfaitaires the holder's claims bore that year
        paid = await conn.fetchval(
            """select coalesce(sum(participation_forfaitaire), 0) from claim where holder_id = $1 and kind = 'care'
                   and amo is not null and id <> $2 and care_date >= $3 and care_date < $4""",
            row["holder_id"], row["id"], date(row["care_date"].year, 1, 1), date(row["care_date"].year + 1, 1, 1))
    amounts = care_amounts(row["care_type"], row["billed"], d.br, care_date=row["care_date"],
                           patient_birth_date=date.fromisoformat(holder["birth_date"]), in_care_path=d.in_care_path,
                           guarantee=guarantee_of(terms), participation_paid_this_year=paid)
    return amounts, terms


async def _record_statement_line(tx, row: asyncpg.Record, amounts: ClaimAmounts, holder: dict[str, Any]) -> uuid.UUID:
    """The processed claim as a statement line (source ``claim``, its reference the claim's id), for
    the holder the care is recorded for (a claim names no beneficiary yet)."""
    line = StatementLine(source="claim", source_ref=str(row["id"]), contract_number=row["contract_number"],
                         beneficiary=BeneficiaryShape(last_name=holder["last_name"], first_name=holder["first_name"],
                                                      birth_date=holder["birth_date"]),
                         care_date=row["care_date"], care_type=row["care_type"], billed=amounts.billed, br=amounts.br,
                         amo=amounts.amo, amc=amounts.amc, out_of_pocket=amounts.out_of_pocket, payment_date=None,
                         paid_to=None)
    b = line.beneficiary
    beneficiary_id = await repo.ensure_beneficiary(tx.conn, line.contract_number, b.last_name, b.first_name,
                                                   b.birth_date)
    line_id, _ = await repo.record_line(tx.conn, line, row["holder_id"], beneficiary_id)
    tx.publish(StatementLineRecorded(statement_line_id=line_id, contract_number=line.contract_number,
                                     holder_id=row["holder_id"], recorded_at=datetime.now(UTC)))
    return line_id


async def decide(uow: UnitOfWork, contracts: ContractsClient, d: Decision, quote_threshold: Decimal,
                 today: date) -> dict[str, Any]:
    """A back-office step of the workflow (CL-5); each change publishes ClaimStatusChanged. Processing
    computes what the claim pays with the coverage rules and records it as a statement line; paying
    dates that line."""
    claim_id = d.claim_id
    amounts, terms = None, None
    if d.status == "processed":  # contracts is asked before the row is locked (no lock held over a call)
        async with uow.connect() as conn:
            row = await conn.fetchrow("select * from claim where id = $1", claim_id)
        if row is None:
            raise ClaimNotFound("Demande introuvable.")
        _step(row, d)
        amounts, terms = await _amounts(uow, contracts, row, d)
    async with uow.begin() as tx:
        row = await tx.conn.fetchrow("select * from claim where id = $1 for update", claim_id)
        if row is None:
            raise ClaimNotFound("Demande introuvable.")
        step = _step(row, d)
        now = datetime.now(UTC)
        await tx.conn.execute(
            "update claim set status = $2, reason = $3, what_to_do = $4, status_changed_at = $5 where id = $1",
            claim_id, step.status, step.reason, step.what_to_do, now)
        if amounts is not None:
            line_id = await _record_statement_line(tx, row, amounts, terms["holder"]) if terms else None
            await tx.conn.execute(
                """update claim set br = $2, amo = $3, amc = $4, out_of_pocket = $5, participation_forfaitaire = $6,
                       amount_rules = $7, statement_line_id = $8 where id = $1""",
                claim_id, amounts.br, amounts.amo, amounts.amc, amounts.out_of_pocket,
                amounts.participation_forfaitaire, list(amounts.rules), line_id)
        if step.status == "paid":
            await tx.conn.execute("update claim set paid_on = $2 where id = $1", claim_id, today)
            if row["statement_line_id"] is not None:
                await tx.conn.execute("update statement_line set payment_date = $2, updated_at = now() where id = $1",
                                      row["statement_line_id"], today)
                tx.publish(StatementLineRecorded(statement_line_id=row["statement_line_id"],
                                                 contract_number=row["contract_number"], holder_id=row["holder_id"],
                                                 payment_date=today, recorded_at=now))
        tx.publish(ClaimStatusChanged(claim_id=claim_id, account_id=row["account_id"], holder_id=row["holder_id"],
                                      status=step.status, changed_at=now))
    log.info("claims.claim_status_changed", claim_id=str(claim_id), status=step.status)
    return await one(uow, row["account_id"], claim_id, quote_threshold)
