"""Issue 15 and ID-14 on the real PostgreSQL: employer users and broker firms' people invited by link.

The invitation's secret goes only on the private topic and only its hash is stored; accepting it sets
the password and the account signs in with its professional email; the token carries the company or
the firm and the broker's access (ADR 0013); another company's or firm's resources are 404; a changed
access ends the tokens carrying the old one (the refresh token gives the new one); a deleted user's
sessions end at once."""

import hashlib
import json
import random
import uuid

import jwt
import pytest
from stdnum import luhn

from identity.app.commands import CreateStaffAccount
from identity.app.handlers import create_staff_account

pytestmark = pytest.mark.integration

PASSWORD = "Violette-Ecluse#2031"


def siren() -> str:
    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def orias() -> str:
    return "".join(random.SystemRandom().choice("0123456789") for _ in range(8))


def email(tag: str) -> str:
    return f"{tag}-{uuid.uuid4().hex[:10]}@pro.example"


def claims(session: dict) -> dict:
    return jwt.decode(session["access_token"], options={"verify_signature": False})


def auth(session: dict) -> dict:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def sign_in(client, address: str) -> dict:
    r = await client.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()


async def secrets_of(db, account_id: str) -> list[dict]:
    rows = await db.fetch("select topic, payload from outbox where key = $1 and event_type = 'InvitationRequested'"
                          " order by position", account_id)
    return [{"topic": r["topic"], **json.loads(r["payload"])["data"]} for r in rows]


