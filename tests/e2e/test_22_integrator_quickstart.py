"""The integrator quickstart (docs/integrators.md) against the running stack: the example consumer,
written only from the documents the gateway publishes and with confluent-kafka (a client the
platform does not use), reads every topic of the AsyncAPI document and finds the records this
test causes through the public API valid.

Scope: the consumer starts with a consumer group of its own and no committed offsets, so it
reads only records produced after it printed "ready" (each partition's start offset is fixed at
that moment); older records, including the malformed ones other tests publish on purpose, are
never read. Records of this test are recognised by their keys (its account, contract, holder
and quote request ids) and, on notify's topic, by the account id in `data`.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import signal
import sys
import time
import urllib.parse
import uuid

import pytest

from e2e_support import GATEWAY, KAFKA, PASSWORD, PYTHON, ROOT, confirmation_token, sign_up_body, unique_email
from ms_platform.testing import kafka_password, setting

pytestmark = pytest.mark.e2e

CONSUMER = ROOT / "examples" / "integrator_consumer" / "consumer.py"
VALID_IBAN = "FR76 3000 6000 0112 3456 7890 189"


def test_the_example_imports_nothing_of_the_platform():
    """Only the standard library, confluent-kafka and jsonschema: no ms_events, no pydantic model."""
    modules = set()
    for node in ast.walk(ast.parse(CONSUMER.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add((node.module or "").split(".")[0])
    assert modules - set(sys.stdlib_module_names) == {"confluent_kafka", "jsonschema"}


class Consumer:
    """The example as a subprocess; its --json lines as they come."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[dict] = []
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.process.stdout:
            self.lines.append(json.loads(raw))

    def records(self) -> list[dict]:
        return [line for line in self.lines if line["event"] == "record"]

    async def wait(self, predicate, timeout: float, what: str):
        deadline = time.monotonic() + timeout
        while not (found := predicate()):
            assert self.process.returncode is None, f"the consumer exited while waiting for {what}: {self.lines[-3:]}"
            assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {what}"
            await asyncio.sleep(0.2)
        return found


