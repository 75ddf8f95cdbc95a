"""One journey, one trace: the gateway's request through identity, its outbox row, Kafka, notify's
consumer and the SMTP send, as a tree of spans in the local trace sink (var/traces/spans.jsonl,
deploy/local/trace_sink.py); and every log line of every process names its service and process."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from e2e_support import PASSWORD, ROOT, sign_up_body, topic_records, unique_email, wait_until
from ms_events.envelope import Envelope

pytestmark = pytest.mark.e2e

SPANS = ROOT / "var" / "traces" / "spans.jsonl"
LOGS = ROOT / "var" / "log"
SERVICES = ("identity", "contracts", "notify")


def spans_of(trace_id: str) -> list[dict]:
    """The trace's spans in the sink's file and the one it last rotated away."""
    needle = f'"trace_id":"{trace_id}"'
    found = []
    for path in (SPANS.with_name(SPANS.name + ".1"), SPANS):
        if path.exists():
            with path.open(encoding="utf-8") as f:
                found += [json.loads(line) for line in f if needle in line and line.endswith("\n")]
    return found


class Tree:
    """The spans of one trace, found by service, process, kind and name, with their parents."""

    def __init__(self, spans: list[dict]) -> None:
        self.spans = spans
        self.by_id = {s["span_id"]: s for s in spans}

    def find(self, service: str, process: str, kind: str, name: str | None = None, *, parent: dict | None = None,
             where=lambda span: True) -> list[dict]:
        return [s for s in self.spans
                if (s["service"], s["process"], s["kind"]) == (service, process, kind)
                and (name is None or s["name"] == name)
                and (parent is None or s["parent_id"] == parent["span_id"]) and where(s)]

    def one(self, *args, **kwargs) -> dict:
        found = self.find(*args, **kwargs)
        assert len(found) == 1, (args, kwargs, [(s["service"], s["process"], s["kind"], s["name"], s["parent_id"])
                                                for s in self.spans])
        return found[0]

    def parent(self, span: dict) -> dict | None:
        return self.by_id.get(span["parent_id"])


def statement(span: dict) -> str:
    attributes = span["attributes"]
    return str(attributes.get("db.statement") or attributes.get("db.query.text") or "")


async def sign_up_with_trace(gateway, mailbox, registry) -> dict:
    [member] = await registry.register(1)
    trace_id, caller_span = secrets.token_hex(16), secrets.token_hex(8)
    address = unique_email("trace")
    body = sign_up_body(member, address)
    r = await gateway.post("/v1/accounts", json=body, headers={"traceparent": f"00-{trace_id}-{caller_span}-01"})
    assert r.status_code == 201
    message = await mailbox.wait_for(address)
    return {"trace_id": trace_id, "caller_span": caller_span, "request_id": r.headers["x-request-id"],
            "account_id": r.json()["id"], "address": address, "member": member, "message": message, "body": body}


async def test_a_sign_up_trace_follows_the_event_through_kafka_to_the_notify_worker(gateway, mailbox, registry):
    journey = await sign_up_with_trace(gateway, mailbox, registry)
    trace_id, account_id = journey["trace_id"], journey["account_id"]

    async def envelope() -> Envelope | None:
        for record in await topic_records("identity.account.v1"):
            if record.key == account_id.encode():
                return Envelope.from_bytes(record.value)
        return None

    published = await wait_until(envelope, timeout=30, what="the AccountCreated event")
    assert published.traceparent.split("-")[1] == trace_id

    def worker_lines() -> list[dict]:
        lines = (ROOT / "var" / "log" / "notify-worker.log").read_text().splitlines()
        return [json.loads(line) for line in lines if trace_id in line and line.startswith("{")]

    # Both of the sign-up's events: AccountCreated (public) and the confirmation link
    # (ConfirmationEmailRequested, on the private identity.secret.v1), in the same trace.
    both = {"AccountCreated", "ConfirmationEmailRequested"}

    async def handled() -> list[dict] | None:
        lines = [line for line in worker_lines() if line.get("event") == "consumer.handled"]
        return lines if {line["event_type"] for line in lines} == both else None

    lines = await wait_until(handled, timeout=10, what="the worker's log lines for the events")
    assert all(line["trace_id"] == trace_id for line in lines)


async def test_the_sign_up_is_one_span_tree_from_the_gateway_request_to_the_smtp_send(gateway, mailbox, registry):
    journey = await sign_up_with_trace(gateway, mailbox, registry)
    trace_id = journey["trace_id"]

    async def complete() -> bool:
        # Spans come in batches (every few seconds from each process): the tree is checked again
        # until every span it needs has come (the last check's failure is the test's).
        try:
            check_tree(Tree(spans_of(trace_id)), journey)
        except AssertionError:
            return False
        return True

    if not await wait_until_or_false(complete, timeout=45):
        check_tree(Tree(spans_of(trace_id)), journey)


async def wait_until_or_false(predicate, timeout: float) -> bool:
    try:
        await wait_until(predicate, timeout=timeout)
    except AssertionError:
        return False
    return True


def check_tree(tree: Tree, journey: dict) -> None:
    """The journey's spans and their parents. Other spans may share the trace (a relay killed by
    a crash test publishes the row too and loses its spans; notify skips the duplicate)."""
    delivery_id = journey["message"]["X-Notify-Delivery-Id"]
    # identity's server span (FastAPI's instrumentation), child of the span the caller named in
    # its traceparent, passed on by the gateway, with the gateway's request id.
    server = tree.one("identity", "api", "SERVER", "POST /v1/accounts")
    assert server["parent_id"] == journey["caller_span"]
    assert server["attributes"]["http.request.header.x-request-id"] == [journey["request_id"]]
    assert server["attributes"].get("http.status_code", server["attributes"].get("http.response.status_code")) == 201

    # Its database statements (asyncpg's instrumentation) under it, the outbox row among them,
    # and its call to contracts (httpx's instrumentation) with contracts' server span under that.
    db = tree.find("identity", "api", "CLIENT", parent=server, where=lambda s: s["attributes"].get("db.system") == "postgresql")
    assert any("insert into outbox" in statement(s) for s in db), [statement(s) for s in db]
    call = tree.one("identity", "api", "CLIENT", parent=server, where=lambda s: "holder-verifications" in str(s["attributes"]))
    tree.one("contracts", "api", "SERVER", "POST /internal/v1/holder-verifications", parent=call)

    # The relay's PRODUCER spans (aiokafka's instrumentation) continue the request's trace from
    # the envelopes' traceparent, written with the outbox rows under the server span: AccountCreated
    # on identity.account.v1, the confirmation link on the private identity.secret.v1. Delivery is
    # at least once: a relay taking over after a crash may publish a row again (another PRODUCER
    # span), and notify then skips the duplicate (a process span without handler).
    public = tree.find("identity", "relay", "PRODUCER", "identity.account.v1 send", parent=server)
    assert public and all(p["attributes"]["messaging.destination.name"] == "identity.account.v1" for p in public)
    producers = tree.find("identity", "relay", "PRODUCER", "identity.secret.v1 send", parent=server)
    assert producers and all(p["attributes"]["messaging.destination.name"] == "identity.secret.v1" for p in producers)

    # notify's worker: the runner's process span that queued the delivery, a child of the
    # producer's span, with aiokafka's receive span beside it; the handler's statements under it.
    def queued_delivery(span: dict) -> bool:
        return any("insert into delivery" in statement(s) for s in tree.find("notify", "worker", "CLIENT", parent=span))

    process = tree.one("notify", "worker", "CONSUMER", "process identity.secret.v1", where=queued_delivery)
    produce = tree.parent(process)
    assert produce in producers, (produce, producers)
    assert process["attributes"]["cloudevents.event_type"] == "ConfirmationEmailRequested"
    tree.one("notify", "worker", "CONSUMER", "identity.secret.v1 receive", parent=produce)

    # The dispatcher's delivery span continues the trace stored with the delivery, the SMTP
    # send under it, for the very message the mail sink received; the sent mark under it too.
    deliver = tree.one("notify", "worker", "INTERNAL", "deliver email", parent=process)
    assert deliver["attributes"]["notify.delivery_id"] == delivery_id
    smtp = tree.one("notify", "worker", "CLIENT", "smtp send", parent=deliver)
    assert smtp["attributes"]["server.port"] and smtp["status"] != "ERROR"
    assert any("update delivery" in statement(s) for s in tree.find("notify", "worker", "CLIENT", parent=deliver))

    # Nothing personal or secret in any span: statements without their values, no address,
    # name, birth date nor password.
    member, text = journey["member"], json.dumps(tree.spans, ensure_ascii=False)
    for value in (journey["address"], PASSWORD, member["last_name"], member["birth_date"]):
        assert value not in text, f"{value!r} found in a span"
    for span in tree.spans:
        assert not any(key.startswith("db.query.parameter") or key == "db.statement.parameters"
                       for key in span["attributes"])


def _process_logs() -> dict[str, tuple[str, str]]:
    """Each service process's log file and the (service, process) it must name."""
    procfile = (ROOT / "deploy" / "local" / "Procfile").read_text().splitlines()
    names = [line.split(":", 1)[0] for line in procfile if line and not line.startswith("#")]
    found = {}
    for name in names:
        service, _, process = name.rpartition("-")
        if service in SERVICES:
            found[name] = (service, process)
    return found


