"""Forgotten password (ID-7): the emailed link and the new password."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import EmailStr

from identity.app import passwords
from identity.entrypoints.deps import ClientIp, ServicesDep
from identity.entrypoints.schemas import Password, Strict, Token

router = APIRouter()


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
