"""Fixtures for callback's integration tests: the real app on the local PostgreSQL, tokens its own
verifier trusts (ms_platform.testing.service_app), and this service's own helpers."""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest

from callback import bootstrap
from ms_platform.testing.service_app import service_app_fixtures

settings, signing_key, app, client, pool, token = service_app_fixtures(bootstrap, "callback")


@pytest.fixture(scope="session")
def free_slot(client):
    """A random slot with room left (random, so that tests running side by side on the shared
    database rarely meet on one slot); ``excluding`` slot starts are never returned."""
    import random

    async def pick(*excluding: str, room: int = 1) -> str:
        slots = (await client.get("/v1/callback-slots")).json()
        choices = [s["start"] for s in slots if s["start"] not in excluding and s["remaining"] >= room]
        assert choices, "no free slot at all"
        return random.SystemRandom().choice(choices)

    return pick


@pytest.fixture(scope="session")
def booking():
    def body(slot_start: str, **overrides: Any) -> dict[str, Any]:
        return {"reason": "contract_question", "slot_start": slot_start, "phone": "06 12 34 56 78", **overrides}

    return body


@pytest.fixture(scope="session")
def phone():
    """A French number of its own for each test: limits count scheduled callbacks per number."""
    import random

    def make(prefix: str = "06") -> str:
        # Random digits, drawn again until the number is in a range the numbering plan allocates
        # (the service refuses the others, as it should).
        while True:
            number = prefix + "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
            if phonenumbers.is_valid_number(phonenumbers.parse(number, "FR")):
                return number

    return make
