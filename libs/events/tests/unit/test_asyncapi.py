"""The AsyncAPI document ms_events.schemas.asyncapi() builds: a send operation per topic by its
owner, a receive operation per consuming service, envelopes as payloads, headers, keys, examples."""

import json
import re
import uuid
from pathlib import Path

import pytest

import ms_events.consumer as consumer
from ms_events.catalogue import (
    INTERNAL_SCHEMA_BASE, SCHEMA_BASE, private_events, private_readers, private_topics, public_events, public_topics,
    retired, schema_file, schema_url,
)
from ms_events.envelope import Envelope
from ms_events.schemas import DEAD_LETTER_HEADERS, asyncapi, internal_asyncapi, message_payload

CONSUMERS = {"notify": ["identity.account.v1", "contracts.contract.v1", "identity.secret.v1"],
             "contracts": ["identity.account.v1"], "identity": []}
PUBLIC_CONSUMED = {(svc, t) for svc, consumed in CONSUMERS.items() for t in consumed if t in public_topics()}


def _document(consumers=CONSUMERS) -> dict:
    return asyncapi(consumers, local_broker="127.0.0.1:9092", production_broker="kafka-bootstrap.ns.svc:9093")


def _envelope_fields() -> dict:
    return Envelope.model_json_schema()["properties"]


def test_every_topic_is_a_channel_with_its_owner_s_send_operation():
    doc = _document()
    for topic in public_topics():
        assert doc["channels"][topic]["address"] == topic
        owner = topic.split(".", 1)[0]
        sends = [op for op in doc["operations"].values()
                 if op["action"] == "send" and op["channel"] == {"$ref": f"#/channels/{topic}"}]
        assert [op["x-service"] for op in sends] == [owner], topic
        names = {name for name, cls in public_events().items() if cls.meta().topic == topic}
        assert {ref["$ref"].rsplit("/", 1)[1] for ref in sends[0]["messages"]} == names


def test_each_consuming_service_has_its_receive_operation_and_no_other_does():
    doc = _document()
    receives = {(op["x-service"], op["channel"]["$ref"].removeprefix("#/channels/"))
                for op in doc["operations"].values() if op["action"] == "receive"}
    assert receives == PUBLIC_CONSUMED
    op = doc["operations"]["notify.receive.contracts.contract.v1"]
    assert op["bindings"]["kafka"]["groupId"] == {"type": "string", "enum": ["notify"]}


def test_a_consumed_topic_the_catalogue_does_not_publish_is_refused():
    with pytest.raises(ValueError, match="nobody.nothing.v1"):
        _document({"notify": ["nobody.nothing.v1"]})


def test_private_topics_and_their_events_are_not_in_the_public_document():
    doc = _document()
    assert private_topics() and not set(private_topics()) & set(doc["channels"])
    assert not set(private_events()) & set(doc["components"]["messages"])
    assert set(doc["components"]["messages"]) == set(public_events()) | {"DeadLetter"}
    assert not [op for op in doc["operations"].values() if op["channel"]["$ref"].removeprefix("#/channels/")
                in private_topics()]
    assert set(doc["channels"]["deadLetters"]["parameters"]["topic"]["enum"]) == set(public_topics())
    assert '"x-secret"' not in json.dumps(doc)


def test_only_a_declared_reader_may_consume_a_private_topic():
    assert private_readers("identity.secret.v1") == ("notify",)
    with pytest.raises(ValueError, match="webhooks consumes the private topic identity.secret.v1"):
        _document({"webhooks": ["identity.secret.v1"]})


def test_the_public_document_lists_the_retired_versions_with_what_to_use_instead():
    listed = _document()["info"]["x-retired"]
    assert {(r["type"], r["version"]) for r in listed} == {(r.type, r.version) for r in retired()}
    for entry in listed:
        assert entry["schema"] == f"{SCHEMA_BASE}{entry['type']}.v{entry['version']}.json"
        assert entry["reason"] and entry["instead"] and entry["retiredOn"]


