"""/v1/claims: a member submits a claim with its supporting documents (CL-4, multipart/form-data)
and follows their claims (CL-5)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Request, Response, UploadFile
from pydantic import BaseModel, Field

from claims.app import claims as app
from claims.domain.documents import Document, check_count, check_size, check_total, document, file_name
from claims.domain.statements import ContractNumber
from claims.entrypoints.deps import Member, SettingsDep, Today, Uow, account_id, holder_ids

router = APIRouter(prefix="/v1/claims", tags=["claims"])


class DocumentOut(BaseModel):
    id: uuid.UUID
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str


class MissingOut(BaseModel):
    code: str
    label: str


class ClaimOut(BaseModel):
    id: uuid.UUID
    contract_number: str
    care_type: str
    care_label: str
    care_date: date
    billed: Decimal
    status: str
    status_label: str
    reason: str | None = None
    what_to_do: str | None = None
    # CL-6: what is still missing before the claim can be paid (while received or under analysis).
    missing: list[MissingOut] = []
    created_at: datetime
    documents: list[DocumentOut]


async def _read(upload: UploadFile, index: int, max_bytes: int) -> Document:
    name = file_name(upload.filename, index)
    content = await upload.read(max_bytes + 1)  # never more than the limit in memory
    check_size(name, len(content), index, max_bytes)
    return document(name, content, index, max_bytes)


@router.post("", status_code=201, operation_id="submit_claim")
async def submit_claim(
        request: Request, response: Response, member: Member, uow: Uow, settings: SettingsDep, day: Today,
        contract_number: Annotated[ContractNumber, Form(description="One of the member's contracts")],
        care_type: Annotated[str, Form(max_length=40, description="One of the coverage rules' care types")],
        care_date: Annotated[date, Form(description="Date of the care (AAAA-MM-JJ), not in the future")],
        billed: Annotated[Decimal, Form(gt=0, max_digits=12, decimal_places=2, description="What the member paid, in euros")],
        documents: Annotated[list[UploadFile], File(description="Invoices or care sheets: PDF, JPEG or PNG, the type "
                                                                "read from the bytes; pictures are turned upright and "
                                                                "stripped of their metadata")],
        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
) -> ClaimOut:
    """Submit a claim with its supporting documents; a retry with the same Idempotency-Key answers
    200 with the first claim and creates nothing."""
    form = app.ClaimForm(contract_number, care_type, care_date, billed)
    app.check_form(form, day)
    check_count(len(documents), settings.max_documents)
    read = [await _read(u, i, settings.max_document_bytes) for i, u in enumerate(documents)]
    check_total(sum(d.size for d in read), settings.max_documents_total_bytes)
    claim, created = await app.submit(uow, request.app.state.documents_store, account_id(member), holder_ids(member),
                                      form, read, idempotency_key, settings.quote_threshold_eur)
    if not created:
        response.status_code = 200
    return ClaimOut.model_validate(claim)


@router.get("", operation_id="list_claims")
async def list_claims(member: Member, uow: Uow, settings: SettingsDep) -> list[ClaimOut]:
    """The member's claims, newest first, with their status, the reason and what to do when
    rejected, and what is still missing (CL-5, CL-6)."""
    return [ClaimOut.model_validate(c)
            for c in await app.of_account(uow, account_id(member), settings.quote_threshold_eur)]


@router.get("/{claim_id}/documents/{document_id}", operation_id="claim_document", response_class=Response,
            responses={200: {"description": "The document as stored (pictures upright, without metadata)",
                             "content": {"application/pdf": {}, "image/jpeg": {}, "image/png": {}}},
                       404: {"description": "Not one of the member's claims' documents"}})
async def claim_document(request: Request, member: Member, uow: Uow, claim_id: uuid.UUID,
                         document_id: uuid.UUID) -> Response:
    """A supporting document of one of the member's own claims, as stored; another member's, or
    an unknown one, is a 404."""
    doc = await app.read_document(uow, request.app.state.documents_store, account_id(member), claim_id, document_id)
    return Response(doc.content, media_type=doc.media_type, headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quote(doc.file_name, safe='')}",
        "cache-control": "private, no-store", "x-content-type-options": "nosniff"})
