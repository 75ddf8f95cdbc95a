"""The person's privacy rights (ID-11): deleting the account, exporting everything held about them.

Identity asks every other context for its part of the export (their GET /internal/v1/personal-data);
it has no such internal route itself, as nobody asks identity.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from identity.app import privacy
from identity.entrypoints.deps import ClientIp, ServicesDep, SignedInDep
from identity.entrypoints.schemas import Password, Strict

router = APIRouter()


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
