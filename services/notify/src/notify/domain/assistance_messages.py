"""Messages about assistance requests (AS-6): the French confirmation email of a validated request
(services, days, slots; never the life event, which is health data) and the SMS carrying the case
number once agents open the case, to the mobile number the member gave for it.

Registered into ``messages.COMPOSERS`` at the end of that module. This module imports
``messages`` only inside its functions, so either module may be imported first.
"""

from __future__ import annotations

from typing import Any, Callable

from ms_events.catalogue import Event
from ms_events.events import assistance as asst

from notify.domain.callback_messages import slot_words
from notify.domain.model import Channel

# The member space's page of their assistance requests (summary, case number, status).
REQUESTS_PATH = "/mes-demandes/assistance"
# Where to book a callback (« Je souhaite être rappelé »): changes go through one (AS-7).
CALLBACK_PATH = "/je-souhaite-etre-rappele"
_UNITS = {"hours": ("heure", "heures"), "units": ("prestation", "prestations"), "days": ("jour", "jours")}


def _composed(template: str, context: dict[str, Any], to: dict[Channel, str | None] | None = None) -> Any:
    from notify.domain.messages import Composed

    return Composed(template, context, to or {})


def _quantity(quantity: int, unit: str) -> str:
    one, many = _UNITS.get(unit, ("unité", "unités"))
    return f"{quantity} {one if quantity == 1 else many}"


def _requested(event: asst.AssistanceRequested, brand: Any) -> Any:
    from notify.domain.messages import reference

    services = [{"label": s.label, **slot_words(s.slot_start, s.slot_end), "quantity": _quantity(s.quantity, s.unit),
                 "at_home": s.at_home} for s in event.services]
    base = brand.public_url.rstrip("/")
    return _composed("assistance_requested", {
        "request_reference": reference(event.request_id), "services": services,
        "requests_url": base + REQUESTS_PATH, "callback_url": base + CALLBACK_PATH})


def _case_number(event: asst.AssistanceCaseNumberToSend, brand: Any) -> Any:
    # The event carries the number the member gave for this request: the SMS goes there.
    return _composed("assistance_case_opened", {"case_number": event.case_number}, {Channel.SMS: event.phone})


COMPOSERS: dict[type[Event], Callable[[Any, Any], Any]] = {
    asst.AssistanceRequested: _requested,
    asst.AssistanceCaseNumberToSend: _case_number,
}
