"""Request and response bodies shared by callback's routers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from callback.domain.callbacks import REASON_LABELS, Callback, Phone, Reason, Status
from ms_platform.text import PrintableLine, PrintableText

PersonName = Annotated[PrintableLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Comment = Annotated[PrintableText, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
CaseNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                              pattern=r"^[A-Za-z0-9][A-Za-z0-9 /._-]*$")]
PhoneText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=30,
                                             pattern=r"^[0-9 +().-]+$")]


class SlotChoice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_start: datetime = Field(description="Start of a slot of GET /v1/callback-slots, with its UTC offset",
                                 examples=["2027-03-02T09:00:00+01:00"])


class BookingIn(SlotChoice):
    reason: Reason = Field(description="contract_question: « Question sur mon contrat ou mes prestations »; "
                                       "new_service_request: « Nouvelle demande de prestations »; "
                                       "case_follow_up: « Suivi d'un dossier en cours »")
    phone: PhoneText = Field(description="A French number to call (SMS reminder when it is a mobile)",
                             examples=["06 12 34 56 78"])
    first_name: PersonName | None = Field(None, description="Required without an account")
    last_name: PersonName | None = Field(None, description="Required without an account")
    comment: Comment | None = None
    case_number: CaseNumber | None = Field(None, description="Follow-up of a case in progress: its number, if known")


class CallbackOut(BaseModel):
    id: uuid.UUID
    reason: Reason
    reason_label: str
    slot_start: datetime
    slot_end: datetime
    phone: str = Field(description="National format, as the agent will dial it")
    sms_reminder: bool = Field(description="The number is a mobile: an SMS reminder goes the morning of the slot")
    first_name: str | None
    last_name: str | None
    comment: str | None
    case_number: str | None
    status: Status
    created_at: datetime

    @classmethod
    def of(cls, c: Callback) -> "CallbackOut":
        return cls(id=c.id, reason=c.reason, reason_label=REASON_LABELS[c.reason], slot_start=c.slot_start,
                   slot_end=c.slot_end, phone=Phone(c.phone, c.phone_mobile).national, sms_reminder=c.phone_mobile,
                   first_name=c.first_name, last_name=c.last_name, comment=c.comment, case_number=c.case_number,
                   status=c.status, created_at=c.created_at)
