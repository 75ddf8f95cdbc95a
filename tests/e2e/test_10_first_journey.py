"""The first member journey through the gateway: sign up, email, confirm, sign in, /v1/me."""

from __future__ import annotations

import pytest

from e2e_support import PASSWORD, confirmation_token, sign_up_body, unique_email, wait_until

pytestmark = pytest.mark.e2e

PROBLEM = "application/problem+json"


async def test_a_member_signs_up_confirms_by_email_and_signs_in_with_email_or_member_number(gateway, mailbox, registry):
    [member] = await registry.register(1)
    address = unique_email("journey")
    r = await gateway.post("/v1/accounts", json=sign_up_body(member, address, phone="07 11 22 33 44"))
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "pending_confirmation"
    assert r.headers["x-request-id"]

    mail = await mailbox.wait_for(address)
    assert "Confirmez votre adresse e-mail" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert f"Bonjour {member['first_name']} {member['last_name']}," in text
    assert mail.get_body(("html",)) is not None

    early = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert early.status_code == 403 and early.json()["type"].endswith("/account-not-confirmed")

    confirmed = await gateway.post("/v1/accounts/confirm", json={"token": confirmation_token(mail)})
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "active"

    by_number = await gateway.post("/v1/sessions", json={"identifier": member["member_number"], "password": PASSWORD})
    by_email = await gateway.post("/v1/sessions", json={"identifier": address.upper(), "password": PASSWORD})
    for session in (by_number, by_email):
        assert session.status_code == 201, session.text
        body = session.json()
        assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and body["refresh_token"]

    me = await gateway.get("/v1/me", headers={"Authorization": f"Bearer {by_email.json()['access_token']}"})
    assert me.status_code == 200
    assert me.json() | {"id": None} == me.json() | {
        "id": None, "email": address, "member_number": member["member_number"], "category": "sante",
        "first_name": member["first_name"], "last_name": member["last_name"], "phone": "0711223344",
        "status": "active", "kind": "member",
    }


async def test_the_confirmation_link_works_once_and_a_forged_one_is_refused(gateway, mailbox, registry):
    [member] = await registry.register(1)
    address = unique_email("confirm")
    assert (await gateway.post("/v1/accounts", json=sign_up_body(member, address))).status_code == 201
    token = confirmation_token(await mailbox.wait_for(address))
    forged = await gateway.post("/v1/accounts/confirm", json={"token": token[:-4] + "AAAA"})
    assert forged.status_code == 400 and forged.headers["content-type"] == PROBLEM
    assert (await gateway.post("/v1/accounts/confirm", json={"token": token})).status_code == 200
    # A retried confirmation (flaky mobile network) of an active account is harmless.
    assert (await gateway.post("/v1/accounts/confirm", json={"token": token})).status_code == 200


async def test_the_jwks_is_public_and_verifies_the_access_tokens(gateway):
    r = await gateway.get("/.well-known/jwks.json")
    assert r.status_code == 200
    keys = r.json()["keys"]
    assert keys and all(k["kid"] and k["alg"] == "ES256" and "d" not in k for k in keys)


