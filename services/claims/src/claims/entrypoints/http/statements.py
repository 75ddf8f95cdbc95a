"""/v1/statements: the member's statement lines (CL-1, CL-2), the PDF statement of a period, the
spending summary and its chart (CL-3). A member sees the lines of the contracts they hold (and of
the accounts they linked), never another member's: every read is scoped to the caller's holders."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from claims.adapters.chart import MEDIA_TYPES, summary_chart
from claims.adapters.pdf import statement_pdf
from claims.app import statements as app
from claims.app.statements import Filters
from claims.entrypoints.deps import Member, SettingsDep, Today, Uow, holder_ids

router = APIRouter(prefix="/v1/statements", tags=["statements"])

From = Annotated[date | None, Query(alias="from", description="First day of care of the period (AAAA-MM-JJ)")]
To = Annotated[date | None, Query(alias="to", description="Last day of care of the period (AAAA-MM-JJ)")]
CareType = Annotated[str | None, Query(max_length=40, description="One of the coverage rules' care types")]
BeneficiaryId = Annotated[uuid.UUID | None, Query(description="A beneficiary's id, as the lines give it")]
By = Annotated[Literal["month", "care_type", "beneficiary"], Query(description="How the lines are grouped")]


class BeneficiaryOut(BaseModel):
    id: uuid.UUID
    first_name: str
    last_name: str


class StatementLineOut(BaseModel):
    id: uuid.UUID
    source: str
    contract_number: str
    care_date: date
    care_type: str
    care_label: str
    beneficiary: BeneficiaryOut
    billed: Decimal
    br: Decimal
    amo: Decimal
    amc: Decimal
    out_of_pocket: Decimal
    payment_date: date | None
    paid_to: str | None


class StatementPageOut(BaseModel):
    items: list[StatementLineOut]
    next_cursor: str | None


class AmountsOut(BaseModel):
    billed: Decimal
    amo: Decimal
    amc: Decimal
    out_of_pocket: Decimal


class SummaryGroupOut(AmountsOut):
    key: str
    label: str
    lines: int


class SummaryOut(BaseModel):
    by: str
    start: date | None
    end: date | None
    groups: list[SummaryGroupOut]
    totals: AmountsOut


@router.get("", operation_id="list_statement_lines", response_model=StatementPageOut)
async def list_lines(member: Member, uow: Uow, settings: SettingsDep, start: From = None, end: To = None,
                     care_type: CareType = None, beneficiary_id: BeneficiaryId = None,
                     cursor: Annotated[str | None, Query(max_length=200)] = None,
                     limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> Response:
    """The member's lines, newest care first, filtered; ``next_cursor`` gives the next page (keyset)."""
    size = min(limit or settings.page_size, settings.page_size_max)
    # The body is written by PostgreSQL in StatementPageOut's shape (which documents it, and which a
    # test checks it against): the hot path builds no model per line (bench/claims_bench.py).
    body = await app.page_json(uow, holder_ids(member), Filters(start, end, care_type, beneficiary_id), cursor, size)
    return Response(body, media_type="application/json")


@router.get("/pdf", operation_id="statement_pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The statement as a PDF"}})
async def pdf(member: Member, uow: Uow, settings: SettingsDep, day: Today, start: From = None, end: To = None,
              care_type: CareType = None, beneficiary_id: BeneficiaryId = None) -> Response:
    """The statement of the period as a PDF: every line, oldest care first, and the totals."""
    view = await app.statement(uow, holder_ids(member), Filters(start, end, care_type, beneficiary_id))
    content = await run_in_threadpool(statement_pdf, view, settings.insurer_name, day)
    name = f"releve-{start or 'debut'}-{end or day}.pdf"
    return Response(content, media_type="application/pdf",
                    headers={"content-disposition": f'attachment; filename="{name}"', "cache-control": "private, no-store"})


@router.get("/summary", operation_id="statement_summary")
async def summary(member: Member, uow: Uow, by: By = "month", start: From = None, end: To = None,
                  care_type: CareType = None, beneficiary_id: BeneficiaryId = None) -> SummaryOut:
    """Spending per month, care type or beneficiary: billed, AMO, insurer and out-of-pocket sums."""
    data = await app.summary(uow, holder_ids(member), Filters(start, end, care_type, beneficiary_id), by)
    return SummaryOut.model_validate(data)


@router.get("/summary/chart", operation_id="statement_summary_chart", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}, "image/png": {}}, "description": "The chart"}})
async def summary_chart_image(member: Member, uow: Uow, by: By = "month",
                              format: Annotated[Literal["svg", "png"], Query()] = "svg",
                              start: From = None, end: To = None, care_type: CareType = None,
                              beneficiary_id: BeneficiaryId = None) -> Response:
    """The summary as stacked bars (AMO, insurer, out-of-pocket), an image a client shows as is."""
    data = await app.summary(uow, holder_ids(member), Filters(start, end, care_type, beneficiary_id), by)
    image = await run_in_threadpool(summary_chart, data, format)
    return Response(image, media_type=MEDIA_TYPES[format], headers={"cache-control": "private, no-store"})

