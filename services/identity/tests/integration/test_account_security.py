"""Identity's security flows on the real database: resets, rotation, sign-out, throttling, 2FA."""

from __future__ import annotations

import json
import uuid

import pyotp
import pytest

pytestmark = pytest.mark.integration

PASSWORD = "Violette-Ecluse#2031"
NEW_PASSWORD = "Gravier-Tilleul#4417"


async def test_a_reset_link_sets_the_new_password_once_and_ends_every_session(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    assert (await client.post("/v1/password-resets", json={"email": account["email"]})).status_code == 202
    token = (await flows.outbox(db, account["id"], "PasswordResetRequested"))["reset_token"]
    assert await db.fetchval("select count(*) from password_reset where token_hash = sha256($1::text::bytea)", token) == 1
    r = await client.post("/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    again = await client.post("/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert again.status_code == 400 and again.json()["field"] == "token"
    assert (await client.get("/v1/me", headers=flows.auth(session))).status_code == 401
    assert (await flows.outbox(db, account["id"], "PasswordChanged"))["via"] == "reset"
    await flows.sign_in(client, account["email"], NEW_PASSWORD)


async def test_a_reset_for_an_unknown_address_answers_the_same_and_writes_nothing(client, db, flows):
    address = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    r = await client.post("/v1/password-resets", json={"email": address})
    assert r.status_code == 202 and "Si un compte" in r.json()["detail"]
    assert await db.fetchval("select count(*) from outbox where payload::text like $1", f"%{address}%") == 0


async def test_a_reset_password_must_follow_the_policy_and_may_not_contain_the_name(client, db, member, flows):
    account = await flows.account(client, db, member)
    await client.post("/v1/password-resets", json={"email": account["email"]})
    token = (await flows.outbox(db, account["id"], "PasswordResetRequested"))["reset_token"]
    weak = f"{member['first_name']}#Zz2026xx"
    r = await client.post("/v1/password-resets/confirm", json={"token": token, "password": weak})
    assert r.status_code == 422 and r.json()["field"] == "password"


async def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(client, db, member, flows):
    account = await flows.account(client, db, member)
    this, other = await flows.sign_in(client, account["email"]), await flows.sign_in(client, account["email"])
    wrong = await client.put("/v1/me/password", headers=flows.auth(this),
                             json={"current_password": "Faux-Mot-de-passe#1", "new_password": NEW_PASSWORD})
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    r = await client.put("/v1/me/password", headers=flows.auth(this),
                         json={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert r.status_code == 204
    assert (await client.get("/v1/me", headers=flows.auth(this))).status_code == 200
    assert (await client.get("/v1/me", headers=flows.auth(other))).status_code == 401
    assert (await flows.outbox(db, account["id"], "PasswordChanged"))["via"] == "change"


async def test_a_refresh_token_rotates_and_reusing_a_spent_one_ends_the_whole_session(client, db, member, flows):
    account = await flows.account(client, db, member)
    first = await flows.sign_in(client, account["email"])
    second = await client.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    reused = await client.post("/v1/sessions/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    later = await client.post("/v1/sessions/refresh", json={"refresh_token": second.json()["refresh_token"]})
    assert later.status_code == 401
    assert (await client.get("/v1/me", headers=flows.auth(second.json()))).status_code == 401
    kinds = await db.fetch("select kind from security_event where account_id = $1", uuid.UUID(account["id"]))
    assert "refresh_token.reused" in {k["kind"] for k in kinds}


async def test_sign_out_ends_the_session_and_publishes_it_as_revoked(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    assert (await client.delete("/v1/sessions/current", headers=flows.auth(session))).status_code == 204
    assert (await client.get("/v1/me", headers=flows.auth(session))).status_code == 401
    sid = await db.fetchval("select id from session where account_id = $1", uuid.UUID(account["id"]))
    assert str(sid) in (await client.get("/.well-known/revoked-sessions")).json()["revoked"]
    refreshed = await client.post("/v1/sessions/refresh", json={"refresh_token": session["refresh_token"]})
    assert refreshed.status_code == 401


async def test_after_100_failures_in_an_hour_the_password_is_not_even_evaluated_until_a_reset(app, client, db, member, flows):
    account = await flows.account(client, db, member)
    ident = account["email"]
    await db.execute(
        "insert into sign_in_failure (identifier_hash, account_id, client_ip, created_at)"
        " select sha256($1::text::bytea), $2, 'x-' || g, now() - interval '1 minute' from generate_series(1, 100) g",
        ident, uuid.UUID(account["id"]))
    r = await client.post("/v1/sessions", json={"identifier": ident, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0
    # The owner is never locked out: a reset makes the earlier failures irrelevant.
    await client.post("/v1/password-resets", json={"email": ident})
    token = (await flows.outbox(db, account["id"], "PasswordResetRequested"))["reset_token"]
    assert (await client.post("/v1/password-resets/confirm",
                              json={"token": token, "password": NEW_PASSWORD})).status_code == 204
    await flows.sign_in(client, ident, NEW_PASSWORD)


async def test_an_unknown_identifier_is_throttled_the_same_way_as_a_known_one(client, db, flows):
    ident = f"ghost-{uuid.uuid4().hex[:8]}@example.org"
    await db.execute(
        "insert into sign_in_failure (identifier_hash, client_ip) select sha256($1::text::bytea), 'y-' || g"
        " from generate_series(1, 100) g", ident)
    r = await client.post("/v1/sessions", json={"identifier": ident, "password": PASSWORD})
    assert r.status_code == 429


async def test_the_member_reads_their_own_security_activity(client, db, member, flows):
    account = await flows.account(client, db, member)
    await client.post("/v1/sessions", json={"identifier": account["email"], "password": "Mauvais#Mot2passe"})
    session = await flows.sign_in(client, account["email"])
    r = await client.get("/v1/security-events", headers=flows.auth(session))
    kinds = [e["kind"] for e in r.json()["events"]]
    assert r.status_code == 200 and kinds[0] == "sign_in.succeeded" and "sign_in.failed" in kinds


async def test_totp_enrolment_then_sign_in_needs_a_code_and_turning_it_off_needs_password_and_code(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    started = (await client.post("/v1/me/two-factor/totp", headers=flows.auth(session))).json()
    totp = pyotp.TOTP(started["secret"])
    assert started["provisioning_uri"].startswith("otpauth://totp/")
    enabled = await client.post("/v1/me/two-factor/totp/confirm", headers=flows.auth(session), json={"code": totp.now()})
    assert enabled.status_code == 200 and len(enabled.json()["recovery_codes"]) == 10
    assert (await flows.outbox(db, account["id"], "TwoFactorChanged"))["enabled"] is True
    stored = await db.fetchval("select totp_secret from account where id = $1", uuid.UUID(str(account["id"])))
    assert stored.startswith("v1:") and started["secret"] not in stored  # sealed at rest

    challenge = await client.post("/v1/sessions", json={"identifier": account["email"], "password": PASSWORD})
    assert challenge.status_code == 202 and challenge.json()["second_factor_required"] is True
    token = challenge.json()["challenge_token"]
    bad = await client.post("/v1/sessions/second-factor", json={"challenge_token": token, "code": "000000"
                            if totp.now() != "000000" else "111111"})
    assert bad.status_code == 401
    done = await client.post("/v1/sessions/second-factor", json={"challenge_token": token, "code": totp.now()})
    assert done.status_code == 201 and done.json()["access_token"]
    replay = await client.post("/v1/sessions/second-factor", json={"challenge_token": token, "code": totp.now()})
    assert replay.status_code == 401

    recovery = enabled.json()["recovery_codes"][0]
    again = await client.post("/v1/sessions", json={"identifier": account["email"], "password": PASSWORD})
    by_recovery = await client.post("/v1/sessions/second-factor",
                                    json={"challenge_token": again.json()["challenge_token"], "code": recovery})
    assert by_recovery.status_code == 201

    no_code = await client.post("/v1/me/two-factor/disable", headers=flows.auth(session),
                                json={"password": PASSWORD, "code": recovery})
    assert no_code.status_code == 422  # a recovery code works once
    off = await client.post("/v1/me/two-factor/disable", headers=flows.auth(session),
                            json={"password": PASSWORD, "code": totp.now()})
    assert off.status_code == 204
    assert (await client.post("/v1/sessions", json={"identifier": account["email"],
                                                    "password": PASSWORD})).status_code == 201


async def test_sms_codes_go_through_notify_as_an_event_and_complete_the_sign_in(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    assert (await client.patch("/v1/me", headers=flows.auth(session), json={"phone": "06 12 34 56 78"})).status_code == 200
    assert (await client.post("/v1/me/two-factor/sms", headers=flows.auth(session))).status_code == 202
    code = (await flows.outbox(db, account["id"], "TwoFactorCodeRequested"))["code"]
    assert (await client.post("/v1/me/two-factor/sms/confirm", headers=flows.auth(session),
                              json={"code": code})).status_code == 200
    challenge = await client.post("/v1/sessions", json={"identifier": account["email"], "password": PASSWORD})
    assert challenge.status_code == 202 and challenge.json()["method"] == "sms"
    sms = await flows.outbox(db, account["id"], "TwoFactorCodeRequested")
    assert sms["phone"] == "0612345678" and sms["code"] != code
    done = await client.post("/v1/sessions/second-factor",
                             json={"challenge_token": challenge.json()["challenge_token"], "code": sms["code"]})
    assert done.status_code == 201


async def test_another_service_s_token_check_refuses_a_signed_out_token_from_identity_s_revocation_list(
        app, client, db, member, flows):
    """What contracts, notify and the rest do: ms_platform's verifier, pointed at identity's JWKS URL."""
    from ms_platform.auth import TokenVerifier
    from ms_platform.problems import Unauthorized

    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    verifier = TokenVerifier("http://identity/.well-known/jwks.json", "contracts", app.state.settings.jwt_issuer,
                             keys=app.state.keyring.public_keys(), revocation_refresh_s=0.0)
    verifier._revocations._client_factory = lambda **kw: __import__("httpx").AsyncClient(
        transport=__import__("httpx").ASGITransport(app=app), **kw)
    assert (await verifier.verify(session["access_token"])).subject == account["id"]
    assert (await client.delete("/v1/sessions/current", headers=flows.auth(session))).status_code == 204
    with pytest.raises(Unauthorized):
        await verifier.verify(session["access_token"])


async def test_one_client_address_with_too_many_failures_is_throttled_whatever_the_identifier(app, db):
    import httpx

    address = f"198.51.100.{uuid.uuid4().int % 250 + 1}"
    await db.execute("delete from sign_in_failure where client_ip = $1", address)
    limit = app.state.services.throttle.per_address_per_window
    await db.execute(
        "insert into sign_in_failure (identifier_hash, client_ip) select sha256(('id-' || g)::bytea), $1"
        " from generate_series(1, $2) g", address, limit)
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as elsewhere:
        r = await elsewhere.post("/v1/sessions", json={"identifier": f"new-{uuid.uuid4().hex[:6]}@example.org",
                                                       "password": PASSWORD})
    assert r.status_code == 429
    await db.execute("delete from sign_in_failure where client_ip = $1", address)


async def test_a_wrong_second_factor_code_counts_toward_the_sign_in_throttle(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    started = (await client.post("/v1/me/two-factor/totp", headers=flows.auth(session))).json()
    totp = pyotp.TOTP(started["secret"])
    await client.post("/v1/me/two-factor/totp/confirm", headers=flows.auth(session), json={"code": totp.now()})
    account_id = uuid.UUID(str(account["id"]))
    before = await db.fetchval("select count(*) from sign_in_failure where account_id = $1", account_id)
    challenge = await client.post("/v1/sessions", json={"identifier": account["email"], "password": PASSWORD})
    wrong = "000000" if totp.now() != "000000" else "111111"
    bad = await client.post("/v1/sessions/second-factor",
                            json={"challenge_token": challenge.json()["challenge_token"], "code": wrong})
    assert bad.status_code == 401
    after = await db.fetchval("select count(*) from sign_in_failure where account_id = $1", account_id)
    assert after - before == 2  # under the email and under the member number


async def test_every_link_and_code_is_written_for_the_private_topic_only(client, db, member, flows):
    """Sign-up, resent link, email change, password reset and SMS code: each secret is in an
    identity.secret.v1 outbox row, and no identity.account.v1 row of the account contains it."""
    account = await flows.account(client, db, member)  # sign-up and confirmation
    session = await flows.sign_in(client, account["email"])
    await client.post("/v1/password-resets", json={"email": account["email"]})
    assert (await client.patch("/v1/me", headers=flows.auth(session), json={"phone": "06 12 34 56 78"})).status_code == 200
    assert (await client.post("/v1/me/two-factor/sms", headers=flows.auth(session))).status_code == 202
    new_email = f"it-{uuid.uuid4().hex[:10]}@example.org"
    changed = await client.patch("/v1/me", headers=flows.auth(session), json={"email": new_email})
    assert changed.status_code == 200, changed.text
    rows = await db.fetch("select topic, event_type, payload from outbox where key = $1", account["id"])
    secrets = {
        "ConfirmationEmailRequested": "confirmation_token", "PasswordResetRequested": "reset_token",
        "TwoFactorCodeRequested": "code", "EmailChangeRequested": "confirmation_token",
    }
    private = [r for r in rows if r["event_type"] in secrets]
    assert {r["event_type"] for r in private} == set(secrets)
    assert {r["topic"] for r in private} == {"identity.secret.v1"}
    public_text = " ".join(bytes(r["payload"]).decode() for r in rows if r["topic"] == "identity.account.v1")
    assert "AccountCreated" in public_text
    for row in private:
        value = json.loads(row["payload"])["data"][secrets[row["event_type"]]]
        assert value and value not in public_text, row["event_type"]
