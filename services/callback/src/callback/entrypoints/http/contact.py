"""/v1/contact-requests: "Mes demandes" — contact requests and complaints with attachments (CB-4)."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from callback.app import contact as app
from callback.domain.contact import Category, Kind, RequestStatus
from callback.entrypoints.deps import Member, Now, Uow, account_id
from ms_platform.auth import bearer_token
from ms_platform.text import PrintableLine, PrintableText

router = APIRouter(tags=["contact-requests"])

FileName = Annotated[PrintableLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Message = Annotated[PrintableText, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
_IDS = {404: {"description": "No request (or attachment) of that id that the caller may see"}}


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: FileName
    content_base64: str = Field(min_length=4, max_length=1_400_000,
                                description="The file's bytes, base64; PDF, JPEG or PNG, read from the bytes")

    @field_validator("content_base64")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("Contenu base64 invalide.") from exc
        return value


class ContactRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind = Field(description="complaint: réclamation (acknowledged within 10 working days, answered within "
                                   "2 months); request: information or commercial request (answered within 72 h)")
    category: Category
    contract_id: uuid.UUID | None = Field(None, description="One of the member's contracts, when it is about one")
    message: Message
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=20)


class AttachmentOut(BaseModel):
    id: uuid.UUID
    filename: str
    media_type: str
    size: int
    sha256: str


class ContactRequestOut(BaseModel):
    id: uuid.UUID
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
    attachments: list[AttachmentOut]

    @classmethod
    def of(cls, r: app.ContactRequest) -> "ContactRequestOut":
        return cls(id=r.id, kind=r.kind, category=r.category, contract_id=r.contract_id, message=r.message,
                   status=r.status, received_at=r.received_at, acknowledge_by=r.acknowledge_by,
                   acknowledged_at=r.acknowledged_at, answer_by=r.answer_by, answered_at=r.answered_at,
                   answer=r.answer, attachments=[AttachmentOut(**a.__dict__) for a in r.attachments])


@router.post("/v1/contact-requests", status_code=201, operation_id="file_contact_request",
             responses={503: {"description": "The contracts service could not confirm the contract"}})
async def file_request(body: ContactRequestIn, member: Member, uow: Uow, now: Now, request: Request,
                       response: Response,
                       idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
                       ) -> ContactRequestOut:
    """File a complaint or a request, with its attachments, in one go; a retry with the same
    Idempotency-Key returns the first one (200) and stores nothing twice."""
    command = app.NewContactRequest(
        body.kind, body.category, body.contract_id, body.message,
        [(a.filename, base64.b64decode(a.content_base64)) for a in body.attachments], idempotency_key)
    state = request.app.state
    filed, created = await app.file_request(uow, state.contact_rules, state.contracts, account_id(member),
                                            bearer_token(request), command, now)
    if not created:
        response.status_code = 200
    return ContactRequestOut.of(filed)


@router.get("/v1/contact-requests", operation_id="list_contact_requests")
async def list_requests(member: Member, uow: Uow) -> list[ContactRequestOut]:
    """"Mes demandes": the member's requests and complaints, newest first, with status and answers."""
    return [ContactRequestOut.of(r) for r in await app.of_member(uow, account_id(member))]


@router.get("/v1/contact-requests/{contact_request_id}", operation_id="get_contact_request", responses=_IDS)
async def get_request(contact_request_id: uuid.UUID, member: Member, uow: Uow) -> ContactRequestOut:
    return ContactRequestOut.of(await app.one_of_member(uow, account_id(member), contact_request_id))


@router.get("/v1/contact-requests/{contact_request_id}/attachments/{attachment_id}",
            operation_id="get_contact_request_attachment", response_class=Response,
            responses={200: {"content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}}, **_IDS})
async def get_attachment(contact_request_id: uuid.UUID, attachment_id: uuid.UUID, member: Member,
                         uow: Uow) -> Response:
    row = await app.attachment_of_member(uow, account_id(member), contact_request_id, attachment_id)
    disposition = f"attachment; filename*=UTF-8''{quote(row['filename'])}"
    return Response(bytes(row["content"]), media_type=row["media_type"],
                    headers={"Content-Disposition": disposition})
