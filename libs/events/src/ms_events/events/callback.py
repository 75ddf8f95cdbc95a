"""callback.callback.v1 — callback requests ("Je souhaite être rappelé", CB-1..CB-3), public;
callback.secret.v1 — the SMS reminder with the number to reach, for notify only (private).

Events carry what the messages about them need and no more: no comment, no name, and a phone
number only on the reminder (the SMS has to reach it), which is on a private topic so that
integrators never read a person's number.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import EmailStr, Field

from ms_events.catalogue import Event, event, private_topic

PRIVATE_TOPIC = private_topic(
    "callback.secret.v1", readers=["notify"],
    summary="Callback reminders carrying the mobile number the SMS goes to, and partner applications carrying "
            "the applicant's email, for notify to send; never readable by integrators.",
)
_REASON = "contract_question | new_service_request | case_follow_up"


@event(
    topic="callback.callback.v1",
    key="callback_id",
    summary="Someone booked a callback at a date and slot (a member, or a person without an account).",
    tells_a_person=True,
)
class CallbackScheduled(Event):
    callback_id: uuid.UUID
    account_id: uuid.UUID | None = Field(None, description="The member's account; None for a person without one (CB-3)")
    reason: str = Field(description=_REASON)
    slot_start: datetime
    slot_end: datetime
    case_number: str | None = Field(None, description="A follow-up's case number, when the person gave one")
    scheduled_at: datetime


@event(
    topic="callback.callback.v1",
    key="callback_id",
    summary="A member moved their callback to another slot (or booked again after a missed call).",
    tells_a_person=True,
)
class CallbackRescheduled(Event):
    callback_id: uuid.UUID
    account_id: uuid.UUID | None = None
    reason: str = Field(description=_REASON)
    previous_slot_start: datetime
    slot_start: datetime
    slot_end: datetime
    rescheduled_at: datetime


@event(
    topic="callback.callback.v1",
    key="callback_id",
    summary="A callback was cancelled, by the member or by an agent.",
    tells_a_person=True,
)
class CallbackCancelled(Event):
    callback_id: uuid.UUID
    account_id: uuid.UUID | None = None
    slot_start: datetime
    cancelled_by: str = Field(description="member | agent")
    cancelled_at: datetime


@event(
    topic="callback.callback.v1",
    key="callback_id",
    summary="An agent called the person back: the callback is done.",
)
class CallbackDone(Event):
    callback_id: uuid.UUID
    account_id: uuid.UUID | None = None
    slot_start: datetime
    done_at: datetime


@event(
    topic="callback.callback.v1",
    key="callback_id",
    summary="An agent called but nobody answered: the person is offered a new slot.",
    tells_a_person=True,
)
class CallbackMissed(Event):
    callback_id: uuid.UUID
    account_id: uuid.UUID | None = None
    slot_start: datetime
    missed_at: datetime


@event(
    topic=PRIVATE_TOPIC,
    key="callback_id",
    summary="The morning of a callback's slot: remind the person by SMS (carries their mobile number).",
    tells_a_person=True,
    private=True,
)
class CallbackReminderDue(Event):
    callback_id: uuid.UUID
    account_id: uuid.UUID | None = None
    phone: str = Field(description="The mobile number to remind, E.164")
    slot_start: datetime
    slot_end: datetime
    due_at: datetime


# ---- contact requests and complaints (CB-4, "Mes demandes") ------------------------------------

_CATEGORY = "contract | contribution_amount | disputed_debit | quote | other"


@event(
    topic="callback.contact-request.v1",
    key="request_id",
    summary="A member filed a complaint (réclamation); due dates in working days.",
    tells_a_person=True,
)
class ComplaintReceived(Event):
    request_id: uuid.UUID
    account_id: uuid.UUID
    category: str = Field(description=_CATEGORY)
    contract_id: uuid.UUID | None = None
    acknowledge_by: datetime
    answer_by: datetime
    received_at: datetime


@event(
    topic="callback.contact-request.v1",
    key="request_id",
    summary="An agent acknowledged a complaint.",
    tells_a_person=True,
)
class ComplaintAcknowledged(Event):
    request_id: uuid.UUID
    account_id: uuid.UUID
    answer_by: datetime
    acknowledged_at: datetime


@event(
    topic="callback.contact-request.v1",
    key="request_id",
    summary="An agent answered a complaint; the answer is read in the member space.",
    tells_a_person=True,
)
class ComplaintAnswered(Event):
    request_id: uuid.UUID
    account_id: uuid.UUID
    answered_at: datetime


@event(
    topic="callback.contact-request.v1",
    key="request_id",
    summary="A member sent a contact request (information or commercial), answered within 72 hours.",
    tells_a_person=True,
)
class ContactRequestReceived(Event):
    request_id: uuid.UUID
    account_id: uuid.UUID
    category: str = Field(description=_CATEGORY)
    contract_id: uuid.UUID | None = None
    answer_by: datetime
    received_at: datetime


@event(
    topic="callback.contact-request.v1",
    key="request_id",
    summary="An agent answered a contact request; the answer is read in the member space.",
    tells_a_person=True,
)
class ContactRequestAnswered(Event):
    request_id: uuid.UUID
    account_id: uuid.UUID
    answered_at: datetime


# ---- partner applications ("Devenir courtier partenaire", BR-5) -------------------------------
# The applicant has no account: the events carry the professional email the answer goes to, so
# they travel on the private topic (notify only), never to integrators.


@event(
    topic=PRIVATE_TOPIC,
    key="application_id",
    summary="A broker firm applied to become a partner (public form); the back office answers within 72 "
            "business hours. Carries the applicant's professional email.",
    tells_a_person=True,
    private=True,
)
class PartnerApplicationReceived(Event):
    application_id: uuid.UUID
    email: EmailStr = Field(description="The applicant's professional email, where the receipt goes")
    answer_by: datetime
    received_at: datetime


@event(
    topic=PRIVATE_TOPIC,
    key="application_id",
    summary="The back office accepted or refused a partner application (accepted: the firm is registered and "
            "its admin invited by identity). Carries the applicant's professional email.",
    tells_a_person=True,
    private=True,
)
class PartnerApplicationDecided(Event):
    application_id: uuid.UUID
    email: EmailStr = Field(description="The applicant's professional email, where the answer goes")
    decision: str = Field(description="accepted | refused")
    reason: str | None = Field(None, description="A refusal's reason, written by the back office")
    decided_at: datetime
