"""Dependencies shared by identity's routers: services, the signed-in account, the client."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, Request

from identity.adapters import repository as repo
from identity.app.handlers import Services
from ms_platform.auth import CurrentPrincipal
from ms_platform.problems import Unauthorized


async def services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(services)]


def client_ip(request: Request) -> str | None:
    # uvicorn sets the client from X-Forwarded-For only when the gateway sent it.
    return request.client.host if request.client else None


ClientIp = Annotated[str | None, Depends(client_ip)]


@dataclass(frozen=True)
class SignedIn:
    account: asyncpg.Record
    session_id: uuid.UUID

    @property
    def id(self) -> uuid.UUID:
        return self.account["id"]


async def signed_in(principal: CurrentPrincipal, request: Request) -> SignedIn:
    """The account of a valid token whose session is still open (revocation is immediate here).

    From the session cache, which a commit empties in every process, and in this one before a
    writing request's answer leaves (``ms_platform.cache.caught_up_everywhere``): a deleted
    account or a closed session is refused at once, the caller's next request included.
    """
    svc: Services = request.app.state.services
    try:
        account_id = uuid.UUID(principal.subject)
        session_id = uuid.UUID(str(principal.claims.get("sid")))
    except ValueError as exc:
        raise Unauthorized() from exc

    async def load() -> asyncpg.Record | None:
        async with svc.uow.connect() as conn:
            return await repo.account_of_active_session(conn, account_id, session_id)

    account = await request.app.state.session_cache.get(account_id, session_id, load)
    if account is None:
        raise Unauthorized("Votre session est terminée. Veuillez vous reconnecter.")
    return SignedIn(account, session_id)


SignedInDep = Annotated[SignedIn, Depends(signed_in)]
