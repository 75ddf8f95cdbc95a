"""Identity's routes for a signed-in person (profile, password, 2FA, privacy) and password resets."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from identity.app import linking, passwords, privacy, profile, two_factor
from identity.domain.accounts import normalize_mobile
from identity.domain.profile import valid_postcode
from identity.entrypoints.deps import ClientIp, ServicesDep, SignedInDep

router = APIRouter()

Password = Annotated[str, Field(min_length=1, max_length=256)]
Token = Annotated[str, Field(min_length=10, max_length=200)]
Code = Annotated[str, Field(min_length=6, max_length=20)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ResetRequest(Strict):
    email: EmailStr


@router.post("/v1/password-resets", status_code=202, tags=["passwords"])
async def request_reset(body: ResetRequest, svc: ServicesDep, ip: ClientIp) -> dict:
    """Forgotten password (ID-7): the same answer whether or not the address has an account."""
    await passwords.request_reset(svc, body.email, ip)
    return {"detail": "Si un compte correspond à cette adresse, un lien de réinitialisation valable "
                      "30 minutes vient de lui être envoyé."}


class ResetConfirmation(Strict):
    token: Token
    password: Password


@router.post("/v1/password-resets/confirm", status_code=204, tags=["passwords"])
async def confirm_reset(body: ResetConfirmation, svc: ServicesDep, ip: ClientIp) -> Response:
    """Set a new password with the emailed link; every session ends."""
    await passwords.confirm_reset(svc, body.token, body.password, ip)
    return Response(status_code=204)


class PasswordChange(Strict):
    current_password: Password
    new_password: Password


@router.put("/v1/me/password", status_code=204, tags=["me"])
async def change_password(body: PasswordChange, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> Response:
    """Change the password (ID-8); the other sessions end."""
    await passwords.change_password(svc, me.account, me.session_id, body.current_password, body.new_password, ip)
    return Response(status_code=204)


class Address(Strict):
    line1: Annotated[str, Field(min_length=1, max_length=200)]
    line2: Annotated[str | None, Field(max_length=200)] = None
    postcode: str
    city: Annotated[str, Field(min_length=1, max_length=100)]
    country: Annotated[str, Field(pattern="^FR$")] = "FR"

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


@router.get("/v1/me/two-factor", tags=["two-factor"])
async def two_factor_status(me: SignedInDep, svc: ServicesDep) -> dict:
    return await two_factor.status(svc, me.account)


@router.post("/v1/me/two-factor/totp", status_code=201, tags=["two-factor"])
async def start_totp(me: SignedInDep, svc: ServicesDep) -> dict:
    """A TOTP secret and its provisioning URI; 2FA is on once a first code confirms it."""
    return await two_factor.start_totp(svc, me.account)


class CodeBody(Strict):
    code: Code


@router.post("/v1/me/two-factor/totp/confirm", tags=["two-factor"])
async def confirm_totp(body: CodeBody, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> dict:
    """Turn TOTP on with a first code; answers the one-time recovery codes (shown once)."""
    return await two_factor.confirm_totp(svc, me.account, body.code, ip)


@router.post("/v1/me/two-factor/sms", status_code=202, tags=["two-factor"])
async def start_sms(me: SignedInDep, svc: ServicesDep) -> dict:
    """Send a code by SMS to the profile's mobile (to turn SMS codes on, or to turn 2FA off)."""
    await two_factor.start_sms(svc, me.account)
    return {"detail": "Un code vient d'être envoyé par SMS."}


@router.post("/v1/me/two-factor/sms/confirm", tags=["two-factor"])
async def confirm_sms(body: CodeBody, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> dict:
    return await two_factor.confirm_sms(svc, me.account, body.code, ip)


class DisableTwoFactor(Strict):
    password: Password
    code: Code


@router.post("/v1/me/two-factor/disable", status_code=204, tags=["two-factor"])
async def disable_two_factor(body: DisableTwoFactor, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> Response:
    """Turn 2FA off: needs the password and a code."""
    await two_factor.disable(svc, me.account, body.password, body.code, ip)
    return Response(status_code=204)


class DeleteAccount(Strict):
    password: Password


@router.delete("/v1/me", status_code=204, tags=["me"])
async def delete_me(body: DeleteAccount, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> Response:
    """Delete the account (ID-11): no more sign-in; every context erases or pseudonymises."""
    await privacy.delete_account(svc, me.account, body.password, ip)
    return Response(status_code=204)


@router.get("/v1/me/export", tags=["me"])
async def export(me: SignedInDep, svc: ServicesDep) -> dict:
    """Everything the platform holds about the signed-in person, from every context (ID-11)."""
    return await privacy.export(svc, me.account)


class LinkRequest(Strict):
    identifier: Annotated[str, Field(min_length=1, max_length=254, description="email or member number")]
    password: Password


@router.post("/v1/linked-accounts", status_code=201, tags=["linked-accounts"])
async def link_account(body: LinkRequest, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> dict:
    """Link another category's account by proving it is yours (ID-12); refresh the session to see it."""
    return await linking.link(svc, me.account, body.identifier, body.password, ip)


@router.get("/v1/linked-accounts", tags=["linked-accounts"])
async def linked_accounts(me: SignedInDep, svc: ServicesDep) -> dict:
    return {"linked_accounts": await linking.linked(svc, me.id)}


@router.delete("/v1/linked-accounts/{account_id}", status_code=204, tags=["linked-accounts"])
async def unlink_account(account_id: uuid.UUID, me: SignedInDep, svc: ServicesDep, ip: ClientIp) -> Response:
    await linking.unlink(svc, me.id, account_id, ip)
    return Response(status_code=204)
