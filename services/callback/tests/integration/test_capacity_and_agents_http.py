"""Slot capacity under concurrency, operators' capacity, the agents' queue and outcomes, on the
real PostgreSQL (CB-2)."""

import asyncio
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.integration
PARIS = ZoneInfo("Europe/Paris")


def _day(slot: str) -> str:
    return datetime.fromisoformat(slot).astimezone(PARIS).date().isoformat()


async def _booked(pool, slot: str) -> int:
    return await pool.fetchval("select count(*) from callback where slot_start = $1 and status = 'scheduled'",
                               datetime.fromisoformat(slot))


async def test_fifty_simultaneous_bookings_of_a_slot_of_capacity_three_create_exactly_three(
        client, token, pool, free_slot, booking):
    slot = await free_slot()
    before = await _booked(pool, slot)
    operator = token("operator")
    response = await client.put("/v1/callback-capacity", json={"day": _day(slot), "slot_start": slot,
                                                               "capacity": before + 3}, headers=operator)
    assert response.status_code == 200, response.text
    accounts = [uuid.uuid4() for _ in range(50)]
    answers = await asyncio.gather(*(client.post("/v1/callbacks", json=booking(slot),
                                                 headers=token("member", subject=a)) for a in accounts))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] * 3 + [409] * 47, statuses
    assert await _booked(pool, slot) == before + 3
    full = next(a for a in answers if a.status_code == 409)
    problem = full.json()
    assert full.headers["content-type"] == "application/problem+json"
    assert problem["type"].endswith("/slot-full") and problem["title"] == "Créneau complet"
    assert problem["field"] == "slot_start" and "complet" in problem["detail"]
    suggested = [s["start"] for s in problem["next_free_slots"]]
    assert suggested and slot not in suggested
    assert all(datetime.fromisoformat(s) > datetime.fromisoformat(slot) for s in suggested)
    listed = {s["start"] for s in (await client.get("/v1/callback-slots")).json()}
    assert slot not in listed and suggested[0] in listed


async def test_a_full_slot_disappears_from_the_slots_and_comes_back_when_a_callback_is_cancelled(
        client, token, pool, free_slot, booking):
    slot = await free_slot()
    before = await _booked(pool, slot)
    await client.put("/v1/callback-capacity", json={"day": _day(slot), "slot_start": slot, "capacity": before + 1},
                     headers=token("operator"))
    member = token("member")
    created = (await client.post("/v1/callbacks", json=booking(slot), headers=member)).json()
    assert slot not in {s["start"] for s in (await client.get("/v1/callback-slots")).json()}
    await client.post(f"/v1/callbacks/{created['id']}/cancel", headers=member)
    assert slot in {s["start"] for s in (await client.get("/v1/callback-slots")).json()}


async def test_a_days_capacity_applies_to_each_of_its_slots_and_a_slots_own_figure_wins(client, token, pool, free_slot):
    slot = await free_slot()
    day, agent = _day(slot), token("agent")
    assert (await client.put("/v1/callback-capacity", json={"day": day, "capacity": 0}, headers=agent)).status_code == 200
    kept = await client.put("/v1/callback-capacity", json={"day": day, "slot_start": slot, "capacity": 50},
                            headers=agent)
    assert kept.status_code == 200
    of_day = {s["start"] for s in (await client.get("/v1/callback-slots", params={"from": day, "to": day})).json()}
    # Slots other tests gave a figure of their own keep it; every other slot of the day is closed.
    own = {r["slot_start"] for r in await pool.fetch(
        "select slot_start from slot_capacity where slot_start::date between $1::date - 1 and $1::date + 1 "
        "and capacity > 0", datetime.fromisoformat(day).date())}
    assert slot in of_day and all(datetime.fromisoformat(s) in own for s in of_day)
    # Leave the day as the default had it for other tests.
    await client.put("/v1/callback-capacity", json={"day": day, "capacity": 2}, headers=agent)


