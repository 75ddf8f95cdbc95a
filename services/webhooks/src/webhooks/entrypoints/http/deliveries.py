"""/v1/webhook-subscriptions/{id}/deliveries: what was posted to a target, and replays (operators)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from webhooks.app import deliveries as app
from webhooks.domain.model import Delivery, DeliveryStatus
from webhooks.entrypoints.deps import Operator, Uow

router = APIRouter(prefix="/v1/webhook-subscriptions/{subscription_id}/deliveries", tags=["webhook-subscriptions"])

SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's id")]
DeliveryId = Annotated[uuid.UUID, Path(description="The delivery's id")]


class DeliveryOut(BaseModel):
    """A delivery as operators see it: never the event's content."""

    id: uuid.UUID
    webhook_id: str = Field(description="The webhook-id header, the same on every attempt and replay")
    event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None = Field(description="When it is tried again (pending only)")
    last_status: int | None = Field(description="The target's last HTTP status; null when it did not answer")
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    replayed_at: datetime | None
    erased: bool = Field(description="Its content was erased with the person's account: it cannot be replayed")


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


def _out(d: Delivery) -> DeliveryOut:
    return DeliveryOut(id=d.id, webhook_id=d.webhook_id, event_id=d.event_id, event_type=d.event_type,
                       status=d.status, attempts=d.attempts,
                       next_attempt_at=d.next_attempt_at if d.status is DeliveryStatus.PENDING else None,
                       last_status=d.last_status, last_error=d.last_error, created_at=d.created_at,
                       delivered_at=d.delivered_at, dead_at=d.dead_at, replayed_at=d.replayed_at, erased=d.erased)


@router.get("", operation_id="list_webhook_deliveries", response_model=DeliveryList)
async def list_deliveries(subscription_id: SubscriptionId, _: Operator, uow: Uow,
                          status: Annotated[DeliveryStatus | None, Query(description="Only these")] = None,
                          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> DeliveryList:
    """The subscription's deliveries, newest first."""
    return DeliveryList(items=[_out(d) for d in await app.list_for(uow, subscription_id, status, limit)])


@router.post("/{delivery_id}/replay", operation_id="replay_webhook_delivery", response_model=DeliveryOut)
async def replay_delivery(subscription_id: SubscriptionId, delivery_id: DeliveryId, _: Operator,
                          uow: Uow) -> DeliveryOut:
    """A dead delivery is posted again (same webhook-id), from a fresh count of attempts."""
    return _out(await app.replay(uow, subscription_id, delivery_id))
