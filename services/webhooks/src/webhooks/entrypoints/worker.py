"""The events webhooks's worker consumes, and the use case each one runs: every event a
webhook may carry (the public catalogue, without secrets) is queued for its subscribers;
AccountDeleted also erases what was kept about the account."""

from __future__ import annotations

from ms_events.catalogue import Event
from ms_events.consumer import Handler
from ms_events.events.identity import AccountDeleted

from webhooks.app.deliveries import queue, queue_and_erase
from webhooks.domain.model import subscribable


def subscriptions() -> dict[type[Event], Handler]:
    handlers: dict[type[Event], Handler] = {cls: queue for cls in subscribable().values()}
    handlers[AccountDeleted] = queue_and_erase
    return handlers
