"""The worker's topics, the declaration, the settings and the secret box."""

import tomllib
from pathlib import Path

import pytest

from ms_events.catalogue import is_private, public_topics
from webhooks.adapters.secret_box import SecretBox
from webhooks.domain.model import subscribable
from webhooks.entrypoints.worker import subscriptions
from webhooks.settings import DEVELOPMENT_SECRET_KEY, WebhooksSettings

DECLARATION = Path(__file__).resolve().parents[2] / "service.toml"


def test_the_worker_handles_every_subscribable_event_and_reads_no_private_topic():
    handled = {cls.meta().type for cls in subscriptions()}
    assert handled == set(subscribable())
    assert not any(is_private(cls.meta().topic) for cls in subscriptions())


def test_the_declared_topics_are_every_public_topic_and_the_workers():
    from ms_deploy.declaration import load_service

    declared = load_service(DECLARATION).consumes
    assert tomllib.loads(DECLARATION.read_text())["processes"]["worker"]["consumes"] == ["public"]
    assert sorted(declared) == public_topics()
    assert set(declared) == {cls.meta().topic for cls in subscriptions()}


def test_a_sealed_secret_opens_with_any_configured_key_and_not_without():
    old, new = "11" * 32, "22" * 32
    sealed = SecretBox([old]).seal("whsec_abc")
    assert "whsec_abc" not in sealed
    assert SecretBox([new, old]).open(sealed) == "whsec_abc"
    assert SecretBox([new]).open(SecretBox([new, old]).reseal(sealed)) == "whsec_abc"
    with pytest.raises(ValueError):
        SecretBox([new]).open(sealed)


def test_a_sealing_key_must_be_32_bytes_of_hex():
    with pytest.raises(ValueError):
        SecretBox(["abcd"])


def test_production_refuses_the_development_key_and_http_targets(monkeypatch):
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    monkeypatch.setenv("WEBHOOKS_DATABASE_URL", "postgresql://w:pw@db/w")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    monkeypatch.setenv("WEBHOOKS_JWKS_URL", "https://api.example/.well-known/jwks.json")
    monkeypatch.setenv("WEBHOOKS_ALLOW_HTTP_LOOPBACK", "false")
    monkeypatch.delenv("WEBHOOKS_SECRET_KEYS", raising=False)
    # pydantic wraps the InsecureSettingsError raised by the validator in a ValidationError.
    with pytest.raises(ValueError, match="secret_keys"):
        WebhooksSettings()
    monkeypatch.setenv("WEBHOOKS_SECRET_KEYS", DEVELOPMENT_SECRET_KEY)
    with pytest.raises(ValueError, match="secret_keys"):
        WebhooksSettings()
    monkeypatch.setenv("WEBHOOKS_SECRET_KEYS", "ab" * 32)
    monkeypatch.setenv("WEBHOOKS_ALLOW_HTTP_LOOPBACK", "true")
    with pytest.raises(ValueError, match="allow_http_loopback"):
        WebhooksSettings()
    monkeypatch.setenv("WEBHOOKS_ALLOW_HTTP_LOOPBACK", "false")
    assert WebhooksSettings().sealing_keys() == ["ab" * 32]
