"""/v1/companies/{siren}/employees: every affiliated employee, online or offline (AF-4), paged and
filtered, and downloadable as CSV or XLSX (streamed)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from affiliation.adapters.pages_cache import page_key
from affiliation.app import employees as app
from affiliation.domain.rules import Source
from affiliation.entrypoints.deps import CompanyUser, Search, SettingsDep, Siren, Uow, company_scope
from affiliation.entrypoints.http.schemas import EMPLOYEE_PAGE_JSON, EmployeePage

router = APIRouter(tags=["employees"])
_IDS = {404: {"description": "No company of that SIREN that the caller may see"}}
SearchQuery = Annotated[Search | None, Query(description="Part of a name or an email")]
_MEDIA = {"csv": "text/csv; charset=utf-8",
          "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/v1/companies/{siren}/employees", operation_id="list_employees", responses=_IDS,
            response_model=EmployeePage)
async def list_employees(siren: Siren, user: CompanyUser, uow: Uow, settings: SettingsDep, request: Request,
                         q: SearchQuery = None, group_contract_id: uuid.UUID | None = None,
                         source: Source | None = None, cursor: Annotated[str | None, Query(max_length=400)] = None,
                         limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> Response:
    """By last name; ``next_cursor`` gives the next page."""
    scope = company_scope(user, siren)  # before any read, the cache's included
    filters = app.Filters(q, group_contract_id, source.value if source else None)
    limit = min(limit, settings.page_size_max)

    async def load() -> bytes:
        # Rows from our own tables: serialized as they are (one pass in pydantic-core), not
        # validated into models and then serialized again.
        return EMPLOYEE_PAGE_JSON.dump_json(await app.page(uow, scope, filters, cursor, limit))

    key = page_key(scope, filters.q, filters.group_contract_id, filters.source, cursor, limit)
    body = await request.app.state.pages_cache.get(key, load)
    return Response(body, media_type="application/json")


@router.get("/v1/companies/{siren}/employees/export", operation_id="export_employees", responses={
    **_IDS, 200: {"description": "The list as a file", "content": {m: {} for m in _MEDIA.values()}}})
async def export(siren: Siren, user: CompanyUser, uow: Uow, format: Literal["csv", "xlsx"] = "csv",
                 q: SearchQuery = None, group_contract_id: uuid.UUID | None = None,
                 source: Source | None = None) -> StreamingResponse:
    """The whole list (same filters) as CSV (semicolons, UTF-8) or XLSX, streamed."""
    scope = company_scope(user, siren)
    await app.check_company(uow, scope)
    filters = app.Filters(q, group_contract_id, source.value if source else None)
    chunks = app.csv_chunks(uow, scope, filters) if format == "csv" else app.xlsx_chunks(uow, scope, filters)
    return StreamingResponse(chunks, media_type=_MEDIA[format], headers={
        "Content-Disposition": f'attachment; filename="salaries-{scope}.{format}"', "Cache-Control": "no-store"})
