"""Password and code checks behind a token count and are throttled exactly like sign-in (ID-15).

A stolen access token must not give an attacker what sign-in refuses: unlimited guesses of the
password (changing it, deleting the account, turning two-factor off) or of the second factor.
Each test sends its wrong guesses from a client address of its own (IPv6 documentation range)
so that no other test's sign-ins are throttled by them.
"""

from __future__ import annotations

import uuid
from contextlib import asynccontextmanager

import httpx
import pyotp
import pytest

pytestmark = pytest.mark.integration

PASSWORD = "Violette-Ecluse#2031"
NEW_PASSWORD = "Gravier-Tilleul#4417"
WRONG = "Faux-Mot-de-passe#1"


def _address() -> str:
    return f"2001:db8:{uuid.uuid4().hex[:4]}::{uuid.uuid4().hex[:4]}"


@asynccontextmanager
async def _from(app, address: str):
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as elsewhere:
        yield elsewhere


def _other_code(totp: pyotp.TOTP) -> str:
    """A code the app does not accept now (nor one step either side)."""
    return next(c for c in ("000000", "111111", "222222", "333333") if not totp.verify(c, valid_window=1))


async def _with_totp(client, session: dict, flows) -> pyotp.TOTP:
    started = (await client.post("/v1/me/two-factor/totp", headers=flows.auth(session))).json()
    totp = pyotp.TOTP(started["secret"])
    r = await client.post("/v1/me/two-factor/totp/confirm", headers=flows.auth(session), json={"code": totp.now()})
    assert r.status_code == 200, r.text
    return totp


def _check(route: str, password: str, totp: pyotp.TOTP | None) -> tuple[str, str, dict, str]:
    """method, path, body and the field a wrong password is reported on, for each check behind a token."""
    return {
        "password change": ("PUT", "/v1/me/password", {"current_password": password, "new_password": NEW_PASSWORD},
                            "current_password"),
        "deletion": ("DELETE", "/v1/me", {"password": password}, "password"),
        "two-factor off": ("POST", "/v1/me/two-factor/disable",
                           {"password": password, "code": totp.now() if totp else "000000"}, "password"),
    }[route]


async def _failures(db, identifier: str) -> int:
    return await db.fetchval("select count(*) from sign_in_failure where identifier_hash = sha256($1::text::bytea)",
                             identifier)


ROUTES = ["password change", "deletion", "two-factor off"]


@pytest.mark.parametrize("route", ROUTES)
async def test_a_wrong_password_behind_a_token_counts_as_a_sign_in_failure_of_the_account_and_of_the_address(
        app, client, db, member, flows, route):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    totp = await _with_totp(client, session, flows) if route == "two-factor off" else None
    method, path, body, field = _check(route, WRONG, totp)
    address = _address()
    async with _from(app, address) as thief:
        r = await thief.request(method, path, json=body, headers=flows.auth(session))
    assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert await _failures(db, account["email"]) == 1
    assert await _failures(db, member["member_number"]) == 1
    assert await db.fetchval("select count(*) from sign_in_failure where client_ip = $1", address) == 1


@pytest.mark.parametrize("route", ROUTES)
async def test_an_account_at_its_sign_in_failure_limit_is_refused_429_behind_a_token_even_with_the_right_password(
        app, client, db, member, flows, route):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    totp = await _with_totp(client, session, flows) if route == "two-factor off" else None
    limit = app.state.services.throttle.per_identifier_per_hour
    # Failures typed at sign-in under the member number, from addresses that are not this test's.
    await db.execute(
        "insert into sign_in_failure (identifier_hash, account_id, client_ip, created_at)"
        " select sha256($1::text::bytea), $2, 'x-' || g, now() - interval '1 minute' from generate_series(1, $3) g",
        member["member_number"], uuid.UUID(account["id"]), limit)
    method, path, body, _ = _check(route, PASSWORD, totp)
    async with _from(app, _address()) as thief:
        r = await thief.request(method, path, json=body, headers=flows.auth(session))
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json" and int(r.headers["retry-after"]) > 0
    assert r.json()["type"].endswith("too-many-attempts")
    me = await client.get("/v1/me", headers=flows.auth(session))
    assert me.status_code == 200 and me.json()["status"] == "active"
    assert (me.json()["two_factor_method"] == "totp") is (totp is not None)
    kinds = {k["kind"] for k in await db.fetch("select kind from security_event where account_id = $1",
                                               uuid.UUID(account["id"]))}
    assert any(k.endswith(".throttled") for k in kinds)


async def test_a_client_address_at_its_limit_is_throttled_behind_a_token_and_other_addresses_are_not(
        app, client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    address = _address()
    limit = app.state.services.throttle.per_address_per_window
    await db.execute(
        "insert into sign_in_failure (identifier_hash, client_ip) select sha256(('id-' || g)::bytea), $1"
        " from generate_series(1, $2) g", address, limit)
    method, path, body, _ = _check("password change", PASSWORD, None)
    async with _from(app, address) as thief:
        assert (await thief.request(method, path, json=body, headers=flows.auth(session))).status_code == 429
    async with _from(app, _address()) as owner:
        assert (await owner.request(method, path, json=body, headers=flows.auth(session))).status_code == 204
    await db.execute("delete from sign_in_failure where client_ip = $1", address)


async def test_a_wrong_code_when_turning_two_factor_off_counts_like_a_wrong_password(app, client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    totp = await _with_totp(client, session, flows)
    address = _address()
    async with _from(app, address) as thief:
        r = await thief.post("/v1/me/two-factor/disable", headers=flows.auth(session),
                             json={"password": PASSWORD, "code": _other_code(totp)})
    assert r.status_code == 422 and r.json()["field"] == "code"
    assert await _failures(db, account["email"]) == 1 and await _failures(db, member["member_number"]) == 1
    assert await db.fetchval("select count(*) from sign_in_failure where client_ip = $1", address) == 1


async def test_guesses_behind_a_stolen_token_throttle_sign_in_like_sign_in_failures_and_a_reset_lets_the_owner_in(
        app, client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    limit = app.state.services.throttle.per_identifier_per_hour
    await db.execute(
        "insert into sign_in_failure (identifier_hash, account_id, client_ip, created_at)"
        " select sha256($1::text::bytea), $2, 'x-' || g, now() - interval '1 minute' from generate_series(1, $3) g",
        account["email"], uuid.UUID(account["id"]), limit - 1)
    method, path, body, _ = _check("password change", WRONG, None)
    async with _from(app, _address()) as thief:
        assert (await thief.request(method, path, json=body, headers=flows.auth(session))).status_code == 422
    async with _from(app, _address()) as owner:
        throttled = await owner.post("/v1/sessions", json={"identifier": account["email"], "password": PASSWORD})
        assert throttled.status_code == 429
        # The owner is never locked out: a reset makes the earlier failures irrelevant, as for sign-in.
        assert (await owner.post("/v1/password-resets", json={"email": account["email"]})).status_code == 202
        token = (await flows.outbox(db, account["id"], "PasswordResetRequested"))["reset_token"]
        assert (await owner.post("/v1/password-resets/confirm",
                                 json={"token": token, "password": NEW_PASSWORD})).status_code == 204
        again = await owner.post("/v1/sessions", json={"identifier": account["email"], "password": NEW_PASSWORD})
        assert again.status_code == 201, again.text
