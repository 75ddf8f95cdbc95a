"""Contribution schedules (CT-5): debit days and the validation of a year of debits."""

from datetime import date
from decimal import Decimal

import pytest

from contracts.domain.schedules import (
    KeyedScheduleShape,
    ScheduleShape,
    next_business_day,
    next_debit,
    schedule_errors,
    years_errors,
)


@pytest.mark.parametrize(("planned", "taken"), [
    (date(2026, 5, 1), date(2026, 5, 4)),      # Fête du travail, a Friday → Monday 4
    (date(2026, 7, 14), date(2026, 7, 15)),    # Fête nationale, a Tuesday
    (date(2026, 8, 15), date(2026, 8, 17)),    # Assomption, a Saturday → Monday 17
    (date(2026, 11, 1), date(2026, 11, 2)),    # Toussaint, a Sunday
    (date(2026, 12, 25), date(2026, 12, 28)),  # Noël, a Friday → Monday 28
    (date(2026, 4, 6), date(2026, 4, 7)),      # Lundi de Pâques 2026
    (date(2027, 3, 29), date(2027, 3, 30)),    # Lundi de Pâques 2027
])
def test_a_debit_on_a_public_holiday_moves_to_the_next_business_day(planned, taken):
    assert next_business_day(planned) == taken


def test_a_debit_on_a_weekend_moves_to_monday():
    assert next_business_day(date(2026, 9, 5)) == date(2026, 9, 7)   # Saturday
    assert next_business_day(date(2026, 4, 5)) == date(2026, 4, 7)   # Sunday, then Easter Monday


def test_a_debit_on_a_business_day_stays_on_that_day():
    assert next_business_day(date(2026, 11, 5)) == date(2026, 11, 5)


def test_consecutive_closed_days_are_all_skipped():
    # 2027-05-08 (Victoire 1945) is a Saturday, then Sunday: Monday 10.
    assert next_business_day(date(2027, 5, 8)) == date(2027, 5, 10)


def test_the_holiday_calendar_can_be_given():
    assert next_business_day(date(2026, 11, 5), closed={date(2026, 11, 5)}) == date(2026, 11, 6)


def _shape(year=2026, debits=None):
    debits = debits if debits is not None else [{"date": f"{year}-{m:02d}-05", "amount_eur": "42.50"} for m in range(1, 13)]
    return ScheduleShape.model_validate({"year": year, "debits": debits})


def test_a_valid_year_gives_the_sorted_debits_in_cents():
    schedule, errors = schedule_errors(_shape(debits=[{"date": "2026-02-05", "amount_eur": "10"},
                                                      {"date": "2026-01-05", "amount_eur": "12.5"}]),
                                       "", date(2024, 1, 1), None)
    assert errors == []
    assert schedule.debits == ((date(2026, 1, 5), Decimal("12.50")), (date(2026, 2, 5), Decimal("10.00")))


@pytest.mark.parametrize(("amount", "reason"), [("-3.00", "negative"), ("0", "zero"), ("12,50", "comma"),
                                               ("1.234", "sub-cent"), ("abc", "text")])
def test_an_amount_that_is_not_a_positive_euro_amount_is_refused(amount, reason):
    _, errors = schedule_errors(_shape(debits=[{"date": "2026-01-05", "amount_eur": amount}]),
                                "schedules.0.", date(2024, 1, 1), None)
    assert [e.field for e in errors] == ["schedules.0.debits.0.amount_eur"], reason


def test_a_debit_outside_the_year_or_the_contract_is_refused():
    shape = _shape(debits=[{"date": "2027-01-05", "amount_eur": "1"}, {"date": "2026-01-05", "amount_eur": "1"},
                           {"date": "2026-12-05", "amount_eur": "1"}])
    _, errors = schedule_errors(shape, "", date(2026, 3, 1), date(2026, 10, 31))
    assert [e.field for e in errors] == ["debits.0.date", "debits.1.date", "debits.2.date"]


def test_a_date_twice_and_an_absurd_year_are_refused():
    _, errors = schedule_errors(_shape(year=1800, debits=[{"date": "1800-01-05", "amount_eur": "1"},
                                                          {"date": "1800-01-05", "amount_eur": "1"}]),
                                "", date(1790, 1, 1), None)
    assert {e.field for e in errors} == {"year", "debits.1.date"}


def test_a_year_given_twice_for_a_contract_is_refused():
    errors = years_errors([_shape(), _shape()], "schedules.")
    assert [e.field for e in errors] == ["schedules.1.year"]


def test_a_top_level_schedule_line_names_its_contract_and_forbids_other_fields():
    line = KeyedScheduleShape.model_validate({"contract_number": "104233", **_shape().model_dump(mode="json")})
    assert line.contract_number == "104233" and len(line.debits) == 12
    with pytest.raises(ValueError):
        KeyedScheduleShape.model_validate({"contract_number": "1", "year": 2026, "debits": [], "x": 1})


def test_the_next_debit_is_the_first_taken_today_or_later():
    rows = [(date(2026, 11, 1), Decimal("5")), (date(2026, 12, 5), Decimal("6")), (date(2026, 10, 5), Decimal("4"))]
    # Planned on Sunday 1 November (Toussaint too), taken on Monday 2: still ahead on the 2nd.
    assert next_debit(rows, date(2026, 11, 2)) == {
        "due_date": date(2026, 11, 1), "debit_date": date(2026, 11, 2), "amount_eur": Decimal("5")}
    assert next_debit(rows, date(2026, 11, 3))["due_date"] == date(2026, 12, 5)
    assert next_debit(rows, date(2026, 12, 8)) is None
