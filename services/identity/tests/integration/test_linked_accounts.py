"""Linked accounts (ID-12) on the real database and the running contracts service."""

from __future__ import annotations

import random
import uuid

import httpx
import jwt
import pytest

pytestmark = pytest.mark.integration


async def _member_of(app, contracts_db, category: str, product: str) -> dict:
    rnd = random.SystemRandom()
    while True:
        number, member_number = f"{rnd.randint(0, 999_999):06d}", f"{rnd.randint(0, 9_999_999):07d}"
        if not await contracts_db.fetchval(
                "select count(*) from contract where contract_number = $1 or member_number = $2", number, member_number):
            break
    line = {"last_name": "Martin", "first_name": "Lucie" + "".join(random.SystemRandom().choice("abcdefghijklmnopqrstuvwxyz") for _ in range(4)), "birth_date": "1968-03-14",
            "contract_number": number, "member_number": member_number, "category": category, "in_force": True,
            "product_code": product, "start_date": "2024-01-01", "end_date": None, "city": "Lyon",
            "beneficiaries": []}
    token = app.state.services.issuer.access_token("test-operator", ["operator"], str(uuid.uuid4()))
    async with httpx.AsyncClient(base_url=app.state.settings.contracts_url) as contracts:
        r = await contracts.post("/v1/contract-imports", json={"members": [line]},
                                 headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["refused"] == [], r.text
    return line


async def test_a_person_links_another_category_by_proving_it_and_one_sign_in_sees_both(
        app, client, db, member, contracts_db, flows):
    other_member = await _member_of(app, contracts_db, "prevoyance", "PREVOYANCE-SERENITE")
    mine = await flows.account(client, db, member)
    other = await flows.account(client, db, other_member)
    session = await flows.sign_in(client, mine["email"])
    wrong = await client.post("/v1/linked-accounts", headers=flows.auth(session),
                              json={"identifier": other_member["member_number"], "password": "Pas-le-bon#2024"})
    assert wrong.status_code == 401
    r = await client.post("/v1/linked-accounts", headers=flows.auth(session),
                          json={"identifier": other_member["member_number"], "password": flows.PASSWORD})
    assert r.status_code == 201, r.text
    assert r.json()["category"] == "prevoyance"
    refreshed = await client.post("/v1/sessions/refresh", json={"refresh_token": session["refresh_token"]})
    claims = jwt.decode(refreshed.json()["access_token"], options={"verify_signature": False})
    assert claims["categories"] == ["prevoyance", "sante"] and len(claims["linked_person_ids"]) == 1
    from_other = await flows.sign_in(client, other["email"])
    listed = await client.get("/v1/linked-accounts", headers=flows.auth(from_other))
    assert [a["category"] for a in listed.json()["linked_accounts"]] == ["sante"]

    gone = await client.delete(f"/v1/linked-accounts/{r.json()['account_id']}", headers=flows.auth(session))
    assert gone.status_code == 204
    again = await client.delete(f"/v1/linked-accounts/{r.json()['account_id']}", headers=flows.auth(session))
    assert again.status_code == 404
    fresh = await flows.sign_in(client, mine["email"])
    assert jwt.decode(fresh["access_token"], options={"verify_signature": False})["categories"] == ["sante"]
