"""Kill -9 the relay between publishing events and marking them sent: no email twice."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess

import asyncpg
import pytest

from e2e_support import (PYTHON, ROOT, consumer_lag, sign_up_body, stack, topic_records, unique_email,
                         wait_until)
from ms_events.envelope import Envelope

pytestmark = [pytest.mark.e2e, pytest.mark.chaos]


async def _wait_for_line(stream, needle: str, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while True:
            line = await asyncio.to_thread(stream.readline)
            assert line, "the relay exited before publishing"
            if needle in line:
                return


async def test_a_relay_killed_after_publishing_but_before_marking_sends_no_email_twice(gateway, mailbox, registry):
    [member] = await registry.register(1)
    address = unique_email("relay-crash")
    stack("stop", "identity-relay")
    env = {**os.environ, "RELAY_FAULT_PAUSE_AFTER_PUBLISH_S": "300"}
    relay = subprocess.Popen([str(PYTHON), "-m", "identity", "relay"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        r = await gateway.post("/v1/accounts", json=sign_up_body(member, address))
        assert r.status_code == 201, r.text
        account_id = r.json()["id"]
        await _wait_for_line(relay.stdout, "relay.fault_pause_after_publish", timeout=60)
        os.killpg(relay.pid, signal.SIGKILL)  # published, not yet marked
    finally:
        if relay.poll() is None:
            os.killpg(relay.pid, signal.SIGKILL)
        relay.wait()
        stack("start", "identity-relay")

    conn = await asyncpg.connect(os.environ["IDENTITY_DATABASE_URL"])
    try:
        async def marked() -> bool:
            return bool(await conn.fetchval(
                "select bool_and(published_at is not null) from outbox where key = $1", account_id))
        await wait_until(marked, timeout=60, what="the restarted relay to mark the rows sent")
    finally:
        await conn.close()

    async def copies() -> list:
        return [r for r in await topic_records("identity.account.v1") if r.key == account_id.encode()]
    published = await wait_until(copies, timeout=30, what="the event in the topic")
    ids = [Envelope.from_bytes(r.value).id for r in published]
    assert len(ids) >= 2 and len(set(ids)) == 1, "the event was published twice with the same id"

    async def drained() -> bool:
        return await consumer_lag("notify", "identity.account.v1") == 0
    await wait_until(drained, timeout=60, what="notify to consume both copies")
    await mailbox.wait_for(address)
    await asyncio.sleep(2)  # let the dispatcher send anything it would (wrongly) send twice
    assert len(mailbox.messages_to(address)) == 1
