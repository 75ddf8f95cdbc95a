"""/v1/assistance-queue and /v1/assistance-cases: the agents' queue of requests to check (48-hour
deadline) and cases to take, the case view (health data, audited), opening a checked request's
case, status updates the member sees (AS-6, AS-10). Agent role only; never a member."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response

from assistance.app import agents as app
from assistance.entrypoints.deps import Agent, Ctx, Now, Uow
from assistance.entrypoints.http.schemas import CaseViewOut, OpenCaseIn, QueueItemOut, StatusIn, StatusOut

router = APIRouter(tags=["assistance-agents"])

_IDS = {404: {"description": "No such case"}, 409: {"description": "Take the case first (agents on the case only)"}}


@router.get("/v1/assistance-queue", operation_id="assistance_queue")
async def queue(_agent: Agent, uow: Uow, ctx: Ctx, now: Now) -> list[QueueItemOut]:
    """Requests to check, by deadline (overdue flagged), then opened cases nobody has taken."""
    return [QueueItemOut(**q) for q in await app.queue(uow, ctx, now)]


@router.post("/v1/assistance-cases/{case_id}/take", status_code=204, response_class=Response,
             operation_id="take_assistance_case", responses={404: {"description": "No such case"}})
async def take(case_id: uuid.UUID, agent: Agent, uow: Uow, now: Now) -> Response:
    """The agent becomes the agent on the case."""
    await app.take(uow, uuid.UUID(agent.subject), case_id, now)
    return Response(status_code=204)


@router.get("/v1/assistance-cases/{case_id}", operation_id="view_assistance_case", responses=_IDS)
async def view(case_id: uuid.UUID, agent: Agent, uow: Uow, ctx: Ctx, now: Now) -> CaseViewOut:
    """The case and its request's health data; the read is in the access log the member sees."""
    return CaseViewOut(**await app.view(uow, ctx, uuid.UUID(agent.subject), case_id, now))


@router.post("/v1/assistance-cases/{case_id}/open", operation_id="open_assistance_case", responses=_IDS)
async def open_case(case_id: uuid.UUID, body: OpenCaseIn, agent: Agent, uow: Uow, ctx: Ctx, now: Now) -> CaseViewOut:
    """Complete a request to check (mobile number, duration) and open its case: the number goes by SMS."""
    return CaseViewOut(**await app.open_checked(uow, ctx, uuid.UUID(agent.subject), case_id, body.phone,
                                                body.duration_days, now))


@router.post("/v1/assistance-cases/{case_id}/status", operation_id="set_assistance_case_status", responses=_IDS)
async def set_status(case_id: uuid.UUID, body: StatusIn, agent: Agent, uow: Uow, now: Now) -> StatusOut:
    """In progress, services scheduled, closed or cancelled: the member sees it on their request."""
    return StatusOut(**await app.set_status(uow, uuid.UUID(agent.subject), case_id, body.status, now))
