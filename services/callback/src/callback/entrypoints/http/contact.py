"""/v1/contact-requests: "Mes demandes" — contact requests and complaints with attachments (CB-4)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Request, Response, UploadFile
from pydantic import BaseModel, StringConstraints

from callback.app import contact as app
from callback.domain.contact import Category, Kind, RequestStatus
from callback.entrypoints.deps import Member, Now, Uow, account_id
from ms_platform.auth import bearer_token
from ms_platform.text import PrintableText

router = APIRouter(tags=["contact-requests"])

Message = Annotated[PrintableText, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
_IDS = {404: {"description": "No request (or attachment) of that id that the caller may see"}}


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
             responses={413: {"description": "The body is over the gateway's limit for uploads"},
                        503: {"description": "The contracts service could not confirm the contract"}})
async def file_request(
        kind: Annotated[Kind, Form(description="complaint: réclamation (acknowledged within 10 working days, "
                                               "answered within 2 months); request: information or commercial "
                                               "request (answered within 72 h)")],
        category: Annotated[Category, Form()],
        message: Annotated[Message, Form()],
        attachments: Annotated[list[UploadFile], File(
            default_factory=list,
            description="Files, one part each (multipart/form-data): PDF, JPEG or PNG, the type read from the "
                        "bytes; count and sizes are settings (by default 5 files, 10 MB each, 20 MB in all)")],
        member: Member, uow: Uow, now: Now, request: Request, response: Response,
        contract_id: Annotated[uuid.UUID | None, Form(description="One of the member's contracts, when it is "
                                                                  "about one")] = None,
        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> ContactRequestOut:
    """File a complaint or a request, with its attachments, in one multipart/form-data request; a
    retry with the same Idempotency-Key returns the first one (200) and stores nothing twice. A
    file refused (type, size, name) refuses the whole request, naming it (``attachments.N``)."""
    command = app.NewContactRequest(kind, category, contract_id, message, attachments, idempotency_key)
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
