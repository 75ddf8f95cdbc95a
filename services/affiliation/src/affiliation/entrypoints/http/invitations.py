"""Invitations (AF-2): the employer invites an employee (/v1/companies/{siren}/invitations); the
emailed link opens a page that reads it (/v1/employee-invitations/lookup) and sends the employee's
details (/v1/employee-invitations/complete), without an account: the link's token is the proof."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from affiliation.app import invitations as app
from affiliation.entrypoints.deps import (
    CompanyUser, Now, RulesDep, SettingsDep, Siren, Uow, account_id, company_scope,
)
from affiliation.entrypoints.http.schemas import (
    CompletionIn, InvitationIn, InvitationOut, InvitationPage, RequestOut, TokenIn, employee_of,
)

router = APIRouter(tags=["invitations"])
_IDS = {404: {"description": "No company of that SIREN that the caller may see"}}
_LINK = {400: {"description": "The link is unknown, used or expired (invitation-unusable)"}}


@router.post("/v1/companies/{siren}/invitations", status_code=201, operation_id="invite_employee", responses=_IDS)
async def invite(siren: Siren, body: InvitationIn, user: CompanyUser, uow: Uow, settings: SettingsDep,
                 now: Now) -> InvitationOut:
    """Email the employee a single-use link to fill in their details, beneficiaries and options."""
    found = await app.invite(uow, company_scope(user, siren), body.group_contract_id, str(body.email),
                             body.first_name, body.last_name, account_id(user),
                             timedelta(hours=settings.invitation_ttl_hours), now)
    return InvitationOut(**found, affiliation_id=None)


@router.get("/v1/companies/{siren}/invitations", operation_id="list_invitations", responses=_IDS)
async def list_invitations(siren: Siren, user: CompanyUser, uow: Uow,
                           limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[InvitationOut]:
    return [InvitationOut(**i, affiliation_id=i["request_id"])
            for i in await app.invitations_of(uow, company_scope(user, siren), limit)]


@router.post("/v1/employee-invitations/lookup", operation_id="read_invitation", responses=_LINK)
async def lookup(body: TokenIn, uow: Uow, now: Now) -> InvitationPage:
    """What the link's page shows (no account needed: the token is the proof; nothing is used)."""
    return InvitationPage(**await app.what_the_link_shows(uow, body.token, now))


@router.post("/v1/employee-invitations/complete", status_code=201, operation_id="complete_invitation",
             responses={**_LINK, 409: {"description": "The employee is already affiliated or requested"}})
async def complete(body: CompletionIn, uow: Uow, rules: RulesDep, now: Now) -> RequestOut:
    """The employee's details, beneficiaries and options: the link is used and the affiliation
    request received (then processed like the employer's, within one business day)."""
    request = await app.complete(uow, rules, body.token, employee_of(body.employee, None), body.start_date,
                                 body.options, [b.model_dump() for b in body.beneficiaries], now)
    return RequestOut.of(request, now)