async def test_every_service_publishes_its_openapi_through_the_gateway(gateway):
    for service in ("identity", "contracts", "notify"):
        r = await gateway.get(f"/openapi/{service}.json")
        assert r.status_code == 200 and r.json()["info"]["title"] == service


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"last_name": ""}, "last_name"),
        ({"first_name": None}, "first_name"),
        ({"birth_date": "12/03/1984"}, "birth_date"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"password": "court"}, "password"),
        ({"phone": "01 23 45 67 89"}, "phone"),
        ({"contract_number": "12AB"}, "contract_number"),
        ({"is_admin": True}, "is_admin"),
    ],
)
async def test_each_invalid_sign_up_field_answers_422_problem_naming_it(gateway, override, field):
    body = sign_up_body({"last_name": "Durand", "first_name": "Camille", "birth_date": "1980-01-01",
                         "contract_number": "123456"}, unique_email("invalid"), **override)
    r = await gateway.post("/v1/accounts", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM and r.json()["field"] == field


async def test_sign_up_without_email_points_to_the_callback_service(gateway):
    body = sign_up_body({"last_name": "Durand", "first_name": "Camille", "birth_date": "1980-01-01",
                         "contract_number": "123456"}, "x@y.fr")
    del body["email"]
    r = await gateway.post("/v1/accounts", json=body)
    assert r.status_code == 422 and r.json()["field"] == "email"
    assert "rappelé" in r.json()["detail"]


async def test_a_contract_that_does_not_match_is_refused_without_saying_which_part_failed(gateway, registry):
    [member] = await registry.register(1)
    [lapsed] = await registry.register(1, in_force=False)
    cases = [
        sign_up_body(member, unique_email(), last_name="Autrenom"),
        sign_up_body(member, unique_email(), birth_date="1950-05-05"),
        sign_up_body(member, unique_email(), contract_number="000000"),
        sign_up_body(lapsed, unique_email()),
    ]
    answers = [await gateway.post("/v1/accounts", json=body) for body in cases]
    assert {a.status_code for a in answers} == {422}
    assert len({(a.json()["type"], a.json()["detail"], a.json().get("field")) for a in answers}) == 1
    # Nothing was half-written: the right details still sign up afterwards.
    assert (await gateway.post("/v1/accounts", json=sign_up_body(member, unique_email()))).status_code == 201


async def test_an_email_already_used_is_not_disclosed_and_a_contract_already_registered_answers_409(gateway, registry):
    first, second, third = await registry.register(3)
    address = unique_email("taken")
    assert (await gateway.post("/v1/accounts", json=sign_up_body(first, address))).status_code == 201
    # Issue 3: the sign-up answer never reveals whether an email exists (the owner is told by email).
    same_email = await gateway.post("/v1/accounts", json=sign_up_body(second, address.upper()))
    fresh = await gateway.post("/v1/accounts", json=sign_up_body(third, unique_email("fresh")))
    assert same_email.status_code == fresh.status_code == 201, same_email.text
    assert set(same_email.json()) == set(fresh.json())
    assert same_email.json()["status"] == fresh.json()["status"] == "pending_confirmation"
    # Whoever proves the holder's details may learn the contract already has an account.
    same_contract = await gateway.post("/v1/accounts", json=sign_up_body(first, unique_email()))
    assert same_contract.status_code == 409 and same_contract.json()["field"] == "contract_number"


async def test_a_wrong_password_and_an_unknown_identifier_get_the_same_answer(gateway):
    unknown = await gateway.post("/v1/sessions", json={"identifier": unique_email(), "password": PASSWORD})
    number = await gateway.post("/v1/sessions", json={"identifier": "0000000", "password": "x"})
    assert unknown.status_code == number.status_code == 401
    assert unknown.json()["detail"] == number.json()["detail"]


async def test_me_without_a_valid_token_answers_401_problem(gateway):
    for headers in ({}, {"Authorization": "Bearer not.a.token"}, {"Authorization": "Basic abc"}):
        r = await gateway.get("/v1/me", headers=headers)
        assert r.status_code == 401 and r.headers["content-type"] == PROBLEM


async def test_a_member_who_lost_the_email_asks_for_a_new_link_and_confirms_with_it(gateway, mailbox, registry):
    [member] = await registry.register(1)
    address = unique_email("resend")
    assert (await gateway.post("/v1/accounts", json=sign_up_body(member, address))).status_code == 201
    first = await mailbox.wait_for(address)
    unknown = await gateway.post("/v1/accounts/confirmation-requests", json={"email": unique_email()})
    again = await gateway.post("/v1/accounts/confirmation-requests", json={"email": address})
    assert unknown.status_code == again.status_code == 202 and unknown.json() == again.json()

    async def two_mails():
        return len(mailbox.messages_to(address)) == 2

    await wait_until(two_mails, timeout=30, interval=0.2, what="the second confirmation email")
    [second] = [m for m in mailbox.messages_to(address) if "Nouveau lien" in m["Subject"]]
    assert confirmation_token(second) != confirmation_token(first)
    assert (await gateway.post("/v1/accounts/confirm", json={"token": confirmation_token(second)})).status_code == 200
    signed_in = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert signed_in.status_code == 201
