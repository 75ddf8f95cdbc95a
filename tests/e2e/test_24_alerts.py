"""Each alert of deploy/prometheus/rules.yml is raised on the live stack by the condition it names.

The condition is caused for real on one process of the running stack, always restored in a
``finally``, and the alert is read from the local Prometheus' HTTP API (``/api/v1/alerts``). An
alert counts once it is *pending*: its expression holds on the live series. How long it must hold
before it fires (each rule's ``for:``) is proven by promtool's unit tests of the same rules
(deploy/prometheus/rules.test.yml, tests/deploy/test_prometheus_rules.py), not waited for here.
DeadLettersNotEmpty, which has no ``for:``, fires in test_19_prometheus.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from e2e_support import (PYTHON, ROOT, consumer_lag, sign_up_body, stack,
                         unique_email, wait_running, wait_until)
from ms_deploy import declaration
from ms_deploy.local import metrics_port
from ms_events.envelope import Envelope
from ms_events.events.identity import AccountConfirmed, AccountDeleted
from ms_events.kafka import KafkaConfig
from ms_platform.problems import PROBLEM_MEDIA_TYPE

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]

PROMETHEUS = os.environ.get("PROMETHEUS_URL", "http://127.0.0.1:9090")
PLATFORM = declaration.load()
ACTIVE = ("pending", "firing")


async def _prometheus(path: str, **params) -> dict:
    async with httpx.AsyncClient(base_url=PROMETHEUS, timeout=10) as client:
        body = (await client.get(path, params=params)).json()
    assert body["status"] == "success", body
    return body["data"]


async def _active(alertname: str, **labels: str) -> list[dict]:
    """The alert's pending or firing instances whose labels include ``labels``."""
    alerts = (await _prometheus("/api/v1/alerts"))["alerts"]
    return [a for a in alerts if a["labels"]["alertname"] == alertname and a["state"] in ACTIVE
            and all(a["labels"].get(k) == v for k, v in labels.items())]


async def _raised(alertname: str, timeout: float, **labels: str) -> dict:
    found = await wait_until(lambda: _active(alertname, **labels), timeout=timeout, interval=1,
                             what=f"{alertname} {labels} pending or firing in Prometheus")
    return found[0]


async def _quiet(alertname: str, timeout: float = 120, **labels: str) -> None:
    """Before causing it: the alert is not already raised for this process (the test shows cause)."""
    await wait_until(lambda: _not(_active(alertname, **labels)), timeout=timeout, interval=2,
                     what=f"{alertname} {labels} to be quiet before the test causes it")


async def _not(coroutine) -> bool:
    return not await coroutine


async def _value(expr: str) -> float | None:
    result = (await _prometheus("/api/v1/query", query=expr))["result"]
    return float(result[0]["value"][1]) if result else None


def _service(name: str) -> declaration.Service:
    return next(s for s in PLATFORM.services if s.name == name)


def _restore(program: str) -> None:
    """Start ``program`` again unless it already runs, and wait until it does."""
    running = any(line.split()[:2] == [program, "RUNNING"] for line in stack("status").splitlines())
    if not running:
        stack("start", program)
    wait_running(program)


