"""Identity's public HTTP API (through the gateway) and its JWKS."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from identity.app import handlers
from identity.app import sessions
from identity.app.commands import ConfirmAccount, RequestConfirmationEmail, SignUpMember
from identity.entrypoints.deps import ClientIp, ServicesDep, SignedInDep
from identity.domain.accounts import normalize_mobile
from ms_platform.problems import Problem

router = APIRouter()


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


class SecondFactorRequired(BaseModel):
    second_factor_required: bool
    challenge_token: str
    method: str
    expires_in: int


@router.post("/v1/sessions", status_code=201, tags=["sessions"],
             responses={201: {"model": SessionResponse}, 202: {"model": SecondFactorRequired}})
async def sign_in(body: SignInRequest, request: Request, svc: ServicesDep, ip: ClientIp) -> Response:
    """Sign in with email or member number and password (ID-6); 202 when a second factor is needed (ID-9)."""
    answer = await sessions.sign_in(svc, body.identifier, body.password, ip, request.headers.get("user-agent"))
    return JSONResponse(answer, status_code=202 if answer.get("second_factor_required") else 201)


class SecondFactorRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    challenge_token: Annotated[str, Field(min_length=10, max_length=200)]
    code: Annotated[str, Field(min_length=6, max_length=20)]


@router.post("/v1/sessions/second-factor", status_code=201, response_model=SessionResponse, tags=["sessions"])
async def second_factor(body: SecondFactorRequest, svc: ServicesDep, ip: ClientIp) -> dict:
    """Complete a sign-in with a TOTP, SMS or recovery code."""
    return await sessions.complete_second_factor(svc, body.challenge_token, body.code, ip)


class RefreshRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    refresh_token: Annotated[str, Field(min_length=10, max_length=200)]


@router.post("/v1/sessions/refresh", response_model=SessionResponse, tags=["sessions"])
async def refresh(body: RefreshRequest, svc: ServicesDep, ip: ClientIp) -> dict:
    """A new token pair; the refresh token used is spent (reusing it ends the session everywhere)."""
    return await sessions.refresh(svc, body.refresh_token, ip)


@router.delete("/v1/sessions/current", status_code=204, tags=["sessions"])
async def sign_out(me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> Response:
    """Sign out: the session ends and its tokens are refused by every service."""
    await sessions.sign_out(svc, me.id, me.session_id, ip)
    return Response(status_code=204)


@router.get("/.well-known/revoked-sessions", tags=["keys"])
async def revoked_sessions(svc: ServicesDep, since: datetime | None = None) -> dict:
    """Sessions ended before their access tokens expire, for every service's token check."""
    floor = datetime.now(UTC) - timedelta(seconds=svc.issuer.ttl_s + 60)
    return await sessions.revoked_sessions(svc, max(since, floor) if since and since.tzinfo else floor)


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
    address: dict | None = None
    two_factor_method: str | None = None
    status: str


@router.get("/v1/me", response_model=MeResponse, tags=["me"])
async def me(me: SignedInDep) -> dict:
    """The signed-in person's own account."""
    return {**dict(me.account), "id": str(me.account["id"])}


@router.get("/.well-known/jwks.json", tags=["keys"])
async def jwks(request: Request, response: Response) -> dict:
    """Public keys that verify identity's tokens."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return request.app.state.keyring.jwks()
