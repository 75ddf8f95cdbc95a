"""Linked accounts (ID-12, « Réunir vos comptes »)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import Field

from identity.app import linking
from identity.entrypoints.deps import ClientIp, ServicesDep, SignedInDep
from identity.entrypoints.schemas import Password, Strict

router = APIRouter()


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
