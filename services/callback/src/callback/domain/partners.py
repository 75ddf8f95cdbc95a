"""Partner applications ("Devenir courtier partenaire", BR-5): who may apply, and by when the back
office answers. No I/O.

The answer is due 72 business hours after receipt (``PARTNER_ANSWER_BUSINESS_HOURS``): hours
count on business days only (Monday to Friday, not a French public holiday: the calendar's
holidays, as for complaints), in the insurer's time zone. An application received on a
Saturday starts its clock on Monday at 00:00.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from enum import StrEnum

from stdnum.fr import siren as stdnum_siren

from callback.domain.calendar import Calendar
from ms_platform.errors import Conflict

_ORIAS = re.compile(r"^\d{8}$")


class ApplicationStatus(StrEnum):
    RECEIVED = "received"
    ACCEPTED = "accepted"
    REFUSED = "refused"


def orias_number(value: str) -> str:
    """An ORIAS registration number, compacted (spaces and dots removed): 8 digits."""
    compact = re.sub(r"[\s.]", "", value)
    if not _ORIAS.fullmatch(compact):
        raise ValueError("Numéro ORIAS invalide (8 chiffres, tel qu'inscrit au registre des intermédiaires).")
    return compact


def siren_number(value: str) -> str:
    """A SIREN checked with python-stdnum (9 digits, Luhn key)."""
    compact = stdnum_siren.compact(value)
    if not stdnum_siren.is_valid(compact):
        raise ValueError("SIREN invalide (9 chiffres avec sa clé de contrôle).")
    return compact


def answer_by(received_at: datetime, calendar: Calendar, business_hours: int) -> datetime:
    """``business_hours`` counted on business days only, from ``received_at`` (an aware datetime)."""
    local = received_at.astimezone(calendar.zone)
    day, clock = local.date(), local.time().replace(tzinfo=None)
    left = timedelta(hours=business_hours)
    while True:
        if calendar.is_business_day(day):
            rest_of_day = datetime.combine(day + timedelta(days=1), time()) - datetime.combine(day, clock)
            if left <= rest_of_day:
                return datetime.combine(day, clock, calendar.zone) + left
            left -= rest_of_day
        day, clock = day + timedelta(days=1), time()


def overdue(now: datetime, status: ApplicationStatus, due: datetime) -> bool:
    return status is ApplicationStatus.RECEIVED and now > due


class AlreadyDecided(Conflict):
    code = "application-already-decided"
    title = "Application already decided"

    def __init__(self, status: str) -> None:
        label = "acceptée" if status == ApplicationStatus.ACCEPTED else "refusée"
        super().__init__(f"Cette candidature a déjà été {label}.", field="status")


def may_decide(status: ApplicationStatus) -> None:
    if status is not ApplicationStatus.RECEIVED:
        raise AlreadyDecided(status)