async def test_the_example_consumer_reads_every_topic_and_finds_this_tests_events_valid(gateway, mailbox, registry,
                                                                                      tmp_path):
    started = time.monotonic()
    document = (await gateway.get("/schemas/asyncapi.json")).json()
    document_topics = {c["address"] for c in document["channels"].values() if "{" not in c["address"]}
    assert "identity.account.v1" in document_topics and not any(t.endswith(".dlq") for t in document_topics)

    # As the integrators' principal (public topics, groups named integrator-*), as an integrator would.
    group = f"integrator-e2e-{uuid.uuid4().hex[:8]}"
    sign_in = ["-X", f"security.protocol={setting('KAFKA_SECURITY_PROTOCOL')}", "-X", "sasl.mechanism=SCRAM-SHA-512",
               "-X", "sasl.username=integrator", "-X", f"sasl.password={kafka_password('integrator')}"]
    log = tmp_path / "consumer.stderr"  # a file, not a pipe: librdkafka's logs must never block it
    with log.open("wb") as stderr_file:
        process = await asyncio.create_subprocess_exec(
            str(PYTHON), "-I", str(CONSUMER), "--gateway", GATEWAY, "--bootstrap", KAFKA, "--group", group,
            "--max-seconds", "50", "--json", *sign_in,
            cwd=CONSUMER.parent, stdout=asyncio.subprocess.PIPE, stderr=stderr_file,
        )
    consumer = Consumer(process)
    try:
        ready, *_ = await consumer.wait(lambda: [x for x in consumer.lines if x["event"] == "ready"], 20, "ready")
        assert {t for t, partitions in ready["assigned"].items() if partitions} == document_topics

        # An event on every topic the public API can cause: contracts.contract.v1 (the operator's
        # import), identity.account.v1 (sign-up, confirmation), notify.notification.v1 (the
        # confirmation email sent), contracts.bank-account.v1 (a new IBAN), contracts.request.v1
        # (a prospect's confirmed quote request).
        [member] = await registry.register(1)
        address = unique_email("integrator")
        created = await gateway.post("/v1/accounts", json=sign_up_body(member, address))
        assert created.status_code == 201, created.text
        account_id = created.json()["id"]
        confirmed = await gateway.post("/v1/accounts/confirm",
                                       json={"token": confirmation_token(await mailbox.wait_for(address))})
        assert confirmed.status_code == 200, confirmed.text
        session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
        assert session.status_code == 201, session.text
        auth = {"Authorization": f"Bearer {session.json()['access_token']}"}
        [contract] = (await gateway.get("/v1/contracts", headers=auth)).json()
        [holder] = [p for p in (await gateway.get("/v1/bank-accounts", headers=auth)).json()
                    if p["relationship"] == "holder"]
        changed = await gateway.put(f"/v1/bank-accounts/{holder['person_id']}", headers=auth,
                                    json={"iban": VALID_IBAN, "account_holder": f"{member['first_name']} {member['last_name']}"})
        assert changed.status_code == 200, changed.text
        prospect = unique_email("integrator-devis")
        quote = await gateway.post("/v1/contract-requests", json={
            "kind": "quote", "category": "sante", "email": prospect, "first_name": "Léa", "last_name": "Petit"})
        assert quote.status_code == 201, quote.text
        # A prospect's quote is published on contracts.request.v1 once the address confirms it (its
        # link travels on the private contracts.secret.v1, which the example never reads).
        link = re.search(r"confirmer-ma-demande-de-devis\?token=(\S+)",
                         (await mailbox.wait_for(prospect)).get_body(("plain",)).get_content())
        assert link, "the quote's confirmation email carries no link"
        confirmed_quote = await gateway.post("/v1/contract-requests/confirm",
                                             json={"token": urllib.parse.unquote(link.group(1))})
        assert confirmed_quote.status_code == 200, confirmed_quote.text

        expected = {"identity.account.v1": account_id, "contracts.contract.v1": contract["id"],
                    "contracts.bank-account.v1": holder["person_id"], "contracts.request.v1": quote.json()["id"]}

        def ours(record: dict) -> bool:
            if record["topic"] == "notify.notification.v1":
                return record["ids"].get("account_id") == account_id
            return record["key"] == expected.get(record["topic"])

        caused = set(expected) | {"notify.notification.v1"}

        def every_caused_topic_has_ours():
            mine = [r for r in consumer.records() if ours(r)]
            return mine if {r["topic"] for r in mine} == caused else None

        await consumer.wait(every_caused_topic_has_ours, 30, "a record of this test on every topic it causes")
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)  # the example stops, reports and exits
        returncode = await asyncio.wait_for(process.wait(), 20)
        await consumer.reader
        stderr = log.read_text(errors="replace")[-3000:]

    summary = consumer.lines[-1]
    assert summary["event"] == "summary", (consumer.lines[-3:], stderr)
    print(f"integrator consumer (exit {returncode}): {summary['topics']}")
    records = consumer.records()
    mine = [r for r in records if ours(r)]
    foreign_invalid = [r for r in records if not r["valid"] and not ours(r)]

    # Every topic of the document was read (all its partitions assigned); those this test causes
    # had its records (the other services' topics are read too, and what is on them must be valid).
    assert set(summary["topics"]) == document_topics and caused <= document_topics
    for topic, counts in summary["topics"].items():
        assert counts["partitions"] == ready["assigned"][topic] != [], topic
        assert counts["read"] >= 1 or topic not in caused, topic
    # The sign-up's AccountCreated, valid against the published envelope and AccountCreated.v2.json
    # (the current version, without the confirmation token: issue 11, finding 12).
    assert any(r["valid"] and r["type"] == "AccountCreated" and r["subject"] == account_id and not r["retired"]
               for r in mine if r["topic"] == "identity.account.v1")
    # The example reads only the document's topics: never a private one, whose records carry secrets.
    assert not [t for t in summary["topics"] if ".secret." in t]
    # Nothing this test caused is invalid.
    assert [r for r in mine if not r["valid"]] == []
    # Exit code 0: no invalid record at all since the consumer started. The stack is shared: the
    # only tolerated exception is a record someone else published meanwhile (a test that sends
    # malformed or header-less records on purpose); then the example must say so with exit code 1.
    if foreign_invalid:
        assert returncode == 1 and summary["invalid"] == len(foreign_invalid), (returncode, stderr)
        print(f"other publishers' invalid records while this test ran: {foreign_invalid[:3]}")
    else:
        assert returncode == 0, (returncode, summary, stderr)
        assert summary["invalid"] == 0
    assert time.monotonic() - started < 60
