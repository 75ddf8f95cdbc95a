"""Fixtures for webhooks's integration tests: the real app on the local PostgreSQL.

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

from webhooks import bootstrap
from ms_platform.auth import TokenVerifier
from ms_platform.migrate import upgrade

KID = "webhooks-tests"


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
            settings.jwks_url, "webhooks", settings.jwt_issuer, keys={KID: signing_key.public_key()})
        yield application


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://webhooks.test") as c:
        yield c


@pytest.fixture(scope="session")
def pool(app):
    return app.state.pool


@pytest.fixture(scope="session")
def token(settings, signing_key):
    def make(*roles: str, subject: uuid.UUID | None = None) -> dict[str, str]:
        now = int(time.time())
        claims = {"sub": str(subject or uuid.uuid4()), "roles": list(roles), "jti": uuid.uuid4().hex,
                  "aud": "webhooks", "iss": settings.jwt_issuer, "iat": now, "exp": now + 600}
        signed = jwt.encode(claims, signing_key, algorithm="ES256", headers={"kid": KID})
        return {"Authorization": f"Bearer {signed}"}

    return make


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
