"""Identity's journeys through the gateway: recovery, profile, 2FA, linked data, deletion, export."""

from __future__ import annotations

import os
import re
import urllib.parse
import uuid

import asyncpg
import pyotp
import pytest

from e2e_support import PASSWORD, sign_up_and_confirm, sign_up_body, unique_email, wait_until

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Gravier-Tilleul#4417"


def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


async def _mail_with(mailbox, address: str, pattern: str, timeout: float = 30):
    """The first message to ``address`` whose text matches ``pattern``."""
    async def found():
        return next((m for m in mailbox.messages_to(address) if re.search(pattern, _text(m))), None)
    return await wait_until(found, timeout=timeout, interval=0.3, what=f"a mail to {address} matching {pattern}")


def _token(message, path_hint: str) -> str:
    match = re.search(rf"{path_hint}\S*\?token=(\S+)", _text(message))
    assert match, f"no link with {path_hint} in the mail"
    return urllib.parse.unquote(match.group(1))


async def _signed_up(gateway, mailbox, registry) -> tuple[dict, str, dict]:
    [member] = await registry.register(1)
    address = unique_email("identity")
    token = await sign_up_and_confirm(gateway, mailbox, member, address)
    return member, address, {"Authorization": f"Bearer {token}"}


async def test_a_forgotten_password_is_reset_from_the_emailed_link_and_every_session_ends(gateway, mailbox, registry):
    _, address, auth = await _signed_up(gateway, mailbox, registry)
    assert (await gateway.post("/v1/password-resets", json={"email": address})).status_code == 202
    mail = await _mail_with(mailbox, address, r"/reinitialiser-mon-mot-de-passe\?token=")
    token = _token(mail, "/reinitialiser-mon-mot-de-passe")
    r = await gateway.post("/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD})
    assert r.status_code == 204, r.text
    assert (await gateway.get("/v1/me", headers=auth)).status_code == 401
    old = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert old.status_code == 401
    assert (await gateway.post("/v1/sessions", json={"identifier": address, "password": NEW_PASSWORD})).status_code == 201


async def test_a_new_email_is_confirmed_from_that_address_and_the_old_one_is_told(gateway, mailbox, registry):
    _, address, auth = await _signed_up(gateway, mailbox, registry)
    new = unique_email("newaddr")
    r = await gateway.patch("/v1/me", headers=auth, json={"email": new, "phone": "06 01 02 03 04",
                            "address": {"line1": "3 place Bellecour", "postcode": "69002", "city": "Lyon"}})
    assert r.status_code == 200 and r.json()["pending_email"] == new
    me = (await gateway.get("/v1/me", headers=auth)).json()
    assert me["email"] == address and me["phone"] == "0601020304" and me["address"]["city"] == "Lyon"
    token = _token(await mailbox.wait_for(new), "/confirmer-ma-nouvelle-adresse")
    assert (await gateway.post("/v1/me/email-confirmations", json={"token": token})).status_code == 200
    notice = await _mail_with(mailbox, address, r"\*\*\*@")
    assert new not in _text(notice)  # the old address sees a masked new one
    assert (await gateway.post("/v1/sessions", json={"identifier": new, "password": PASSWORD})).status_code == 201


async def test_the_owner_of_an_address_is_told_when_someone_signs_up_with_it(gateway, mailbox, registry):
    _, address, _ = await _signed_up(gateway, mailbox, registry)
    [other] = await registry.register(1)
    r = await gateway.post("/v1/accounts", json=sign_up_body(other, address))
    assert r.status_code == 201
    await wait_until(lambda: _count_async(mailbox, address, 2), timeout=30, what="the sign-up attempt notice")


async def _count_async(mailbox, address: str, count: int) -> bool:
    return len(mailbox.messages_to(address)) >= count


async def test_totp_two_factor_through_the_gateway(gateway, mailbox, registry):
    _, address, auth = await _signed_up(gateway, mailbox, registry)
    started = (await gateway.post("/v1/me/two-factor/totp", headers=auth)).json()
    totp = pyotp.TOTP(started["secret"])
    on = await gateway.post("/v1/me/two-factor/totp/confirm", headers=auth, json={"code": totp.now()})
    assert on.status_code == 200 and len(on.json()["recovery_codes"]) == 10
    challenge = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert challenge.status_code == 202 and "access_token" not in challenge.json()
    done = await gateway.post("/v1/sessions/second-factor",
                              json={"challenge_token": challenge.json()["challenge_token"], "code": totp.now()})
    assert done.status_code == 201
    events = (await gateway.get("/v1/security-events", headers=auth)).json()["events"]
    assert {"two_factor.enabled", "sign_in.second_factor_required"} <= {e["kind"] for e in events}


async def test_a_deleted_account_can_no_longer_sign_in(gateway, mailbox, registry):
    _, address, auth = await _signed_up(gateway, mailbox, registry)
    r = await gateway.request("DELETE", "/v1/me", headers=auth, json={"password": PASSWORD})
    assert r.status_code == 204
    assert (await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})).status_code == 401
    assert (await gateway.get("/v1/me", headers=auth)).status_code == 401


