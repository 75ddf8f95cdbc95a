"""Queueing and dispatching on the real PostgreSQL, to real HTTP receivers on 127.0.0.1.

The stack's own dispatcher shares this database: the deliveries of these tests fall due a day
from now, and the tests' dispatchers run on a clock a day ahead (signatures still carry the
real time), so the running one never takes them.
"""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import ConsumerRecord
from standardwebhooks.webhooks import Webhook

from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountConfirmed, AccountDeleted, PasswordChanged
from ms_events.runtime import kafka_config

from webhook_receiver import Receiver
from webhooks import bootstrap
from webhooks.adapters import repository as repo
from webhooks.adapters.sender import Sender
from webhooks.app.dispatcher import Dispatcher
from webhooks.domain.model import message_id
from webhooks.domain.retry import RetryPolicy
from webhooks.entrypoints.worker import subscriptions

pytestmark = pytest.mark.integration

BASE = "/v1/webhook-subscriptions"
AHEAD = timedelta(days=1)


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC) + AHEAD

    def __call__(self) -> datetime:
        return self.now


def confirmed(account: uuid.UUID | None = None) -> Envelope:
    return Envelope.wrap(AccountConfirmed(account_id=account or uuid.uuid4(), confirmed_at=datetime.now(UTC)))


async def queue_ahead(pool, sub: dict, envelope: Envelope, account: uuid.UUID | None = None) -> uuid.UUID:
    """Queue the event as the worker does, due (almost) a day ahead; the delivery of ``sub``."""
    async with pool.acquire() as conn, conn.transaction():
        await repo.add_deliveries(conn, envelope.type, envelope.id, account, envelope.to_bytes(),
                                  due_at=datetime.now(UTC) + AHEAD - timedelta(hours=1))
    return await pool.fetchval("select id from delivery where event_id = $1 and subscription_id = $2",
                               envelope.id, uuid.UUID(sub["id"]))


def dispatcher(pool, settings, clock, policy=None, timeout_s=5.0) -> tuple[Dispatcher, Sender]:
    sender = Sender(timeout_s)
    policy = policy or RetryPolicy(max_attempts=5, first_backoff_s=10, max_backoff_s=60, max_age_s=7 * 86_400)
    return Dispatcher(pool, sender, bootstrap.secret_box(settings), policy, timeout_s=timeout_s, clock=clock), sender


def record(envelope: Envelope, topic="identity.account.v1") -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=0, offset=0, timestamp=0, timestamp_type=0, key=None,
                          value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


async def test_an_event_is_queued_once_for_each_active_subscription_to_its_type(client, operator, pool, settings, subscribe):
    wanted = await subscribe("http://127.0.0.1:9/a")
    other_type = await subscribe("http://127.0.0.1:9/b", types=("ProfileUpdated",))
    disabled = await subscribe("http://127.0.0.1:9/c")
    await client.post(f"{BASE}/{disabled['id']}/disable", headers=operator)
    runner = ConsumerRunner("webhooks", pool, kafka_config(settings, "worker"), subscriptions())
    envelope = confirmed()
    assert await runner.process(record(envelope)) == "handled"
    assert await runner.process(record(envelope)) == "duplicate"
    ours = [uuid.UUID(s["id"]) for s in (wanted, other_type, disabled)]
    rows = await pool.fetch("select subscription_id, payload, status from delivery where event_id = $1"
                            " and subscription_id = any($2)", envelope.id, ours)
    assert [str(r["subscription_id"]) for r in rows] == [wanted["id"]]
    assert json.loads(rows[0]["payload"]) == json.loads(envelope.to_bytes()) and rows[0]["status"] == "pending"


async def test_an_event_that_may_not_leave_the_platform_is_never_queued_even_if_a_row_names_it(
        client, operator, pool, settings, subscribe):
    from ms_events.catalogue import registered, secret_fields

    refused = sorted(n for n, c in registered().items() if c.meta().private or secret_fields(c))
    assert refused, "the catalogue has private events"
    sub = await subscribe("http://127.0.0.1:9/p")
    await pool.execute("update subscription set event_types = event_types || $2::text[] where id = $1",
                       uuid.UUID(sub["id"]), refused)
    from webhooks.app.deliveries import queue

    for name in refused:
        cls = registered()[name]
        envelope = Envelope(id=uuid.uuid4(), source=f"/{cls.meta().source}", type=name,
                            time=datetime.now(UTC), data={})
        async with pool.acquire() as conn, conn.transaction():
            await queue(conn, envelope, None)
        assert await pool.fetchval("select count(*) from delivery where event_id = $1", envelope.id) == 0


