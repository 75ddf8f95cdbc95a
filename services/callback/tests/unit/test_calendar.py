"""The call centre's calendar (CB-1): opening hours, slots, French public holidays, business days."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from callback.domain.calendar import Calendar, OpeningHours
from callback.domain.errors import ClosedDay, NotASlot, SlotInThePast, SlotTooFar, SlotTooSoon
from callback.settings import DEFAULT_OPENING_HOURS

PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def cal() -> Calendar:
    return Calendar(OpeningHours.parse(DEFAULT_OPENING_HOURS))


def paris(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


@pytest.mark.parametrize("day", [
    date(2026, 4, 6), date(2027, 3, 29), date(2028, 4, 17),  # Easter Monday
    date(2026, 5, 14), date(2027, 5, 6), date(2028, 5, 25),  # Ascension
    date(2026, 5, 25), date(2027, 5, 17), date(2028, 6, 5),  # Whit Monday
])
def test_movable_feasts_close_the_call_centre(cal, day):
    assert cal.holiday(day) is not None
    assert cal.slots_of(day) == []


@pytest.mark.parametrize("day", [date(2027, 1, 1), date(2027, 5, 1), date(2027, 5, 8), date(2027, 7, 14),
                                 date(2027, 8, 15), date(2027, 11, 1), date(2027, 11, 11), date(2027, 12, 25)])
def test_fixed_public_holidays_close_the_call_centre(cal, day):
    assert not cal.is_open(day)


def test_a_weekday_has_eighteen_half_hour_slots_from_nine_to_six(cal):
    slots = cal.slots_of(date(2027, 3, 2))  # a Tuesday
    assert len(slots) == 18
    assert (slots[0].start.time(), slots[-1].end.time()) == (time(9), time(18))
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_saturday_mornings_are_open_and_sundays_closed(cal):
    saturday = cal.slots_of(date(2027, 3, 6))
    assert [s.start.time() for s in saturday] == [time(9), time(9, 30), time(10), time(10, 30), time(11), time(11, 30)]
    assert cal.slots_of(date(2027, 3, 7)) == []


def test_slots_are_local_time_on_both_sides_of_the_summer_time_change(cal):
    before, after = cal.slots_of(date(2027, 3, 26))[0], cal.slots_of(date(2027, 3, 30))[0]
    assert before.start.astimezone(UTC).hour == 8 and after.start.astimezone(UTC).hour == 7


def test_opening_hours_and_slot_length_are_settings():
    cal = Calendar(OpeningHours.parse({"mon": "08:30-12:00,14:00-17:00"}), slot_minutes=60)
    starts = [s.start.time() for s in cal.slots_of(date(2027, 3, 1))]
    assert starts == [time(8, 30), time(9, 30), time(10, 30), time(14), time(15), time(16)]
    assert cal.slots_of(date(2027, 3, 2)) == []


@pytest.mark.parametrize("raw", [{"lun": "09:00-18:00"}, {"mon": "9h-18h"}, {"mon": "18:00-09:00"},
                                 {"mon": "09:00-12:00,11:00-13:00"}])
def test_malformed_opening_hours_are_refused(raw):
    with pytest.raises(ValueError):
        OpeningHours.parse(raw)


def test_a_subdivision_adds_its_own_holidays():
    moselle = Calendar(OpeningHours.parse(DEFAULT_OPENING_HOURS), holiday_subdivision="57")
    assert not moselle.is_open(date(2027, 3, 26))  # Good Friday in Alsace-Moselle
    assert Calendar(OpeningHours.parse(DEFAULT_OPENING_HOURS)).is_open(date(2027, 3, 26))


def test_no_bookable_slot_starts_within_the_next_hour(cal):
    now = paris(2027, 3, 2, 10, 10)
    first = cal.bookable(now)[0]
    assert first.start == paris(2027, 3, 2, 11, 30)


def test_bookable_slots_end_thirty_days_ahead(cal):
    now = paris(2027, 3, 2, 10, 0)
    slots = cal.bookable(now)
    assert slots[-1].start.date() <= date(2027, 4, 1)
    assert date(2027, 4, 1) in {s.start.date() for s in slots}  # a Thursday, 30 days ahead
    assert all(s.start.date() != date(2027, 3, 29) for s in slots)  # Easter Monday


def test_a_slot_in_the_past_is_refused(cal):
    with pytest.raises(SlotInThePast):
        cal.slot_at(paris(2027, 3, 2, 9, 0), paris(2027, 3, 2, 10, 0))


def test_a_slot_within_the_lead_time_is_refused(cal):
    with pytest.raises(SlotTooSoon):
        cal.slot_at(paris(2027, 3, 2, 11, 0), paris(2027, 3, 2, 10, 15))


def test_a_slot_beyond_the_horizon_is_refused(cal):
    with pytest.raises(SlotTooFar):
        cal.slot_at(paris(2027, 4, 2, 9, 0), paris(2027, 3, 2, 10, 0))


@pytest.mark.parametrize("start", [paris(2027, 3, 29, 9), paris(2027, 3, 7, 10)])  # Easter Monday, a Sunday
def test_a_slot_on_a_closed_day_is_refused(cal, start):
    with pytest.raises(ClosedDay):
        cal.slot_at(start, paris(2027, 3, 2, 10, 0))


@pytest.mark.parametrize("start", [paris(2027, 3, 3, 9, 15), paris(2027, 3, 3, 18, 0), paris(2027, 3, 6, 12, 0),
                                   datetime(2027, 3, 3, 9, 0)])
def test_a_start_that_is_not_a_slot_is_refused(cal, start):
    with pytest.raises(NotASlot):
        cal.slot_at(start, paris(2027, 3, 2, 10, 0))


def test_a_slot_given_in_utc_is_the_same_slot(cal):
    slot = cal.slot_at(datetime(2027, 3, 3, 8, 0, tzinfo=UTC), paris(2027, 3, 2, 10, 0))
    assert slot.start == paris(2027, 3, 3, 9, 0)


def test_business_days_skip_weekends_and_public_holidays(cal):
    # Wednesday 5 May 2027: Thursday 6 is Ascension, then Friday 7, Monday 10.
    assert cal.add_business_days(date(2027, 5, 5), 2) == date(2027, 5, 10)
    # Ten working days from Friday 14 May 2027 cross Whit Monday (17 May).
    assert cal.add_business_days(date(2027, 5, 14), 10) == date(2027, 5, 31)


def test_the_reminder_is_due_the_morning_of_the_slot(cal):
    slot = cal.slots_of(date(2027, 3, 3))[10]
    assert cal.reminder_due(slot, 8) == paris(2027, 3, 3, 8, 0)
    early = cal.slots_of(date(2027, 3, 3))[0]
    assert cal.reminder_due(early, 10) == early.start
