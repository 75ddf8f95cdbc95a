"""/v1/companies/{siren}/journal: every action in the company space, day by day, searchable and
sortable (AF-7), built from the events of every context."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from affiliation.app import journal as app
from affiliation.entrypoints.deps import CompanyUser, Search, Siren, Uow, company_scope
from affiliation.entrypoints.http.schemas import JournalLine

router = APIRouter(tags=["journal"])


@router.get("/v1/companies/{siren}/journal", operation_id="company_journal",
            responses={404: {"description": "No company of that SIREN that the caller may see"}})
async def journal(siren: Siren, user: CompanyUser, uow: Uow, day_from: date | None = None, day_to: date | None = None,
                  q: Annotated[Search | None, Query(description="Words of a line")] = None,
                  kind: Literal["update", "affiliation", "invitation", "beneficiary", "certificate"] | None = None,
                  sort: Literal["newest", "oldest"] = "newest",
                  limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> list[JournalLine]:
    lines = await app.entries(uow, company_scope(user, siren), day_from=day_from, day_to=day_to, q=q, kind=kind,
                              newest_first=sort == "newest", limit=limit, offset=offset)
    return [JournalLine(**line) for line in lines]
