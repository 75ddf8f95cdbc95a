"""/v1/companies/{siren}/affiliations: online affiliation requests (AF-1, AF-3, AF-6), which the
employer follows; offline affiliations imported by operators (AF-4)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from affiliation.app import affiliations as app
from affiliation.domain.rules import Status, checked_siren
from affiliation.entrypoints.deps import (
    CompanyUser, Now, Operator, RulesDep, Siren, Uow, account_id, company_scope,
)
from affiliation.entrypoints.http.schemas import AffiliationIn, Imported, OfflineAffiliationsIn, RequestOut

router = APIRouter(tags=["affiliations"])
_IDS = {404: {"description": "No company (or request) of that id that the caller may see"}}


@router.post("/v1/companies/{siren}/affiliations", status_code=201, operation_id="request_affiliation",
             responses={**_IDS, 409: {"description": "The employee is already affiliated or requested"}})
async def request_affiliation(siren: Siren, body: AffiliationIn, user: CompanyUser, uow: Uow, rules: RulesDep,
                              now: Now) -> RequestOut:
    """Affiliate a new employee online: identity (NIR checked), contact details, contract, options,
    start date. Prévoyance contracts are refused (no affiliation needed, AF-6). The request is
    processed within one business day; follow it here."""
    request = await app.submit(uow, rules, company_scope(user, siren), body.command(), account_id(user), now)
    return RequestOut.of(request, now)


@router.get("/v1/companies/{siren}/affiliations", operation_id="list_affiliation_requests", responses=_IDS)
async def list_requests(siren: Siren, user: CompanyUser, uow: Uow, now: Now, status: Status | None = None,
                        limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[RequestOut]:
    """The company's online requests (tracking covers online requests only), newest first."""
    return [RequestOut.of(r, now) for r in await app.requests_of(uow, company_scope(user, siren),
                                                                   status.value if status else None, limit)]


@router.get("/v1/companies/{siren}/affiliations/{affiliation_id}", operation_id="get_affiliation_request",
            responses=_IDS)
async def get_request(siren: Siren, affiliation_id: uuid.UUID, user: CompanyUser, uow: Uow, now: Now) -> RequestOut:
    return RequestOut.of(await app.one_request(uow, company_scope(user, siren), affiliation_id), now)


@router.post("/v1/offline-affiliations", status_code=201, operation_id="import_offline_affiliations")
async def import_offline(body: OfflineAffiliationsIn, _operator: Operator, uow: Uow, rules: RulesDep,
                         now: Now) -> Imported:
    """Employees affiliated offline (paper form, phone) from the insurer's files, for the company
    the body names: all or nothing. Operators only."""
    commands = [e.command() for e in body.employees]
    return Imported(employee_ids=await app.import_offline(uow, rules, checked_siren(body.siren), commands, now))
