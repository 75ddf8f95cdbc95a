"""Messages about callbacks ("Je souhaite être rappelé", CB-2): the French confirmation email,
its changes, a missed call, and the SMS reminder the morning of the slot; and about contact
requests and complaints (CB-4): received, acknowledged, answered.

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


# ---- contact requests and complaints (CB-4) ---------------------------------------------------

REQUESTS_PATH = "/mes-demandes"
CATEGORY_LABELS = {
    "contract": "votre contrat", "contribution_amount": "le montant de votre cotisation",
    "disputed_debit": "un prélèvement contesté", "quote": "une demande de devis", "other": "votre demande",
}


def _when(moment: datetime) -> str:
    from notify.domain.messages import french_date

    return french_date(moment.astimezone(PARIS).date())


def _requests_url(brand: Any) -> str:
    return brand.public_url.rstrip("/") + REQUESTS_PATH


def _complaint_received(event: cb.ComplaintReceived, brand: Any) -> Any:
    from notify.domain.messages import reference

    return _composed("complaint_received", {
        "case_reference": reference(event.request_id), "about": CATEGORY_LABELS.get(event.category, "votre demande"),
        "acknowledge_by": _when(event.acknowledge_by), "answer_by": _when(event.answer_by),
        "requests_url": _requests_url(brand)})


def _complaint_acknowledged(event: cb.ComplaintAcknowledged, brand: Any) -> Any:
    from notify.domain.messages import reference

    return _composed("complaint_acknowledged", {
        "case_reference": reference(event.request_id), "answer_by": _when(event.answer_by),
        "requests_url": _requests_url(brand)})


def _answered(template: str) -> Callable[[Any, Any], Any]:
    def compose(event: Any, brand: Any) -> Any:
        from notify.domain.messages import reference

        return _composed(template, {"case_reference": reference(event.request_id), "requests_url": _requests_url(brand)})

    return compose


def _request_received(event: cb.ContactRequestReceived, brand: Any) -> Any:
    from notify.domain.messages import french_datetime, reference

    return _composed("contact_request_received", {
        "case_reference": reference(event.request_id), "about": CATEGORY_LABELS.get(event.category, "votre demande"),
        "answer_by": french_datetime(event.answer_by), "requests_url": _requests_url(brand)})


# ---- partner applications (BR-5) -----------------------------------------------------------------
# The applicant has no account: the message goes to the email the event carries, and says nothing
# the applicant typed (the form is public: its text is never sent back in the insurer's words).


def _partner_received(event: cb.PartnerApplicationReceived, brand: Any) -> Any:
    from notify.domain.messages import french_datetime, reference

    return _composed("partner_application_received", {
        "case_reference": reference(event.application_id), "answer_by": french_datetime(event.answer_by),
    }, {Channel.EMAIL: str(event.email)})


def _partner_decided(event: cb.PartnerApplicationDecided, brand: Any) -> Any:
    from notify.domain.messages import reference

    return _composed("partner_application_decided", {
        "case_reference": reference(event.application_id), "accepted": event.decision == "accepted",
        "reason": event.reason,
    }, {Channel.EMAIL: str(event.email)})


COMPOSERS: dict[type[Event], Callable[[Any, Any], Any]] = {
    cb.PartnerApplicationReceived: _partner_received,
    cb.PartnerApplicationDecided: _partner_decided,
    cb.ComplaintReceived: _complaint_received,
    cb.ComplaintAcknowledged: _complaint_acknowledged,
    cb.ComplaintAnswered: _answered("complaint_answered"),
    cb.ContactRequestReceived: _request_received,
    cb.ContactRequestAnswered: _answered("contact_request_answered"),
    cb.CallbackScheduled: _scheduled,
    cb.CallbackRescheduled: _rescheduled,
    cb.CallbackCancelled: _cancelled,
    cb.CallbackMissed: _missed,
    cb.CallbackReminderDue: _reminder,
}
