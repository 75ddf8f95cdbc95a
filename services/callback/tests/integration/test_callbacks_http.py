"""Callback requests on the real PostgreSQL: slots, booking by members and by people without an
account, moves, cancellations, their events in the outbox (CB-1..CB-3)."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.integration
PARIS = ZoneInfo("Europe/Paris")


async def test_the_api_answers_its_health_routes(client):
    assert (await client.get("/health/live")).status_code == 200
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


async def test_available_slots_need_no_token_and_start_at_least_an_hour_ahead_on_open_days(client, app):
    response = await client.get("/v1/callback-slots")
    assert response.status_code == 200, response.text
    slots = response.json()
    assert slots
    now = datetime.now(PARIS)
    calendar = app.state.callback_rules.calendar
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert min(starts) >= now + timedelta(minutes=60)
    assert max(starts).date() <= now.date() + timedelta(days=30)
    assert all(calendar.is_open(s.astimezone(PARIS).date()) for s in starts)
    assert all(s["remaining"] >= 1 for s in slots)


async def test_a_member_books_a_callback_and_its_event_is_in_the_outbox(client, token, pool, free_slot, booking):
    account = uuid.uuid4()
    slot = await free_slot()
    response = await client.post("/v1/callbacks", json=booking(slot, comment="Question sur l'optique"),
                                 headers=token("member", subject=account))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["status"], body["phone"], body["sms_reminder"]) == ("scheduled", "06 12 34 56 78", True)
    assert datetime.fromisoformat(body["slot_start"]) == datetime.fromisoformat(slot)
    row = await pool.fetchrow("select topic, event_type, payload from outbox where key = $1", body["id"])
    assert (row["topic"], row["event_type"]) == ("callback.callback.v1", "CallbackScheduled")
    listed = (await client.get("/v1/callbacks", headers=token("member", subject=account))).json()
    assert [c["id"] for c in listed] == [body["id"]]


async def test_a_person_without_an_account_books_with_name_and_phone_and_no_token(
        client, pool, free_slot, booking, phone):
    landline = phone("01")
    response = await client.post("/v1/callbacks", json=booking(
        await free_slot(), reason="new_service_request", phone=landline, first_name="Josiane", last_name="Balasko"))
    assert response.status_code == 201, response.text
    assert response.json()["sms_reminder"] is False
    row = await pool.fetchrow("select account_id, phone, reminder_due_at from callback where id = $1",
                              uuid.UUID(response.json()["id"]))
    assert (row["account_id"], row["phone"], row["reminder_due_at"]) == (None, "+33" + landline[1:], None)


async def test_without_an_account_the_name_is_required(client, pool, free_slot, booking, phone):
    number = phone()
    response = await client.post("/v1/callbacks", json=booking(await free_slot(), phone=number, last_name="Seule"))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "first_name"
    assert await pool.fetchval("select count(*) from callback where phone = $1", "+33" + number[1:]) == 0


@pytest.mark.parametrize("change, field, code", [
    ({"slot_start": "2020-01-06T09:00:00+01:00"}, "slot_start", "slot-in-the-past"),
    ({"reason": "rappel_urgent"}, "reason", "validation-error"),
    ({"phone": "06 12"}, "phone", "invalid-phone"),
    ({"phone": "+44 7700 900123"}, "phone", "invalid-phone"),
    ({"case_number": "D-1"}, "case_number", "case-number-without-follow-up"),
    ({"comment": "a\u202eb"}, "comment", "validation-error"),
])
async def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_stored(
        client, token, pool, free_slot, booking, change, field, code):
    account = uuid.uuid4()
    response = await client.post("/v1/callbacks", json={**booking(await free_slot()), **change},
                                 headers=token("member", subject=account))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert (problem["field"], problem["type"].rsplit("/", 1)[-1]) == (field, code)
    assert await pool.fetchval("select count(*) from callback where account_id = $1", account) == 0


async def test_a_public_holiday_and_a_slot_within_the_hour_are_refused(client, token, app, booking):
    calendar = app.state.callback_rules.calendar
    now = datetime.now(PARIS)
    day = now.date() + timedelta(days=1)
    while calendar.holiday(day) is None and day < now.date() + timedelta(days=400):
        day += timedelta(days=1)
    holiday_start = datetime(day.year, day.month, day.day, 10, 0, tzinfo=PARIS)
    response = await client.post("/v1/callbacks", json=booking(holiday_start.isoformat()), headers=token("member"))
    # Within the horizon: closed; a holiday further than 30 days ahead is refused as too far.
    expected = "closed-day" if day <= now.date() + timedelta(days=30) else "slot-too-far"
    assert response.json()["type"].endswith(expected), response.text
    soon = (now + timedelta(minutes=20)).replace(second=0, microsecond=0)
    response = await client.post("/v1/callbacks", json=booking(soon.isoformat()), headers=token("member"))
    assert response.status_code == 422 and response.json()["field"] == "slot_start"


async def test_a_member_moves_then_cancels_their_callback_and_each_change_is_published(
        client, token, pool, free_slot, booking):
    member = token("member")
    first = await free_slot()
    created = (await client.post("/v1/callbacks", json=booking(first), headers=member)).json()
    second = await free_slot(first)
    moved = await client.post(f"/v1/callbacks/{created['id']}/reschedule", json={"slot_start": second}, headers=member)
    assert moved.status_code == 200, moved.text
    assert datetime.fromisoformat(moved.json()["slot_start"]) == datetime.fromisoformat(second)
    cancelled = await client.post(f"/v1/callbacks/{created['id']}/cancel", headers=member)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = await client.post(f"/v1/callbacks/{created['id']}/cancel", headers=member)
    assert again.status_code == 409
    types = [r["event_type"] for r in await pool.fetch("select event_type from outbox where key = $1 order by position",
                                                        created["id"])]
    assert types == ["CallbackScheduled", "CallbackRescheduled", "CallbackCancelled"]


async def test_a_member_never_sees_nor_changes_another_members_callback(client, token, free_slot, booking):
    owner, other = token("member"), token("member")
    created = (await client.post("/v1/callbacks", json=booking(await free_slot()), headers=owner)).json()
    assert (await client.get(f"/v1/callbacks/{created['id']}", headers=other)).status_code == 404
    assert (await client.post(f"/v1/callbacks/{created['id']}/cancel", headers=other)).status_code == 404
    moved = await client.post(f"/v1/callbacks/{created['id']}/reschedule",
                              json={"slot_start": await free_slot()}, headers=other)
    assert moved.status_code == 404
    assert (await client.get("/v1/callbacks", headers=other)).json() == []
    assert (await client.get(f"/v1/callbacks/{created['id']}", headers=owner)).status_code == 200


async def test_a_retried_booking_with_the_same_idempotency_key_books_once(client, token, pool, free_slot, booking):
    account = uuid.uuid4()
    headers = {**token("member", subject=account), "Idempotency-Key": str(uuid.uuid4())}
    body = booking(await free_slot())
    first = await client.post("/v1/callbacks", json=body, headers=headers)
    second = await client.post("/v1/callbacks", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert await pool.fetchval("select count(*) from callback where account_id = $1", account) == 1
    stranger = await client.post("/v1/callbacks", json=body,
                                 headers={**token("member"), "Idempotency-Key": headers["Idempotency-Key"]})
    assert stranger.status_code == 409


async def test_a_member_holds_at_most_the_settings_number_of_scheduled_callbacks(client, token, free_slot, booking, settings):
    member = token("member")
    taken: list[str] = []
    for _ in range(settings.max_open_callbacks_per_account):
        slot = await free_slot(*taken)
        taken.append(slot)
        assert (await client.post("/v1/callbacks", json=booking(slot), headers=member)).status_code == 201
    refused = await client.post("/v1/callbacks", json=booking(await free_slot(*taken)), headers=member)
    assert refused.status_code == 409 and refused.json()["type"].endswith("too-many-callbacks")


async def test_a_number_without_an_account_holds_at_most_the_settings_number_of_scheduled_callbacks(
        client, free_slot, booking, phone, settings):
    number, taken = phone(), []
    for _ in range(settings.max_open_callbacks_per_phone):
        taken.append(await free_slot(*taken))
        answer = await client.post("/v1/callbacks", json=booking(taken[-1], phone=number, first_name="A", last_name="B"))
        assert answer.status_code == 201, answer.text
    refused = await client.post("/v1/callbacks", json=booking(await free_slot(*taken), phone=number, first_name="A",
                                                              last_name="B"))
    assert refused.status_code == 409 and refused.json()["type"].endswith("too-many-callbacks")
