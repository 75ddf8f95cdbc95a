"""Helpers for the journeys through the gateway: stack control, mailbox, test registry."""

from __future__ import annotations

import asyncio
import os
import random
import re
import subprocess
import time
import urllib.parse
import uuid
from datetime import date
from email.message import EmailMessage
from pathlib import Path

import asyncpg
import httpx

from ms_platform.testing import Mailbox  # noqa: F401  (the e2e tests import it from here)

ROOT = Path(__file__).resolve().parents[2]
STACK = ROOT / "deploy" / "local" / "bin" / "stack"
PYTHON = ROOT / ".venv" / "bin" / "python"
GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080")
MAILDIR = Path(os.environ.get("MAILDIR", ROOT / "var" / "mail"))
SMS_OUTBOX = Path(os.environ.get("SMS_OUTBOX", ROOT / "var" / "sms"))  # the SMS stand-in's files
SMS_PORT = 8090
PASSWORD = "Violette-Ecluse#2031"


def stack(*args: str, timeout: float = 180) -> str:
    """Drive the local stack (deploy/local/bin/stack): kill, start, stop processes."""
    done = subprocess.run([str(STACK), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"stack {' '.join(args)} failed: {done.stderr[-2000:]}"
    return done.stdout


def wait_running(program: str, timeout: float = 60) -> None:
    """Block until supervisord reports ``program`` RUNNING (after a kill it restarts it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in stack("status").splitlines():
            fields = line.split()
            if fields[:2] == [program, "RUNNING"]:
                return
        time.sleep(0.2)
    raise AssertionError(f"{program} is not RUNNING after {timeout}s")


def confirmation_token(message: EmailMessage) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"confirmer-mon-compte\?token=(\S+)", body)
    assert match, "the confirmation email carries no confirmation link"
    return urllib.parse.unquote(match.group(1))


def unique_mobile() -> str:
    """A French mobile number of its own (06 1x xx xx xx: libphonenumber knows every 061 number as
    a mobile; a random 06 number may fall in a range the plan does not allocate, and be refused)."""
    return "061" + str(uuid.uuid4().int)[:7]


def sms_to(e164: str) -> list[dict]:
    """What the SMS stand-in received for this number (+33...), oldest file first."""
    import json

    return [r for r in (json.loads(p.read_text()) for p in sorted(SMS_OUTBOX.glob("*.json"))) if r["to"] == e164]


def unique_email(tag: str = "e2e", domain: str = "example.org") -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@{domain}"


class Registry:
    """Contracts the tests register for themselves through the operator import."""

    def __init__(self, gateway: httpx.AsyncClient, token: str) -> None:
        self.gateway = gateway
        self.token = token

    async def register(self, count: int = 1, *, in_force: bool = True) -> list[dict]:
        members = await self._fresh_members(count, in_force)
        for start in range(0, len(members), 1000):
            r = await self.gateway.post(
                "/v1/contract-imports", json={"members": members[start:start + 1000]},
                headers={"Authorization": f"Bearer {self.token}"},
            )
            assert r.status_code == 200, r.text
            assert r.json()["refused"] == [], r.json()["refused"][:3]
        return members

    async def _fresh_members(self, count: int, in_force: bool) -> list[dict]:
        """New members whose contract and member numbers the registry has never seen."""
        conn = await asyncpg.connect(os.environ["CONTRACTS_DATABASE_URL"])
        try:
            members: list[dict] = []
            while len(members) < count:
                batch = [self._member(in_force) for _ in range(count - len(members))]
                taken = {r[0] for r in await conn.fetch(
                    "select contract_number from contract where contract_number = any($1::text[])"
                    " union select member_number from contract where member_number = any($2::text[])",
                    [m["contract_number"] for m in batch], [m["member_number"] for m in batch])}
                used = {m["contract_number"] for m in members} | {m["member_number"] for m in members}
                for m in batch:
                    if not ({m["contract_number"], m["member_number"]} & (taken | used)):
                        members.append(m)
                        used |= {m["contract_number"], m["member_number"]}
            return members
        finally:
            await conn.close()

    @staticmethod
    def _member(in_force: bool) -> dict:
        rnd = random.SystemRandom()
        return {
            "last_name": rnd.choice(["Durand", "Lefèvre", "N'Diaye", "Da Silva", "Dupont-Moreau"]),
            "first_name": rnd.choice(["Hélène", "Camille", "Moussa", "João", "Béatrice"])
            + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(6)),  # names take no digits
            "birth_date": f"19{rnd.randint(55, 99)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}",
            "contract_number": f"{rnd.randint(0, 999_999):06d}",
            "member_number": f"{rnd.randint(0, 9_999_999):07d}",
            "category": "sante",
            "in_force": in_force,
            "product_code": "SANTE-ESSENTIEL",
            "start_date": "2024-01-01" if in_force else "2020-01-01",
            "end_date": None if in_force else "2023-12-31",
            "city": "Nantes",
            "beneficiaries": [],
        }


def sign_up_body(member: dict, address: str, **overrides) -> dict:
    body = {
        "last_name": member["last_name"], "first_name": member["first_name"],
        "birth_date": member["birth_date"], "contract_number": member["contract_number"],
        "email": address, "password": PASSWORD,
    }
    body.update(overrides)
    return body


KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


def kafka_options(client_id: str = "e2e") -> dict:
    """What a test's own Kafka client needs: the broker and the sign-in (the tests are admin,
    the local broker's super user: see the root conftest)."""
    from ms_events.kafka import KafkaConfig

    return KafkaConfig.from_env(client_id).common()


def kafka_admin():
    from ms_events.kafka import KafkaConfig, make_admin

    return make_admin(KafkaConfig.from_env("e2e"))


async def topic_records(topic: str, timeout: float = 15.0) -> list:
    """Every record currently in ``topic`` (all partitions, from the beginning)."""
    from aiokafka import AIOKafkaConsumer

    # Without a group the consumer is given every partition of the topic.
    consumer = AIOKafkaConsumer(topic, **kafka_options(), enable_auto_commit=False, group_id=None,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        async with asyncio.timeout(timeout):
            while not consumer.assignment():
                await asyncio.sleep(0.05)
            partitions = list(consumer.assignment())
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            records: list = []
            while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
                for batch in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                    records.extend(batch)
        return records
    finally:
        await consumer.stop()


async def _partitions(topic: str) -> list[int]:
    admin = kafka_admin()
    await admin.start()
    try:
        [description] = await admin.describe_topics([topic])
        return [p["partition"] for p in description["partitions"]]
    finally:
        await admin.close()


async def consumer_lag(group: str, topic: str) -> int:
    """How many records of ``topic`` the consumer group has not committed yet."""
    from aiokafka import AIOKafkaConsumer

    admin = kafka_admin()
    consumer = AIOKafkaConsumer(**kafka_options(), group_id=None)
    await admin.start()
    await consumer.start()
    try:
        committed = {tp: meta.offset for tp, meta in (await admin.list_consumer_group_offsets(group)).items()
                     if tp.topic == topic}
        from aiokafka import TopicPartition
        partitions = [TopicPartition(topic, p) for p in await _partitions(topic)]
        ends = await consumer.end_offsets(partitions)
        return sum(end - max(committed.get(tp, 0), 0) for tp, end in ends.items())
    finally:
        await consumer.stop()
        await admin.close()


async def wait_until(predicate, timeout: float, interval: float = 0.5, what: str = "condition"):
    """Poll an async predicate until it is truthy; fail naming ``what`` after ``timeout``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        result = await predicate()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(interval)


async def sign_up_and_confirm(gateway: httpx.AsyncClient, mailbox: "Mailbox", member: dict, address: str) -> str:
    """A confirmed member account; returns an access token."""
    r = await gateway.post("/v1/accounts", json=sign_up_body(member, address))
    assert r.status_code == 201, r.text
    token = confirmation_token(await mailbox.wait_for(address))
    assert (await gateway.post("/v1/accounts/confirm", json={"token": token})).status_code == 200
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    return session.json()["access_token"]


def random_siren() -> str:
    """A well-formed random SIREN (Luhn key): two tests never meet on one company."""
    from stdnum import luhn

    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def nir_for(birth: date, sex: str) -> str:
    """A well-formed NIR for that birth date (sex "1" or "2"), its place and order drawn at random."""
    rand = random.SystemRandom()
    body = (f"{sex}{birth.year % 100:02d}{birth.month:02d}{rand.choice([d for d in range(1, 96) if d != 20]):02d}"
            f"{rand.randint(1, 999):03d}{rand.randint(1, 999):03d}")
    return body + f"{97 - int(body) % 97:02d}"
