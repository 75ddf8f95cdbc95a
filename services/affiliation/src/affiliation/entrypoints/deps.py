"""FastAPI dependency aliases shared by affiliation's routers, and the company scope.

Who reaches a company space: its employer users (the token's ``company_siren`` claim, set by
identity for employer accounts) and operators (back office). An employer naming another company
gets the same 404 as for a company that does not exist; members, brokers and agents get 403.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from pydantic import StringConstraints

from affiliation.app.affiliations import Rules
from affiliation.domain.errors import CompanyNotFound
from ms_platform.civil_text import checked, free_text_error
from affiliation.settings import AffiliationSettings
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.deps import Uow, app_settings

__all__ = ["CompanyUser", "Now", "Operator", "RulesDep", "Search", "Service", "SettingsDep", "Siren", "Uow",
           "account_id", "company_scope"]

# Free text searched for (names, journal lines): printable text only (NUL, controls, bidi refused, 422).
Search = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100),
                   checked(free_text_error)]

SettingsDep = Annotated[AffiliationSettings, Depends(app_settings)]
# The company space: its employer users, and operators acting for the insurer.
CompanyUser = Annotated[Principal, require_roles(Role.EMPLOYER, Role.OPERATOR)]
# Registering companies and contracts, importing offline affiliations, the review queue.
Operator = Annotated[Principal, require_roles(Role.OPERATOR)]
Service = Annotated[Principal, require_roles(Role.SERVICE)]
# Not pattern-checked: a SIREN that is not the caller's company, well-formed or not, is the same 404.
Siren = Annotated[str, Path(description="The company's SIREN (9 digits)", min_length=1, max_length=100,
                            examples=["732829320"])]


async def _rules(request: Request) -> Rules:
    return request.app.state.affiliation_rules


async def _now(request: Request) -> datetime:
    return request.app.state.clock()


RulesDep = Annotated[Rules, Depends(_rules)]
Now = Annotated[datetime, Depends(_now)]


def company_scope(principal: Principal, siren: str) -> str:
    """The SIREN the caller may act on, or CompanyNotFound (404) when it is not their company."""
    if not (len(siren) == 9 and siren.isascii() and siren.isdigit()):
        raise CompanyNotFound()  # no company has it: never sent to the database
    if Role.OPERATOR in principal.roles:
        return siren
    if Role.EMPLOYER in principal.roles and principal.claims.get("company_siren") == siren:
        return siren
    raise CompanyNotFound()


def account_id(principal: Principal) -> uuid.UUID | None:
    """The employer user's account (the actor of an action); operators act unsigned."""
    if Role.EMPLOYER not in principal.roles:
        return None
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None
