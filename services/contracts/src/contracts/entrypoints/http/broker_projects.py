"""The broker's projects (BR-3) and dashboard (BR-4)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response

from contracts.app import broker_projects as app
from contracts.domain.pricing import ClientType
from contracts.entrypoints.broker_scope import BrokerDep
from contracts.entrypoints.deps import Today, Uow
from contracts.entrypoints.http.broker_schemas import DashboardOut, MoveIn, ProjectDetailOut, ProjectIn, ProjectOut, Status

router = APIRouter(tags=["broker"])


@router.post("/v1/broker-projects", response_model=ProjectDetailOut, status_code=201,
             responses={200: {"model": ProjectDetailOut, "description": "A retry with the same Idempotency-Key: the first"}})
async def create_broker_project(uow: Uow, access: BrokerDep, body: ProjectIn, day: Today, response: Response,
                                idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
                                ) -> dict[str, Any]:
    """A new project (draft) for a client, owned by the caller; a retry with the same Idempotency-Key returns the first (200)."""
    project, created = await app.create_project(uow, access, body.client.model_dump(), day, idempotency_key)
    if not created:
        response.status_code = 200
    return project


@router.get("/v1/broker-projects", response_model=list[ProjectOut])
async def list_broker_projects(
    uow: Uow, access: BrokerDep,
    status: Annotated[Status | None, Query()] = None,
    client_type: Annotated[ClientType | None, Query()] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100, description="Part of the client's name")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> list[dict[str, Any]]:
    """The projects the caller sees (a collaborator's own; the firm's for an admin), filtered, newest change first."""
    return await app.list_projects(uow, access, status, client_type, q, limit)


@router.get("/v1/broker-projects/{broker_project_id}", response_model=ProjectDetailOut)
async def get_broker_project(uow: Uow, access: BrokerDep, broker_project_id: uuid.UUID, day: Today) -> dict[str, Any]:
    """One project with its quotes."""
    return await app.get_project(uow, access, broker_project_id, day)


@router.post("/v1/broker-projects/{broker_project_id}/status", response_model=ProjectDetailOut)
async def move_broker_project(uow: Uow, access: BrokerDep, broker_project_id: uuid.UUID, body: MoveIn, day: Today) -> dict[str, Any]:
    """Move the project (draft, sent, signed, lost); signing names one of its valid quotes, within the caller's
    autonomy, and the holder's names, and registers the client's contract (from the quote's effective date)."""
    return await app.move_project(uow, access, broker_project_id, body.status, body.quote_id, day,
                                  body.holder.model_dump() if body.holder else None)


@router.get("/v1/broker-dashboard", response_model=DashboardOut)
async def get_broker_dashboard(uow: Uow, access: BrokerDep, day: Today) -> dict[str, Any]:
    """Portfolio figures over what the caller sees, and the products of the moment."""
    return await app.dashboard(uow, access, day)
