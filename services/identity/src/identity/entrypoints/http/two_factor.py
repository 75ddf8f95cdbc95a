"""Two-factor authentication of the signed-in person (ID-9): TOTP, SMS, turning it off."""

from __future__ import annotations

from fastapi import APIRouter, Response

from identity.app import two_factor
from identity.entrypoints.deps import ClientIp, ServicesDep, SignedInDep
from identity.entrypoints.schemas import Code, Password, Strict

router = APIRouter()


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