def _json_lines(path: Path, since: datetime) -> list[dict]:
    lines = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not raw.startswith("{"):
            continue  # a traceback or a library's plain line on stderr
        try:
            line = json.loads(raw)
        except ValueError:
            continue  # the line being written
        stamp = line.get("timestamp")
        if stamp and datetime.fromisoformat(stamp.replace("Z", "+00:00")) >= since:
            lines.append(line)
    return lines


async def test_every_log_line_of_every_process_names_its_service_and_process(gateway, mailbox, registry):
    since = datetime.now(UTC)
    time.sleep(0.01)
    journey = await sign_up_with_trace(gateway, mailbox, registry)
    ids = (journey["trace_id"], journey["request_id"], journey["account_id"])
    processes = _process_logs()
    assert {"identity-api", "identity-relay", "notify-worker"} <= processes.keys()

    async def journey_lines() -> dict[str, list[dict]] | None:
        found = {name: [line for line in _json_lines(LOGS / f"{name}.log", since)
                        if any(i in json.dumps(line) for i in ids)]
                 for name in processes if (LOGS / f"{name}.log").exists()}
        sent = any(line.get("event") == "delivery.sent" for line in found.get("notify-worker", []))
        return found if found.get("identity-api") and sent else None

    journey_found = await wait_until(journey_lines, timeout=30, what="the journey's log lines")
    assert journey_found["identity-api"] and journey_found["notify-worker"]

    # Every line written meanwhile by every service process, the journey's and the others'.
    for name, (service, process) in processes.items():
        path = LOGS / f"{name}.log"
        if not path.exists():
            continue
        for line in _json_lines(path, since):
            assert (line.get("service"), line.get("process")) == (service, process), (name, line)
