"""Contribution schedules (échéancier, CT-5): debit days and the schedule lines of an import.

The insurer's file gives each year's planned debits (a date and an amount in euros). A debit
planned on a weekend or a French public holiday is taken on the next business day.
"""

from __future__ import annotations

import re
from collections.abc import Container
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any

import holidays
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

_AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
MIN_YEAR, MAX_YEAR = 2000, 2100


@lru_cache(maxsize=1)
def french_public_holidays() -> holidays.HolidayBase:
    """Metropolitan France's public holidays (1 Jan, Easter Monday, 1 and 8 May, Ascension,
    Whit Monday, 14 July, 15 August, 1 and 11 November, 25 December); years load on demand."""
    return holidays.country_holidays("FR")


def next_business_day(day: date, closed: Container[date] | None = None) -> date:
    """``day`` itself if it is a business day, otherwise the first business day after it."""
    closed = french_public_holidays() if closed is None else closed
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    return day


# --- import lines ----------------------------------------------------------------------------

AmountText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]


class DebitShape(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    amount_eur: AmountText


class ScheduleShape(BaseModel):
    """One year of a contract's schedule: ``{"year", "debits": [{"date", "amount_eur"}]}``."""

    model_config = ConfigDict(extra="forbid")

    year: int
    debits: list[DebitShape] = Field(min_length=1, max_length=366)


class KeyedScheduleShape(ScheduleShape):
    """A top-level schedule line of an import, naming its contract."""

    contract_number: str


@dataclass(frozen=True)
class Schedule:
    """A valid year of debits: planned date → amount in euros."""

    year: int
    debits: tuple[tuple[date, Decimal], ...]


@dataclass(frozen=True)
class ScheduleError:
    field: str
    message: str


def schedule_errors(
    shape: ScheduleShape, prefix: str, start_date: date, end_date: date | None
) -> tuple[Schedule | None, list[ScheduleError]]:
    """Check one year against the contract's dates; the schedule or every reason it is refused."""
    errors: list[ScheduleError] = []
    if not MIN_YEAR <= shape.year <= MAX_YEAR:
        errors.append(ScheduleError(f"{prefix}year", "Année invalide."))
    seen: set[date] = set()
    debits: list[tuple[date, Decimal]] = []
    for i, debit in enumerate(shape.debits):
        where = f"{prefix}debits.{i}."
        if debit.date.year != shape.year:
            errors.append(ScheduleError(f"{where}date", "Cette échéance n'appartient pas à l'année de l'échéancier."))
        elif debit.date < start_date or (end_date is not None and debit.date > end_date):
            errors.append(ScheduleError(f"{where}date", "Cette échéance tombe hors de la période du contrat."))
        if debit.date in seen:
            errors.append(ScheduleError(f"{where}date", "Cette date figure déjà dans l'échéancier."))
        seen.add(debit.date)
        if not _AMOUNT.fullmatch(debit.amount_eur) or Decimal(debit.amount_eur) <= 0:
            errors.append(ScheduleError(f"{where}amount_eur",
                                        "Montant invalide (en euros, par exemple « 42.50 », supérieur à zéro)."))
            continue
        debits.append((debit.date, Decimal(debit.amount_eur).quantize(Decimal("0.01"))))
    if errors:
        return None, errors
    return Schedule(shape.year, tuple(sorted(debits))), []


def years_errors(schedules: list[ScheduleShape], prefix: str) -> list[ScheduleError]:
    """A year given twice for one contract in one file is ambiguous."""
    seen: set[int] = set()
    errors = []
    for i, s in enumerate(schedules):
        if s.year in seen:
            errors.append(ScheduleError(f"{prefix}{i}.year", "Cette année figure déjà pour ce contrat."))
        seen.add(s.year)
    return errors


def debit_view(due_date: date, amount: Decimal, closed: Container[date] | None = None) -> dict[str, Any]:
    """One debit as the member sees it: planned date, actual debit day, amount."""
    return {"due_date": due_date, "debit_date": next_business_day(due_date, closed), "amount_eur": amount}


def next_debit(rows: list[tuple[date, Decimal]], today: date, closed: Container[date] | None = None) -> dict[str, Any] | None:
    """The first debit taken today or later (by its actual debit day), or None."""
    for due_date, amount in sorted(rows):
        view = debit_view(due_date, amount, closed)
        if view["debit_date"] >= today:
            return view
    return None
