"""/v1/webhook-subscriptions: targets that receive the platform's events, signed (operators)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, ConfigDict, Field

from ms_platform.text import PrintableLine

from webhooks.app import subscriptions as subs
from webhooks.domain.model import MAX_URL, Status, Subscription
from webhooks.entrypoints.deps import Box, Operator, RulesDep, Uow, operator_id

router = APIRouter(prefix="/v1/webhook-subscriptions", tags=["webhook-subscriptions"])

SubscriptionId = Annotated[uuid.UUID, Path(description="The subscription's id")]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=MAX_URL, examples=["https://integrateur.example/webhooks/memberspace"],
                     description="https:// (http://127.0.0.1 on the local stack only); no credentials, no fragment")
    event_types: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        min_length=1, max_length=100, examples=[["AccountConfirmed", "ProfileUpdated"]],
        description="Types from GET /v1/webhook-event-types")
    description: PrintableLine | None = Field(None, min_length=1, max_length=200, examples=["CRM du partenaire"])


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    description: str | None
    status: Status
    created_at: datetime
    secret_rotated_at: datetime
    disabled_at: datetime | None


class SubscriptionList(BaseModel):
    items: list[SubscriptionOut]


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The signing secret (Standard Webhooks, whsec_...): shown this once, "
                                    "never again", examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])


class SecretRotated(BaseModel):
    secret: str = Field(description="The new signing secret, shown this once; the previous one also signs "
                                    "for the overlap the README states")
    secret_rotated_at: datetime


def _out(sub: Subscription) -> SubscriptionOut:
    return SubscriptionOut(id=sub.id, url=sub.url, event_types=list(sub.event_types), description=sub.description,
                           status=sub.status, created_at=sub.created_at, secret_rotated_at=sub.secret_rotated_at,
                           disabled_at=sub.disabled_at)


@router.post("", status_code=201, operation_id="create_webhook_subscription", response_model=SubscriptionCreated)
async def create_subscription(body: SubscriptionIn, operator: Operator, uow: Uow, box: Box,
                              rules: RulesDep) -> SubscriptionCreated:
    """Subscribe a target to event types; the answer carries its signing secret, this once."""
    sub, secret = await subs.create(uow, box, rules, operator_id(operator), body.url, body.event_types,
                                    body.description)
    return SubscriptionCreated(**_out(sub).model_dump(), secret=secret)


@router.get("", operation_id="list_webhook_subscriptions", response_model=SubscriptionList)
async def list_subscriptions(_: Operator, uow: Uow) -> SubscriptionList:
    """Every subscription, oldest first (never a secret)."""
    return SubscriptionList(items=[_out(s) for s in await subs.list_all(uow)])


@router.get("/{subscription_id}", operation_id="get_webhook_subscription", response_model=SubscriptionOut)
async def get_subscription(subscription_id: SubscriptionId, _: Operator, uow: Uow) -> SubscriptionOut:
    return _out(await subs.get(uow, subscription_id))


@router.post("/{subscription_id}/disable", operation_id="disable_webhook_subscription",
             response_model=SubscriptionOut)
async def disable_subscription(subscription_id: SubscriptionId, _: Operator, uow: Uow) -> SubscriptionOut:
    """Nothing new is queued for it and nothing queued is posted, until it is enabled again."""
    return _out(await subs.set_status(uow, subscription_id, Status.DISABLED))


@router.post("/{subscription_id}/enable", operation_id="enable_webhook_subscription",
             response_model=SubscriptionOut)
async def enable_subscription(subscription_id: SubscriptionId, _: Operator, uow: Uow) -> SubscriptionOut:
    """Deliveries still pending go out again, and new events are queued."""
    return _out(await subs.set_status(uow, subscription_id, Status.ACTIVE))


@router.post("/{subscription_id}/secret-rotations", status_code=201, operation_id="rotate_webhook_secret",
             response_model=SecretRotated)
async def rotate_secret(subscription_id: SubscriptionId, _: Operator, uow: Uow, box: Box,
                        rules: RulesDep) -> SecretRotated:
    """A new signing secret, shown this once."""
    sub, secret = await subs.rotate_secret(uow, box, rules, subscription_id)
    return SecretRotated(secret=secret, secret_rotated_at=sub.secret_rotated_at)


@router.delete("/{subscription_id}", status_code=204, operation_id="delete_webhook_subscription",
               response_class=Response)
async def delete_subscription(subscription_id: SubscriptionId, _: Operator, uow: Uow) -> Response:
    """The subscription and its deliveries go; pending ones are never posted."""
    await subs.delete(uow, subscription_id)
    return Response(status_code=204)