async def test_the_export_gathers_every_context_as_json(gateway, mailbox, registry):
    member, _, auth = await _signed_up(gateway, mailbox, registry)
    r = await gateway.get("/v1/me/export", headers=auth)
    assert r.status_code == 200, r.text
    contexts = r.json()["contexts"]
    assert {"identity", "contracts", "notify"} <= set(contexts)
    assert contexts["identity"]["account"]["member_number"] == member["member_number"]


async def test_password_checks_behind_a_token_are_throttled_like_sign_in(gateway, mailbox, registry):
    """A stolen token gives no more password guesses than the sign-in page (ID-15): once the account
    is at sign-in's failure limit (inserted directly, from other addresses, so that the shared
    127.0.0.1 of the local tests is not throttled), deleting it answers 429 even with the right
    password, and the owner gets back in with a reset."""
    member, address, auth = await _signed_up(gateway, mailbox, registry)
    conn = await asyncpg.connect(os.environ["IDENTITY_DATABASE_URL"])
    try:
        account_id = await conn.fetchval("select id from account where email_normalized = $1", address)
        await conn.execute(
            "insert into sign_in_failure (identifier_hash, account_id, client_ip, created_at)"
            " select sha256($1::text::bytea), $2, 'e2e-' || $3 || '-' || g, now() - interval '1 minute'"
            " from generate_series(1, 100) g", member["member_number"], account_id, uuid.uuid4().hex[:8])
    finally:
        await conn.close()
    r = await gateway.request("DELETE", "/v1/me", headers=auth, json={"password": PASSWORD})
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json" and int(r.headers["retry-after"]) > 0
    assert (await gateway.get("/v1/me", headers=auth)).json()["status"] == "active"
    assert (await gateway.post("/v1/sessions", json={"identifier": member["member_number"],
                                                     "password": PASSWORD})).status_code == 429
    assert (await gateway.post("/v1/password-resets", json={"email": address})).status_code == 202
    mail = await _mail_with(mailbox, address, r"/reinitialiser-mon-mot-de-passe\?token=")
    token = _token(mail, "/reinitialiser-mon-mot-de-passe")
    assert (await gateway.post("/v1/password-resets/confirm",
                               json={"token": token, "password": NEW_PASSWORD})).status_code == 204
    assert (await gateway.post("/v1/sessions", json={"identifier": member["member_number"],
                                                     "password": NEW_PASSWORD})).status_code == 201


async def test_names_and_addresses_hold_only_what_civil_status_and_la_poste_write(gateway, mailbox, registry):
    """Invisible, reordering and foreign characters never reach a card, an email or a letter (ID-1, ID-10)."""
    [member] = await registry.register(1)
    refused = await gateway.post("/v1/accounts", json=sign_up_body(
        member, unique_email("identity"), first_name=member["first_name"][:3] + "\u200b" + member["first_name"][3:]))
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["field"] == "first_name"
    _, _, auth = await _signed_up(gateway, mailbox, registry)
    for field, value in (("city", "Lyon\u202e"), ("line1", "3 place\u2066 Bellecour"), ("line2", "B\x1b[0m")):
        address = {"line1": "3 place Bellecour", "postcode": "69002", "city": "Lyon", field: value}
        r = await gateway.patch("/v1/me", headers=auth, json={"address": address})
        assert r.status_code == 422 and r.json()["field"] == f"address.{field}", r.text
    assert (await gateway.get("/v1/me", headers=auth)).json()["address"] is None
