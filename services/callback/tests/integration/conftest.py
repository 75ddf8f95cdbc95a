"""Fixtures for callback's integration tests: the real app on the local PostgreSQL.

Tokens are signed with a key generated here and trusted by the app's verifier, so the tests
exercise the real role and ownership checks without a running identity service.
"""

from __future__ import annotations

import time
import uuid
from typing import Any, AsyncIterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from callback import bootstrap
from ms_platform.auth import TokenVerifier
from ms_platform.migrate import upgrade

KID = "callback-tests"


@pytest.fixture(scope="session")
def settings():
    return bootstrap.load_settings()


@pytest.fixture(scope="session")
def signing_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
async def app(settings, signing_key) -> AsyncIterator[Any]:
    upgrade(bootstrap.MIGRATIONS, settings.dsn)
    application = bootstrap.create_app(settings)
    async with application.router.lifespan_context(application):
        application.state.token_verifier = TokenVerifier(
            settings.jwks_url, "callback", settings.jwt_issuer, keys={KID: signing_key.public_key()})
        yield application


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://callback.test") as c:
        yield c


@pytest.fixture(scope="session")
def pool(app):
    return app.state.pool


@pytest.fixture(scope="session")
def token(settings, signing_key):
    def make(*roles: str, subject: uuid.UUID | None = None) -> dict[str, str]:
        now = int(time.time())
        claims = {"sub": str(subject or uuid.uuid4()), "roles": list(roles), "jti": uuid.uuid4().hex,
                  "aud": "callback", "iss": settings.jwt_issuer, "iat": now, "exp": now + 600}
        signed = jwt.encode(claims, signing_key, algorithm="ES256", headers={"kid": KID})
        return {"Authorization": f"Bearer {signed}"}

    return make


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
        return prefix + "".join(random.SystemRandom().choice("0123456789") for _ in range(8))

    return make
