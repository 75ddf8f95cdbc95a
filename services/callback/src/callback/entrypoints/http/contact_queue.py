"""/v1/contact-queue: what agents must acknowledge or answer, due and overdue first (CB-4; agents only)."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from callback.app import contact as app
from callback.domain.contact import overdue
from callback.entrypoints.deps import Agent, Now, Uow
from callback.entrypoints.http.contact import ContactRequestOut, Message

router = APIRouter(tags=["contact-queue"])
_IDS = {404: {"description": "No such request"}}


class QueuedRequest(ContactRequestOut):
    account_id: uuid.UUID | None
    overdue: bool
    next_deadline: datetime


class AnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answer: Message = Field(description="Read by the member under « Mes demandes »")


def _queued(r: app.ContactRequest, now: datetime) -> QueuedRequest:
    due = r.acknowledge_by if r.status == "received" and r.acknowledge_by else r.answer_by
    return QueuedRequest(**ContactRequestOut.of(r).model_dump(), account_id=r.account_id,
                         overdue=overdue(now, r.status, r.acknowledge_by, r.answer_by), next_deadline=due)


@router.get("/v1/contact-queue", operation_id="contact_queue")
async def queue(_agent: Agent, uow: Uow, now: Now) -> list[QueuedRequest]:
    """Every request not answered yet, the nearest deadline first, overdue ones flagged."""
    return [_queued(r, now) for r in await app.open_requests(uow)]


@router.post("/v1/contact-queue/{contact_request_id}/acknowledge", operation_id="acknowledge_complaint",
             responses=_IDS)
async def acknowledge(contact_request_id: uuid.UUID, _agent: Agent, uow: Uow, now: Now) -> ContactRequestOut:
    return ContactRequestOut.of(await app.acknowledge(uow, contact_request_id, now))


@router.post("/v1/contact-queue/{contact_request_id}/answer", operation_id="answer_contact_request", responses=_IDS)
async def answer(contact_request_id: uuid.UUID, body: AnswerIn, _agent: Agent, uow: Uow,
                 now: Now) -> ContactRequestOut:
    return ContactRequestOut.of(await app.answer(uow, contact_request_id, body.answer, now))
