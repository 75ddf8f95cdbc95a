"""Partner applications (BR-5): ORIAS and SIREN checked, the answer due 72 hours counted on business
days only (weekends and French public holidays skipped, movable feasts included)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from callback.domain.calendar import Calendar, OpeningHours
from callback.domain.partners import (
    AlreadyDecided, ApplicationStatus, answer_by, may_decide, orias_number, overdue, siren_number,
)
from callback.settings import DEFAULT_OPENING_HOURS

PARIS = ZoneInfo("Europe/Paris")
CAL = Calendar(OpeningHours.parse(DEFAULT_OPENING_HOURS))


def test_an_application_on_a_monday_morning_is_due_on_thursday_at_the_same_time():
    received = datetime(2027, 3, 1, 10, 30, tzinfo=PARIS)  # Monday, no holiday that week
    assert answer_by(received, CAL, 72) == datetime(2027, 3, 4, 10, 30, tzinfo=PARIS)


def test_a_friday_afternoon_application_skips_the_weekend():
    received = datetime(2027, 3, 5, 16, 0, tzinfo=PARIS)  # Friday
    assert answer_by(received, CAL, 72) == datetime(2027, 3, 10, 16, 0, tzinfo=PARIS)  # Wednesday


def test_a_saturday_application_starts_its_clock_on_monday_at_midnight():
    received = datetime(2027, 3, 6, 11, 0, tzinfo=PARIS)  # Saturday
    assert answer_by(received, CAL, 72) == datetime(2027, 3, 11, 0, 0, tzinfo=PARIS)  # Monday 00:00 + 3 days


def test_ascension_and_whit_monday_do_not_count():
    # Wednesday 5 May 2027 at 15:00: Thursday 6 is Ascension; Friday 7, Monday 10, Tuesday 11 count.
    received = datetime(2027, 5, 5, 15, 0, tzinfo=PARIS)
    assert answer_by(received, CAL, 72) == datetime(2027, 5, 11, 15, 0, tzinfo=PARIS)
    # Friday 14 May 2027 at 9:00: Monday 17 is Whit Monday.
    assert answer_by(datetime(2027, 5, 14, 9, 0, tzinfo=PARIS), CAL, 72) == datetime(2027, 5, 20, 9, 0, tzinfo=PARIS)


def test_an_application_sent_at_christmas_eve_is_answered_after_the_holidays():
    received = datetime(2026, 12, 24, 18, 0, tzinfo=PARIS)  # Thursday; 25 Dec is a holiday
    # 24 Dec 18:00-24:00 (6 h), 28, 29 Dec (48 h), then 18 h on Wednesday 30 December.
    assert answer_by(received, CAL, 72) == datetime(2026, 12, 30, 18, 0, tzinfo=PARIS)


def test_a_utc_receipt_is_counted_in_paris_time():
    received = datetime(2027, 3, 5, 23, 30, tzinfo=ZoneInfo("UTC"))  # Saturday 00:30 in Paris
    assert answer_by(received, CAL, 72) == datetime(2027, 3, 11, 0, 0, tzinfo=PARIS)


@pytest.mark.parametrize("raw, compact", [("12065432", "12065432"), ("12 065 432", "12065432"),
                                          ("12.06.54.32", "12065432")])
def test_an_orias_number_is_eight_digits_spaces_and_dots_aside(raw, compact):
    assert orias_number(raw) == compact


@pytest.mark.parametrize("raw", ["1206543", "120654321", "ORIAS123", ""])
def test_a_malformed_orias_number_is_refused(raw):
    with pytest.raises(ValueError, match="ORIAS"):
        orias_number(raw)


def test_a_siren_is_checked_with_its_luhn_key():
    assert siren_number("732 829 320") == "732829320"
    for bad in ("732829321", "12345678", "abcdefghi"):
        with pytest.raises(ValueError, match="SIREN"):
            siren_number(bad)


def test_only_a_received_application_is_decided_and_only_it_can_be_overdue():
    due = datetime(2027, 3, 4, 10, 30, tzinfo=PARIS)
    later = datetime(2027, 3, 4, 10, 31, tzinfo=PARIS)
    assert overdue(later, ApplicationStatus.RECEIVED, due) and not overdue(due, ApplicationStatus.RECEIVED, due)
    assert not overdue(later, ApplicationStatus.ACCEPTED, due)
    may_decide(ApplicationStatus.RECEIVED)
    for decided in (ApplicationStatus.ACCEPTED, ApplicationStatus.REFUSED):
        with pytest.raises(AlreadyDecided):
            may_decide(decided)
