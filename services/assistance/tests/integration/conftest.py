"""Fixtures for assistance's integration tests: the real app on the local PostgreSQL.

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

from assistance import bootstrap
from ms_platform.auth import TokenVerifier
from ms_platform.migrate import upgrade

KID = "assistance-tests"


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
            settings.jwks_url, "assistance", settings.jwt_issuer, keys={KID: signing_key.public_key()})
        yield application


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://assistance.test") as c:
        yield c


@pytest.fixture(scope="session")
def pool(app):
    return app.state.pool


@pytest.fixture(scope="session")
def token(settings, signing_key):
    def make(*roles: str, subject: uuid.UUID | None = None, person_id: uuid.UUID | None = None) -> dict[str, str]:
        now = int(time.time())
        claims = {"sub": str(subject or uuid.uuid4()), "roles": list(roles), "jti": uuid.uuid4().hex,
                  "aud": "assistance", "iss": settings.jwt_issuer, "iat": now, "exp": now + 600}
        if person_id is not None:
            claims["person_id"] = str(person_id)
        signed = jwt.encode(claims, signing_key, algorithm="ES256", headers={"kid": KID})
        return {"Authorization": f"Bearer {signed}"}

    return make
