"""claims.item.v1 — Claims's items (created by make new-service; replace with the context's events)."""

from __future__ import annotations

import uuid
from datetime import datetime

from ms_events.catalogue import Event, event


@event(topic="claims.item.v1", key="item_id", summary="A member recorded an item.")
class ClaimsItemCreated(Event):
    item_id: uuid.UUID
    account_id: uuid.UUID
    created_at: datetime
