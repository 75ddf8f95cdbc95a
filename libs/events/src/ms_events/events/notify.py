"""notify.notification.v1 — the outcome of each message sent to a person."""

from __future__ import annotations

import uuid
from datetime import datetime

from ms_events.catalogue import Event, event


@event(
    topic="notify.notification.v1",
    key="delivery_id",
    summary="A message was handed to its channel (SMTP server, SMS provider, print queue).",
)
class NotificationSent(Event):
    delivery_id: uuid.UUID
    source_event_id: uuid.UUID
    channel: str
    template: str
    account_id: uuid.UUID | None = None
    sent_at: datetime


@event(
    topic="notify.notification.v1",
    key="delivery_id",
    summary="A message could not be delivered after every retry.",
)
class NotificationFailed(Event):
    delivery_id: uuid.UUID
    source_event_id: uuid.UUID
    channel: str
    template: str
    account_id: uuid.UUID | None = None
    reason: str
    failed_at: datetime
