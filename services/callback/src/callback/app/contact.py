"""Use cases of contact requests and complaints (CB-4): filing with attachments, "Mes demandes",
the agents' list of what is due and overdue, acknowledgement and answer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import asyncpg
import structlog

from callback.adapters import contact_repository as repo
from callback.adapters.contact_repository import ContactRequest
from callback.adapters.contracts import ContractsClient
from callback.domain import contact as rules_
from callback.domain.calendar import Calendar
from callback.domain.contact import Category, DeadlineRules, Kind, RequestStatus
from ms_events.events.callback import (
    ComplaintAcknowledged, ComplaintAnswered, ComplaintReceived, ContactRequestAnswered, ContactRequestReceived,
)
from ms_platform.errors import InvalidInput, Missing
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


class RequestNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (demande).")


class ContractNotTheMembers(InvalidInput):
    code = "unknown-contract"
    title = "Unknown contract"

    def __init__(self) -> None:
        super().__init__("Ce contrat ne fait pas partie de vos contrats.", field="contract_id")


@dataclass(frozen=True)
class ContactRules:
    calendar: Calendar
    deadlines: DeadlineRules
    max_attachments: int = 5
    max_attachment_bytes: int = 10_000_000
    max_attachments_total_bytes: int = 20_000_000


class IncomingFile(Protocol):
    """A file of the upload (FastAPI's UploadFile): its name as sent, its size when known, its bytes."""

    filename: str | None
    size: int | None

    async def read(self, size: int = -1) -> bytes: ...


@dataclass(frozen=True)
class NewContactRequest:
    kind: Kind
    category: Category
    contract_id: uuid.UUID | None
    message: str
    files: Sequence[IncomingFile]
    idempotency_key: str | None = None


async def _checked_files(rules: ContactRules, incoming: Sequence[IncomingFile]) -> list[rules_.Attachment]:
    """Every file checked (count, names, sizes, then type from the bytes) before anything is
    stored: one refused file refuses the request, naming it. Sizes the upload states are checked
    before a byte is read, and no file is read past one byte over the limit."""
    rules_.check_count(len(incoming), rules.max_attachments)
    names = [rules_.file_name(f.filename, i) for i, f in enumerate(incoming)]
    for i, (name, f) in enumerate(zip(names, incoming)):
        if f.size is not None:
            rules_.check_size(name, f.size, i, rules.max_attachment_bytes)
    rules_.check_total(sum(f.size or 0 for f in incoming), rules.max_attachments_total_bytes)
    files = []
    for i, (name, f) in enumerate(zip(names, incoming)):
        content = await f.read(rules.max_attachment_bytes + 1)
        files.append(rules_.attachment(name, content, i, rules.max_attachment_bytes))
    rules_.check_total(sum(a.size for a in files), rules.max_attachments_total_bytes)
    return files


async def file_request(uow: UnitOfWork, rules: ContactRules, contracts: ContractsClient, account_id: uuid.UUID,
                       bearer_token: str, command: NewContactRequest, now: datetime) -> tuple[ContactRequest, bool]:
    """Record a complaint or a request with its attachments in one transaction; (request, created)."""
    if command.idempotency_key:
        async with uow.connect() as conn:
            existing = await repo.by_idempotency_key(conn, account_id, command.idempotency_key)
        if existing is not None:
            return existing, False
    files = await _checked_files(rules, command.files)
    if command.contract_id is not None and not await contracts.is_members(command.contract_id, bearer_token):
        raise ContractNotTheMembers()
    due = rules_.deadlines(command.kind, now, rules.calendar, rules.deadlines)
    request = ContactRequest(uuid.uuid4(), account_id, command.kind, command.category, command.contract_id,
                             command.message, RequestStatus.RECEIVED, now, due.acknowledge_by, None, due.answer_by,
                             None, None, tuple(repo.AttachmentInfo(f.id, f.filename, f.media_type, f.size, f.sha256)
                                               for f in files))
    try:
        async with uow.begin() as tx:
            await repo.add(tx.conn, request, files, command.idempotency_key)
            tx.publish(_received(request))
    except asyncpg.UniqueViolationError:
        # The same Idempotency-Key twice at once: the other request stored it.
        async with uow.connect() as conn:
            existing = await repo.by_idempotency_key(conn, account_id, command.idempotency_key or "")
        if existing is None:
            raise
        return existing, False
    log.info("contact.received", request_id=str(request.id), kind=request.kind.value, attachments=len(files))
    return request, True


def _received(r: ContactRequest) -> ComplaintReceived | ContactRequestReceived:
    if r.kind is Kind.COMPLAINT:
        assert r.acknowledge_by is not None
        return ComplaintReceived(request_id=r.id, account_id=r.account_id, category=r.category.value,
                                 contract_id=r.contract_id, acknowledge_by=r.acknowledge_by, answer_by=r.answer_by,
                                 received_at=r.received_at)
    return ContactRequestReceived(request_id=r.id, account_id=r.account_id, category=r.category.value,
                                  contract_id=r.contract_id, answer_by=r.answer_by, received_at=r.received_at)


async def of_member(uow: UnitOfWork, account_id: uuid.UUID) -> list[ContactRequest]:
    async with uow.connect() as conn:
        return await repo.of_account(conn, account_id)


async def one_of_member(uow: UnitOfWork, account_id: uuid.UUID, request_id: uuid.UUID) -> ContactRequest:
    async with uow.connect() as conn:
        found = await repo.get(conn, request_id)
    if found is None or found.account_id != account_id:
        raise RequestNotFound()
    return found


async def attachment_of_member(uow: UnitOfWork, account_id: uuid.UUID, request_id: uuid.UUID,
                               attachment_id: uuid.UUID) -> asyncpg.Record:
    async with uow.connect() as conn:
        owner = await conn.fetchval("select account_id from contact_request where id = $1 and erased_at is null",
                                    request_id)
        row = await repo.attachment_content(conn, request_id, attachment_id) if owner == account_id else None
    if row is None:
        raise RequestNotFound()
    return row


async def open_requests(uow: UnitOfWork, limit: int = 500) -> list[ContactRequest]:
    async with uow.connect() as conn:
        return await repo.open_requests(conn, limit)


async def acknowledge(uow: UnitOfWork, request_id: uuid.UUID, now: datetime) -> ContactRequest:
    """An agent acknowledges a complaint (within 10 working days, unless answered before)."""
    async with uow.begin() as tx:
        found = await repo.get(tx.conn, request_id, for_update=True)
        if found is None:
            raise RequestNotFound()
        rules_.may_acknowledge(found.kind, found.status)
        await repo.acknowledge(tx.conn, request_id, now)
        tx.publish(ComplaintAcknowledged(request_id=request_id, account_id=found.account_id,
                                         answer_by=found.answer_by, acknowledged_at=now))
        return await repo.get(tx.conn, request_id)  # type: ignore[return-value]


async def answer(uow: UnitOfWork, request_id: uuid.UUID, text: str, now: datetime) -> ContactRequest:
    """An agent answers; the member reads it under "Mes demandes" and is told by email."""
    async with uow.begin() as tx:
        found = await repo.get(tx.conn, request_id, for_update=True)
        if found is None:
            raise RequestNotFound()
        rules_.may_answer(found.status)
        await repo.answer(tx.conn, request_id, text, now)
        if found.kind is Kind.COMPLAINT:
            tx.publish(ComplaintAnswered(request_id=request_id, account_id=found.account_id, answered_at=now))
        else:
            tx.publish(ContactRequestAnswered(request_id=request_id, account_id=found.account_id, answered_at=now))
        return await repo.get(tx.conn, request_id)  # type: ignore[return-value]
