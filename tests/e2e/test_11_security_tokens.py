"""Security checks through the gateway: forged tokens, revocation, isolation, non-disclosure."""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from e2e_support import PASSWORD, sign_up_and_confirm, sign_up_body, unique_email, wait_until

pytestmark = pytest.mark.e2e

# One authenticated read per service, each verifying tokens itself.
PROTECTED = {"identity": "/v1/me", "contracts": "/v1/contracts", "notify": "/v1/notification-preferences",
             "callback": "/v1/callbacks"}
AUDIENCES = ["identity", "contracts", "assistance", "callback", "claims", "notify", "affiliation"]
ISSUER = os.environ.get("JWT_ISSUER", "memberspace-identity")


def _signing_key() -> tuple[str, object]:
    directory = Path(os.environ["IDENTITY_JWT_KEY_DIR"])
    newest = sorted(directory.glob("*.pem"))[-1]
    return newest.stem, load_pem_private_key(newest.read_bytes(), password=None)


def _claims(**overrides) -> dict:
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": str(uuid.uuid4()), "aud": AUDIENCES, "iat": now, "nbf": now,
              "exp": now + 600, "jti": uuid.uuid4().hex, "sid": str(uuid.uuid4()), "roles": ["operator"]}
    claims.update(overrides)
    return claims


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _forged_tokens(real_token: str) -> dict[str, str]:
    kid, key = _signing_key()
    header, payload, signature = real_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    tampered = _b64({**claims, "roles": ["operator"]})
    stranger = ec.generate_private_key(ec.SECP256R1())
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': kid})}.{_b64(_claims())}.",
        "wrong aud": jwt.encode(_claims(aud="someone-else"), key, algorithm="ES256", headers={"kid": kid}),
        "expired": jwt.encode(_claims(iat=int(time.time()) - 4000, nbf=int(time.time()) - 4000,
                                      exp=int(time.time()) - 3000), key, algorithm="ES256", headers={"kid": kid}),
        "tampered payload": f"{header}.{tampered}.{signature}",
        "unknown kid": jwt.encode(_claims(), stranger, algorithm="ES256", headers={"kid": "not-a-key-of-ours"}),
        "hs256 with the public key": jwt.encode(_claims(), "secret", algorithm="HS256", headers={"kid": kid}),
        # The real kid with another algorithm: the library is handed an EC key for RSA.
        "rs256 with the real kid": f"{_b64({'alg': 'RS256', 'typ': 'JWT', 'kid': kid})}.{_b64(_claims())}."
                                   + base64.urlsafe_b64encode(b"\x01" * 256).rstrip(b"=").decode(),
        "eddsa with the real kid": jwt.encode(_claims(), ed25519.Ed25519PrivateKey.generate(), algorithm="EdDSA",
                                              headers={"kid": kid}),
    }


async def _member(gateway, mailbox, registry) -> tuple[dict, str, str]:
    [member] = await registry.register(1)
    address = unique_email("security")
    token = await sign_up_and_confirm(gateway, mailbox, member, address)
    return member, address, token


async def test_forged_expired_and_misaddressed_tokens_are_refused_by_every_service(gateway, mailbox, registry):
    _, _, real = await _member(gateway, mailbox, registry)
    for service, path in PROTECTED.items():
        assert (await gateway.get(path, headers={"Authorization": f"Bearer {real}"})).status_code == 200, service
    for name, token in _forged_tokens(real).items():
        for service, path in PROTECTED.items():
            r = await gateway.get(path, headers={"Authorization": f"Bearer {token}"})
            assert r.status_code == 401, f"{service} accepted a token with {name}: {r.status_code}"
            assert r.headers["content-type"] == "application/problem+json"


async def test_a_signed_out_token_is_refused_by_every_service(gateway, mailbox, registry):
    _, address, _ = await _member(gateway, mailbox, registry)
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    auth = {"Authorization": f"Bearer {session.json()['access_token']}"}
    for path in PROTECTED.values():
        assert (await gateway.get(path, headers=auth)).status_code == 200
    assert (await gateway.delete("/v1/sessions/current", headers=auth)).status_code == 204
    assert (await gateway.get("/v1/me", headers=auth)).status_code == 401  # at once in identity
    for service, path in PROTECTED.items():
        async def refused() -> bool:
            return (await gateway.get(path, headers=auth)).status_code == 401
        # Other services learn revoked sessions from identity every 2 seconds.
        await wait_until(refused, timeout=10, interval=0.5, what=f"{service} to refuse a signed-out token")


async def test_a_deleted_accounts_token_is_refused_by_every_service(gateway, mailbox, registry):
    _, _, token = await _member(gateway, mailbox, registry)
    auth = {"Authorization": f"Bearer {token}"}
    for path in PROTECTED.values():
        assert (await gateway.get(path, headers=auth)).status_code == 200
    deleted = await gateway.request("DELETE", "/v1/me", headers=auth, json={"password": PASSWORD})
    assert deleted.status_code == 204
    for service, path in PROTECTED.items():
        async def refused() -> bool:
            return (await gateway.get(path, headers=auth)).status_code == 401
        # The deletion ends the account's sessions; other services learn it from identity.
        await wait_until(refused, timeout=10, interval=0.5, what=f"{service} to refuse a deleted account's token")


async def test_a_reused_refresh_token_is_refused_and_ends_the_session(gateway, mailbox, registry):
    _, address, _ = await _member(gateway, mailbox, registry)
    first = (await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})).json()
    second = await gateway.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    reused = await gateway.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and reused.headers["content-type"] == "application/problem+json"
    thief = await gateway.post("/v1/sessions/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert thief.status_code == 401
    me = await gateway.get("/v1/me", headers={"Authorization": f"Bearer {second.json()['access_token']}"})
    assert me.status_code == 401


async def test_member_a_gets_404_for_every_resource_id_of_member_b(gateway, mailbox, registry):
    _, _, token_a = await _member(gateway, mailbox, registry)
    _, address_b, token_b = await _member(gateway, mailbox, registry)
    auth_a, auth_b = {"Authorization": f"Bearer {token_a}"}, {"Authorization": f"Bearer {token_b}"}
    b_contracts = (await gateway.get("/v1/contracts", headers=auth_b)).json()
    items = b_contracts["items"] if isinstance(b_contracts, dict) else b_contracts
    assert items
    for contract in items:
        assert (await gateway.get(f"/v1/contracts/{contract['id']}", headers=auth_a)).status_code == 404
        assert (await gateway.get(f"/v1/contracts/{contract['id']}", headers=auth_b)).status_code == 200
    b_id = (await gateway.get("/v1/me", headers=auth_b)).json()["id"]
    assert (await gateway.delete(f"/v1/linked-accounts/{b_id}", headers=auth_a)).status_code == 404


async def test_reset_and_sign_up_answers_never_reveal_whether_an_email_exists(gateway, mailbox, registry):
    member, address, _ = await _member(gateway, mailbox, registry)
    known = await gateway.post("/v1/password-resets", json={"email": address})
    unknown = await gateway.post("/v1/password-resets", json={"email": unique_email("nobody")})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    first, second = await registry.register(2)
    used = await gateway.post("/v1/accounts", json=sign_up_body(first, address))
    fresh = await gateway.post("/v1/accounts", json=sign_up_body(second, unique_email("fresh")))
    assert used.status_code == fresh.status_code == 201
    assert set(used.json()) == set(fresh.json()) and used.json()["status"] == fresh.json()["status"]
