"""The rules of an assistance request: a declared event, the questionnaire's answers, the selected
services with their day, slot and address, quotas and conditions, what makes it complete
(AS-1..AS-6). No I/O here."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import phonenumbers

from assistance.domain import errors
from assistance.domain.catalogue import LIFE_EVENTS, SERVICES, LifeEvent, questions_for
from assistance.domain.guarantees import Guarantee, GuaranteeBook

FRENCH_REGIONS = {"FR", "GP", "MQ", "GF", "RE", "YT", "PM", "BL", "MF"}


class Status(StrEnum):
    DRAFT = "draft"          # the member is still choosing
    VALIDATED = "validated"  # validated; the worker has not looked at it yet
    TO_CHECK = "to_check"    # incomplete: in the agents' queue, 48 h to check it
    CASE_OPENED = "case_opened"


@dataclass(frozen=True)
class Declaration:
    """The declared event: health data (AS-10), stored encrypted."""

    event: LifeEvent
    event_date: date
    duration_days: int | None = None

    def as_dict(self) -> dict:
        return {"event": self.event.value, "event_date": self.event_date.isoformat(),
                "duration_days": self.duration_days}

    @classmethod
    def of(cls, raw: dict) -> "Declaration":
        return cls(LifeEvent(raw["event"]), date.fromisoformat(raw["event_date"]), raw.get("duration_days"))


@dataclass(frozen=True)
class SlotRules:
    slots: tuple[tuple[time, time], ...]
    zone: ZoneInfo
    horizon_days: int
    past_event_days: int  # how far back an event may be declared
    planned_event_days: int  # how far ahead

    @classmethod
    def parse(cls, slots: list[str], timezone: str, horizon_days: int, past_event_days: int,
              planned_event_days: int) -> "SlotRules":
        parsed = []
        for text in slots:
            start, _, end = text.partition("-")
            s, e = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
            if e <= s:
                raise ValueError(f"slot {text}: the end must come after the start")
            parsed.append((s, e))
        return cls(tuple(parsed), ZoneInfo(timezone), horizon_days, past_event_days, planned_event_days)

    def labels(self) -> list[str]:
        return [f"{s:%H:%M}-{e:%H:%M}" for s, e in self.slots]

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()


@dataclass(frozen=True)
class Selection:
    service: str
    day: date
    slot: str
    quantity: int
    address_id: uuid.UUID | None = None


@dataclass(frozen=True)
class PlacedSelection:
    """A selection checked against the rules, with its slot's start and end."""

    id: uuid.UUID
    service: str
    day: date
    slot_start: datetime
    slot_end: datetime
    quantity: int
    address_id: uuid.UUID | None


def check_declaration(rules: SlotRules, event: LifeEvent, event_date: date, duration_days: int | None,
                      now: datetime) -> Declaration:
    """AS-1: an event and its date, past or planned, within the settings' bounds."""
    today = rules.today(now)
    if event_date < today - timedelta(days=rules.past_event_days):
        raise errors.EventDateOutOfRange(
            f"Cet évènement date de plus de {rules.past_event_days} jours : demandez à être rappelé pour en parler "
            "avec un chargé d'assistance.")
    if event_date > today + timedelta(days=rules.planned_event_days):
        raise errors.EventDateOutOfRange(
            f"Un évènement prévu se déclare au plus {rules.planned_event_days} jours à l'avance.")
    if duration_days is not None and not LIFE_EVENTS[event].has_duration:
        raise errors.InvalidAnswer("duration_days", "La durée ne se déclare pas pour cet évènement.",
                                   field="duration_days")
    return Declaration(event, event_date, duration_days)


def check_answers(event: LifeEvent, answers: dict[str, object]) -> dict[str, int | bool]:
    """The questionnaire's answers: known questions only, booleans for yes/no, days 1..365."""
    known = {q.code: q for q in questions_for(event)}
    out: dict[str, int | bool] = {}
    for code, value in answers.items():
        question = known.get(code)
        if question is None:
            raise errors.InvalidAnswer(code, "Cette question ne fait pas partie du questionnaire de cet évènement.")
        if question.kind == "yes_no":
            if not isinstance(value, bool):
                raise errors.InvalidAnswer(code, "Répondez par oui (true) ou non (false).")
        elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
            raise errors.InvalidAnswer(code, "Indiquez un nombre de jours entre 1 et 365.")
        out[code] = value
    return out


