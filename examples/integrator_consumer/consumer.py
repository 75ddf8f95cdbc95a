"""An integrator's consumer of the member space's domain events, written only from the
published documents: the AsyncAPI document and the JSON Schemas the gateway serves under
/schemas/. It imports nothing of the platform's code.

It downloads <gateway>/schemas/asyncapi.json, takes every channel the platform publishes to
(a `send` operation; the `{topic}.dlq` dead-letter channel is internal and left out; the
platform's private topics are not in the document at all, and an integrator's credentials
cannot read them), downloads
each message's `data` schema from the URL its `$ref` names, consumes every topic with
confluent-kafka in a consumer group of its own, and checks each record against the document:

- the value is a JSON object valid against the message's payload (the CloudEvents envelope),
  the message being chosen by the `ce_type` header (or the envelope's `type`);
- `data` is valid against the event's schema;
- the Kafka headers are valid against the message's `headers`; the key is valid against the
  message's Kafka key binding and equals the envelope's `subject` (the aggregate id).

A record of a retired event version (its `dataschema` is one the document's `info.x-retired`
lists: published before that version was retired, still on the topic until its retention ends)
is checked against that version's schema, still served, and counted apart as `retired`.

It prints one line per record (invalid ones with every reason), then a summary per topic, and
exits 1 if any record was invalid (2 if it could not start). Delivery is at least once: an
envelope `id` seen twice is counted as a duplicate, not handled twice. Offsets are committed
only after a record was checked.

    python consumer.py                              # local stack, only records produced from now on
    python consumer.py --from-beginning --max-seconds 20
    python consumer.py --server production --gateway https://api.memberspace.example \\
        -X security.protocol=SASL_SSL -X sasl.mechanism=SCRAM-SHA-512 \\
        -X sasl.username=my-user -X sasl.password=... -X ssl.ca.location=ca.crt

Needs: confluent-kafka, jsonschema (pip install confluent-kafka jsonschema).
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import signal
import sys
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime

import jsonschema
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException

# jsonschema leaves "date-time" and "uri" unchecked unless optional packages are installed:
# check them here so that the formats the schemas declare are all enforced.
FORMATS = jsonschema.FormatChecker()
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))  # a real date and time
    return True


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urllib.parse.urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path))


def fetch_json(url: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def pointer(document: dict, ref: str) -> dict:
    """Follow a local reference (#/components/messages/X) until it is no reference any more."""
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return pointer(document, node["$ref"]) if "$ref" in node else node


def validator(schema: dict) -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    return cls(schema, format_checker=FORMATS)


def errors(check: jsonschema.protocols.Validator, instance: object, where: str) -> list[str]:
    found = sorted(check.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{where}{''.join(f'.{p}' for p in e.absolute_path)}: {e.message}" for e in found]


@dataclass
class Message:
    """One message of a channel: the checks its records must pass."""

    name: str
    envelope: jsonschema.protocols.Validator  # the payload, `data` only required to be there
    data: jsonschema.protocols.Validator
    data_url: str
    headers: jsonschema.protocols.Validator | None
    key: jsonschema.protocols.Validator | None


@dataclass
class RetiredVersion:
    """An event version no longer published (info.x-retired): what to use instead, and its schema."""

    type: str
    version: int
    instead: str
    data: jsonschema.protocols.Validator


@dataclass
class Topic:
    name: str
    messages: dict[str, Message]  # by event type (ce_type)
    retired: dict[str, RetiredVersion] = field(default_factory=dict)  # by the schema URL records name
    partitions: set[int] = field(default_factory=set)
    at_end: set[int] = field(default_factory=set)
    read: int = 0
    valid: int = 0
    invalid: int = 0
    duplicates: int = 0
    retired_read: int = 0


def load_contract(gateway: str) -> tuple[dict, dict[str, Topic]]:
    """The AsyncAPI document and, per published topic, its messages with their schemas."""
    document_url = f"{gateway.rstrip('/')}/schemas/asyncapi.json"
    document = fetch_json(document_url)
    published = {op["channel"]["$ref"] for op in document.get("operations", {}).values() if op.get("action") == "send"}
    schemas: dict[str, dict] = {}
    topics: dict[str, Topic] = {}
    for channel_id, channel in document["channels"].items():
        address = channel.get("address") or channel_id
        if f"#/channels/{channel_id}" not in published or "{" in address:
            continue  # not published to integrators (the dead-letter channel has a parameter)
        messages = {}
        for ref in channel["messages"].values():
            message = pointer(document, ref["$ref"]) if "$ref" in ref else ref
            payload = copy.deepcopy(message["payload"])
            data_ref = payload["properties"]["data"]["$ref"]
            # A relative reference resolves against the document's URL: the gateway's /schemas/.
            data_url = urllib.parse.urljoin(document_url, data_ref)
            if data_url not in schemas:
                schemas[data_url] = fetch_json(data_url)
            payload["properties"]["data"] = {"type": "object"}  # checked on its own, below
            kafka = message.get("bindings", {}).get("kafka", {})
            event_type = (message.get("headers", {}).get("properties", {}).get("ce_type", {}).get("const")
                          or payload["properties"]["type"]["const"])
            messages[event_type] = Message(
                name=message.get("name", event_type), envelope=validator(payload),
                data=validator(schemas[data_url]), data_url=data_url,
                headers=validator(message["headers"]) if "headers" in message else None,
                key=validator(kafka["key"]) if "key" in kafka else None,
            )
        topics[address] = Topic(address, messages)
    for entry in document.get("info", {}).get("x-retired", []):
        if entry["topic"] in topics:
            # Served next to the document, under the name it had when it was published.
            url = urllib.parse.urljoin(document_url, entry["schema"].rsplit("/", 1)[-1])
            topics[entry["topic"]].retired[entry["schema"]] = RetiredVersion(
                entry["type"], entry["version"], entry["instead"], validator(fetch_json(url)))
    return document, topics


def check(topic: Topic, key: bytes | None, value: bytes | None, headers: list | None) -> tuple[dict, list[str]]:
    """The record's envelope (what could be read of it) and every reason it is invalid."""
    try:
        envelope = json.loads(value or b"")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return {}, [f"value: not JSON ({exc})"]
    if not isinstance(envelope, dict):
        return {}, ["value: not a JSON object"]
    try:
        header_values = {k: v.decode() for k, v in headers or [] if v is not None}
    except UnicodeDecodeError:
        return envelope, ["headers: not UTF-8"]
    event_type = header_values.get("ce_type") or envelope.get("type")
    schema_url = envelope.get("dataschema")
    retired = topic.retired.get(schema_url) if isinstance(schema_url, str) else None
    if retired is not None:
        reasons = [] if retired.type == event_type else [f"type: {event_type!r} is not {retired.type}"]
        reasons += errors(retired.data, envelope.get("data"), "data")
        if (None if key is None else key.decode(errors="replace")) != envelope.get("subject"):
            reasons.append("key: not the envelope's subject")
        return envelope, reasons
    message = topic.messages.get(event_type) if isinstance(event_type, str) else None
    if message is None:
        return envelope, [f"type: {event_type!r} is not a message of {topic.name} "
                          f"(expected one of {sorted(topic.messages)})"]
    reasons = errors(message.envelope, envelope, "envelope")
    if "data" in envelope:
        reasons += errors(message.data, envelope["data"], "data")
    if message.headers is not None:
        reasons += errors(message.headers, header_values, "headers")
    try:
        key_text = None if key is None else key.decode()
    except UnicodeDecodeError:
        key_text = None
    if message.key is not None:
        reasons += errors(message.key, key_text, "key")
    if key_text != envelope.get("subject"):
        reasons.append(f"key: {key_text!r} is not the envelope's subject {envelope.get('subject')!r}")
    return envelope, reasons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gateway", default="http://127.0.0.1:8080", help="where /schemas/asyncapi.json is served")
    parser.add_argument("--server", default="local", help="the document's server whose host is the bootstrap")
    parser.add_argument("--bootstrap", help="Kafka bootstrap servers (default: the --server's host)")
    parser.add_argument("--group", default=f"integrator-quickstart-{uuid.uuid4().hex[:8]}",
                        help="consumer group (default: a new one, so only records produced from now on)")
    parser.add_argument("--max-seconds", type=float, default=30.0, help="stop after this long (SIGINT stops too)")
    parser.add_argument("--from-beginning", action="store_true",
                        help="read every partition from its first record; otherwise the group's committed "
                             "offsets, or the end for a group that has none (only new records)")
    parser.add_argument("--json", action="store_true", help="one JSON object per line (records, then summary)")
    parser.add_argument("-X", dest="config", action="append", default=[], metavar="PROP=VALUE",
                        help="a librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable)")
    args = parser.parse_args(argv)

    def emit(line: dict, text: str) -> None:
        print(json.dumps(line, ensure_ascii=False) if args.json else text, flush=True)

    try:
        document, topics = load_contract(args.gateway)
    except (OSError, ValueError, KeyError, jsonschema.SchemaError) as exc:
        print(f"cannot load the published documents from {args.gateway}: {exc!r}", file=sys.stderr)
        return 2
    bootstrap = args.bootstrap or document.get("servers", {}).get(args.server, {}).get("host")
    if not topics or not bootstrap:
        print("the document names no published topic or no such server", file=sys.stderr)
        return 2
    emit({"event": "contract", "topics": {t.name: sorted(t.messages) for t in topics.values()}},
         "topics: " + ", ".join(f"{t.name} ({len(t.messages)} messages)" for t in topics.values()))

    config = {
        "bootstrap.servers": bootstrap, "group.id": args.group, "client.id": "integrator-quickstart",
        "enable.auto.commit": True, "enable.auto.offset.store": False,  # commit what was checked
        "auto.offset.reset": "earliest" if args.from_beginning else "latest",
        "enable.partition.eof": True,
    }
    for item in args.config:
        name, _, value = item.partition("=")
        config[name] = value
    consumer = Consumer(config)

    def on_assign(c: Consumer, partitions: list) -> None:
        # Fix each start offset now, so "ready" means: every record produced from here on is read.
        committed = {(p.topic, p.partition): p.offset for p in c.committed(partitions, timeout=10)}
        for p in partitions:
            if args.from_beginning:
                p.offset = OFFSET_BEGINNING
            elif committed[(p.topic, p.partition)] >= 0:
                p.offset = committed[(p.topic, p.partition)]
            else:
                p.offset = c.get_watermark_offsets(p, timeout=10)[1]
            topics[p.topic].partitions.add(p.partition)
        c.assign(partitions)
        emit({"event": "ready", "group": args.group,
              "assigned": {t: sorted(x.partition for x in partitions if x.topic == t) for t in topics}},
             f"assigned {len(partitions)} partitions to group {args.group}")

    stop = False

    def on_signal(*_: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    seen: set[str] = set()
    deadline = time.monotonic() + args.max_seconds
    try:
        consumer.subscribe(list(topics), on_assign=on_assign)
        while not stop and time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is None:
                continue
            if record.error():
                if record.error().code() == KafkaError._PARTITION_EOF:
                    topics[record.topic()].at_end.add(record.partition())
                    continue
                if record.error().fatal():
                    raise KafkaException(record.error())
                print(f"kafka: {record.error()}", file=sys.stderr)
                continue
            topic = topics[record.topic()]
            topic.at_end.discard(record.partition())
            envelope, reasons = check(topic, record.key(), record.value(), record.headers())
            topic.read += 1
            event_id = envelope.get("id") if isinstance(envelope.get("id"), str) else None
            duplicate = not reasons and event_id in seen
            schema_url = envelope.get("dataschema")
            retired = topic.retired.get(schema_url) if isinstance(schema_url, str) and not reasons else None
            if reasons:
                topic.invalid += 1
            else:
                topic.valid += 1
                topic.duplicates += duplicate
                topic.retired_read += retired is not None
                seen.add(event_id)
            data = envelope.get("data") if isinstance(envelope.get("data"), dict) else {}
            emit({"event": "record", "topic": topic.name, "partition": record.partition(), "offset": record.offset(),
                  "key": record.key().decode(errors="replace") if record.key() else None,
                  "type": envelope.get("type"), "id": event_id, "subject": envelope.get("subject"),
                  "ids": {k: v for k, v in data.items() if k.endswith("_id") and isinstance(v, str)},
                  "valid": not reasons, "duplicate": duplicate, "reasons": reasons,
                  "retired": None if retired is None else f"{retired.type} v{retired.version}"},
                 f"{topic.name}[{record.partition()}]@{record.offset()} {envelope.get('type')} {event_id}: "
                 + ("duplicate (already handled)" if duplicate
                    else "INVALID\n  " + "\n  ".join(reasons) if reasons
                    else f"valid, retired v{retired.version} (instead: {retired.instead})" if retired
                    else "valid"))
            consumer.store_offsets(record)
    except KafkaException as exc:
        print(f"kafka: {exc}", file=sys.stderr)
        return 2
    finally:
        consumer.close()  # commits the stored offsets, leaves the group

    summary = {t.name: {"partitions": sorted(t.partitions), "caught_up": sorted(t.at_end), "read": t.read,
                        "valid": t.valid, "invalid": t.invalid, "duplicates": t.duplicates,
                        "retired": t.retired_read}
               for t in topics.values()}
    invalid = sum(t.invalid for t in topics.values())
    emit({"event": "summary", "group": args.group, "topics": summary, "invalid": invalid},
         "\n".join(f"{name}: {s['read']} read, {s['valid']} valid, {s['invalid']} invalid, "
                   f"{s['duplicates']} duplicates; partitions {s['partitions']}, caught up {s['caught_up']}"
                   for name, s in summary.items()))
    return 1 if invalid else 0


if __name__ == "__main__":
    sys.exit(main())
