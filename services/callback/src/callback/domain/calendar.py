"""The call centre's calendar: opening hours, slots, public holidays, business days. No I/O.

Slots are cut from each open day's hours in the insurer's time zone (a 9:00 slot is 9:00 in
Paris, summer or winter). French public holidays, movable feasts included (Easter Monday,
Ascension, Whit Monday), come from the maintained ``holidays`` library, never from a list
written here (CB-1; "French public holidays close callback slots; business days exclude them").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from callback.domain.errors import ClosedDay, NotASlot, SlotTooFar, SlotTooSoon, SlotInThePast

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_INTERVAL = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


@dataclass(frozen=True)
class OpeningHours:
    """Each weekday's opening intervals, local time; a day without intervals is closed."""

    intervals: dict[int, tuple[tuple[time, time], ...]]

    @classmethod
    def parse(cls, raw: dict[str, str]) -> "OpeningHours":
        """``{"mon": "09:00-12:00,14:00-18:00", "sat": "09:00-12:00"}``; ValueError on anything else."""
        parsed: dict[int, tuple[tuple[time, time], ...]] = {}
        for day, text in raw.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r} (expected one of {', '.join(WEEKDAYS)})")
            spans = []
            for part in filter(None, (p.strip() for p in text.split(","))):
                match = _INTERVAL.match(part)
                if not match:
                    raise ValueError(f"{day}: {part!r} is not HH:MM-HH:MM")
                h1, m1, h2, m2 = (int(g) for g in match.groups())
                start, end = time(h1, m1), time(23, 59, 59) if h2 == 24 else time(h2, m2)
                if end <= start or (spans and start < spans[-1][1]):
                    raise ValueError(f"{day}: intervals must be ordered and not overlap")
                spans.append((start, end))
            parsed[WEEKDAYS.index(day)] = tuple(spans)
        return cls(parsed)

    def of(self, day: date) -> tuple[tuple[time, time], ...]:
        return self.intervals.get(day.weekday(), ())


@dataclass(frozen=True)
class Slot:
    """A callback slot: local start and end (aware datetimes in the insurer's time zone)."""

    start: datetime
    end: datetime


@dataclass
class Calendar:
    """The slot rules of one deployment (settings), and the holidays they close."""

    opening: OpeningHours
    slot_minutes: int = 30
    timezone: str = "Europe/Paris"
    min_lead_minutes: int = 60
    horizon_days: int = 30
    holiday_country: str = "FR"
    holiday_subdivision: str | None = None
    _holidays: holidays.HolidayBase = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.timezone)
        # Years are computed on demand (movable feasts: Easter Monday, Ascension, Whit Monday).
        self._holidays = holidays.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
        # Each day's slots by start, cut once: every booking and every list asks for them.
        self._day_slots: dict[date, dict[datetime, Slot]] = {}

    # ---- days ---------------------------------------------------------------------------

    def holiday(self, day: date) -> str | None:
        """The public holiday's name on ``day``, or None."""
        return self._holidays.get(day)

    def is_open(self, day: date) -> bool:
        return bool(self.opening.of(day)) and day not in self._holidays

    def is_business_day(self, day: date) -> bool:
        """Monday to Friday, not a public holiday (deadlines in working days, CB-4)."""
        return day.weekday() < 5 and day not in self._holidays

    def add_business_days(self, day: date, count: int) -> date:
        """The ``count``-th business day after ``day`` (``day`` itself does not count)."""
        while count > 0:
            day += timedelta(days=1)
            if self.is_business_day(day):
                count -= 1
        return day

    def today(self, now: datetime) -> date:
        return now.astimezone(self.zone).date()

    def last_bookable_day(self, now: datetime) -> date:
        return self.today(now) + timedelta(days=self.horizon_days)

    # ---- slots --------------------------------------------------------------------------

    def slots_of(self, day: date) -> list[Slot]:
        """Every slot of ``day`` (none on a closed day or a public holiday)."""
        return list(self._slots_by_start(day).values())

    def _slots_by_start(self, day: date) -> dict[datetime, Slot]:
        found = self._day_slots.get(day)
        if found is None:
            found = {slot.start: slot for slot in self._cut(day)}
            if len(self._day_slots) >= 4096:  # a long-running process: days behind it go
                self._day_slots.clear()
            self._day_slots[day] = found
        return found

    def _cut(self, day: date) -> list[Slot]:
        if not self.is_open(day):
            return []
        length = timedelta(minutes=self.slot_minutes)
        out = []
        for opens, closes in self.opening.of(day):
            start = datetime.combine(day, opens, self.zone)
            end_of_span = datetime.combine(day, closes, self.zone)
            while start + length <= end_of_span:
                out.append(Slot(start, start + length))
                start += length
        return out

    def bookable(self, now: datetime, first: date | None = None, last: date | None = None) -> list[Slot]:
        """Slots one may book at ``now``: not started, not within the lead time, within the horizon."""
        earliest = now + timedelta(minutes=self.min_lead_minutes)
        first = max(first or self.today(now), self.today(now))
        last = min(last or self.last_bookable_day(now), self.last_bookable_day(now))
        out: list[Slot] = []
        day = first
        while day <= last:
            out.extend(s for s in self.slots_of(day) if s.start >= earliest)
            day += timedelta(days=1)
        return out

    def slot_at(self, start: datetime, now: datetime) -> Slot:
        """The slot starting at ``start`` if one may book it at ``now``; the reason otherwise."""
        if start.tzinfo is None:
            raise NotASlot("Indiquez le début du créneau avec son fuseau horaire (par exemple 2027-03-02T09:00:00+01:00).")
        local = start.astimezone(self.zone)
        if start <= now:
            raise SlotInThePast()
        if start < now + timedelta(minutes=self.min_lead_minutes):
            raise SlotTooSoon(self.min_lead_minutes)
        if local.date() > self.last_bookable_day(now):
            raise SlotTooFar(self.horizon_days)
        if not self.is_open(local.date()):
            raise ClosedDay(self.holiday(local.date()))
        slot = self._slots_by_start(local.date()).get(local)
        if slot is not None:
            return slot
        raise NotASlot(f"Aucun créneau ne commence à cette heure (créneaux de {self.slot_minutes} minutes "
                       "pendant les heures d'ouverture).")

    def reminder_due(self, slot: Slot, reminder_hour: int) -> datetime:
        """When the SMS reminder goes: the morning of the slot, at the reminder hour."""
        morning = datetime.combine(slot.start.date(), time(reminder_hour), self.zone)
        return min(morning, slot.start)
