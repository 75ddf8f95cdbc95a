"""/v1/webhook-event-types: what a subscription may carry (operators)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from webhooks.domain.model import subscribable
from webhooks.entrypoints.deps import Operator

router = APIRouter(prefix="/v1/webhook-event-types", tags=["webhook-subscriptions"])


class EventTypeOut(BaseModel):
    type: str = Field(examples=["AccountConfirmed"])
    version: int = Field(examples=[1])
    topic: str = Field(description="The Kafka topic that carries it", examples=["identity.account.v1"])
    summary: str
    dataschema: str = Field(description="The JSON Schema of the envelope's data",
                            examples=["https://api.memberspace.example/schemas/AccountConfirmed.v1.json"])


class EventTypeList(BaseModel):
    items: list[EventTypeOut]


@router.get("", operation_id="list_webhook_event_types", response_model=EventTypeList)
async def list_event_types(_: Operator) -> EventTypeList:
    """Every event a webhook may carry: the public catalogue, without the events that hold a secret."""
    from ms_events.catalogue import schema_url

    return EventTypeList(items=[
        EventTypeOut(type=name, version=cls.meta().version, topic=cls.meta().topic, summary=cls.meta().summary,
                     dataschema=schema_url(cls))
        for name, cls in subscribable().items()])
