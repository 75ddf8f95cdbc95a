import uuid
from datetime import UTC, datetime

import pytest

from ms_events import events as catalogue_events  # noqa: F401
from ms_events.catalogue import CATALOGUE, dead_letter_topic, model_for, topics
from ms_events.envelope import Envelope, MalformedEvent
from ms_events.events.contracts import ContractRegistered
from ms_events.events.identity import AccountConfirmed


def _confirmed() -> AccountConfirmed:
    return AccountConfirmed(account_id=uuid.uuid4(), confirmed_at=datetime.now(UTC))


def test_an_envelope_carries_the_cloudevents_attributes_and_the_trace():
    event = _confirmed()
    env = Envelope.wrap(event, traceparent="00-" + "a" * 32 + "-" + "b" * 16 + "-01")
    assert env.specversion == "1.0" and env.type == "AccountConfirmed"
    assert env.source == "/identity" and env.subject == str(event.account_id)
    assert env.datacontenttype == "application/json" and env.traceparent.startswith("00-")
    assert env.dataschema == "https://api.memberspace.example/schemas/AccountConfirmed.v1.json"


def test_an_envelope_survives_the_round_trip_through_bytes():
    env = Envelope.wrap(_confirmed())
    back = Envelope.from_bytes(env.to_bytes())
    assert back == env
    assert AccountConfirmed.model_validate(back.data).account_id == uuid.UUID(env.subject)


@pytest.mark.parametrize("raw", [b"", b"not json", b'{"id": "x"}', b"[1,2]"])
def test_bytes_that_are_not_an_envelope_are_reported_as_malformed(raw):
    with pytest.raises(MalformedEvent):
        Envelope.from_bytes(raw)


def test_a_consumer_ignores_fields_added_by_a_newer_producer():
    data = {**_confirmed().model_dump(mode="json"), "added_later": 1}
    assert AccountConfirmed.model_validate(data).account_id


def test_events_of_one_aggregate_share_a_key_so_they_keep_their_order():
    event = ContractRegistered(
        contract_id=uuid.uuid4(), contract_number="104233", category="sante", product_code="P",
        holder_id=uuid.uuid4(), start_date="2024-01-01", registered_at=datetime.now(UTC),
    )
    assert event.key() == str(event.contract_id)
    assert event.meta().topic == "contracts.contract.v1"


def test_the_catalogue_knows_every_event_and_names_topics_by_context_aggregate_and_version():
    assert model_for("AccountCreated") is CATALOGUE["AccountCreated"]
    assert model_for("Unknown") is None
    for topic in topics():
        context, aggregate, version = topic.split(".")
        assert version.startswith("v") and context and aggregate
    assert dead_letter_topic("identity.account.v1") == "identity.account.v1.dlq"
