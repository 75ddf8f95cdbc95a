"""Callback requests ("Je souhaite être rappelé", CB-1..CB-3): reasons, phone numbers, states. No I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

import phonenumbers

from callback.domain.calendar import Slot
from callback.domain.errors import CallbackClosed, CaseNumberWithoutFollowUp, InvalidPhone, SlotStarted


class Reason(StrEnum):
    """The three reasons members know from the FAQ (s000)."""

    CONTRACT_QUESTION = "contract_question"  # "Question sur mon contrat ou mes prestations"
    NEW_SERVICE_REQUEST = "new_service_request"  # "Nouvelle demande de prestations"
    CASE_FOLLOW_UP = "case_follow_up"  # "Suivi d'un dossier en cours"


REASON_LABELS = {
    Reason.CONTRACT_QUESTION: "Question sur votre contrat ou vos prestations",
    Reason.NEW_SERVICE_REQUEST: "Nouvelle demande de prestations",
    Reason.CASE_FOLLOW_UP: "Suivi d'un dossier en cours",
}


class Status(StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    NO_ANSWER = "no_answer"  # the agent could not reach the person: a new slot is offered
    CANCELLED = "cancelled"


class Outcome(StrEnum):
    """What an agent records after the call (or instead of it)."""

    DONE = "done"
    NO_ANSWER = "no_answer"
    CANCELLED = "cancelled"


# Numbers a call centre can dial and, for SMS, reach on a mobile: France and its overseas
# departments and territories (all +33 or their own codes).
FRENCH_REGIONS = frozenset({"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF", "WF", "PF", "NC"})
_DIALLABLE = frozenset({
    phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE, phonenumbers.PhoneNumberType.VOIP,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
})


@dataclass(frozen=True)
class Phone:
    e164: str  # +33612345678
    mobile: bool

    @property
    def national(self) -> str:
        """'06 12 34 56 78', as agents read it out."""
        return phonenumbers.format_number(phonenumbers.parse(self.e164), phonenumbers.PhoneNumberFormat.NATIONAL)


@lru_cache(maxsize=4096)  # a member books, moves and retries with the same number; parsing costs ~30 µs
def french_phone(raw: str) -> Phone:
    """A French number an agent can call (Google's libphonenumber rules); premium-rate and
    toll-free numbers are refused. ``mobile`` says whether an SMS reaches it."""
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone() from exc
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) not in FRENCH_REGIONS:
        raise InvalidPhone()
    kind = phonenumbers.number_type(number)
    if kind not in _DIALLABLE:
        raise InvalidPhone()
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164, kind == phonenumbers.PhoneNumberType.MOBILE)


def check_case_number(reason: Reason, case_number: str | None) -> str | None:
    """A case number belongs to a follow-up only (s000: "Suivi d'un dossier en cours")."""
    if case_number is not None and reason is not Reason.CASE_FOLLOW_UP:
        raise CaseNumberWithoutFollowUp()
    return case_number


@dataclass(frozen=True)
class Callback:
    id: uuid.UUID
    account_id: uuid.UUID | None
    reason: Reason
    slot_start: datetime
    slot_end: datetime
    phone: str
    phone_mobile: bool
    first_name: str | None
    last_name: str | None
    comment: str | None
    case_number: str | None
    status: Status
    created_at: datetime
    updated_at: datetime
    attempts: int = 0


def _check_member_may_change(callback: Callback, now: datetime) -> None:
    """The member moves or cancels until the slot starts; a missed call may be booked again."""
    if callback.status not in (Status.SCHEDULED, Status.NO_ANSWER):
        raise CallbackClosed()
    if callback.status is Status.SCHEDULED and now >= callback.slot_start:
        raise SlotStarted()


def moved(callback: Callback, slot: Slot, now: datetime) -> Callback:
    """The callback on another slot (the slot's capacity is checked by the caller, under its lock)."""
    _check_member_may_change(callback, now)
    return replace(callback, slot_start=slot.start, slot_end=slot.end, status=Status.SCHEDULED, updated_at=now)


def cancelled_by_member(callback: Callback, now: datetime) -> Callback:
    _check_member_may_change(callback, now)
    if callback.status is not Status.SCHEDULED:
        raise CallbackClosed("Ce rappel n'est plus programmé.")
    return replace(callback, status=Status.CANCELLED, updated_at=now)


def with_outcome(callback: Callback, outcome: Outcome, now: datetime) -> Callback:
    """An agent's outcome: only a scheduled callback takes one."""
    if callback.status is not Status.SCHEDULED:
        raise CallbackClosed("Ce rappel a déjà une issue.")
    return replace(callback, status=Status(outcome.value), updated_at=now, attempts=callback.attempts + 1)
