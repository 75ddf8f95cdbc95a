from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ms_events.envelope import Envelope
from ms_platform.auth import TokenVerifier

from notify.bootstrap import create_app

pytestmark = pytest.mark.integration

KEY = ec.generate_private_key(ec.SECP256R1())


def token(*roles: str) -> str:
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()), "roles": list(roles), "jti": uuid.uuid4().hex,
        "aud": "notify", "iss": "memberspace-identity", "iat": now, "exp": now + 300,
    }
    return jwt.encode(claims, KEY, algorithm="ES256", headers={"kid": "test-key"})


@pytest.fixture
async def client(pool):
    app = create_app()
    # The lifespan is not run: the test wires the pool and a verifier that knows its key.
    app.state.pool = pool
    app.state.token_verifier = TokenVerifier(
        "http://127.0.0.1:9/unused", "notify", "memberspace-identity", keys={"test-key": KEY.public_key()}
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify") as c:
        yield c


async def test_an_operator_lists_an_accounts_deliveries_without_their_bodies(client, queue, sign_up_confirmation):
    await queue(Envelope.wrap(sign_up_confirmation), sign_up_confirmation)

    response = await client.get(
        "/v1/deliveries", params={"account_id": str(sign_up_confirmation.account_id)},
        headers={"Authorization": f"Bearer {token('operator')}"},
    )

    assert response.status_code == 200
    (item,) = response.json()["items"]
    assert set(item) == {"id", "channel", "template", "status", "created_at", "sent_at", "attempts", "last_error"}
    assert (item["channel"], item["template"], item["status"]) == ("email", "account_created", "pending")
    assert sign_up_confirmation.confirmation_token not in response.text
    assert sign_up_confirmation.email not in response.text


async def test_a_member_may_not_list_deliveries(client):
    response = await client.get(
        "/v1/deliveries", params={"account_id": str(uuid.uuid4())},
        headers={"Authorization": f"Bearer {token('member')}"},
    )
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_listing_deliveries_needs_a_token_and_a_valid_account_id(client):
    assert (await client.get("/v1/deliveries", params={"account_id": str(uuid.uuid4())})).status_code == 401
    response = await client.get(
        "/v1/deliveries", params={"account_id": "nope"},
        headers={"Authorization": f"Bearer {token('operator')}"},
    )
    assert response.status_code == 422
    assert response.json()["field"] == "account_id"
