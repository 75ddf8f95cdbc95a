"""The signed-in person's own account: profile, email change, password change, security log (ID-8, ID-10)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, EmailStr, Field, field_validator

from identity.app import passwords, profile
from identity.domain.accounts import normalize_mobile
from identity.domain.profile import ADDRESS_LINE_MAX_LENGTH, CITY_MAX_LENGTH, address_line, city, valid_postcode
from identity.entrypoints.deps import ClientIp, ServicesDep, SignedInDep
from identity.entrypoints.schemas import Password, Strict, Token

router = APIRouter()


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


class PasswordChange(Strict):
    current_password: Password
    new_password: Password


@router.put("/v1/me/password", status_code=204, tags=["me"])
async def change_password(body: PasswordChange, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> Response:
    """Change the password (ID-8); the other sessions end."""
    await passwords.change_password(svc, me.account, me.session_id, body.current_password, body.new_password, ip)
    return Response(status_code=204)


class Address(Strict):
    line1: Annotated[str, Field(min_length=1, max_length=ADDRESS_LINE_MAX_LENGTH)]
    line2: Annotated[str | None, Field(max_length=ADDRESS_LINE_MAX_LENGTH)] = None
    postcode: str
    city: Annotated[str, Field(min_length=1, max_length=CITY_MAX_LENGTH)]
    country: Annotated[str, Field(pattern="^FR$")] = "FR"

    @field_validator("line1", "line2")
    @classmethod
    def _line(cls, value: str | None) -> str | None:
        return address_line(value) if value else None

    @field_validator("city")
    @classmethod
    def _city(cls, value: str) -> str:
        return city(value)

    @field_validator("postcode")
    @classmethod
    def _postcode(cls, value: str) -> str:
        if not valid_postcode(value):
            raise ValueError("Code postal invalide (5 chiffres).")
        return value


class ProfileChange(Strict):
    phone: str | None = None
    address: Address | None = None
    email: EmailStr | None = None

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return normalize_mobile(value) if value else None


@router.patch("/v1/me", tags=["me"])
async def update_me(body: ProfileChange, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> dict:
    """Change phone, postal address or email (ID-10); a new email waits for its confirmation."""
    changes = body.model_dump(exclude_unset=True)
    if "address" in changes and changes["address"] is not None:
        changes["address"] = body.address.model_dump()  # type: ignore[union-attr]
    if changes.get("email") is None:
        changes.pop("email", None)
    return await profile.update_profile(svc, me.account, changes, ip)


class TokenBody(Strict):
    token: Token


@router.post("/v1/me/email-confirmations", tags=["me"])
async def confirm_email(body: TokenBody, svc: ServicesDep) -> dict:
    """Confirm a new email address with the link sent to it; the old address is told."""
    return await profile.confirm_email_change(svc, body.token)


@router.get("/v1/security-events", tags=["me"])
async def security_events(me: SignedInDep, svc: ServicesDep,
                          limit: Annotated[int, Query(ge=1, le=200)] = 50) -> dict:
    """The signed-in person's recent security activity (sign-ins, changes, throttling)."""
    return {"events": await profile.security_log(svc, me.id, limit)}
