"""Private topics: secrets (tokens, one-time codes) travel only on <context>.secret.v<N> topics that
the catalogue names readers for; a public event cannot carry one; retired versions are recorded."""

import uuid
from datetime import datetime

import pytest
from pydantic import BaseModel

from ms_events import catalogue
from ms_events.catalogue import (
    SECRET_KEYWORD, Event, dead_letter_topic, event, is_private, looks_secret, may_consume, private_events,
    private_readers, private_topic, private_topics, public_events, public_topics, registered, retire, retired,
    secret, secret_fields, topics,
)


@pytest.fixture
def scratch_catalogue():
    """Registrations made by a test are undone after it."""
    registered()
    saved = (dict(catalogue.CATALOGUE), dict(catalogue.PRIVATE_TOPICS), list(catalogue.RETIRED))
    yield
    catalogue.CATALOGUE.clear(), catalogue.CATALOGUE.update(saved[0])
    catalogue.PRIVATE_TOPICS.clear(), catalogue.PRIVATE_TOPICS.update(saved[1])
    catalogue.RETIRED[:] = saved[2]


def test_no_event_on_a_public_topic_has_a_secret_field():
    assert public_events()
    for name, cls in public_events().items():
        assert not is_private(cls.meta().topic), name
        assert secret_fields(cls) == [], name


def test_every_secret_of_a_private_event_is_marked_as_one():
    for name, cls in private_events().items():
        schema = cls.model_json_schema()
        found = secret_fields(cls)
        assert all(schema["properties"][field].get(SECRET_KEYWORD) for field in found), name


def test_the_private_topics_are_read_by_notify_only_and_split_the_catalogue_with_the_public_ones():
    assert {"contracts.secret.v1", "identity.secret.v1"} <= set(private_topics())
    assert sorted(public_topics() + private_topics()) == topics()
    assert "identity.account.v1" in public_topics() and "contracts.request.v1" in public_topics()
    for topic in ("contracts.secret.v1", "identity.secret.v1"):
        assert private_readers(topic) == ("notify",)
        assert is_private(dead_letter_topic(topic)) and private_readers(dead_letter_topic(topic)) == ("notify",)
        assert may_consume("notify", topic)
        assert not may_consume("webhooks", topic) and not may_consume("contracts", topic)
    assert may_consume("webhooks", "identity.account.v1") and private_readers("identity.account.v1") == ()


def test_every_secret_bearing_event_of_identity_and_contracts_is_private():
    ours = {name for name, cls in private_events().items() if cls.meta().source in ("identity", "contracts")}
    assert ours == {"ConfirmationEmailRequested", "EmailChangeRequested", "PasswordResetRequested",
                    "TwoFactorCodeRequested", "QuoteConfirmationRequested", "ActivationRequested",
                    "InvitationRequested"}
    for cls in private_events().values():
        assert cls.meta().private and cls.meta().topic in private_topics()
        assert cls.meta().topic.startswith(f"{cls.meta().source}.secret.v")
    assert not registered()["AccountCreated"].meta().private
    assert "confirmation_token" not in registered()["AccountCreated"].model_fields


@pytest.mark.parametrize("name", ["reset_token", "confirmation_token", "code", "password", "client_secret",
                                  "otp", "new_password_hash"])
def test_a_name_that_reads_as_a_secret_is_one(name):
    assert looks_secret(name)


@pytest.mark.parametrize("name", ["product_code", "postcode", "account_id", "category", "tokenised"])
def test_ordinary_names_are_not_secrets(name):
    assert not looks_secret(name)


def test_a_public_event_with_a_field_marked_secret_is_refused(scratch_catalogue):
    with pytest.raises(ValueError, match="public topic test.thing.v1 but carries secret field\\(s\\) pin"):
        @event(topic="test.thing.v1", key="thing_id", summary="t")
        class PublicWithMarkedSecret(Event):
            thing_id: uuid.UUID
            pin: str = secret("a PIN")
    assert "PublicWithMarkedSecret" not in registered()


