"""The events notify's worker consumes, and the use case each one runs."""

from __future__ import annotations

from ms_events.catalogue import Event
from ms_events.consumer import Handler

from notify.app.handlers import CONTACT_ONLY, PROJECTION_ONLY, NotifyHandlers
from notify.domain.messages import COMPOSERS


def subscriptions(handlers: NotifyHandlers) -> dict[type[Event], Handler]:
    """Event type → handler, as ``run_worker`` expects: every event that tells someone something
    (public ones and the private ones carrying links and codes, identity.secret.v1 and
    contracts.secret.v1), and the ones that only feed the contact projection."""
    found: dict[type[Event], Handler] = {event_type: handlers.notify for event_type in COMPOSERS}
    found.update({event_type: handlers.profile_updated for event_type in PROJECTION_ONLY})
    found.update({event_type: handlers.notify for event_type in CONTACT_ONLY})
    return found
