"""Publish the catalogue for integrators (JSON Schema per event, the envelope, one AsyncAPI
document) and check that a change to a published schema is additive only.

Public events' schemas are in libs/events/schemas/ (the gateway serves it under /schemas/),
with the schemas of retired public versions (marked ``deprecated``: records already on a topic
keep naming them). Private events' schemas and their AsyncAPI document are in
libs/events/schemas/internal/, which nothing serves. Released snapshots of every version, public
and private, are in libs/events/schemas/released/: a released version is either still in the
catalogue, unchanged or changed additively, or recorded as retired (``catalogue.retire``).

    python -m ms_events.schemas write    # refresh libs/events/schemas/ and internal/ (not asyncapi.json:
                                         # python -m ms_deploy generate writes it with asyncapi())
    python -m ms_events.schemas check    # fail on a change incompatible with the released snapshots,
                                         # a released version neither published nor retired,
                                         # or published documents out of date
    python -m ms_events.schemas release  # snapshot the current versions as released (with a release)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping

from ms_events.catalogue import (
    INTERNAL_SCHEMA_BASE, SCHEMA_BASE, Event, Retired, dead_letter_topic, is_private, may_consume, private_events, private_readers,
    private_topics, public_events, public_topics, registered, retired, schema_file, schema_url,
)
from ms_events.envelope import Envelope

PUBLISHED_DIR = Path(__file__).resolve().parents[2] / "schemas"
# One snapshot per event version as integrators last received it: changes are checked against
# these, not against the working tree (which `write` has just made agree with the code).
RELEASED_DIR = PUBLISHED_DIR / "released"
# Private events' schemas and AsyncAPI document: for the services that read them, not served.
INTERNAL_DIR = PUBLISHED_DIR / "internal"


def json_schema(cls: type[Event]) -> dict[str, Any]:
    schema = cls.model_json_schema(mode="serialization")
    schema["$id"] = schema_url(cls)
    schema["title"] = cls.meta().type
    schema["description"] = cls.meta().summary
    return schema


ASYNCAPI_FILE = "asyncapi.json"
ENVELOPE_FILE = "envelope.json"
CONTENT_TYPE = "application/cloudevents+json"  # the relay's content-type header (ms_events.relay)
KAFKA_BINDING = "0.5.0"
# What the consumer runner adds to a dead letter's headers (ms_events.consumer, _dead_letter),
# after the original record's own headers.
DEAD_LETTER_HEADERS = {
    "dlq.error": "Why the message was dead-lettered (the handler's error, or why it is malformed).",
    "dlq.error_type": "The exception's class name.",
    "dlq.original_topic": "The topic the message was read from.",
    "dlq.original_partition": "Its partition (decimal).",
    "dlq.original_offset": "Its offset (decimal).",
    "dlq.consumer": "The consuming service (its consumer group) that gave up on it.",
    "dlq.attempts": "How many times it was handled before (decimal).",
    "dlq.failed_at": "When, ISO 8601 UTC.",
}
_EXAMPLE_ID = "0b4f8c1e-6d2a-4c3e-9f7a-2d5e8a1b3c4d"
_EXAMPLE_TIME = "2025-03-14T09:30:00Z"


def asyncapi(consumers: Mapping[str, Iterable[str]], *, local_broker: str, production_broker: str) -> dict[str, Any]:
    """The AsyncAPI 3.0 document of every public catalogue topic, for integrators.

    ``consumers`` maps each service to the topics its worker consumes (the deployment
    declarations, services/*/service.toml: ``ms_deploy generate`` writes this document);
    the publisher of a topic is the service its first segment names. ``local_broker`` and
    ``production_broker`` are the bootstrap addresses of the local stack and of Kubernetes.
    A service may consume a private topic only if the catalogue names it as a reader; private
    topics are not in this document (``internal_asyncapi``).
    """
    known = set(public_topics()) | set(private_topics())
    readers: dict[str, list[str]] = {topic: [] for topic in public_topics()}
    for service, consumed in sorted(consumers.items()):
        for topic in consumed:
            if topic not in known:
                raise ValueError(f"{service} consumes {topic}, which no catalogue event is published on")
            if not may_consume(service, topic):
                raise ValueError(f"{service} consumes the private topic {topic}, which only "
                                 f"{', '.join(private_readers(topic))} may read")
            if topic in readers:
                readers[topic].append(service)
    document = _document(public_events(), readers)
    document["id"] = f"{SCHEMA_BASE}{ASYNCAPI_FILE}"
    document["info"] = {
        "title": "Member space domain events",
        "version": "1.0.0",
        "description": "Domain events of the member space on Apache Kafka: one CloudEvents 1.0 envelope "
                       "(structured JSON, " + ENVELOPE_FILE + ") per message, `data` being the event "
                       "(one JSON Schema per event version, served next to this document under "
                       f"{SCHEMA_BASE}). Kafka headers ce_type (the event type) and content-type; "
                       "key = the aggregate id (same key, same partition, in order). Delivery is "
                       "at least once: deduplicate by the envelope's id. A change within an event "
                       "version is additive only; anything else is a new version (the envelope's "
                       "dataschema names it). A retired version is no longer published; its schema "
                       "stays served, marked deprecated (x-retired lists them). No secret (token, "
                       "one-time code) is ever published on these topics.",
        "x-retired": [_retired_entry(record) for record in retired() if not is_private(record.topic)],
    }
    security = [{"$ref": "#/components/securitySchemes/scramSha512"}]
    document["servers"] = {
        "local": {
            "host": local_broker,
            "protocol": "kafka",
            "title": "Local stack",
            "description": "The development stack's broker (deploy/local): SASL/SCRAM-SHA-512 over plain TCP "
                           "on the loopback interface; integrators sign in as `integrator` (its password in "
                           "var/secrets/kafka/integrator.password), whose ACLs read the public topics in "
                           "consumer groups named integrator-*.",
            "security": security,
            "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING}},
        },
        "production": {
            "host": production_broker,
            "protocol": "kafka-secure",
            "title": "Kubernetes (Strimzi)",
            "description": "The Strimzi cluster's bootstrap inside the cluster: TLS listener, SCRAM-SHA-512 "
                           "sign-in as a KafkaUser whose ACLs allow what it publishes and consumes.",
            "security": security,
            "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING}},
        },
    }
    document["components"]["securitySchemes"] = {"scramSha512": {
        "type": "scramSha512",
        "description": "SASL/SCRAM-SHA-512 (over TLS in production, where Strimzi writes each user's "
                       "password into the Secret named after it, key `password`).",
    }}
    return document


def internal_asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0 document of the private topics (libs/events/schemas/internal/): their
    events and the only services the catalogue lets read them. Not served, not for integrators."""
    readers = {topic: list(private_readers(topic)) for topic in private_topics()}
    document = _document(private_events(), readers)
    document["id"] = f"{INTERNAL_SCHEMA_BASE}{ASYNCAPI_FILE}"
    document["info"] = {
        "title": "Member space private events (internal)",
        "version": "1.0.0",
        "description": "Private topics (<context>.secret.v<N>): single-use secrets a context hands to "
                       "the services named as their readers, on the same brokers and in the same "
                       "envelope as the public events (asyncapi.json). Only the publisher's and the "
                       "readers' Kafka principals have ACLs on them; they are never in the public "
                       "document, never served by the gateway, never delivered by webhooks. "
                       "Event schemas are next to this document; their $id is a URN.",
    }
    return document


def _retired_entry(record: Retired) -> dict[str, Any]:
    return {"type": record.type, "version": record.version, "topic": record.topic,
            "retiredOn": record.retired_on, "reason": record.reason, "instead": record.instead,
            "schema": f"{SCHEMA_BASE}{retired_file(record)}"}


def _document(events_by_name: Mapping[str, type[Event]], readers: dict[str, list[str]]) -> dict[str, Any]:
    """Channels, operations and messages of ``events_by_name``'s topics, each read by ``readers[topic]``."""
    events = sorted(events_by_name.items())
    known = set(readers)

    channels: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, cls in events:
        meta = cls.meta()
        messages[name] = _message(name, cls)
        channel = channels.setdefault(meta.topic, {
            "address": meta.topic,
            "title": meta.topic,
            "description": f"Published by {meta.source} (its outbox relay); key = the aggregate id; "
                           f"dead letters go to {dead_letter_topic(meta.topic)}.",
            "messages": {},
            "bindings": {"kafka": {"topic": meta.topic, "bindingVersion": KAFKA_BINDING}},
        })
        channel["messages"][name] = {"$ref": f"#/components/messages/{name}"}

    operations: dict[str, Any] = {}
    for topic in sorted(channels):
        refs = [{"$ref": f"#/channels/{topic}/messages/{name}"} for name in channels[topic]["messages"]]
        owner = topic.split(".", 1)[0]
        operations[f"{owner}.send.{topic}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{topic}"},
            "title": f"{owner} publishes {topic}",
            "summary": f"{owner}'s relay publishes its outbox rows, in order, idempotent producer, acks=all.",
            "messages": refs,
            "x-service": owner,
        }
        for service in readers[topic]:
            operations[f"{service}.receive.{topic}"] = {
                "action": "receive",
                "channel": {"$ref": f"#/channels/{topic}"},
                "title": f"{service} consumes {topic}",
                "summary": f"{service}'s worker, consumer group {service}: at-least-once, "
                           "deduplicated by event id (its inbox).",
                "messages": refs,
                "bindings": {"kafka": {"groupId": {"type": "string", "enum": [service]},
                                       "bindingVersion": KAFKA_BINDING}},
                "x-service": service,
            }
    consuming = sorted({service for topic in readers for service in readers[topic]})
    channels["deadLetters"] = {
        "address": "{topic}.dlq",
        "title": "Dead letters",
        "description": "One dead-letter topic per topic, <topic>.dlq. A message a consumer could not handle "
                       "(5 failed attempts, or malformed) is copied there unchanged with the dlq.* headers; "
                       "operators list and replay them with python -m ms_events.dlq. Kept 14 days.",
        "parameters": {"topic": {"enum": sorted(known), "description": "The original topic."}},
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
    }
    for service in consuming:
        operations[f"{service}.send.deadLetters"] = {
            "action": "send",
            "channel": {"$ref": "#/channels/deadLetters"},
            "title": f"{service} dead-letters what it could not handle",
            "summary": f"{service}'s worker, for the topics it consumes: "
                       + ", ".join(sorted(t for t in readers if service in readers[t])) + ".",
            "messages": [{"$ref": "#/channels/deadLetters/messages/DeadLetter"}],
            "x-service": service,
        }
    messages["DeadLetter"] = _dead_letter_message()
    return {
        "asyncapi": "3.0.0",
        "defaultContentType": CONTENT_TYPE,
        "channels": dict(sorted(channels.items())),
        "operations": dict(sorted(operations.items())),
        "components": {"messages": dict(sorted(messages.items()))},
    }


def asyncapi_text(consumers: Mapping[str, Iterable[str]], *, local_broker: str, production_broker: str) -> str:
    """``asyncapi()`` as the file libs/events/schemas/asyncapi.json holds."""
    return _text(asyncapi(consumers, local_broker=local_broker, production_broker=production_broker))


def envelope_schema() -> dict[str, Any]:
    return {"$id": f"{SCHEMA_BASE}{ENVELOPE_FILE}", **Envelope.model_json_schema()}


def message_payload(cls: type[Event]) -> dict[str, Any]:
    """The envelope the relay sends for ``cls``: envelope.json's fields, ``type``, ``source``,
    ``dataschema`` fixed, ``subject`` the aggregate id and ``data`` the event's JSON Schema."""
    meta = cls.meta()
    envelope = Envelope.model_json_schema()
    properties = dict(envelope["properties"])
    properties.update({
        "type": {"type": "string", "const": meta.type, "description": "The event type (also the ce_type header)."},
        "source": {"type": "string", "const": f"/{meta.source}", "description": "The publishing service."},
        "subject": {"type": "string", "description": f"The aggregate id: data.{meta.key_field} (also the Kafka key)."},
        "dataschema": {"type": "string", "format": "uri", "const": schema_url(cls),
                       "description": "The data's JSON Schema (its $id)."},
        "data": {"$ref": f"./{schema_file(cls)}"},
    })
    required = [name for name in properties if name != "traceparent"]
    return {
        "type": "object",
        "title": f"{meta.type} envelope",
        "description": f"CloudEvents 1.0 envelope ({ENVELOPE_FILE}) carrying {meta.type} v{meta.version}.",
        "properties": properties,
        "required": required,
        "additionalProperties": True,
    }


def _message(name: str, cls: type[Event]) -> dict[str, Any]:
    meta = cls.meta()
    key = json_schema(cls)["properties"].get(meta.key_field, {})
    message: dict[str, Any] = {
        "name": name,
        "title": name,
        "summary": meta.summary,
        "contentType": CONTENT_TYPE,
        "headers": {
            "type": "object",
            "properties": {
                "ce_type": {"type": "string", "const": name, "description": "The envelope's type."},
                "content-type": {"type": "string", "const": CONTENT_TYPE},
            },
            "required": ["ce_type", "content-type"],
        },
        "payload": message_payload(cls),
        "bindings": {"kafka": {
            "key": {"type": "string", **({"format": key["format"]} if "format" in key else {}),
                    "description": f"data.{meta.key_field}, UTF-8: one aggregate's events share a partition, in order."},
            "bindingVersion": KAFKA_BINDING,
        }},
    }
    example = _example(cls)
    if example is not None:
        message["examples"] = [{
            "name": f"{name}Example",
            "summary": f"A {name} envelope as the relay sends it.",
            "headers": {"ce_type": name, "content-type": CONTENT_TYPE},
            "payload": {"id": _EXAMPLE_ID, "source": f"/{meta.source}", "type": name, "specversion": "1.0",
                        "time": _EXAMPLE_TIME, "subject": str(example[meta.key_field]),
                        "datacontenttype": "application/json", "dataschema": schema_url(cls), "data": example},
        }]
    return message


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": "DeadLetter",
        "title": "Dead letter",
        "summary": "A message a consumer gave up on, byte for byte, with why in the dlq.* headers.",
        "headers": {
            "type": "object",
            "properties": {
                "ce_type": {"type": "string", "description": "Copied from the original record, when it had one."},
                "content-type": {"type": "string", "description": "Copied from the original record, when it had one."},
                **{name: {"type": "string", "description": text} for name, text in DEAD_LETTER_HEADERS.items()},
            },
            "required": list(DEAD_LETTER_HEADERS),
        },
        "payload": {"description": "The original record's value, unchanged (same key): usually an envelope "
                                   f"({ENVELOPE_FILE}); a malformed message is kept as it was."},
        "bindings": {"kafka": {"key": {"type": "string", "description": "The original record's key."},
                               "bindingVersion": KAFKA_BINDING}},
    }


def _example(cls: type[Event]) -> dict[str, Any] | None:
    """An example of the event from its JSON Schema (required fields only), or None when the
    model does not accept the guess: examples are cheap or absent, never wrong."""
    schema = json_schema(cls)
    try:
        data = _sample(schema, schema, cls.meta().key_field)
        return cls.model_validate(data).model_dump(mode="json", exclude_none=True)
    except (ValueError, TypeError, KeyError):
        return None


def _sample(spec: dict[str, Any], root: dict[str, Any], name: str) -> Any:
    spec = _Resolver(root).resolve(spec)
    for key in ("anyOf", "oneOf"):
        if key in spec:
            branches = [b for b in spec[key] if _Resolver(root).resolve(b).get("type") != "null"]
            return _sample(branches[0], root, name)
    if "const" in spec:
        return spec["const"]
    if "enum" in spec:
        return spec["enum"][0]
    kind, fmt = spec.get("type"), spec.get("format")
    if kind == "object" or "properties" in spec:
        return {prop: _sample(sub, root, prop) for prop, sub in spec.get("properties", {}).items()
                if prop in spec.get("required", [])}
    if kind == "array":
        return [_sample(spec["items"], root, name)] if isinstance(spec.get("items"), dict) else []
    if kind == "integer":
        return max(1, spec.get("minimum", 1))
    if kind == "number":
        return 12.5
    if kind == "boolean":
        return True
    if kind == "string":
        return {"uuid": "7d1f5e3a-8c2b-4f6e-a9d0-1b2c3d4e5f60", "date-time": _EXAMPLE_TIME, "date": "2025-03-14",
                "email": "camille.martin@example.org", "uri": "https://espace.memberspace.example/"}.get(fmt, name)
    raise ValueError(f"no example for {spec}")


def retired_file(record: Retired) -> str:
    """The retired version's schema file (the name it had when it was published)."""
    return f"{record.type}.v{record.version}.json"


def retired_schema(record: Retired, released: Path = RELEASED_DIR) -> dict[str, Any]:
    """A retired version's schema as it stays published: its released snapshot, marked
    deprecated, saying when and why it was retired and what to use instead."""
    schema = json.loads((released / retired_file(record)).read_text())
    schema["$id"] = f"{SCHEMA_BASE}{retired_file(record)}"  # where it is served (older snapshots name an older host)
    schema["deprecated"] = True
    schema["description"] = (f"{schema.get('description', '')} RETIRED on {record.retired_on}: no longer "
                             f"published on {record.topic} ({record.reason}). Instead: {record.instead}.").strip()
    return schema


def internal_dir(published: Path) -> Path:
    return published / INTERNAL_DIR.name


def expected_documents(published: Path = PUBLISHED_DIR, released: Path = RELEASED_DIR) -> dict[Path, Any]:
    """Every document ``write`` makes: public event schemas, retired public schemas and
    envelope.json in ``published``; private event schemas and their AsyncAPI document in
    its internal/ directory."""
    docs: dict[Path, Any] = {}
    for cls in public_events().values():
        docs[published / schema_file(cls)] = json_schema(cls)
    for record in retired():
        if not is_private(record.topic) and (released / retired_file(record)).exists():
            docs[published / retired_file(record)] = retired_schema(record, released)
    docs[published / ENVELOPE_FILE] = envelope_schema()
    internal = internal_dir(published)
    for cls in private_events().values():
        docs[internal / schema_file(cls)] = json_schema(cls)
    docs[internal / ASYNCAPI_FILE] = internal_asyncapi()
    return docs


def write(directory: Path = PUBLISHED_DIR, released: Path = RELEASED_DIR) -> None:
    """Every event schema, retired schema, envelope.json and the internal AsyncAPI document.
    Not the public asyncapi.json: its operations need the services' declarations (who consumes
    what), so ``python -m ms_deploy generate`` writes it. Removes a schema file nothing
    publishes any more (e.g. a public event that became private)."""
    expected = expected_documents(directory, released)
    for path, data in expected.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        _dump(path, data)
    for path in _schema_files(directory):
        if path not in expected:
            path.unlink()


def _schema_files(published: Path) -> list[Path]:
    """The event schema files (Type.vN.json) of ``published`` and its internal/ directory."""
    return [path for folder in (published, internal_dir(published)) if folder.is_dir()
            for path in sorted(folder.glob("*.v*.json"))]


def _text(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def _dump(path: Path, data: Any) -> None:
    path.write_text(_text(data))


def released_path(cls: type[Event], directory: Path = RELEASED_DIR) -> Path:
    return directory / schema_file(cls)


def release(directory: Path = RELEASED_DIR) -> list[str]:
    """Snapshot every event version's schema, public and private, as released (after check passes);
    returns the names written. Snapshots of retired versions stay."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, cls in sorted(registered().items()):
        path = released_path(cls, directory)
        schema = json_schema(cls)
        if not path.exists() or json.loads(path.read_text()) != schema:
            _dump(path, schema)
            written.append(path.name)
    return written


def incompatibilities(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What in ``new`` would break a consumer written against ``old``, at any depth.

    Removing a field, changing its type, making a field required or no longer required,
    narrowing an enum or changing a constant is incompatible; adding an optional field or an
    enum value is not (consumers ignore what they do not know).
    """
    found: list[str] = []
    _compare(_Resolver(old), old, _Resolver(new), new, "", found, set())
    return found


class _Resolver:
    """Follows local ``$ref``s (``#/$defs/...``) of one schema document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        seen = set()
        while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/") and node["$ref"] not in seen:
            seen.add(node["$ref"])
            target: Any = self.document
            for part in node["$ref"][2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node


def _where(path: str) -> str:
    return f"field '{path}'" if path else "the event"


def _compare(ro: _Resolver, old: dict, rn: _Resolver, new: dict, path: str, found: list[str],
             visiting: set[tuple[int, int]]) -> None:
    old, new = ro.resolve(old), rn.resolve(new)
    if (id(old), id(new)) in visiting:
        return
    visiting = visiting | {(id(old), id(new))}
    if _type_of(old) != _type_of(new):
        found.append(f"{_where(path)} changed type {_type_of(old)} -> {_type_of(new)}")
        return
    _compare_values(old, new, path, found)
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, spec in old_props.items():
        child = f"{path}.{name}" if path else name
        if name not in new_props:
            found.append(f"field '{child}' removed")
        else:
            _compare(ro, spec, rn, new_props[name], child, found, visiting)
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name in sorted(new_required - old_required):
        found.append(f"field '{f'{path}.{name}' if path else name}' became required")
    for name in sorted((old_required - new_required) & set(new_props)):
        found.append(f"field '{f'{path}.{name}' if path else name}' is no longer required")
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        _compare(ro, old["items"], rn, new["items"], f"{path}[]", found, visiting)
    for key in ("anyOf", "oneOf"):
        for old_branch, new_branch in zip(old.get(key, []), new.get(key, [])):
            _compare(ro, old_branch, rn, new_branch, path, found, visiting)


def _compare_values(old: dict, new: dict, path: str, found: list[str]) -> None:
    if "enum" in old:
        dropped = [v for v in old["enum"] if v not in new.get("enum", old["enum"])]
        if dropped:
            found.append(f"{_where(path)} enum narrowed: {', '.join(map(str, dropped))} no longer allowed")
    if "const" in old and new.get("const", old["const"]) != old["const"]:
        found.append(f"{_where(path)} constant changed {old['const']!r} -> {new.get('const')!r}")


def _type_of(spec: dict[str, Any]) -> Any:
    for key in ("anyOf", "oneOf"):
        if key in spec:
            return sorted(json.dumps(_type_of(s), sort_keys=True) for s in spec[key])
    kind = spec.get("type")
    if kind is None and ("enum" in spec or "const" in spec):
        values = spec.get("enum", [spec.get("const")])
        kind = sorted({type(v).__name__ for v in values})
    return (kind, spec.get("format"))


def check(published: Path = PUBLISHED_DIR, released: Path = RELEASED_DIR) -> list[str]:
    """The catalogue against the released snapshots (compatibility; every released version still
    published or recorded as retired) and the published documents (up to date, nothing private
    among the public ones)."""
    errors = []
    live = {(cls.meta().type, cls.meta().version): cls for cls in registered().values()}
    retirements = {(record.type, record.version): record for record in retired()}
    for name, cls in sorted(registered().items()):
        schema = json_schema(cls)
        snapshot = released_path(cls, released)
        if snapshot.exists():
            old = json.loads(snapshot.read_text())
            for problem in incompatibilities(old, schema):
                errors.append(f"{name} v{cls.meta().version}: {problem}; publish a new version instead")
            if str(old.get("$id", "")).startswith(INTERNAL_SCHEMA_BASE) != cls.meta().private:
                errors.append(f"{name} v{cls.meta().version}: released as {_visibility(old)}, now "
                              f"{'private' if cls.meta().private else 'public'}; publish a new version instead")
    for snapshot in sorted(released.glob("*.v*.json")) if released.is_dir() else []:
        kind, _, version = snapshot.name.removesuffix(".json").rpartition(".v")
        key = (kind, int(version)) if version.isdigit() else (kind, -1)
        if key not in live and key not in retirements:
            errors.append(f"{kind} v{version} was released and is no longer in the catalogue: record its "
                          "retirement (catalogue.retire, with what to use instead) or publish it again")
    for key, record in sorted(retirements.items()):
        if not (released / retired_file(record)).exists():
            errors.append(f"{record.type} v{record.version} is recorded as retired but was never released "
                          f"(no {retired_file(record)} in {released.name}/): drop the record")
    expected = expected_documents(published, released)
    for path, data in sorted(expected.items()):
        if path.name == ASYNCAPI_FILE and path.parent == published:
            continue
        if not path.exists() or json.loads(path.read_text()) != data:
            what = path.relative_to(published)
            errors.append(f"{_kind_of(path)}: {what} is not what the catalogue says (run python -m ms_events.schemas write)")
    for path in _schema_files(published):
        if path not in expected:
            errors.append(f"{path.relative_to(published)} is published but the catalogue has no such "
                          "public event version (run python -m ms_events.schemas write)")
    return errors


def _visibility(schema: dict[str, Any]) -> str:
    return "private" if str(schema.get("$id", "")).startswith(INTERNAL_SCHEMA_BASE) else "public"


def _kind_of(path: Path) -> str:
    if path.name in (ENVELOPE_FILE, ASYNCAPI_FILE):
        return path.name if path.name == ENVELOPE_FILE else f"internal {ASYNCAPI_FILE}"
    return path.name.split(".v", 1)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["write", "check", "release"])
    args = parser.parse_args()
    if args.command == "write":
        write()
        print(f"wrote {len(public_events())} public and {len(private_events())} private event schemas, "
              f"{len(retired())} retired ones and {ENVELOPE_FILE} for {len(public_topics())} public and "
              f"{len(private_topics())} private topics; "
              f"{ASYNCAPI_FILE} is written by `python -m ms_deploy generate` (it needs the services' declarations)")
        return
    if args.command == "release":
        errors = check()
        if errors:
            print("\n".join(errors))
            sys.exit(1)
        written = release()
        print(f"released {len(written)} schema(s)" + "".join(f"\n  {n}" for n in written))
        return
    errors = check()
    print("\n".join(errors) or "published schemas are compatible")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