def test_the_internal_document_has_the_private_topics_their_events_and_only_their_readers():
    doc = internal_asyncapi()
    assert sorted(t for t in doc["channels"] if t != "deadLetters") == private_topics()
    assert set(doc["components"]["messages"]) == set(private_events()) | {"DeadLetter"}
    receives = {(op["x-service"], op["channel"]["$ref"].removeprefix("#/channels/"))
                for op in doc["operations"].values() if op["action"] == "receive"}
    assert receives == {(reader, t) for t in private_topics() for reader in private_readers(t)}
    assert doc["id"].startswith(INTERNAL_SCHEMA_BASE) and "servers" not in doc
    for name, cls in private_events().items():
        payload = doc["components"]["messages"][name]["payload"]
        assert payload["properties"]["dataschema"]["const"] == schema_url(cls)
        assert schema_url(cls).startswith(INTERNAL_SCHEMA_BASE)


def test_every_message_payload_is_the_envelope_with_the_event_s_data_schema():
    doc = _document()
    for name, cls in public_events().items():
        message = doc["components"]["messages"][name]
        payload = message["payload"]
        assert set(payload["properties"]) == set(_envelope_fields())
        assert payload["properties"]["type"]["const"] == name
        assert payload["properties"]["source"]["const"] == f"/{cls.meta().source}"
        assert payload["properties"]["dataschema"]["const"] == schema_url(cls)
        assert payload["properties"]["data"] == {"$ref": f"./{schema_file(cls)}"}
        assert set(payload["required"]) == set(_envelope_fields()) - {"traceparent"}
        assert message["contentType"] == "application/cloudevents+json"
        assert message["headers"]["properties"]["ce_type"]["const"] == name
        assert message["headers"]["properties"]["content-type"]["const"] == "application/cloudevents+json"
        assert cls.meta().key_field in message["bindings"]["kafka"]["key"]["description"]


def test_the_payload_describes_what_the_relay_really_sends():
    """An envelope as Envelope.wrap builds it has exactly the fields the payload requires (plus traceparent)."""
    name, cls = sorted(public_events().items())[0]
    example = _document()["components"]["messages"][name]["examples"][0]["payload"]
    sent = json.loads(Envelope.wrap(cls.model_validate(example["data"]), traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01").to_bytes())
    payload = message_payload(cls)
    assert set(sent) == set(payload["required"]) | {"traceparent"}
    assert sent["type"] == payload["properties"]["type"]["const"]
    assert sent["dataschema"] == payload["properties"]["dataschema"]["const"]
    assert sent["source"] == payload["properties"]["source"]["const"]


def test_every_example_is_an_envelope_the_consumers_accept():
    doc = _document()
    for name, cls in public_events().items():
        [example] = doc["components"]["messages"][name]["examples"]
        envelope = Envelope.from_bytes(json.dumps(example["payload"]).encode())
        assert envelope.type == name and envelope.dataschema == schema_url(cls)
        event = cls.model_validate(envelope.data)
        assert envelope.subject == event.key()
        assert example["headers"] == {"ce_type": name, "content-type": "application/cloudevents+json"}
        uuid.UUID(str(envelope.id))


def test_servers_the_dead_letter_channel_and_its_headers():
    doc = _document()
    local = doc["servers"]["local"]
    assert (local["host"], local["protocol"]) == ("127.0.0.1:9092", "kafka")
    assert local["security"] == [{"$ref": "#/components/securitySchemes/scramSha512"}]  # no sign-in, no access
    production = doc["servers"]["production"]
    assert (production["host"], production["protocol"]) == ("kafka-bootstrap.ns.svc:9093", "kafka-secure")
    assert production["security"] == [{"$ref": "#/components/securitySchemes/scramSha512"}]
    assert doc["components"]["securitySchemes"]["scramSha512"]["type"] == "scramSha512"
    dlq = doc["channels"]["deadLetters"]
    assert dlq["address"] == "{topic}.dlq" and dlq["parameters"]["topic"]["enum"] == public_topics()
    headers = doc["components"]["messages"]["DeadLetter"]["headers"]
    assert set(headers["required"]) == set(DEAD_LETTER_HEADERS)
    senders = {op["x-service"] for op in doc["operations"].values() if op["channel"]["$ref"] == "#/channels/deadLetters"}
    assert senders == {"notify", "contracts"}
    assert doc["id"] == f"{SCHEMA_BASE}asyncapi.json"


def test_the_dead_letter_headers_are_the_ones_the_consumer_runner_adds():
    source = Path(consumer.__file__).read_text()
    added = set(re.findall(r'\("(dlq\.[a-z_]+)"', source))
    assert added == set(DEAD_LETTER_HEADERS)
