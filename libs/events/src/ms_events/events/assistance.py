"""assistance.request.v1, assistance.case.v1 — assistance requests and cases (AS-5, AS-6), public;
assistance.secret.v1 — the case number SMS with the mobile number it goes to, for notify only.

Health data never travels (AS-10): no life event, no date of it, no questionnaire answer, no
address. AssistanceRequested carries the services, days and slots the confirmation email lists;
the case-opening worker reads the rest from assistance's own database.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from ms_events.catalogue import Event, event, private_topic

PRIVATE_TOPIC = private_topic(
    "assistance.secret.v1", readers=["notify"],
    summary="The case number SMS carrying the mobile number it goes to, for notify to send; never readable by "
            "integrators.",
)


class RequestedService(BaseModel):
    """One selected service of a validated request, as the confirmation email lists it."""

    service: str = Field(description="home_help | childcare | school_transport | meal_delivery | pet_care | "
                                     "relative_at_bedside | remote_alarm")
    label: str = Field(description="The service's French name")
    day: date
    slot_start: datetime
    slot_end: datetime
    quantity: int = Field(description="Hours or units asked for, in the service's unit")
    unit: str = Field(description="hours | units | days")
    at_home: bool = Field(description="Served at an address of the member's (the address is not in the event)")


@event(
    topic="assistance.request.v1",
    key="request_id",
    summary="A member validated an assistance request (services, days, slots); agents check it and open a case.",
    tells_a_person=True,
)
class AssistanceRequested(Event):
    request_id: uuid.UUID
    account_id: uuid.UUID
    services: list[RequestedService]
    requested_at: datetime


@event(
    topic="assistance.case.v1",
    key="case_id",
    summary="An assistance case (dossier) was opened for a validated request, with its case number.",
)
class AssistanceCaseOpened(Event):
    case_id: uuid.UUID
    request_id: uuid.UUID
    account_id: uuid.UUID
    case_number: str
    opened_by: str = Field(description="worker (the request was complete) | agent (after checking it)")
    opened_at: datetime


@event(
    topic="assistance.case.v1",
    key="case_id",
    summary="An agent moved an assistance case to another status (the member sees it in their space).",
)
class AssistanceCaseStatusChanged(Event):
    case_id: uuid.UUID
    account_id: uuid.UUID
    status: str = Field(description="opened | in_progress | services_scheduled | closed | cancelled")
    changed_at: datetime


@event(
    topic=PRIVATE_TOPIC,
    key="case_id",
    summary="A case was opened: send its number by SMS to the mobile number the member gave (AS-6).",
    tells_a_person=True,
    private=True,
)
class AssistanceCaseNumberToSend(Event):
    case_id: uuid.UUID
    account_id: uuid.UUID
    case_number: str
    phone: str = Field(description="The mobile number the member gave for this request, E.164")
    opened_at: datetime