def place(rules: SlotRules, book: GuaranteeBook, product_code: str, declaration: Declaration,
          selections: list[Selection], member_addresses: set[uuid.UUID], used: dict[str, int],
          now: datetime) -> list[PlacedSelection]:
    """Check each selection (AS-4): a service of the contract for this event, a bookable slot, its
    conditions, an address of the member's for a service at home, the quota per event (``used``:
    what other validated requests for the same event already took)."""
    totals: dict[str, int] = defaultdict(int, used)
    labels = dict(zip(rules.labels(), rules.slots))
    today = rules.today(now)
    placed = []
    for i, sel in enumerate(selections):
        guarantee = book.get(product_code, declaration.event, sel.service)
        if guarantee is None:
            raise errors.ServiceNotInContract(i)
        if sel.slot not in labels:
            raise errors.SlotRefused(i, f"Choisissez l'un des créneaux proposés : {', '.join(labels)}.")
        if sel.day < today:
            raise errors.SlotInThePast(i)
        if sel.day > today + timedelta(days=rules.horizon_days):
            raise errors.SlotRefused(i, f"Les prestations se programment au plus {rules.horizon_days} jours à "
                                        "l'avance.", "day")
        start_t, end_t = labels[sel.slot]
        start = datetime.combine(sel.day, start_t, rules.zone)
        end = datetime.combine(sel.day, end_t, rules.zone)
        if start <= now:
            raise errors.SlotInThePast(i)
        _check_conditions(i, guarantee, declaration, sel.day)
        info = SERVICES[sel.service]
        if info.at_home:
            if sel.address_id is None:
                raise errors.AddressRequired(i)
            if sel.address_id not in member_addresses:
                raise errors.AddressNotFound(f"selections.{i}.address_id")
        elif sel.address_id is not None and sel.address_id not in member_addresses:
            raise errors.AddressNotFound(f"selections.{i}.address_id")
        totals[sel.service] += sel.quantity
        if totals[sel.service] > guarantee.quota:
            raise errors.QuotaExceeded(i, info.label, guarantee.quota, info.unit_label,
                                       totals[sel.service] - sel.quantity)
        placed.append(PlacedSelection(uuid.uuid4(), sel.service, sel.day, start, end, sel.quantity, sel.address_id))
    return placed


def _check_conditions(i: int, guarantee: Guarantee, declaration: Declaration, day: date) -> None:
    cond = guarantee.conditions
    if cond.duration_met(declaration.duration_days) is False:
        raise errors.ConditionNotMet(i, f"Votre contrat prévoit cette prestation pour une "
                                        f"{LIFE_EVENTS[declaration.event].label.lower()} de plus de "
                                        f"{cond.more_than_days} jours.")
    last = cond.last_day(declaration.event_date)
    if last is not None and day > last:
        raise errors.ConditionNotMet(i, f"Cette prestation se réalise au plus tard le {last:%d/%m/%Y} "
                                        f"({cond.within_days} jours après l'évènement).", "day")


def missing_for_case(book: GuaranteeBook, product_code: str, declaration: Declaration,
                     services: list[str], phone: str | None) -> list[str]:
    """What agents must check before opening the case (AS-6); empty when the request is complete."""
    missing = []
    if not phone:
        missing.append("Numéro de mobile pour joindre l'adhérent et lui envoyer son numéro de dossier")
    for code in sorted(set(services)):
        guarantee = book.get(product_code, declaration.event, code)
        if guarantee is None:
            missing.append(f"{SERVICES[code].label} : n'est plus prévue par le contrat")
        elif guarantee.conditions.duration_met(declaration.duration_days) is None:
            missing.append(f"{SERVICES[code].label} : durée de l'évènement à confirmer (plus de "
                           f"{guarantee.conditions.more_than_days} jours)")
    return missing


def mobile_phone(raw: str) -> str:
    """A French mobile number (libphonenumber's rules), E.164: the case number goes there by SMS."""
    try:
        number = phonenumbers.parse(raw, "FR")
    except phonenumbers.NumberParseException as exc:
        raise errors.InvalidPhone() from exc
    if (not phonenumbers.is_valid_number(number)
            or phonenumbers.region_code_for_number(number) not in FRENCH_REGIONS
            or phonenumbers.number_type(number) not in (phonenumbers.PhoneNumberType.MOBILE,
                                                        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)):
        raise errors.InvalidPhone()
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


CASE_STATUSES = ("opened", "in_progress", "services_scheduled", "closed", "cancelled")
CASE_STATUS_LABELS = {
    "to_check": "Demande en cours de vérification",
    "opened": "Dossier ouvert",
    "in_progress": "Prestations en cours d'organisation",
    "services_scheduled": "Prestations programmées",
    "closed": "Dossier clôturé",
    "cancelled": "Dossier annulé",
}
_NEXT = {"opened": {"in_progress", "services_scheduled", "closed", "cancelled"},
         "in_progress": {"services_scheduled", "closed", "cancelled"},
         "services_scheduled": {"in_progress", "closed", "cancelled"},
         "closed": set(), "cancelled": set()}


def check_transition(current: str, new: str) -> None:
    if new not in _NEXT.get(current, set()):
        raise errors.CaseStateRefused(f"Un dossier « {CASE_STATUS_LABELS.get(current, current)} » ne peut pas passer "
                                      f"à « {CASE_STATUS_LABELS.get(new, new)} ».")


def case_number(year: int, sequence: int) -> str:
    """AS-2026-000123: the year the case opened and a sequence number."""
    return f"AS-{year}-{sequence:06d}"
