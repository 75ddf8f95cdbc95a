"""/v1/contract-requests: "Mes demandes" (guarantee changes, quotes); prospects may ask for a quote."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from contracts.app import requests as requests_app
from contracts.entrypoints.deps import Uow
from contracts.entrypoints.http.fields import FreeText, PersonName
from contracts.entrypoints.scope import Scope, ScopeDep, scope_of
from ms_platform.auth import current_principal
from ms_platform.problems import Problem

router = APIRouter(tags=["contract-requests"])



class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["guarantee_change", "quote"]
    contract_id: uuid.UUID | None = Field(None, description="guarantee_change: the contract to change")
    # A product code of the insurer's catalogue: letters, digits and separators, nothing to echo.
    requested_product_code: Annotated[str, Field(min_length=1, max_length=60,
                                                 pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")] | None = None
    category: Literal["sante", "prevoyance", "retraite"] | None = Field(None, description="quote: what to quote")
    message: FreeText | None = None
    # A prospect without an account (quote only):
    email: EmailStr | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None


class QuoteConfirmationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: Annotated[str, Field(min_length=1, max_length=200, description="From the link of the confirmation email")]


class RequestOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    contract_id: uuid.UUID | None
    details: dict[str, Any]
    created_at: datetime
    due_at: datetime


async def _optional_scope(request: Request) -> Scope | None:
    if not request.headers.get("authorization"):
        return None
    return scope_of(await current_principal(request))


def _prospect_check(body: RequestIn) -> None:
    if body.kind != "quote":
        raise Problem(401, "unauthorized", "Unauthorized", "Connectez-vous pour faire cette demande.")
    for field in ("email", "first_name", "last_name"):
        if getattr(body, field) is None:
            raise Problem(422, "validation-error", "Invalid request", f"{field} : Ce champ est obligatoire.", field=field)


@router.post("/v1/contract-requests", response_model=RequestOut, status_code=201,
             responses={404: {"description": "No contract of that id that the caller may see (guarantee change)"}})
async def create_request(uow: Uow, body: RequestIn, request: Request) -> dict[str, Any]:
    """A guarantee change (members) or a quote (members and prospects); answered within 72 hours.

    A prospect's quote (no token) waits unconfirmed: the only message sent is a confirmation email
    with a single-use link; the 72 hours run from the confirmation.
    """
    scope = await _optional_scope(request)
    if scope is None:
        _prospect_check(body)
    details = {k: v for k, v in {"requested_product_code": body.requested_product_code,
                                  "category": body.category, "message": body.message}.items() if v is not None}
    command = requests_app.NewRequest(body.kind, body.contract_id, details, body.email, body.first_name, body.last_name)
    return await requests_app.create_request(uow, command, scope, _rules(request))


@router.post("/v1/contract-requests/confirm", response_model=RequestOut)
async def confirm_quote(uow: Uow, body: QuoteConfirmationIn, request: Request) -> dict[str, Any]:
    """A prospect confirms their address with the link's token: the quote is then due within 72 hours."""
    return await requests_app.confirm_quote(uow, body.token, _rules(request))


def _rules(request: Request) -> requests_app.RequestRules:
    settings = request.app.state.settings
    return requests_app.RequestRules(settings.request_answer_hours, settings.quote_confirmation_hours,
                                     settings.max_unconfirmed_quotes_per_email)


@router.get("/v1/contract-requests", response_model=list[RequestOut])
async def list_requests(uow: Uow, request: Request, scope: ScopeDep) -> list[dict[str, Any]]:
    """"Mes demandes": the member's requests with their status and due date."""
    return await requests_app.list_requests(uow, scope)
