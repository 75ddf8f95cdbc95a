"""Kill -9 the Kafka broker in the middle of 200 sign-ups, restart it: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio

import pytest

from e2e_support import consumer_lag, sign_up_body, stack, topic_records, wait_until
from ms_events.envelope import Envelope

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]

SIGN_UPS = 200
CONCURRENCY = 8


async def test_every_sign_up_during_a_broker_crash_gets_its_event_and_exactly_one_email(gateway, mailbox, registry):
    members = await registry.register(SIGN_UPS)
    domain = f"outage-{members[0]['contract_number']}.example.org"
    addresses = [f"m{i}@{domain}" for i in range(SIGN_UPS)]
    done: list[str] = []
    queue: asyncio.Queue = asyncio.Queue()
    for pair in zip(members, addresses):
        queue.put_nowait(pair)

    async def sign_up_worker() -> None:
        while not queue.empty():
            member, address = queue.get_nowait()
            r = await gateway.post("/v1/accounts", json=sign_up_body(member, address))
            assert r.status_code == 201, r.text
            done.append(r.json()["id"])

    async def crash_broker() -> None:
        await wait_until(lambda: _at_least(done, SIGN_UPS // 4), timeout=120, interval=0.05, what="first sign-ups")
        stack("kill", "kafka")
        await wait_until(lambda: _at_least(done, SIGN_UPS * 3 // 4), timeout=120, interval=0.05, what="more sign-ups")
        await asyncio.to_thread(stack, "start", "kafka")

    await asyncio.gather(crash_broker(), *(sign_up_worker() for _ in range(CONCURRENCY)))
    assert len(done) == SIGN_UPS

    expected = set(done)

    async def all_published() -> bool:
        records = await topic_records("identity.account.v1", timeout=30)
        created = {Envelope.from_bytes(r.value).subject for r in records
                   if r.key and r.key.decode() in expected and dict(r.headers).get("ce_type") == b"AccountCreated"}
        return created == expected

    await wait_until(all_published, timeout=180, interval=2, what="every AccountCreated in the topic")

    async def all_mailed() -> bool:
        return len(set(mailbox.recipients(domain))) == SIGN_UPS

    await wait_until(all_mailed, timeout=180, interval=1, what="every confirmation email")

    async def drained() -> bool:
        # The sign-ups' public events and their confirmation links (private topic) alike.
        return (await consumer_lag("notify", "identity.account.v1") == 0
                and await consumer_lag("notify", "identity.secret.v1") == 0)

    await wait_until(drained, timeout=120, what="notify to consume everything")
    await asyncio.sleep(2)
    sent = mailbox.recipients(domain)
    assert sorted(sent) == sorted(addresses), "some confirmation email was sent twice or never"


async def _at_least(items: list, n: int) -> bool:
    return len(items) >= n