async def test_a_delivery_arrives_signed_and_verifies_with_the_library(client, operator, pool, settings, subscribe):
    with Receiver() as receiver:
        sub = await subscribe(receiver.url)
        envelope = confirmed()
        delivery = await queue_ahead(pool, sub, envelope)
        receiver.only = {message_id(delivery)}
        dispatch, sender = dispatcher(pool, settings, Clock())
        try:
            assert await dispatch.run_once(only=[delivery]) == 1
        finally:
            await sender.close()
    [received] = receiver.requests
    assert received.headers["webhook-id"] == message_id(delivery)
    assert received.headers["content-type"].startswith("application/cloudevents+json")
    assert Webhook(sub["secret"]).verify(received.body, received.headers)["id"] == str(envelope.id)
    row = await pool.fetchrow("select status, attempts, last_status, payload from delivery where id = $1", delivery)
    assert (row["status"], row["attempts"], row["last_status"], row["payload"]) == ("delivered", 1, 204, None)


async def test_a_receiver_failing_twice_gets_it_on_the_third_attempt_once_with_the_same_webhook_id(
        client, operator, pool, settings, subscribe):
    clock = Clock()
    with Receiver(answers=[500, 503]) as receiver:
        sub = await subscribe(receiver.url)
        delivery = await queue_ahead(pool, sub, confirmed())
        receiver.only = {message_id(delivery)}
        dispatch, sender = dispatcher(pool, settings, clock)
        try:
            for attempt in (1, 2):
                assert await dispatch.run_once(only=[delivery]) == 1
                row = await pool.fetchrow("select status, attempts, last_status, next_attempt_at from delivery "
                                          "where id = $1", delivery)
                wait = (row["next_attempt_at"] - clock.now).total_seconds()
                ceiling = 10 * 2 ** (attempt - 1)
                assert row["status"] == "pending" and row["attempts"] == attempt and row["last_status"] >= 500
                assert ceiling / 2 <= wait <= ceiling, wait  # backoff with jitter, persisted
                assert await dispatch.run_once(only=[delivery]) == 0  # not due before its time
                clock.now = row["next_attempt_at"]
            assert await dispatch.run_once(only=[delivery]) == 1
            assert await dispatch.run_once(only=[delivery]) == 0
        finally:
            await sender.close()
    assert [r.answered for r in receiver.requests] == [500, 503, 204]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    for received in receiver.requests:
        Webhook(sub["secret"]).verify(received.body, received.headers)
    row = await pool.fetchrow("select status, attempts from delivery where id = $1", delivery)
    assert (row["status"], row["attempts"]) == ("delivered", 3)


async def test_after_the_last_attempt_a_delivery_is_dead_and_an_operator_replays_it(client, operator, pool, settings, subscribe):
    clock = Clock()
    policy = RetryPolicy(max_attempts=2, first_backoff_s=1, max_backoff_s=1, max_age_s=7 * 86_400)
    with Receiver(answers=[500, 410]) as receiver:
        sub = await subscribe(receiver.url)
        delivery = await queue_ahead(pool, sub, confirmed())
        receiver.only = {message_id(delivery)}
        dispatch, sender = dispatcher(pool, settings, clock, policy)
        try:
            await dispatch.run_once(only=[delivery])
            clock.now += timedelta(seconds=2)
            await dispatch.run_once(only=[delivery])
            listed = await client.get(f"{BASE}/{sub['id']}/deliveries", params={"status": "dead"}, headers=operator)
            [dead] = listed.json()["items"]
            assert (dead["id"], dead["attempts"], dead["last_status"]) == (str(delivery), 2, 410)
            assert dead["dead_at"] and dead["webhook_id"] == message_id(delivery)
            clock.now += timedelta(hours=1)
            assert await dispatch.run_once(only=[delivery]) == 0  # dead stays dead
            replayed = await client.post(f"{BASE}/{sub['id']}/deliveries/{delivery}/replay", headers=operator)
            assert replayed.status_code == 200 and replayed.json()["status"] == "pending", replayed.text
            # Due now: this dispatcher, on the real clock, or the stack's (woken by the replay)
            # posts it, once.
            on_time, real_sender = dispatcher(pool, settings, None)
            for _ in range(100):
                await on_time.run_once(only=[delivery])
                if await pool.fetchval("select status from delivery where id = $1", delivery) == "delivered":
                    break
                await asyncio.sleep(0.1)
            await real_sender.close()
        finally:
            await sender.close()
    assert [r.answered for r in receiver.requests] == [500, 410, 204]
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1
    again = await client.post(f"{BASE}/{sub['id']}/deliveries/{delivery}/replay", headers=operator)
    assert again.status_code == 409  # only a dead delivery is replayed


