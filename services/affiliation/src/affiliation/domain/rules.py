"""Affiliation's rules: SIREN and NIR (python-stdnum), what an affiliation may name, the one
business day of processing (holiday calendar), automatic processing or review, and the employer
notice on a beneficiary addition (AF-1..AF-6). No I/O here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

import holidays
from stdnum.exceptions import ValidationError
from stdnum.fr import nir as nir_number
from stdnum.fr import siren as siren_number

from affiliation.domain.errors import (
    InvalidField, InvalidNir, InvalidSiren, ProvidentNotAffiliable, StartBeforeContract, UnknownOption,
)


class Category(StrEnum):
    SANTE = "sante"
    PREVOYANCE = "prevoyance"


class Formula(StrEnum):
    """How the company contributes to a group santé contract (AF-5)."""

    FAMILY = "family"
    SUPPLEMENTARY = "supplementary_company_contribution"


class Status(StrEnum):
    """An online affiliation request's status, as the employer follows it (AF-3)."""

    RECEIVED = "received"  # waiting for processing (within one business day)
    IN_REVIEW = "in_review"  # cannot be processed automatically: a back-office user decides
    AFFILIATED = "affiliated"
    REJECTED = "rejected"


class Origin(StrEnum):
    EMPLOYER = "employer"
    INVITATION = "invitation"


class Source(StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"  # paper form (BIA), phone: imported from the insurer's files (AF-4)


def checked_siren(raw: str, field: str = "siren") -> str:
    """The SIREN's 9 digits (spaces allowed in input), or InvalidSiren (Luhn key, python-stdnum)."""
    try:
        return siren_number.validate(raw)
    except ValidationError:
        raise InvalidSiren(field) from None


def checked_nir(raw: str, birth_date: date, field: str = "employee.nir") -> str:
    """The NIR's 15 characters (key checked by python-stdnum, Corsica's 2A/2B included), which must
    agree with the birth date: year always, month when the NIR gives one (01-12)."""
    try:
        number = nir_number.validate(raw)
    except ValidationError:
        raise InvalidNir(field=field) from None
    if number[0] not in "12":
        raise InvalidNir("Numéro de sécurité sociale invalide : il commence par 1 ou 2.", field)
    if int(number[1:3]) != birth_date.year % 100:
        raise InvalidNir("Le numéro de sécurité sociale ne correspond pas à l'année de naissance.", field)
    month = int(number[3:5])
    if 1 <= month <= 12 and month != birth_date.month:
        raise InvalidNir("Le numéro de sécurité sociale ne correspond pas au mois de naissance.", field)
    return number


def check_birth_date(birth_date: date, today: date, field: str = "employee.birth_date") -> None:
    """An employee is at least 14 (apprentices) and at most 100 years old."""
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if birth_date > today or age < 14 or age > 100:
        raise InvalidField(field, "Date de naissance invalide : un salarié a entre 14 et 100 ans.")


@dataclass(frozen=True)
class GroupContract:
    id: object
    siren: str
    contract_number: str
    category: str
    label: str
    contribution_formula: str
    start_date: date
    options: tuple[str, ...] = ()


def check_affiliation(contract: GroupContract, start_date: date, options: list[str], today: date,
                      max_future_days: int, field_prefix: str = "") -> list[str]:
    """What an affiliation to ``contract`` may name (AF-1, AF-6); the options, deduplicated."""
    if contract.category == Category.PREVOYANCE:
        raise ProvidentNotAffiliable(f"{field_prefix}group_contract_id")
    if start_date < contract.start_date:
        raise StartBeforeContract(contract.start_date.strftime("%d/%m/%Y"), f"{field_prefix}start_date")
    if start_date > today + timedelta(days=max_future_days):
        raise InvalidField(f"{field_prefix}start_date",
                           f"La date d'affiliation ne peut pas dépasser {max_future_days} jours dans le futur.")
    chosen: list[str] = []
    for option in options:
        if option not in contract.options:
            raise UnknownOption(option, f"{field_prefix}options")
        if option not in chosen:
            chosen.append(option)
    return chosen


class BusinessDays:
    """Business days in the insurer's time zone: Monday to Friday, French public holidays excluded
    (the maintained ``holidays`` library: movable feasts included)."""

    def __init__(self, timezone: str = "Europe/Paris", country: str = "FR", subdivision: str | None = None) -> None:
        self.zone = ZoneInfo(timezone)
        self._holidays = holidays.country_holidays(country, subdiv=subdivision)

    def is_business_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def due(self, received_at: datetime, business_days: int = 1) -> datetime:
        """Processing deadline: the same local time ``business_days`` business days later; a request
        received on a closed day counts from the next business day's start."""
        local = received_at.astimezone(self.zone)
        day = local.date()
        if not self.is_business_day(day):
            while not self.is_business_day(day):
                day += timedelta(days=1)
            local = datetime.combine(day, datetime.min.time(), self.zone)
        for _ in range(business_days):
            day += timedelta(days=1)
            while not self.is_business_day(day):
                day += timedelta(days=1)
        return datetime.combine(day, local.timetz().replace(tzinfo=None), self.zone)


def review_reason(start_date: date, today: date, max_retroactive_days: int, affiliated_elsewhere: bool) -> str | None:
    """Why a request cannot be processed automatically (AF-3), or None: a start date too far in the
    past (contributions to call back), or an employee already affiliated through another company."""
    if start_date < today - timedelta(days=max_retroactive_days):
        return f"Affiliation rétroactive de plus de {max_retroactive_days} jours"
    if affiliated_elsewhere:
        return "Salarié déjà affilié par une autre entreprise"
    return None


def employer_told_of_beneficiary(category: str, formula: str | None, company_contribution_changes: bool) -> bool:
    """AF-5, for a group santé contract: always with the supplementary company contribution; with
    the family formula only when the company's contribution changes; never for another formula, an
    individual contract or a prévoyance contract (its beneficiaries are not the employer's cost)."""
    if category != Category.SANTE:
        return False
    if formula == Formula.SUPPLEMENTARY:
        return True
    return formula == Formula.FAMILY and company_contribution_changes


def searchable(text: str) -> str:
    """Text as the journal's search compares it (AF-7): accents and case left out, so that
    « beneficiaire » finds « Bénéficiaire » and « LEFEBVRE » finds « Lefèbvre »."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
