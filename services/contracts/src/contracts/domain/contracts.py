"""Contract rules that need no storage: in force, ages."""

from __future__ import annotations

from datetime import date

CATEGORIES = ("sante", "prevoyance", "retraite")
RELATIONSHIPS = ("spouse", "partner", "child")


def in_force(start_date: date, end_date: date | None, today: date) -> bool:
    """In force from its start day up to and including its end day (s001 "en cours de validité")."""
    return start_date <= today and (end_date is None or end_date >= today)


def age_on(birth_date: date, day: date) -> int:
    """Completed years on ``day``."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (1 if before_birthday else 0)