async def test_a_delivery_older_than_the_maximum_age_is_dead_at_its_next_failure(client, operator, pool, settings, subscribe):
    clock = Clock()
    policy = RetryPolicy(max_attempts=50, first_backoff_s=600, max_backoff_s=600, max_age_s=300)
    with Receiver(default=500) as receiver:
        sub = await subscribe(receiver.url)
        delivery = await queue_ahead(pool, sub, confirmed())
        receiver.only = {message_id(delivery)}
        await pool.execute("update delivery set created_at = $2 where id = $1", delivery, clock.now)
        dispatch, sender = dispatcher(pool, settings, clock, policy)
        try:
            await dispatch.run_once(only=[delivery])
        finally:
            await sender.close()
    row = await pool.fetchrow("select status, last_error from delivery where id = $1", delivery)
    assert row["status"] == "dead" and "older than" in row["last_error"]


async def test_two_dispatchers_never_post_the_same_delivery(client, operator, pool, settings, subscribe):
    clock = Clock()
    with Receiver(delay_s=0.3) as receiver:
        sub = await subscribe(receiver.url)
        ids = [await queue_ahead(pool, sub, confirmed()) for _ in range(30)]
        receiver.only = {message_id(i) for i in ids}
        (first, s1), (second, s2) = dispatcher(pool, settings, clock), dispatcher(pool, settings, clock)
        try:
            for _ in range(20):
                if not await pool.fetchval("select count(*) from delivery where id = any($1) and status = 'pending'",
                                           ids):
                    break
                await asyncio.gather(first.run_once(only=ids), second.run_once(only=ids))
        finally:
            await s1.close()
            await s2.close()
    posted = [r.headers["webhook-id"] for r in receiver.requests]
    assert sorted(posted) == sorted(message_id(i) for i in ids)  # each once, none twice


async def test_a_claim_whose_dispatcher_died_is_taken_again_after_its_lease_and_the_stale_outcome_is_refused(
        client, operator, pool, settings, subscribe):
    clock = Clock()
    with Receiver() as receiver:
        sub = await subscribe(receiver.url)
        delivery = await queue_ahead(pool, sub, confirmed())
        receiver.only = {message_id(delivery)}
        async with pool.acquire() as conn:
            [dead_claim] = await repo.claim_due(conn, 10, 70.0, clock.now, only=[delivery])  # then "dies"
        dispatch, sender = dispatcher(pool, settings, clock)
        try:
            assert await dispatch.run_once(only=[delivery]) == 0  # leased
            clock.now += timedelta(seconds=71)
            assert await dispatch.run_once(only=[delivery]) == 1
        finally:
            await sender.close()
        async with pool.acquire() as conn:
            assert not await repo.mark_retry(conn, dead_claim, clock.now, 500, "late")
    assert len(receiver.requests) == 1
    row = await pool.fetchrow("select status, attempts from delivery where id = $1", delivery)
    assert (row["status"], row["attempts"]) == ("delivered", 2)


async def test_a_disabled_subscription_gets_nothing_until_enabled(client, operator, pool, settings, subscribe):
    clock = Clock()
    with Receiver() as receiver:
        sub = await subscribe(receiver.url)
        delivery = await queue_ahead(pool, sub, confirmed())
        receiver.only = {message_id(delivery)}
        await client.post(f"{BASE}/{sub['id']}/disable", headers=operator)
        dispatch, sender = dispatcher(pool, settings, clock)
        try:
            assert await dispatch.run_once(only=[delivery]) == 0
            await client.post(f"{BASE}/{sub['id']}/enable", headers=operator)
            assert await dispatch.run_once(only=[delivery]) == 1
        finally:
            await sender.close()
    assert len(receiver.requests) == 1


async def test_after_a_rotation_deliveries_carry_both_signatures(client, operator, pool, settings, subscribe):
    with Receiver() as receiver:
        sub = await subscribe(receiver.url)
        rotated = (await client.post(f"{BASE}/{sub['id']}/secret-rotations", headers=operator)).json()
        delivery = await queue_ahead(pool, sub, confirmed())
        receiver.only = {message_id(delivery)}
        dispatch, sender = dispatcher(pool, settings, Clock())
        try:
            await dispatch.run_once(only=[delivery])
        finally:
            await sender.close()
    [received] = receiver.requests
    for secret in (rotated["secret"], sub["secret"]):
        Webhook(secret).verify(received.body, received.headers)