def _closed_port() -> int:
    """A local port nothing listens on (bound then released: connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_a_stopped_api_process_raises_process_down():
    """readiness down: an API process that no longer answers (its scrape fails, ``up == 0``)."""
    await _quiet("ProcessDown", job="notify-api")
    stack("stop", "notify-api")
    try:
        alert = await _raised("ProcessDown", timeout=60, job="notify-api")
    finally:
        _restore("notify-api")
    assert alert["labels"]["service"] == "notify" and alert["labels"]["process"] == "api"
    assert alert["labels"]["severity"] == "page"
    await wait_until(lambda: _not(_active("ProcessDown", job="notify-api")), timeout=60, interval=1,
                     what="ProcessDown for notify-api to clear once it is back")


async def test_answers_given_as_503_raise_the_5xx_rate_alert_of_the_service_that_gave_them(gateway, registry):
    """5xx rate: identity answers sign-ups 503 while contracts, which it must ask whether the
    person holds a contract, is down (UpstreamUnavailable): an answer the platform gives for
    real, through the gateway. The sign-ups go on until the share of identity's answers that
    are 5xx passes the rule's threshold. (The body names a registered contract with another
    name: were contracts up, it would be refused, so no account is ever created.)"""
    [member] = await registry.register(1)
    body = sign_up_body(member, unique_email("alert-5xx"), last_name="Autrenom")
    refused = await gateway.post("/v1/accounts", json=body)
    assert 400 <= refused.status_code < 500, refused.text  # contracts answers: not its holder
    # The rule looks at the last 5 minutes: a run of this test just before may still count.
    await _quiet("Http5xxRateHigh", timeout=360, service="identity")
    answers: list[tuple[int, str, str | None]] = []
    stop = asyncio.Event()

    async def sign_up_again() -> None:
        while not stop.is_set():
            r = await gateway.post("/v1/accounts", json=body)
            answers.append((r.status_code, r.headers["content-type"], r.json().get("dependency")))

    stack("stop", "contracts-api")
    try:
        senders = [asyncio.create_task(sign_up_again()) for _ in range(4)]
        try:
            alert = await _raised("Http5xxRateHigh", timeout=150, service="identity")
        finally:
            stop.set()
            await asyncio.gather(*senders)
    finally:
        _restore("contracts-api")
    assert answers and all((status, kind, dependency) == (503, PROBLEM_MEDIA_TYPE, "contracts")
                           for status, kind, dependency in answers), answers[:3]
    assert float(alert["value"]) > 0.05
    await wait_until(lambda: _refused_again(gateway, body), timeout=60, what="contracts to answer sign-ups again")


async def _refused_again(gateway: httpx.AsyncClient, body: dict) -> bool:
    return 400 <= (await gateway.post("/v1/accounts", json=body)).status_code < 500


async def test_outbox_rows_a_relay_cannot_publish_raise_the_outbox_backlog_alert(gateway, mailbox, registry):
    """outbox backlog growing: notify's relay is alive and leading but cannot reach Kafka (the
    same relay program, started in place of the stack's with a Kafka address that refuses
    connections), while notify writes events to its outbox (a sign-up's email sent: its
    NotificationSent row). The rule asks for the oldest unpublished row to be over 2 minutes old,
    so this test lasts that long. Once the stack's relay is back, the backlog is published."""
    notify = _service("notify")
    await _quiet("OutboxBacklogGrowing", service="notify")
    stack("stop", "notify-relay")
    env = {**os.environ, f"{notify.prefix}_PROBE_HOST": "127.0.0.1",
           f"{notify.prefix}_PROBE_PORT": str(metrics_port(notify, "relay")),
           "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{_closed_port()}"}
    relay = subprocess.Popen([str(PYTHON), "-m", "notify", "relay"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        [member] = await registry.register(1)
        address = unique_email("alert-backlog")
        assert (await gateway.post("/v1/accounts", json=sign_up_body(member, address))).status_code == 201
        await mailbox.wait_for(address)  # sent: its NotificationSent row waits in notify's outbox

        async def backlog() -> float | None:
            value = await _value('outbox_backlog{service="notify"}')
            return value if value else None

        assert await wait_until(backlog, timeout=60, what="notify's backlog reported by the stuck relay") >= 1
        alert = await _raised("OutboxBacklogGrowing", timeout=240, service="notify")
    finally:
        if relay.poll() is None:
            os.killpg(relay.pid, signal.SIGTERM)
        relay.wait(30)
        _restore("notify-relay")
    assert float(alert["value"]) > 120  # seconds since the oldest unpublished row was written
    await wait_until(lambda: _drained("notify"), timeout=90, what="the restored relay to publish the backlog")


async def _drained(service: str) -> bool:
    return await _value(f'outbox_backlog{{service="{service}"}}') == 0


async def test_a_consumer_group_held_back_on_a_backlog_raises_the_consumer_lag_alert():
    """consumer lag: contracts' worker is held on the first record of a backlog of 1,300 on
    identity.account.v1 (an AccountDeleted its handler must record in the inbox, while this test
    holds that inbox row in an open transaction, as a slow handler or a locked row would), behind
    which come AccountConfirmed events no consumer handles. The worker reports its lag after each
    poll: over the rule's 1,000. The transaction is rolled back and the group catches up."""
    topic, group = "identity.account.v1", "contracts"
    await wait_until(lambda: _caught_up(group, topic), timeout=120, what=f"{group} to be caught up on {topic}")
    await _quiet("ConsumerLagHigh", group=group, topic=topic)
    account = uuid.uuid4()
    now = datetime.now(UTC)
    first = Envelope.wrap(AccountDeleted(account_id=account, person_id=None, kind="member", deleted_at=now))
    conn = await asyncpg.connect(os.environ["CONTRACTS_DATABASE_URL"])
    transaction = conn.transaction()
    stack("stop", f"{group}-worker")
    try:
        await transaction.start()
        await conn.execute("insert into inbox (consumer, event_id, event_type) values ($1, $2, $3)",
                           group, first.id, first.type)
        producer = AIOKafkaProducer(**KafkaConfig.from_env("e2e").common(), acks="all", enable_idempotence=True)
        await producer.start()
        try:  # one key, one partition: the held record comes first, the others behind it
            sent = [await producer.send(topic, key=str(account).encode(), value=first.to_bytes())]
            for _ in range(1299):
                confirmed = Envelope.wrap(AccountConfirmed(account_id=account, confirmed_at=now))
                sent.append(await producer.send(topic, key=str(account).encode(), value=confirmed.to_bytes()))
            await asyncio.gather(*sent)
        finally:
            await producer.stop()
        stack("start", f"{group}-worker")
        alert = await _raised("ConsumerLagHigh", timeout=90, group=group, topic=topic)
    finally:
        if conn.is_in_transaction():
            await transaction.rollback()
        await conn.close()
        _restore(f"{group}-worker")
    assert float(alert["value"]) > 1000
    await wait_until(lambda: _caught_up(group, topic), timeout=120, what=f"{group} to catch up once released")


async def _caught_up(group: str, topic: str) -> bool:
    return await consumer_lag(group, topic) == 0