def test_a_public_event_with_a_secret_looking_field_even_nested_is_refused(scratch_catalogue):
    class Inner(BaseModel):
        reset_token: str

    with pytest.raises(ValueError, match="inner.reset_token"):
        @event(topic="test.thing.v1", key="thing_id", summary="t")
        class PublicWithNestedSecret(Event):
            thing_id: uuid.UUID
            inner: Inner | None = None


def test_a_name_that_only_looks_like_a_secret_can_say_it_is_none(scratch_catalogue):
    from pydantic import Field

    @event(topic="test.thing.v1", key="thing_id", summary="t")
    class PasswordAged(Event):
        thing_id: uuid.UUID
        password_changed_at: datetime = Field(json_schema_extra={SECRET_KEYWORD: False})

    assert secret_fields(PasswordAged) == [] and not PasswordAged.meta().private


def test_a_private_event_may_carry_a_secret(scratch_catalogue):
    topic = private_topic("test.secret.v1", readers=["notify"], summary="t")

    @event(topic=topic, key="thing_id", summary="t", private=True)
    class PrivateWithSecret(Event):
        thing_id: uuid.UUID
        code: str = secret("a code")

    assert PrivateWithSecret.meta().private and "test.secret.v1" in private_topics()
    assert "test.secret.v1" not in public_topics()
    assert secret_fields(PrivateWithSecret) == ["code"]


def test_a_private_event_needs_a_declared_private_topic_and_a_secret_topic_needs_private(scratch_catalogue):
    with pytest.raises(ValueError, match="not declared with private_topic"):
        @event(topic="test.secret.v1", key="thing_id", summary="t", private=True)
        class PrivateOnUndeclared(Event):
            thing_id: uuid.UUID
    private_topic("test.secret.v1", readers=["notify"], summary="t")
    with pytest.raises(ValueError, match="not registered with private=True"):
        @event(topic="test.secret.v1", key="thing_id", summary="t")
        class PublicOnPrivate(Event):
            thing_id: uuid.UUID


@pytest.mark.parametrize("name,readers,why", [
    ("test.thing.v1", ["notify"], "must be named <context>.secret.v<N>"),
    ("test.secret.v1", [], "needs at least one reader"),
])
def test_a_private_topic_is_named_for_what_it_is_and_has_readers(scratch_catalogue, name, readers, why):
    with pytest.raises(ValueError, match=why):
        private_topic(name, readers=readers, summary="t")


def test_a_retired_version_cannot_be_published_again_nor_retired_twice(scratch_catalogue):
    record = next(r for r in retired() if r.type == "AccountCreated")
    with pytest.raises(ValueError, match="retired twice"):
        retire("AccountCreated", version=1, topic=record.topic, retired_on="2026-12-07", reason="r", instead="i")
    with pytest.raises(ValueError, match="the catalogue publishes v2"):
        retire("AccountCreated", version=2, topic=record.topic, retired_on="2026-12-07", reason="r", instead="i")
    retire("Gadget", version=1, topic="test.thing.v1", retired_on="2026-12-07", reason="r", instead="i")
    with pytest.raises(ValueError, match="reuses a retired version"):
        @event(topic="test.thing.v1", key="thing_id", summary="t")
        class Gadget(Event):
            thing_id: uuid.UUID
            at: datetime


def test_each_retired_version_says_why_and_what_to_use_instead():
    assert {(r.type, r.version) for r in retired() if r.topic == "identity.account.v1"} == {
        ("AccountCreated", 1), ("ConfirmationEmailRequested", 1), ("EmailChangeRequested", 1),
        ("PasswordResetRequested", 1), ("TwoFactorCodeRequested", 1)}
    for record in retired():
        assert record.reason and record.instead and record.retired_on
        assert registered()[record.type].meta().version > record.version
