"""/v1/claims: a member submits a claim with its supporting documents (CL-4, multipart/form-data),
for care or for the costs advanced for a service of one of their assistance cases (AS-9), and
follows their claims (CL-5)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
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


class AssistanceOut(BaseModel):
    """AS-9: the assistance case the advanced costs were for, and the service."""

    case_number: str
    case_status: str | None = Field(description="The case's status as assistance last told (opened, in_progress, "
                                                "services_scheduled, closed, cancelled); null once forgotten")
    service: str
    service_label: str


class RuleOut(BaseModel):
    code: str
    label: str


class AmountsOut(BaseModel):
    """What the processed claim pays, computed by the coverage rules (as contracts' simulator)."""

    br: Decimal
    amo: Decimal = Field(description="The social security's share, after the participation forfaitaire")
    amc: Decimal = Field(description="The insurer's share")
    out_of_pocket: Decimal
    participation_forfaitaire: Decimal
    rules: list[RuleOut]
    paid_on: date | None
    statement_line_id: uuid.UUID | None = Field(description="The statement line it is recorded as (care claims)")


class ClaimOut(BaseModel):
    id: uuid.UUID
    kind: Literal["care", "assistance"]
    contract_number: str
    care_type: str | None = Field(description="The care (kind care); null for assistance costs")
    care_label: str | None
    assistance: AssistanceOut | None = Field(None, description="The assistance case and service (kind assistance)")
    care_date: date
    billed: Decimal
    status: str
    status_label: str
    reason: str | None = None
    what_to_do: str | None = None
    amounts: AmountsOut | None = Field(None, description="Once processed: what it pays")
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
        care_date: Annotated[date, Form(description="Date of the care or service (AAAA-MM-JJ), not in the future")],
        billed: Annotated[Decimal, Form(gt=0, max_digits=12, decimal_places=2, description="What the member paid, in euros")],
        documents: Annotated[list[UploadFile], File(description="Invoices or care sheets: PDF, JPEG or PNG, the type "
                                                                "read from the bytes; pictures are turned upright and "
                                                                "stripped of their metadata")],
        care_type: Annotated[str | None, Form(max_length=40, description="One of the coverage rules' care types "
                                                                          "(a claim for care)")] = None,
        assistance_case_number: Annotated[str | None, Form(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$",
                                                           description="AS-9: the number of one of the member's "
                                                                       "assistance cases (costs advanced for one of "
                                                                       "its services), instead of a care type")] = None,
        assistance_service: Annotated[str | None, Form(min_length=1, max_length=40, pattern=r"^[a-z_]+$",
                                                       description="AS-9: the case's service whose costs were "
                                                                   "advanced (e.g. home_help)")] = None,
        document_kind: Annotated[Literal["invoice", "quote"], Form(description="What the documents are: a paid "
                                                                              "invoice; a quote is refused")] = "invoice",
        idempotency_key: Annotated[str | None, Header(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")] = None,
) -> ClaimOut:
    """Submit a claim with its supporting documents: for care (``care_type``), or for the costs
    advanced for a service of one of the member's assistance cases (``assistance_case_number`` and
    ``assistance_service``; health costs and quotes are refused there, saying where to go). A retry
    with the same Idempotency-Key answers 200 with the first claim and creates nothing."""
    form = app.ClaimForm(contract_number, care_type, care_date, billed, assistance_case_number, assistance_service,
                         document_kind)
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


@router.get("/{claim_id}", operation_id="get_claim", responses={404: {"description": "Not one of the member's claims"}})
async def get_claim(member: Member, uow: Uow, settings: SettingsDep, claim_id: uuid.UUID) -> ClaimOut:
    """One of the member's claims: status, what is missing, documents, and for assistance costs
    the case and service (AS-9); another member's, or an unknown one, is a 404."""
    return ClaimOut.model_validate(await app.one(uow, account_id(member), claim_id, settings.quote_threshold_eur))


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
