"""Identity's public HTTP API (through the gateway) and its JWKS."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from identity.adapters import repository as repo
from identity.app import handlers
from identity.app.commands import ConfirmAccount, RequestConfirmationEmail, SignIn, SignUpMember
from identity.domain.accounts import normalize_mobile
from ms_platform.auth import CurrentPrincipal
from ms_platform.problems import Problem, Unauthorized

router = APIRouter()


async def services(request: Request) -> handlers.Services:
    return request.app.state.services


ServicesDep = Annotated[handlers.Services, Depends(services)]

Name = Annotated[str, Field(min_length=1, max_length=100)]


class SignUpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    last_name: Name
    first_name: Name
    contract_number: Annotated[str, Field(min_length=1, max_length=32)]
    birth_date: date
    email: EmailStr | None = None
    password: Annotated[str, Field(min_length=1, max_length=256)]
    phone: str | None = None

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("La date de naissance ne peut pas être dans le futur.")
        if value.year < 1900:
            raise ValueError("Date de naissance invalide.")
        return value

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return normalize_mobile(value) if value else None


class AccountCreatedResponse(BaseModel):
    id: str
    status: str
    email: str
    confirmation_expires_at: str


EMAIL_REQUIRED = Problem(
    422, "email-required", "Email required",
    "L'adresse e-mail est obligatoire pour créer votre espace adhérent. Si vous n'avez pas "
    "d'adresse e-mail, utilisez le service « Je souhaite être rappelé » : un conseiller vous "
    "rappellera au créneau de votre choix.",
    field="email",
)


@router.post("/v1/accounts", status_code=201, response_model=AccountCreatedResponse, tags=["accounts"])
async def sign_up(body: SignUpRequest, svc: ServicesDep) -> dict:
    """Create a member account (ID-1): the contract must exist, match and be in force."""
    if body.email is None:
        raise EMAIL_REQUIRED
    return await handlers.sign_up_member(svc, SignUpMember(**body.model_dump()))


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[str, Field(min_length=10, max_length=200)]


@router.post("/v1/accounts/confirm", tags=["accounts"])
async def confirm(body: ConfirmRequest, svc: ServicesDep) -> dict:
    """Confirm the email address with the token from the confirmation email (ID-5)."""
    return await handlers.confirm_account(svc, ConfirmAccount(body.token))


class ConfirmationEmailRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: EmailStr


@router.post("/v1/accounts/confirmation-requests", status_code=202, tags=["accounts"])
async def request_confirmation_email(body: ConfirmationEmailRequest, svc: ServicesDep) -> dict:
    """Ask for a new confirmation link; the answer never says whether the address has an account."""
    await handlers.request_confirmation_email(svc, RequestConfirmationEmail(body.email))
    return {"detail": "Si un compte en attente de confirmation correspond à cette adresse, "
                      "un nouveau lien vient de lui être envoyé."}


class SignInRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    identifier: Annotated[str, Field(min_length=1, max_length=254, description="email or member number")]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class SessionResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: str
    expires_in: int


@router.post("/v1/sessions", status_code=201, response_model=SessionResponse, tags=["sessions"])
async def sign_in(body: SignInRequest, request: Request, svc: ServicesDep) -> dict:
    """Sign in with email or member number and password (ID-6)."""
    # uvicorn sets the client from X-Forwarded-For only when the gateway sent it.
    client_ip = request.client.host if request.client else None
    return await handlers.sign_in(svc, SignIn(body.identifier, body.password, client_ip))


class MeResponse(BaseModel):
    id: str
    kind: str
    email: str
    first_name: str
    last_name: str
    birth_date: date | None
    member_number: str | None
    category: str | None
    contract_number: str | None
    phone: str | None
    status: str


@router.get("/v1/me", response_model=MeResponse, tags=["me"])
async def me(principal: CurrentPrincipal, svc: ServicesDep, request: Request) -> dict:
    """The signed-in person's own account."""
    try:
        account_id = uuid.UUID(principal.subject)
        session_id = uuid.UUID(str(principal.claims.get("sid")))
    except ValueError as exc:
        raise Unauthorized() from exc
    async def load() -> asyncpg.Record | None:
        async with svc.pool.acquire() as conn:
            return await repo.account_of_active_session(conn, account_id, session_id)

    account = await request.app.state.session_cache.get(account_id, session_id, load)
    if account is None:
        raise Unauthorized("Votre session est terminée. Veuillez vous reconnecter.")
    return {**dict(account), "id": str(account["id"])}


@router.get("/.well-known/jwks.json", tags=["keys"])
async def jwks(request: Request, response: Response) -> dict:
    """Public keys that verify identity's tokens."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return request.app.state.keyring.jwks()
