"""Fixtures for webhooks's integration tests: the real app on the local PostgreSQL, tokens its own
verifier trusts (ms_platform.testing.service_app), and this service's own helpers."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from webhooks import bootstrap
from ms_platform.testing.service_app import service_app_fixtures

settings, signing_key, app, client, pool, token = service_app_fixtures(bootstrap, "webhooks")


@pytest.fixture(scope="session")
def operator_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture(scope="session")
def operator(token, operator_id):
    return token("operator", subject=operator_id)


@pytest.fixture(autouse=True)
async def _forget_subscriptions(pool, operator_id):
    """The tests' subscriptions (and their deliveries) go after each test: nothing of them is left
    for another test, or for the stack's worker and dispatcher, to act on."""
    yield
    await pool.execute("delete from subscription where created_by = $1", operator_id)


@pytest.fixture
async def subscribe(client, operator):
    """Subscribe a target through the API (an operator); every subscription made is deleted after
    the test, so no other test (nor the stack's dispatcher) ever sees it."""
    made: list[str] = []

    async def make(url: str, types=("AccountConfirmed",), **extra) -> dict:
        response = await client.post("/v1/webhook-subscriptions", json={"url": url, "event_types": list(types), **extra},
                                     headers=operator)
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
        return response.json()

    yield make
    for sub_id in made:
        await client.delete(f"/v1/webhook-subscriptions/{sub_id}", headers=operator)
