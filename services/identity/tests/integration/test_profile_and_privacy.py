"""Profile, email change, deletion and export on the real database."""

from __future__ import annotations

import uuid

import pytest

from identity.adapters.personal_data import PersonalDataClients
from identity.adapters.tokens import LocalServiceTokens

pytestmark = pytest.mark.integration

PASSWORD = "Violette-Ecluse#2031"

ADDRESS = {"line1": "12 rue des Tanneurs", "postcode": "59000", "city": "Lille"}


async def test_phone_and_address_change_at_once_and_are_published(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    r = await client.patch("/v1/me", headers=flows.auth(session), json={"phone": "07 98 76 54 32", "address": ADDRESS})
    assert r.status_code == 200, r.text
    me = (await client.get("/v1/me", headers=flows.auth(session))).json()
    assert me["phone"] == "0798765432" and me["address"]["city"] == "Lille"
    event = await flows.outbox(db, account["id"], "ProfileUpdated")
    assert event["phone"] == "0798765432" and event["address"]["postcode"] == "59000"


@pytest.mark.parametrize(("body", "field"), [
    ({"phone": "01 23 45 67 89"}, "phone"),
    ({"address": {**ADDRESS, "postcode": "7500"}}, "address.postcode"),
    ({"email": "pas-une-adresse"}, "email"),
    ({"role": "operator"}, "role"),
    ({"address": {**ADDRESS, "city": "Lille\u202e"}}, "address.city"),
    ({"address": {**ADDRESS, "city": "<b>Lille</b>"}}, "address.city"),
    ({"address": {**ADDRESS, "line1": "12 rue\u200b des Tanneurs"}}, "address.line1"),
    ({"address": {**ADDRESS, "line2": "B\u00e2t\x1b[31m B"}}, "address.line2"),
    ({"address": {**ADDRESS, "line2": "Appartement \ue000"}}, "address.line2"),
    ({"address": {**ADDRESS, "line1": "12 rue des Tanneurs, r\u00e9sidence du Grand Parc"}}, "address.line1"),
], ids=["phone", "postcode", "email", "extra field", "bidi override in city", "markup in city",
        "zero-width space in line1", "escape sequence in line2", "private use in line2", "line over 38 characters"])
async def test_bad_profile_changes_answer_422_naming_the_field_and_change_nothing(client, db, member, body, field, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    r = await client.patch("/v1/me", headers=flows.auth(session), json=body)
    assert r.status_code == 422 and r.json()["field"] == field
    assert await db.fetchval("select count(*) from outbox where key = $1 and event_type = 'ProfileUpdated'",
                             account["id"]) == 0


async def test_an_address_as_la_poste_writes_it_is_stored_composed(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    typed = {"line1": "12 bis, rue de l\u2019E\u0301glise", "line2": "B\u00e2t. C (apt 4)", "postcode": "42000",
             "city": "Saint-E\u0301tienne"}
    r = await client.patch("/v1/me", headers=flows.auth(session), json={"address": typed})
    assert r.status_code == 200, r.text
    stored = (await client.get("/v1/me", headers=flows.auth(session))).json()["address"]
    assert stored["line1"] == "12 bis, rue de l\u2019\u00c9glise" and stored["city"] == "Saint-\u00c9tienne"


async def test_a_new_email_takes_effect_only_once_confirmed_and_the_old_address_is_told(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    new = f"it-new-{uuid.uuid4().hex[:8]}@example.org"
    r = await client.patch("/v1/me", headers=flows.auth(session), json={"email": new})
    assert r.status_code == 200 and r.json()["pending_email"] == new
    assert (await client.get("/v1/me", headers=flows.auth(session))).json()["email"] == account["email"]
    token = (await flows.outbox(db, account["id"], "EmailChangeRequested"))["confirmation_token"]
    assert (await client.post("/v1/me/email-confirmations", json={"token": token})).status_code == 200
    changed = await flows.outbox(db, account["id"], "EmailChanged")
    assert changed["old_email"] == account["email"] and changed["email"] == new
    await flows.sign_in(client, new)
    assert (await client.post("/v1/me/email-confirmations", json={"token": token})).status_code == 400


async def test_a_deleted_account_cannot_sign_in_and_keeps_only_pseudonymised_rows(client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    wrong = await client.request("DELETE", "/v1/me", headers=flows.auth(session), json={"password": "Faux#Motdepasse1"})
    assert wrong.status_code == 422
    r = await client.request("DELETE", "/v1/me", headers=flows.auth(session), json={"password": PASSWORD})
    assert r.status_code == 204
    assert (await client.get("/v1/me", headers=flows.auth(session))).status_code == 401
    gone = await client.post("/v1/sessions", json={"identifier": account["email"], "password": PASSWORD})
    assert gone.status_code == 401
    row = await db.fetchrow("select email, first_name, birth_date, status from account where id = $1",
                            uuid.UUID(account["id"]))
    assert row["status"] == "deleted" and row["first_name"] == "" and row["birth_date"] is None
    assert account["email"] not in row["email"]
    event = await flows.outbox(db, account["id"], "AccountDeleted")
    assert event["kind"] == "member" and event["person_id"]


async def test_the_export_holds_identity_s_data_and_each_context_s(app, client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    svc = app.state.services
    real = svc.personal_data
    svc.personal_data = PersonalDataClients({}, 1.0, LocalServiceTokens(svc.issuer))
    try:
        r = await client.get("/v1/me/export", headers=flows.auth(session))
    finally:
        await svc.personal_data.close()
        svc.personal_data = real
    assert r.status_code == 200
    identity = r.json()["contexts"]["identity"]
    assert identity["account"]["email"] == account["email"] and "password_hash" not in identity["account"]
    assert identity["sessions"] and identity["security_events"]


async def test_the_export_answers_503_naming_a_context_that_cannot_answer(app, client, db, member, flows):
    account = await flows.account(client, db, member)
    session = await flows.sign_in(client, account["email"])
    svc = app.state.services
    real = svc.personal_data
    svc.personal_data = PersonalDataClients({"claims": "http://127.0.0.1:9"}, 0.5, LocalServiceTokens(svc.issuer))
    try:
        r = await client.get("/v1/me/export", headers=flows.auth(session))
    finally:
        await svc.personal_data.close()
        svc.personal_data = real
    assert r.status_code == 503 and r.json()["dependency"] == "claims"
