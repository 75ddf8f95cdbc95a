"""The SMS reminder sweep, erasure on AccountDeleted and the personal-data export, on the real PostgreSQL."""

import uuid
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
from aiokafka import ConsumerRecord

from callback.app.reminders import publish_due_reminders
from callback.entrypoints.worker import subscriptions
from ms_events import outbox
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountDeleted
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration
PARIS = ZoneInfo("Europe/Paris")


def _morning(slot: str, hour: int) -> datetime:
    day = datetime.fromisoformat(slot).astimezone(PARIS).date()
    return datetime.combine(day, time(hour), PARIS)


async def test_the_reminder_of_a_mobile_is_published_once_the_morning_of_the_slot_and_never_for_a_landline(
        client, token, pool, free_slot, booking, settings):
    slot = await free_slot(room=2)
    mobile = (await client.post("/v1/callbacks", json=booking(slot, phone="07 81 23 45 67"),
                                headers=token("member"))).json()
    landline = (await client.post("/v1/callbacks", json=booking(slot, phone="01 23 45 67 89"),
                                  headers=token("member"))).json()
    uow = outbox.unit_of_work(pool)
    await publish_due_reminders(uow, _morning(slot, settings.reminder_hour).replace(minute=0) - (
        datetime(2000, 1, 1, 0, 1) - datetime(2000, 1, 1)))
    assert await pool.fetchval("select count(*) from outbox where key = $1 and event_type = 'CallbackReminderDue'",
                               mobile["id"]) == 0  # not due a minute before the reminder hour
    await publish_due_reminders(uow, _morning(slot, settings.reminder_hour))
    await publish_due_reminders(uow, _morning(slot, settings.reminder_hour))
    rows = await pool.fetch("select topic, key from outbox where event_type = 'CallbackReminderDue' and key = any($1)",
                            [mobile["id"], landline["id"]])
    assert [(r["topic"], r["key"]) for r in rows] == [("callback.secret.v1", mobile["id"])]


async def test_a_cancelled_callback_gets_no_reminder_and_a_moved_one_gets_it_on_its_new_day(
        client, token, pool, free_slot, booking, settings):
    member = token("member")
    cancelled = (await client.post("/v1/callbacks", json=booking(await free_slot()), headers=member)).json()
    await client.post(f"/v1/callbacks/{cancelled['id']}/cancel", headers=member)
    first = await free_slot()
    moved = (await client.post("/v1/callbacks", json=booking(first), headers=member)).json()
    later = next(s for s in [await free_slot(first) for _ in range(40)]
                 if _morning(s, 0).date() != _morning(first, 0).date())
    await client.post(f"/v1/callbacks/{moved['id']}/reschedule", json={"slot_start": later}, headers=member)
    uow = outbox.unit_of_work(pool)
    count = "select count(*) from outbox where event_type = 'CallbackReminderDue' and key = $1"
    await publish_due_reminders(uow, _morning(first, settings.reminder_hour))
    assert await pool.fetchval(count, moved["id"]) == 0  # not on the day it left
    await publish_due_reminders(uow, _morning(cancelled["slot_start"], settings.reminder_hour))
    assert await pool.fetchval(count, cancelled["id"]) == 0
    await publish_due_reminders(uow, _morning(later, settings.reminder_hour))
    assert await pool.fetchval(count, moved["id"]) == 1


def _record(envelope: Envelope) -> ConsumerRecord:
    return ConsumerRecord(topic="identity.account.v1", partition=0, offset=0, timestamp=0, timestamp_type=0,
                          key=None, value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


async def test_account_deleted_pseudonymises_the_accounts_callbacks_once_and_frees_their_slots(
        client, token, pool, settings, free_slot, booking):
    account = uuid.uuid4()
    created = (await client.post("/v1/callbacks", json=booking(await free_slot(), comment="Rappelez-moi le matin",
                                                                first_name="Claire"),
                                 headers=token("member", subject=account))).json()
    envelope = Envelope.wrap(AccountDeleted(account_id=account, person_id=None, kind="member",
                                            deleted_at=datetime.now(UTC)))
    runner = ConsumerRunner("callback", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record(envelope)) == "handled"
    assert await runner.process(_record(envelope)) == "duplicate"
    row = await pool.fetchrow("select account_id, phone, first_name, comment, status from callback where id = $1",
                              uuid.UUID(created["id"]))
    assert dict(row) == {"account_id": None, "phone": None, "first_name": None, "comment": None, "status": "cancelled"}
    assert (await client.get("/v1/callbacks", headers=token("member", subject=account))).json() == []


async def test_the_personal_data_export_lists_the_accounts_callbacks_for_a_service_only(
        client, token, free_slot, booking):
    account = uuid.uuid4()
    await client.post("/v1/callbacks", json=booking(await free_slot(), comment="Exporté"),
                      headers=token("member", subject=account))
    query = {"account_id": str(account)}
    response = await client.get("/internal/v1/personal-data", params=query, headers=token("service"))
    assert response.status_code == 200, response.text
    [exported] = response.json()["data"]["callbacks"]
    assert (exported["comment"], exported["phone"], exported["reason"]) == ("Exporté", "+33612345678",
                                                                             "contract_question")
    assert (await client.get("/internal/v1/personal-data", params=query,
                             headers=token("member", subject=account))).status_code == 403


async def test_what_a_person_without_an_account_gave_is_forgotten_after_the_retention_and_not_before(
        client, pool, free_slot, booking, phone, settings):
    from datetime import timedelta

    from callback.app.privacy import forget_anonymous_callbacks

    created = (await client.post("/v1/callbacks", json=booking(await free_slot(), phone=phone(), first_name="Anne",
                                                                last_name="Nyme", comment="Rappelez-moi"))).json()
    slot_end = datetime.fromisoformat(created["slot_end"])
    uow = outbox.unit_of_work(pool)
    row = "select phone, first_name, comment, erased_at from callback where id = $1"
    await forget_anonymous_callbacks(uow, slot_end + timedelta(days=settings.anonymous_retention_days - 1),
                                     settings.anonymous_retention_days)
    assert (await pool.fetchrow(row, uuid.UUID(created["id"])))["first_name"] == "Anne"
    await forget_anonymous_callbacks(uow, slot_end + timedelta(days=settings.anonymous_retention_days, minutes=1),
                                     settings.anonymous_retention_days)
    forgotten = await pool.fetchrow(row, uuid.UUID(created["id"]))
    assert (forgotten["phone"], forgotten["first_name"], forgotten["comment"]) == (None, None, None)
    assert forgotten["erased_at"] is not None
