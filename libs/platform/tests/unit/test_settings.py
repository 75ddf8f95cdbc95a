import pytest
from pydantic import ValidationError

from ms_platform.settings import ServiceSettings


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


def test_production_accepts_secure_settings(monkeypatch):
    monkeypatch.setenv("MS_ENVIRONMENT", "production")
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SSL")
    s = _settings(database_url="postgresql://svc:secret@db:5432/svc", jwks_url="https://id.example/jwks")
    assert not s.is_development


def test_the_environment_defaults_to_production_so_a_forgotten_setting_is_safe(monkeypatch):
    monkeypatch.delenv("MS_ENVIRONMENT", raising=False)
    with pytest.raises(ValidationError):
        _settings(database_url="postgresql://svc:pw@127.0.0.1/svc")
