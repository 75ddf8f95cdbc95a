"""The integration fixtures every scaffolded service shares: its real app on the local PostgreSQL.

Tokens are signed with a key generated for the test session and trusted by the app's own
verifier, so integration tests exercise the real role and ownership checks without a running
identity service. A service's ``tests/integration/conftest.py`` takes them in one line::

    settings, signing_key, app, client, pool, token = service_app_fixtures(bootstrap, "callback")

and adds only its own domain fixtures (pytest registers each under its ``name``).
"""

from __future__ import annotations

import time
import uuid
from types import ModuleType
from typing import Any, AsyncIterator, Callable

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ms_platform.auth import TokenVerifier
from ms_platform.migrate import upgrade

TokenMaker = Callable[..., dict[str, str]]


def service_app_fixtures(bootstrap: ModuleType, service: str) -> tuple[Any, ...]:
    """The session fixtures ``settings``, ``signing_key``, ``app``, ``client``, ``pool`` and
    ``token`` for the service whose ``bootstrap`` module (load_settings, create_app, MIGRATIONS)
    is given; ``service`` is the tokens' audience."""
    kid = f"{service}-tests"

    @pytest.fixture(scope="session", name="settings")
    def settings():
        return bootstrap.load_settings()

    @pytest.fixture(scope="session", name="signing_key")
    def signing_key():
        return ec.generate_private_key(ec.SECP256R1())

    @pytest.fixture(scope="session", name="app")
    async def app(settings, signing_key) -> AsyncIterator[Any]:
        upgrade(bootstrap.MIGRATIONS, settings.dsn)
        application = bootstrap.create_app(settings)
        async with application.router.lifespan_context(application):
            application.state.token_verifier = TokenVerifier(
                settings.jwks_url, service, settings.jwt_issuer, keys={kid: signing_key.public_key()})
            yield application

    @pytest.fixture(scope="session", name="client")
    async def client(app) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url=f"http://{service}.test") as c:
            yield c

    @pytest.fixture(scope="session", name="pool")
    def pool(app):
        return app.state.pool

    @pytest.fixture(scope="session", name="token")
    def token(settings, signing_key) -> TokenMaker:
        def make(*roles: str, subject: uuid.UUID | None = None, **claims: Any) -> dict[str, str]:
            """Authorization headers of a token with these roles; extra claims (ids as text, None left out)."""
            now = int(time.time())
            body = {"sub": str(subject or uuid.uuid4()), "roles": list(roles), "jti": uuid.uuid4().hex,
                    "aud": service, "iss": settings.jwt_issuer, "iat": now, "exp": now + 600}
            body.update({k: str(v) if isinstance(v, uuid.UUID) else v for k, v in claims.items() if v is not None})
            signed = jwt.encode(body, signing_key, algorithm="ES256", headers={"kid": kid})
            return {"Authorization": f"Bearer {signed}"}

        return make

    return settings, signing_key, app, client, pool, token
