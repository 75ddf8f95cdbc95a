"""Callback requests' rules: French phone numbers, reasons, who changes what and when (CB-1..CB-3)."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from callback.domain.calendar import Slot
from callback.domain.callbacks import (
    Callback, Outcome, Reason, Status, cancelled_by_member, check_case_number, french_phone, moved, with_outcome,
)
from callback.domain.errors import CallbackClosed, CaseNumberWithoutFollowUp, InvalidPhone, SlotStarted

NOW = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["06 12 34 56 78", "0612345678", "+33 6 12 34 56 78", "07.81.23.45.67",
                                 "+262 692 12 34 56"])
def test_a_french_mobile_number_is_accepted_and_gets_the_sms_reminder(raw):
    phone = french_phone(raw)
    assert phone.mobile and phone.e164.startswith("+")


def test_a_landline_is_accepted_without_sms_reminder():
    phone = french_phone("01 23 45 67 89")
    assert (phone.e164, phone.mobile, phone.national) == ("+33123456789", False, "01 23 45 67 89")


@pytest.mark.parametrize("raw", ["12345", "06 12 34", "+44 7700 900123", "08 99 12 34 56", "0800 12 34 56",
                                 "téléphone", "07 00 00 00 00"])
def test_a_malformed_foreign_premium_or_toll_free_number_is_refused(raw):
    with pytest.raises(InvalidPhone) as refused:
        french_phone(raw)
    assert refused.value.field == "phone"


def test_a_case_number_is_only_for_a_follow_up():
    assert check_case_number(Reason.CASE_FOLLOW_UP, "D-2027-001") == "D-2027-001"
    assert check_case_number(Reason.CONTRACT_QUESTION, None) is None
    with pytest.raises(CaseNumberWithoutFollowUp):
        check_case_number(Reason.NEW_SERVICE_REQUEST, "D-2027-001")


def _callback(status=Status.SCHEDULED, start=NOW + timedelta(hours=3)) -> Callback:
    return Callback(uuid.uuid4(), uuid.uuid4(), Reason.CONTRACT_QUESTION, start, start + timedelta(minutes=30),
                    "+33612345678", True, None, None, None, None, status, NOW, NOW)


def _slot(hours: int) -> Slot:
    return Slot(NOW + timedelta(hours=hours), NOW + timedelta(hours=hours, minutes=30))


def test_a_member_moves_a_callback_until_its_slot_starts():
    assert moved(_callback(), _slot(26), NOW).slot_start == NOW + timedelta(hours=26)
    with pytest.raises(SlotStarted):
        moved(_callback(start=NOW - timedelta(minutes=1)), _slot(26), NOW)


def test_a_member_cancels_until_the_slot_starts_and_never_twice():
    assert cancelled_by_member(_callback(), NOW).status is Status.CANCELLED
    with pytest.raises(SlotStarted):
        cancelled_by_member(_callback(start=NOW), NOW)
    with pytest.raises(CallbackClosed):
        cancelled_by_member(_callback(Status.CANCELLED), NOW)


def test_after_a_missed_call_the_member_books_a_new_slot():
    missed = _callback(Status.NO_ANSWER, start=NOW - timedelta(hours=2))
    again = moved(missed, _slot(26), NOW)
    assert (again.status, again.slot_start) == (Status.SCHEDULED, NOW + timedelta(hours=26))


def test_a_done_or_cancelled_callback_is_not_moved():
    for status in (Status.DONE, Status.CANCELLED):
        with pytest.raises(CallbackClosed):
            moved(_callback(status), _slot(26), NOW)


def test_an_agent_records_one_outcome_per_scheduled_callback():
    done = with_outcome(_callback(), Outcome.DONE, NOW)
    assert (done.status, done.attempts) == (Status.DONE, 1)
    with pytest.raises(CallbackClosed):
        with_outcome(done, Outcome.NO_ANSWER, NOW)