async def test_capacity_is_refused_to_members_and_for_a_time_that_is_not_a_slot(client, token, free_slot):
    slot = await free_slot()
    denied = await client.put("/v1/callback-capacity", json={"day": _day(slot), "capacity": 9}, headers=token("member"))
    assert denied.status_code == 403
    odd = slot.replace(":00:00", ":10:00").replace(":30:00", ":10:00")
    refused = await client.put("/v1/callback-capacity", json={"day": _day(slot), "slot_start": odd, "capacity": 9},
                               headers=token("operator"))
    assert refused.status_code == 422 and refused.json()["field"] == "slot_start"


async def test_members_never_reach_the_agents_routes(client, token):
    member = token("member")
    assert (await client.get("/v1/callback-queue", headers=member)).status_code == 403
    answer = await client.post(f"/v1/callback-queue/{uuid.uuid4()}/outcome", json={"outcome": "done"}, headers=member)
    assert answer.status_code == 403
    assert (await client.get("/v1/callback-queue")).status_code == 401


async def test_an_agent_sees_the_days_queue_by_slot_and_records_a_missed_call_the_member_books_again(
        client, token, pool, free_slot, booking):
    member, agent = token("member"), token("agent")
    slot = await free_slot()
    created = (await client.post("/v1/callbacks", json=booking(slot, reason="case_follow_up", case_number="AS-2027-42"),
                                 headers=member)).json()
    queue = (await client.get("/v1/callback-queue", params={"day": _day(slot)}, headers=agent)).json()
    [entry] = [s for s in queue if datetime.fromisoformat(s["start"]) == datetime.fromisoformat(slot)]
    mine = next(c for c in entry["callbacks"] if c["id"] == created["id"])
    assert (mine["case_number"], mine["phone"], mine["reason_label"]) == (
        "AS-2027-42", "06 12 34 56 78", "Suivi d'un dossier en cours")
    starts = [s["start"] for s in queue]
    assert starts == sorted(starts) and entry["capacity"] >= entry["scheduled"] >= 1

    missed = await client.post(f"/v1/callback-queue/{created['id']}/outcome", json={"outcome": "no_answer"},
                               headers=agent)
    assert missed.status_code == 200 and missed.json()["status"] == "no_answer"
    twice = await client.post(f"/v1/callback-queue/{created['id']}/outcome", json={"outcome": "done"}, headers=agent)
    assert twice.status_code == 409
    again = await client.post(f"/v1/callbacks/{created['id']}/reschedule",
                              json={"slot_start": await free_slot(slot)}, headers=member)
    assert again.status_code == 200 and again.json()["status"] == "scheduled"
    done = await client.post(f"/v1/callback-queue/{created['id']}/outcome", json={"outcome": "done"}, headers=agent)
    assert done.json()["status"] == "done"
    types = [r["event_type"] for r in await pool.fetch(
        "select event_type from outbox where key = $1 order by position", created["id"])]
    assert types == ["CallbackScheduled", "CallbackMissed", "CallbackRescheduled", "CallbackDone"]


async def test_an_agent_cancels_a_callback_and_an_unknown_one_is_not_found(client, token, pool, free_slot, booking):
    agent = token("agent")
    created = (await client.post("/v1/callbacks", json=booking(await free_slot()), headers=token("member"))).json()
    cancelled = await client.post(f"/v1/callback-queue/{created['id']}/outcome", json={"outcome": "cancelled"},
                                  headers=agent)
    assert cancelled.json()["status"] == "cancelled"
    row = await pool.fetchrow("select event_type from outbox where key = $1 order by position desc limit 1",
                              created["id"])
    assert row["event_type"] == "CallbackCancelled"
    unknown = await client.post(f"/v1/callback-queue/{uuid.uuid4()}/outcome", json={"outcome": "done"}, headers=agent)
    assert unknown.status_code == 404