async def test_account_deleted_erases_kept_payloads_and_the_export_lists_the_accounts_deliveries(
        client, operator, pool, settings, token, subscribe):
    account = uuid.uuid4()
    clock = Clock()
    policy = RetryPolicy(max_attempts=1, first_backoff_s=1, max_backoff_s=1, max_age_s=7 * 86_400)
    with Receiver(default=500) as receiver:
        sub = await subscribe(receiver.url, types=("AccountConfirmed", "PasswordChanged"))
        dead = await queue_ahead(pool, sub, confirmed(account), account)
        receiver.only = {message_id(dead)}
        dispatch, sender = dispatcher(pool, settings, clock, policy)
        try:
            await dispatch.run_once(only=[dead])
        finally:
            await sender.close()
    changed = Envelope.wrap(PasswordChanged(account_id=account, via="change", changed_at=datetime.now(UTC)))
    pending = await queue_ahead(pool, sub, changed, account)
    export = await client.get("/internal/v1/personal-data", params={"account_id": str(account)},
                              headers=token("service"))
    assert export.status_code == 200
    events = {d["id"]: d["event"] for d in export.json()["data"]["deliveries"] if d["subscription_id"] == sub["id"]}
    assert set(events) == {str(dead), str(pending)} and events[str(dead)]["data"]["account_id"] == str(account)
    runner = ConsumerRunner("webhooks", pool, kafka_config(settings, "worker"), subscriptions())
    deleted = Envelope.wrap(AccountDeleted(account_id=account, person_id=None, kind="member",
                                           deleted_at=datetime.now(UTC)))
    assert await runner.process(record(deleted)) == "handled"
    assert await pool.fetchval("select payload from delivery where id = $1", dead) is None
    assert await pool.fetchval("select payload is not null from delivery where id = $1", pending)
    replay = await client.post(f"{BASE}/{sub['id']}/deliveries/{dead}/replay", headers=operator)
    assert replay.status_code == 409 and "effacé" in replay.json()["detail"]


async def test_delivered_deliveries_leave_the_log_after_the_retention_and_dead_ones_stay(
        client, operator, pool, settings, subscribe):
    clock = Clock()
    policy = RetryPolicy(max_attempts=1, first_backoff_s=1, max_backoff_s=1, max_age_s=7 * 86_400)
    with Receiver(answers=[204, 500]) as receiver:
        sub = await subscribe(receiver.url)
        delivered = await queue_ahead(pool, sub, confirmed())
        dead = await queue_ahead(pool, sub, confirmed())
        receiver.only = {message_id(delivered), message_id(dead)}
        dispatch, sender = dispatcher(pool, settings, clock, policy)
        try:
            await dispatch.run_once(only=[delivered])
            await dispatch.run_once(only=[dead])
        finally:
            await sender.close()
    await pool.execute("update delivery set delivered_at = now() - interval '31 days' where id = $1", delivered)
    await pool.execute("update delivery set dead_at = now() - interval '31 days' where id = $1", dead)
    async with pool.acquire() as conn:
        assert await repo.purge_delivered(conn, 30 * 86_400) >= 1
    assert await pool.fetchval("select count(*) from delivery where id = $1", delivered) == 0
    assert await pool.fetchval("select status from delivery where id = $1", dead) == "dead"


async def test_a_receiver_with_a_long_backlog_does_not_hold_back_another_subscriptions_new_delivery(
        client, operator, pool, settings, subscribe):
    clock = Clock()
    down = await subscribe("http://127.0.0.1:9/down")  # nothing listens there: every attempt fails
    with Receiver() as receiver:
        up = await subscribe(receiver.url)
        backlog = []
        for _ in range(30):  # older than the new delivery below: oldest-first alone would take them all
            envelope = confirmed()
            backlog.append(await queue_ahead(pool, down, envelope))
            await pool.execute("delete from delivery where event_id = $1 and subscription_id <> $2",
                               envelope.id, uuid.UUID(down["id"]))
        envelope = confirmed()
        fresh = await queue_ahead(pool, up, envelope)
        await pool.execute("delete from delivery where event_id = $1 and subscription_id <> $2",
                           envelope.id, uuid.UUID(up["id"]))
        receiver.only = {message_id(fresh)}
        async with pool.acquire() as conn:
            claimed = await repo.claim_due(conn, 5, 70.0, clock.now, only=[*backlog, fresh])
        assert len(claimed) == 5
        assert fresh in {c.id for c in claimed}  # in the first batch, behind one of the backlog
        assert sum(c.id in backlog for c in claimed) == 4
