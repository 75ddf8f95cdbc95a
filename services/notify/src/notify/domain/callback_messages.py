"""Messages about callbacks ("Je souhaite être rappelé", CB-2): the French confirmation email,
its changes, a missed call, and the SMS reminder the morning of the slot.

Registered into ``messages.COMPOSERS`` at the end of that module. This module imports
``messages`` only inside its functions, so either module may be imported first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable
from zoneinfo import ZoneInfo

from ms_events.catalogue import Event
from ms_events.events import callback as cb

from notify.domain.model import Channel

PARIS = ZoneInfo("Europe/Paris")
# The member space's page listing their callbacks (move, cancel, book again).
CALLBACKS_PATH = "/mes-demandes/rappels"

_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
REASON_LABELS = {
    "contract_question": "Question sur votre contrat ou vos prestations",
    "new_service_request": "Nouvelle demande de prestations",
    "case_follow_up": "Suivi d'un dossier en cours",
}


def slot_words(start: datetime, end: datetime) -> dict[str, str]:
    """'mardi 2 mars 2027', '9 h 30', '10 h 00' in Paris time."""
    from notify.domain.messages import french_date, french_time

    local = start.astimezone(PARIS)
    return {"slot_day": f"{_WEEKDAYS[local.weekday()]} {french_date(local.date())}",
            "slot_start": french_time(start), "slot_end": french_time(end)}


def _composed(template: str, context: dict[str, Any], to: dict[Channel, str | None] | None = None) -> Any:
    from notify.domain.messages import Composed

    return Composed(template, context, to or {})


def _callbacks_url(brand: Any) -> str:
    return brand.public_url.rstrip("/") + CALLBACKS_PATH


def _scheduled(event: cb.CallbackScheduled, brand: Any) -> Any:
    return _composed("callback_scheduled", {
        **slot_words(event.slot_start, event.slot_end),
        "reason_label": REASON_LABELS.get(event.reason, "Demande de rappel"),
        "case_number": event.case_number,
        "callbacks_url": _callbacks_url(brand),
    })


def _rescheduled(event: cb.CallbackRescheduled, brand: Any) -> Any:
    return _composed("callback_rescheduled", {
        **slot_words(event.slot_start, event.slot_end),
        "reason_label": REASON_LABELS.get(event.reason, "Demande de rappel"),
        "callbacks_url": _callbacks_url(brand),
    })


def _cancelled(event: cb.CallbackCancelled, brand: Any) -> Any:
    local = event.slot_start.astimezone(PARIS)
    from notify.domain.messages import french_date, french_time

    return _composed("callback_cancelled", {
        "slot_day": f"{_WEEKDAYS[local.weekday()]} {french_date(local.date())}",
        "slot_start": french_time(event.slot_start),
        "by_agent": event.cancelled_by == "agent",
        "callbacks_url": _callbacks_url(brand),
    })


def _missed(event: cb.CallbackMissed, brand: Any) -> Any:
    local = event.slot_start.astimezone(PARIS)
    from notify.domain.messages import french_date, french_time

    return _composed("callback_missed", {
        "slot_day": f"{_WEEKDAYS[local.weekday()]} {french_date(local.date())}",
        "slot_start": french_time(event.slot_start),
        "callbacks_url": _callbacks_url(brand),
    })


def _reminder(event: cb.CallbackReminderDue, brand: Any) -> Any:
    # The event carries the number to call: the SMS goes there, with or without an account.
    return _composed("callback_reminder", slot_words(event.slot_start, event.slot_end), {Channel.SMS: event.phone})


COMPOSERS: dict[type[Event], Callable[[Any, Any], Any]] = {
    cb.CallbackScheduled: _scheduled,
    cb.CallbackRescheduled: _rescheduled,
    cb.CallbackCancelled: _cancelled,
    cb.CallbackMissed: _missed,
    cb.CallbackReminderDue: _reminder,
}
