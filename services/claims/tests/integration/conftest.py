"""Fixtures for claims's integration tests: the real app on the local PostgreSQL, tokens its own
verifier trusts (ms_platform.testing.service_app), and this service's own helpers below."""

from __future__ import annotations

from claims import bootstrap
from ms_platform.testing.service_app import service_app_fixtures

settings, signing_key, app, client, pool, token = service_app_fixtures(bootstrap, "claims")
