"""Request and response bodies of assistance's routers."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from assistance.domain.catalogue import LifeEvent
from ms_platform.text import PrintableLine



def _text_only(value: object) -> object:
    """Dates and times come as ISO text: a number is not silently read as a timestamp."""
    if not isinstance(value, str):
        raise ValueError("Indiquez une date (AAAA-MM-JJ) ou une heure (HH:MM) sous forme de texte.")
    return value


DateText = Annotated[date, BeforeValidator(_text_only)]
TimeText = Annotated[time, BeforeValidator(_text_only)]
ServiceCode = Literal["home_help", "childcare", "school_transport", "meal_delivery", "pet_care",
                      "relative_at_bedside", "remote_alarm"]
# Checked against the settings' slots after the request's owner (a slot of another list is a 422
# naming selections.<i>.slot, never a schema error that would answer before the 404 of another's id).
SlotText = Annotated[str, StringConstraints(min_length=1, max_length=11)]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30,
                                             pattern=r"^[0-9 +().-]+$")]
Label = Annotated[PrintableLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Street = Annotated[PrintableLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
City = Annotated[PrintableLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
StreetNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10,
                                                pattern=r"^[0-9]{1,5}( ?(bis|ter|quater|[A-Z]))?$")]
Postcode = Annotated[str, StringConstraints(pattern=r"^[0-9]{5}$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- catalogue --------------------------------------------------------------------------------


class LifeEventOut(BaseModel):
    code: LifeEvent
    label: str
    description: str


class CatalogueServiceOut(BaseModel):
    code: str
    label: str
    description: str
    at_home: bool
    unit: str
    unit_label: str
    included_in_contract: bool = Field(True, description="Assistance services are included in the contract: "
                                                         "never a price (AS-3)")


class QuestionOut(BaseModel):
    code: str
    text: str
    kind: Literal["yes_no", "days"]


class ServiceOfContractOut(BaseModel):
    service: str
    label: str
    description: str
    at_home: bool
    unit: str
    unit_label: str
    quota: int = Field(description="Per declared event, in the service's unit")
    remaining: int
    conditions: list[str]
    included_in_contract: bool
    recommended: bool | None = Field(description="Recommended by the questionnaire's answers; null when it was not "
                                                 "answered")


class BrowseOut(BaseModel):
    contract_id: uuid.UUID
    event: LifeEvent
    event_label: str
    services: list[ServiceOfContractOut]


class RequestServicesOut(BaseModel):
    request_id: uuid.UUID
    event: LifeEvent
    event_label: str
    questionnaire_answered: bool
    services: list[ServiceOfContractOut]
    slots: list[str]


# ---- requests ---------------------------------------------------------------------------------


class DeclarationIn(Strict):
    event: LifeEvent = Field(description="hospitalisation | immobilisation | birth | heavy_treatment | relative_death")
    event_date: DateText = Field(description="When it happened or will happen (a planned event counts, AS-1)")
    duration_days: int | None = Field(None, ge=1, le=365, description="How many days it lasts, when known")
    contract_id: uuid.UUID | None = Field(None, description="One of the member's contracts (default: the first in "
                                                            "force with assistance guarantees)")


class AnswersIn(Strict):
    answers: dict[Annotated[str, StringConstraints(min_length=1, max_length=40)], bool | int] = Field(
        max_length=20, description="Question code → true/false, or a number of days")


class SelectionIn(Strict):
    service: ServiceCode
    day: DateText
    slot: SlotText = Field(description="One of the slots GET …/services lists, e.g. 08:00-10:00")
    quantity: int = Field(ge=1, le=1000, description="Hours or units, in the service's unit")
    address_id: uuid.UUID | None = Field(None, description="Required for a service at home: one of the member's "
                                                           "addresses")


class SelectionsIn(Strict):
    selections: list[SelectionIn] = Field(max_length=50)


class ValidationIn(Strict):
    phone: PhoneText | None = Field(None, description="A French mobile number: the case number comes by SMS "
                                                      "(without one, agents check the request first)")


class AddressOut(BaseModel):
    id: uuid.UUID
    label: str
    street_number: str | None
    street: str
    postcode: str
    city: str


class SelectionOut(BaseModel):
    id: uuid.UUID
    service: str
    label: str
    at_home: bool
    day: date
    slot: str
    slot_start: datetime
    slot_end: datetime
    quantity: int
    unit: str
    unit_label: str
    address: AddressOut | None


class CaseHistoryOut(BaseModel):
    status: str
    status_label: str
    changed_at: datetime


class CaseOut(BaseModel):
    id: uuid.UUID
    case_number: str | None
    status: str
    status_label: str
    opened_at: datetime | None
    history: list[CaseHistoryOut]


class CallbackReasonOut(BaseModel):
    reason: str
    label: str
    for_: str = Field(alias="for")


class CallbackPointerOut(BaseModel):
    reasons: list[CallbackReasonOut]
    booking_url: str
    slots_url: str


class RequestOut(BaseModel):
    id: uuid.UUID
    status: str
    status_label: str
    contract_id: uuid.UUID
    event: LifeEvent
    event_label: str
    event_date: date
    duration_days: int | None
    answers: dict[str, bool | int] | None
    selections: list[SelectionOut]
    phone_given: bool
    created_at: datetime
    validated_at: datetime | None
    check_by: datetime | None = Field(description="Incomplete request: agents check it by then (48 hours)")
    editable: bool
    callback: CallbackPointerOut | None = Field(description="After validation: changes go through a callback (AS-7)")
    case: CaseOut | None


class AccessOut(BaseModel):
    agent_id: uuid.UUID
    purpose: str
    read_at: datetime


# ---- addresses and trips ----------------------------------------------------------------------


class AddressIn(Strict):
    label: Label = Field(examples=["Maison"], description="Names the address when planning trips")
    street_number: StreetNumber | None = Field(None, examples=["12"])
    street: Street = Field(examples=["rue des Lilas"])
    postcode: Postcode = Field(examples=["69003"])
    city: City = Field(examples=["Lyon"])


class AddressCreatedOut(AddressOut):
    created_at: datetime


class TripIn(Strict):
    child_id: uuid.UUID = Field(description="A child on the contract (contracts' beneficiaries)")
    contract_id: uuid.UUID | None = None
    from_address_id: uuid.UUID
    to_address_id: uuid.UUID
    day: DateText
    pickup_time: TimeText = Field(description="Local time, HH:MM", examples=["08:15"])


class TripOut(BaseModel):
    id: uuid.UUID
    contract_id: uuid.UUID
    child_id: uuid.UUID
    child_first_name: str
    from_address: AddressCreatedOut
    to_address: AddressCreatedOut
    pickup_at: datetime
    status: str
    sent_to_carrier: bool


# ---- agents -----------------------------------------------------------------------------------


class QueueItemOut(BaseModel):
    case_id: uuid.UUID
    request_id: uuid.UUID
    account_id: uuid.UUID
    case_number: str | None
    status: str
    status_label: str
    assigned_agent_id: uuid.UUID | None
    validated_at: datetime | None
    check_by: datetime | None
    overdue: bool
    missing: list[str]
    services: list[str]


class CaseViewOut(BaseModel):
    case_id: uuid.UUID
    account_id: uuid.UUID
    phone: str | None
    missing: list[str]
    request: RequestOut


class OpenCaseIn(Strict):
    phone: PhoneText | None = None
    duration_days: int | None = Field(None, ge=1, le=365)


class StatusIn(Strict):
    status: Literal["in_progress", "services_scheduled", "closed", "cancelled"]


class StatusOut(BaseModel):
    case_id: uuid.UUID
    status: str
    status_label: str
