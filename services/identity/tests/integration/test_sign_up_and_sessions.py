"""Identity's flows on the real database: atomic sign-up, races, sessions and the session cache."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from identity.adapters.contracts_client import ContractsClient
from identity.adapters.tokens import LocalServiceTokens

pytestmark = pytest.mark.integration

PASSWORD = "Violette-Ecluse#2031"


def _body(member: dict, **overrides) -> dict:
    body = {k: member[k] for k in ("last_name", "first_name", "birth_date", "contract_number")}
    body.update(email=f"it-{uuid.uuid4().hex[:10]}@example.org", password=PASSWORD)
    body.update(overrides)
    return body


async def _confirmation_token(db, account_id: str) -> str:
    payload = await db.fetchval(
        "select payload from outbox where key = $1 and event_type = 'ConfirmationEmailRequested'", account_id)
    return json.loads(payload)["data"]["confirmation_token"]


async def _signed_in(client, db, member) -> tuple[str, dict]:
    body = _body(member)
    created = await client.post("/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    token = await _confirmation_token(db, account_id)
    assert (await client.post("/v1/accounts/confirm", json={"token": token})).status_code == 200
    session = await client.post("/v1/sessions", json={"identifier": body["email"], "password": PASSWORD})
    assert session.status_code == 201
    return account_id, {"Authorization": f"Bearer {session.json()['access_token']}"}


async def test_a_sign_up_writes_the_account_its_confirmation_and_its_event_together(client, db, member):
    r = await client.post("/v1/accounts", json=_body(member))
    assert r.status_code == 201
    account_id = uuid.UUID(r.json()["id"])
    account = await db.fetchrow("select status, member_number, category, password_hash from account where id = $1", account_id)
    assert account["status"] == "pending_confirmation" and account["member_number"] == member["member_number"]
    assert account["password_hash"].startswith("$argon2id$") and PASSWORD not in account["password_hash"]
    assert await db.fetchval("select count(*) from email_confirmation where account_id = $1", account_id) == 1
    rows = await db.fetch("select topic, event_type, payload from outbox where key = $1 order by position",
                          str(account_id))
    assert [(r["topic"], r["event_type"]) for r in rows] == [
        ("identity.account.v1", "AccountCreated"), ("identity.secret.v1", "ConfirmationEmailRequested")]
    # The public event has no token; the link goes only on the private topic, for notify.
    public, private = (json.loads(r["payload"])["data"] for r in rows)
    assert "confirmation_token" not in public and private["reason"] == "sign_up"
    assert private["confirmation_token"] not in bytes(rows[0]["payload"]).decode()


@pytest.mark.parametrize(("field", "value"), [
    ("last_name", "Lef\u00e8vre\u202e"), ("first_name", "H\u00e9l\u200bne"), ("first_name", "Claire2"),
    ("last_name", "<b>Martin</b>"), ("last_name", "\u041c\u0430\u0440\u0442\u0438\u043d"),
    ("first_name", "Jean--Pierre"), ("last_name", "A" * 101),
], ids=["bidi override", "zero-width space", "digit", "markup", "cyrillic", "double hyphen", "too long"])
async def test_a_sign_up_with_a_name_civil_status_would_not_write_is_a_422_naming_the_field_and_writes_nothing(
        client, db, member, field, value):
    body = _body(member, **{field: value})
    r = await client.post("/v1/accounts", json=body)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json", r.text
    assert r.json()["field"] == field
    assert await db.fetchval("select count(*) from account where email_normalized = $1", body["email"]) == 0


async def test_a_refused_sign_up_writes_nothing(client, db, member):
    body = _body(member, birth_date="1990-01-01")
    r = await client.post("/v1/accounts", json=body)
    assert r.status_code == 422
    assert await db.fetchval("select count(*) from account where email_normalized = $1", body["email"]) == 0


async def test_two_simultaneous_sign_ups_for_one_contract_create_one_account(client, db, member):
    answers = await asyncio.gather(*(client.post("/v1/accounts", json=_body(member)) for _ in range(2)))
    assert sorted(a.status_code for a in answers) == [201, 409]
    assert await db.fetchval(
        "select count(*) from account where contract_number = $1", member["contract_number"]) == 1


async def test_contracts_being_down_answers_503_and_writes_nothing(app, client, db, member):
    services = app.state.services
    real = services.contracts
    services.contracts = ContractsClient("http://127.0.0.1:9", 0.5, LocalServiceTokens(services.issuer))
    try:
        body = _body(member)
        r = await client.post("/v1/accounts", json=body)
    finally:
        await services.contracts.close()
        services.contracts = real
    assert r.status_code == 503 and r.json()["dependency"] == "contracts"
    assert await db.fetchval("select count(*) from account where email_normalized = $1", body["email"]) == 0


async def test_a_revoked_session_stops_working_although_me_is_cached(client, db, member):
    account_id, auth = await _signed_in(client, db, member)
    assert (await client.get("/v1/me", headers=auth)).status_code == 200
    assert (await client.get("/v1/me", headers=auth)).status_code == 200  # now from the cache
    await db.execute("update session set revoked_at = now() where account_id = $1", uuid.UUID(account_id))
    for _ in range(100):  # the NOTIFY reaches the cache right after the commit
        if (await client.get("/v1/me", headers=auth)).status_code == 401:
            break
        await asyncio.sleep(0.05)
    assert (await client.get("/v1/me", headers=auth)).status_code == 401


async def test_a_change_to_the_account_is_seen_at_once_although_me_is_cached(client, db, member):
    account_id, auth = await _signed_in(client, db, member)
    assert (await client.get("/v1/me", headers=auth)).json()["phone"] is None
    await db.execute("update account set phone = '0699887766' where id = $1", uuid.UUID(account_id))
    for _ in range(100):
        if (await client.get("/v1/me", headers=auth)).json()["phone"] == "0699887766":
            break
        await asyncio.sleep(0.05)
    assert (await client.get("/v1/me", headers=auth)).json()["phone"] == "0699887766"


async def test_sign_in_with_a_wrong_password_is_recorded_in_the_security_log(client, db, member):
    account_id, _ = await _signed_in(client, db, member)
    email = await db.fetchval("select email_normalized from account where id = $1", uuid.UUID(account_id))
    r = await client.post("/v1/sessions", json={"identifier": email, "password": "Wrong-Password#1"})
    assert r.status_code == 401
    kinds = [row["kind"] for row in await db.fetch(
        "select kind from security_event where account_id = $1 order by id", uuid.UUID(account_id))]
    assert kinds[-1] == "sign_in.failed" and "sign_in.succeeded" in kinds


async def test_an_employer_user_signs_in_with_its_company_in_the_token(app, client):
    import jwt as pyjwt
    from identity.app.commands import CreateStaffAccount
    from identity.app.handlers import create_staff_account

    email = f"rh-{uuid.uuid4().hex[:8]}@example.org"
    await create_staff_account(app.state.services, CreateStaffAccount(
        "employer", email, "Agnès", "Ressources", PASSWORD, company_siren="990 100 018"))
    session = await client.post("/v1/sessions", json={"identifier": email, "password": PASSWORD})
    assert session.status_code == 201
    claims = pyjwt.decode(session.json()["access_token"], options={"verify_signature": False})
    assert claims["roles"] == ["employer"] and claims["company_siren"] == "990100018"
    with pytest.raises(ValueError, match="company"):
        await create_staff_account(app.state.services, CreateStaffAccount(
            "employer", f"x-{email}", "Sans", "Entreprise", PASSWORD))
