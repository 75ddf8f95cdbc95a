"""Secrets never travel on a topic an integrator can read (issue 11, finding 12): after a sign-up,
a password reset and an SMS sign-in code requested through the gateway, the email links and the
SMS code arrive, and nothing read from identity.account.v1 contains any of them; they travel
only on the private identity.secret.v1, which the public AsyncAPI document does not list."""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid

import pytest

from e2e_support import (
    GATEWAY, PASSWORD, SMS_OUTBOX, confirmation_token, sign_up_body, topic_records, unique_email, wait_until,
)
from ms_events.catalogue import private_events, public_events

pytestmark = pytest.mark.e2e

def _text(message) -> str:
    return message.get_body(("plain",)).get_content()


def _sms_codes_to(number: str) -> list[str]:
    codes = []
    for path in SMS_OUTBOX.glob("*.json"):
        record = json.loads(path.read_text())
        if record["to"] == number:
            match = re.match(r"(\d{6}) est votre code", record["text"])
            if match:
                codes.append(match.group(1))
    return codes


async def test_links_and_codes_arrive_and_none_is_on_the_topic_integrators_read(gateway, mailbox, registry,
                                                                                sms_provider):
    [member] = await registry.register(1)
    address = unique_email("nosecret")
    created = await gateway.post("/v1/accounts", json=sign_up_body(member, address))
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]

    # Sign-up: the confirmation link arrives by email.
    confirm = confirmation_token(await mailbox.wait_for(address))
    assert (await gateway.post("/v1/accounts/confirm", json={"token": confirm})).status_code == 200
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    auth = {"Authorization": f"Bearer {session.json()['access_token']}"}

    # Password reset: the link arrives by email.
    assert (await gateway.post("/v1/password-resets", json={"email": address})).status_code == 202

    async def reset_mail():
        return next((m for m in mailbox.messages_to(address)
                     if "/reinitialiser-mon-mot-de-passe?token=" in _text(m)), None)

    mail = await wait_until(reset_mail, timeout=60, what="the reset email")
    reset = urllib.parse.unquote(re.search(r"reinitialiser-mon-mot-de-passe\?token=(\S+)", _text(mail)).group(1))

    # SMS sign-in code: the code arrives by SMS.
    phone = f"06{uuid.uuid4().int % 10**8:08d}"  # this test's own number
    assert (await gateway.patch("/v1/me", headers=auth, json={"phone": phone})).status_code == 200
    assert (await gateway.post("/v1/me/two-factor/sms", headers=auth)).status_code == 202

    async def sms_code():
        return _sms_codes_to(phone) or _sms_codes_to("+33" + phone[1:])

    [code, *_] = await wait_until(sms_code, timeout=60, what="the SMS sign-in code")
    secrets = {"confirmation token": confirm, "reset token": reset, "SMS code": code}

    # Everything identity published about this account on its public topic.
    async def public_records():
        records = [r for r in await topic_records("identity.account.v1") if r.key == account_id.encode()]
        types = {dict(r.headers).get("ce_type") for r in records}
        return records if {b"AccountCreated", b"AccountConfirmed", b"ProfileUpdated"} <= types else None

    records = await wait_until(public_records, timeout=60, what="the account's public events")
    types = {dict(r.headers)["ce_type"].decode() for r in records}
    assert types <= set(public_events()) and not types & set(private_events())
    published = b"\n".join(r.value for r in records).decode()
    for what, value in secrets.items():
        assert value not in published, f"the {what} is on identity.account.v1"
        assert urllib.parse.quote(value, safe="") not in published, f"the {what} (URL-encoded) is on identity.account.v1"

    # They did travel, on the private topic notify reads (the check above looks at the right bytes).
    private = b"\n".join(r.value for r in await topic_records("identity.secret.v1")
                         if r.key == account_id.encode()).decode()
    for what, value in secrets.items():
        assert value in private, f"the {what} is not on identity.secret.v1"

    # And the integrators' document does not offer the private topic.
    document = (await gateway.get(f"{GATEWAY}/schemas/asyncapi.json")).json()
    assert "identity.account.v1" in document["channels"] and "identity.secret.v1" not in document["channels"]
