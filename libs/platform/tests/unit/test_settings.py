import pytest
from pydantic import ValidationError

from ms_platform.settings import InsecureSettingsError, ServiceSettings, development_service_secret


def _settings(**env):
    return ServiceSettings(**env)


def test_local_development_accepts_plain_connections(monkeypatch):
    monkeypatch.setenv("MS_ENVIRONMENT", "local")
    s = _settings(database_url="postgresql://svc:pw@127.0.0.1:5432/svc")
    assert s.is_development


def test_production_refuses_insecure_defaults(monkeypatch):
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    with pytest.raises(ValidationError) as refused:
        _settings(database_url="postgresql://svc@db:5432/svc")
    message = str(refused.value)
    assert "no password" in message and "TLS" in message and "https" in message


@pytest.mark.parametrize("protocol", ["PLAINTEXT", "SASL_PLAINTEXT"])
def test_production_refuses_kafka_without_tls(monkeypatch, protocol):
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", protocol)
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "svc")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", "secret")
    with pytest.raises(ValidationError, match="Kafka must use TLS"):
        _settings(database_url="postgresql://svc:secret@db:5432/svc", jwks_url="https://id.example/jwks")


def test_production_accepts_secure_settings(monkeypatch):
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    s = _settings(database_url="postgresql://svc:secret@db:5432/svc", jwks_url="https://id.example/jwks")
    assert not s.is_development


def test_the_environment_defaults_to_production_so_a_forgotten_setting_is_safe(monkeypatch):
    monkeypatch.delenv("MS_ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError):
        _settings(database_url="postgresql://svc:pw@127.0.0.1/svc")


def test_local_development_gets_the_documented_service_secret_when_none_is_set(monkeypatch):
    monkeypatch.setenv("MS_ENVIRONMENT", "local")
    s = _settings(database_url="postgresql://svc:pw@127.0.0.1:5432/svc", service_name="notify")
    assert s.service_client_secret().get_secret_value() == development_service_secret("notify")


def test_production_refuses_the_development_service_secret(monkeypatch):
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    with pytest.raises(ValidationError) as refused:
        _settings(database_url="postgresql://svc:secret@db:5432/svc", jwks_url="https://id.example/jwks",
                  service_name="notify", service_secret=development_service_secret("notify"))
    assert "service_secret" in str(refused.value)


def test_production_without_a_service_secret_cannot_call_other_services(monkeypatch):
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    s = _settings(database_url="postgresql://svc:secret@db:5432/svc", jwks_url="https://id.example/jwks")
    with pytest.raises(InsecureSettingsError):
        s.service_client_secret()