async def accept(client, db, account_id: str) -> dict:
    [secret] = await secrets_of(db, account_id)
    r = await client.post("/v1/accounts/accept-invitation", json={"token": secret["invitation_token"],
                                                                  "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
async def operator(app, client) -> dict:
    address = email("operator")
    await create_staff_account(app.state.services, CreateStaffAccount("operator", address, "Opé", "Rateur", PASSWORD))
    return await sign_in(client, address)


async def test_an_employer_user_invited_by_an_operator_accepts_signs_in_and_sees_only_their_company(
        client, db, operator):
    company, other = siren(), siren()
    address = email("rh")
    r = await client.post(f"/v1/company-users/{company}", headers=auth(operator),
                          json={"email": address, "first_name": "Estelle", "last_name": "Durand", "role": "admin"})
    assert r.status_code == 201, r.text
    invited = r.json()
    assert invited["status"] == "invited"
    [secret] = await secrets_of(db, invited["id"])
    assert secret["topic"] == "identity.secret.v1" and secret["kind"] == "employer"
    public = bytes(await db.fetchval(
        "select payload from outbox where key = $1 and event_type = 'ProfessionalUserInvited'", invited["id"])).decode()
    assert secret["invitation_token"] not in public and json.loads(public)["data"]["siren"] == company
    stored = await db.fetchval("select token_hash from invitation where account_id = $1", uuid.UUID(invited["id"]))
    assert bytes(stored) == hashlib.sha256(secret["invitation_token"].encode()).digest()
    # Not signed in before the invitation is accepted.
    r = await client.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert r.status_code == 401

    assert (await accept(client, db, invited["id"]))["status"] == "active"
    again = await client.post("/v1/accounts/accept-invitation",
                              json={"token": secret["invitation_token"], "password": PASSWORD})
    assert again.status_code == 400 and again.json()["field"] == "token"
    session = await sign_in(client, address)
    token = claims(session)
    assert (token["roles"], token["company_siren"], token["company_role"]) == (["employer"], company, "admin")

    # The admin invites a user of their company, lists them; another company is 404.
    r = await client.post(f"/v1/company-users/{company}", headers=auth(session),
                          json={"email": email("compta"), "first_name": "Paul", "last_name": "Marchand"})
    assert r.status_code == 201, r.text
    user_id = r.json()["id"]
    listed = await client.get(f"/v1/company-users/{company}", headers=auth(session))
    assert {u["id"] for u in listed.json()} == {invited["id"], user_id}
    for path in (f"/v1/company-users/{other}", "/v1/company-users/not-a-siren"):
        assert (await client.get(path, headers=auth(session))).status_code == 404
    r = await client.post(f"/v1/company-users/{other}", headers=auth(session),
                          json={"email": email("x"), "first_name": "Paul", "last_name": "Autre"})
    assert r.status_code == 404
    # An operator's user of the other company is not deletable from this one.
    r = await client.post(f"/v1/company-users/{other}", headers=auth(operator),
                          json={"email": email("autre"), "first_name": "Anne", "last_name": "Autre"})
    assert (await client.delete(f"/v1/company-users/{company}/{r.json()['id']}", headers=auth(session))).status_code == 404
    assert (await client.delete(f"/v1/company-users/{other}/{r.json()['id']}", headers=auth(session))).status_code == 404
    # The address of an existing space cannot be invited again.
    r = await client.post(f"/v1/company-users/{company}", headers=auth(session),
                          json={"email": address, "first_name": "Paul", "last_name": "Double"})
    assert r.status_code == 409 and r.json()["field"] == "email"
    assert (await client.delete(f"/v1/company-users/{company}/{user_id}", headers=auth(session))).status_code == 204
    listed = await client.get(f"/v1/company-users/{company}", headers=auth(session))
    assert [u["id"] for u in listed.json()] == [invited["id"]]


async def test_an_employer_users_invitation_names_the_company_the_employer_space_registered(app, client, db, operator):
    from datetime import UTC, datetime

    from aiokafka import ConsumerRecord

    from identity.entrypoints.worker import subscriptions
    from ms_events.consumer import ConsumerRunner
    from ms_events.envelope import Envelope
    from ms_events.events.affiliation import CompanyRegistered
    from ms_events.runtime import kafka_config

    registered, unknown = siren(), siren()
    event = CompanyRegistered(siren=registered, name="Menuiserie Lefèvre & Fils", registered_at=datetime.now(UTC))
    runner = ConsumerRunner("identity", app.state.pool, kafka_config(app.state.settings, "worker"), subscriptions())
    message = ConsumerRecord(topic="affiliation.company.v1", partition=0, offset=0, timestamp=0, timestamp_type=0,
                             key=None, value=Envelope.wrap(event).to_bytes(), checksum=None, serialized_key_size=0,
                             serialized_value_size=0, headers=[])
    assert await runner.process(message) == "handled"
    names = {}
    for company in (registered, unknown):
        r = await client.post(f"/v1/company-users/{company}", headers=auth(operator),
                              json={"email": email("rh"), "first_name": "Estelle", "last_name": "Durand"})
        assert r.status_code == 201, r.text
        [secret] = await secrets_of(db, r.json()["id"])
        names[company] = secret["organisation_name"]
    assert names == {registered: "Menuiserie Lefèvre & Fils", unknown: f"l'entreprise de SIREN {unknown}"}


async def test_an_employer_user_who_is_not_admin_may_not_invite(client, db, operator):
    company = siren()
    address = email("user")
    r = await client.post(f"/v1/company-users/{company}", headers=auth(operator),
                          json={"email": address, "first_name": "Jean", "last_name": "Simple"})
    await accept(client, db, r.json()["id"])
    session = await sign_in(client, address)
    assert claims(session)["company_role"] == "user"
    r = await client.post(f"/v1/company-users/{company}", headers=auth(session),
                          json={"email": email("x"), "first_name": "Paul", "last_name": "Marchand"})
    assert r.status_code == 403 and r.json()["type"].endswith("admin-required")
    assert (await client.get(f"/v1/company-users/{company}", headers=auth(session))).status_code == 200


def new_firm(**changes) -> dict:
    return {"name": "Cabinet Durand", "orias": orias(), "siren": siren(), "offers": ["SANTE-ESSENTIEL", "SANTE-CONFORT"],
            "contribution_collection": "insurer",
            "dedicated_contact": {"name": "Marc Lemoine", "email": "marc.lemoine@mutuelle.example"},
            "admin": {"email": email("admin"), "first_name": "Léa", "last_name": "Durand"}, **changes}


async def test_a_firm_is_refused_with_a_malformed_orias_or_siren_and_nothing_is_written(client, db, operator):
    for field, value in (("orias", "1234567"), ("orias", "12AB5678"), ("siren", "123456789"), ("siren", "73282932")):
        body = new_firm(**{field: value})
        r = await client.post("/v1/broker-firms", headers=auth(operator), json=body)
        assert r.status_code == 422, r.text
        assert field in {r.json().get("field")} | {e["field"] for e in r.json().get("errors", [])}
        assert await db.fetchval("select count(*) from account where email_normalized = $1",
                                 body["admin"]["email"]) == 0
    body = new_firm(offers=["SANTE ESSENTIEL"])
    r = await client.post("/v1/broker-firms", headers=auth(operator), json=body)
    assert r.status_code == 422


async def test_a_firm_admin_manages_collaborators_whose_access_travels_in_their_tokens(client, db, operator):
    body = new_firm()
    r = await client.post("/v1/broker-firms", headers=auth(operator), json=body)
    assert r.status_code == 201, r.text
    firm = r.json()
    firm_id = firm["id"]
    assert firm["admin"]["role"] == "admin" and firm["contribution_collection"] == "insurer"
    r = await client.post("/v1/broker-firms", headers=auth(operator), json={**new_firm(), "orias": body["orias"]})
    assert r.status_code == 409 and r.json()["field"] == "orias"

    await accept(client, db, firm["admin"]["id"])
    admin = await sign_in(client, body["admin"]["email"])
    token = claims(admin)
    assert token["roles"] == ["broker"] and token["broker_firm_id"] == firm_id
    assert (token["broker_role"], token["broker_autonomy"]) == ("admin", "full")
    assert token["broker_offers"] == ["SANTE-CONFORT", "SANTE-ESSENTIEL"] and "contracts" in token["aud"]

    # Offers outside the firm's, a limit without subscribe_up_to, subscribe_up_to without a limit: 422.
    collaborator_email = email("collab")
    person = {"email": collaborator_email, "first_name": "Hugo", "last_name": "Petit"}
    for wrong, field in (({"offers": ["PREVOYANCE-PLUS"]}, "offers"),
                         ({"autonomy": "quote_only", "subscribe_limit_eur": "100"}, "subscribe_limit_eur"),
                         ({"autonomy": "subscribe_up_to"}, "subscribe_limit_eur")):
        r = await client.post(f"/v1/broker-firms/{firm_id}/collaborators", headers=auth(admin), json={**person, **wrong})
        assert r.status_code == 422 and r.json()["field"] == field, r.text
    assert await db.fetchval("select count(*) from account where email_normalized = $1", collaborator_email) == 0

    r = await client.post(f"/v1/broker-firms/{firm_id}/collaborators", headers=auth(admin),
                          json={**person, "offers": ["SANTE-ESSENTIEL"], "autonomy": "quote_only"})
    assert r.status_code == 201, r.text
    collaborator_id = r.json()["id"]
    await accept(client, db, collaborator_id)
    collaborator = await sign_in(client, collaborator_email)
    token = claims(collaborator)
    assert (token["broker_firm_id"], token["broker_role"], token["broker_offers"], token["broker_autonomy"]) == (
        firm_id, "collaborator", ["SANTE-ESSENTIEL"], "quote_only")
    assert "broker_subscribe_limit_eur" not in token

    # « Mon compte »: the firm, its people and roles; a collaborator sees no one else's access.
    mine = (await client.get(f"/v1/broker-firms/{firm_id}", headers=auth(collaborator))).json()
    assert mine["name"] == "Cabinet Durand" and mine["dedicated_contact"]["name"] == "Marc Lemoine"
    roles = {c["id"]: (c["role"], c.get("access") is not None) for c in mine["collaborators"]}
    assert roles == {firm["admin"]["id"]: ("admin", False), collaborator_id: ("collaborator", True)}
    assert [f["id"] for f in (await client.get("/v1/broker-firms", headers=auth(collaborator))).json()] == [firm_id]
    # A collaborator manages no one.
    r = await client.post(f"/v1/broker-firms/{firm_id}/collaborators", headers=auth(collaborator),
                          json={**person, "email": email("x")})
    assert r.status_code == 403

    # Raising the autonomy ends the tokens with the old access; the refresh token gives the new one.
    r = await client.put(f"/v1/broker-firms/{firm_id}/collaborators/{collaborator_id}/access", headers=auth(admin),
                         json={"offers": ["SANTE-ESSENTIEL", "SANTE-CONFORT"], "autonomy": "subscribe_up_to",
                               "subscribe_limit_eur": "2400"})
    assert r.status_code == 200, r.text
    assert r.json()["access"] == {"offers": ["SANTE-CONFORT", "SANTE-ESSENTIEL"], "autonomy": "subscribe_up_to",
                                  "subscribe_limit_eur": "2400.00"}
    assert (await client.get("/v1/me", headers=auth(collaborator))).status_code == 401
    old_sid = claims(collaborator)["sid"]
    revoked = (await client.get("/.well-known/revoked-sessions")).json()["revoked"]
    assert old_sid in revoked
    r = await client.post("/v1/sessions/refresh", json={"refresh_token": collaborator["refresh_token"]})
    assert r.status_code == 200, r.text
    collaborator = r.json()
    token = claims(collaborator)
    assert (token["broker_autonomy"], token["broker_subscribe_limit_eur"]) == ("subscribe_up_to", "2400.00")
    assert token["sid"] != old_sid
    assert (await client.get("/v1/me", headers=auth(collaborator))).status_code == 200

    # Another firm's admin sees nothing of this one (404).
    other = new_firm()
    r = await client.post("/v1/broker-firms", headers=auth(operator), json=other)
    await accept(client, db, r.json()["admin"]["id"])
    stranger = await sign_in(client, other["admin"]["email"])
    for method, path in (("get", f"/v1/broker-firms/{firm_id}"), ("get", f"/v1/broker-firms/{firm_id}/collaborators"),
                         ("delete", f"/v1/broker-firms/{firm_id}/collaborators/{collaborator_id}"),
                         ("delete", f"/v1/broker-firms/{r.json()['id']}/collaborators/{collaborator_id}")):
        assert (await client.request(method, path, headers=auth(stranger))).status_code == 404, path

    # Deleted: every session ends at once, the refresh token with it; the address is free again.
    r = await client.delete(f"/v1/broker-firms/{firm_id}/collaborators/{collaborator_id}", headers=auth(admin))
    assert r.status_code == 204
    assert (await client.get("/v1/me", headers=auth(collaborator))).status_code == 401
    assert claims(collaborator)["sid"] in (await client.get("/.well-known/revoked-sessions")).json()["revoked"]
    r = await client.post("/v1/sessions/refresh", json={"refresh_token": collaborator["refresh_token"]})
    assert r.status_code == 401
    r = await client.post("/v1/sessions", json={"identifier": collaborator_email, "password": PASSWORD})
    assert r.status_code == 401
    mine = (await client.get(f"/v1/broker-firms/{firm_id}", headers=auth(admin))).json()
    assert [c["id"] for c in mine["collaborators"]] == [firm["admin"]["id"]]
    # An admin cannot delete themselves.
    r = await client.delete(f"/v1/broker-firms/{firm_id}/collaborators/{firm['admin']['id']}", headers=auth(admin))
    assert r.status_code == 409
