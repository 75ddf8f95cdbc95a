"""Through the gateway: text PostgreSQL cannot store is a 422 naming the field on every service, never a 500.

The two routes the audit found without a token (sign-in, a prospect's quote request) and a
member's write on each service, each with NUL and with a lone surrogate.
"""

from __future__ import annotations

import json

import pytest

from e2e_support import sign_up_and_confirm, unique_email


BAD = {"nul": "Cl\\u0000aire", "lone surrogate": "Cl\\ud800aire"}


MARK = "@@TEXT@@"


def _json_with(template: dict, field: str, escaped: str) -> bytes:
    """A JSON body with the escape sequence as sent on the wire (json.dumps would fix it) where
    ``template`` says ``MARK``, or else in the top-level ``field``."""
    document = template if MARK in json.dumps(template) else {**template, field: MARK}
    return json.dumps(document).replace(MARK, escaped).encode()


@pytest.mark.parametrize("kind", sorted(BAD))
async def test_sign_in_with_unstorable_text_is_a_422_naming_the_identifier(gateway, kind):
    body = _json_with({"password": "x"}, "identifier", BAD[kind])
    response = await gateway.post("/v1/sessions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "identifier"


@pytest.mark.parametrize("kind", sorted(BAD))
async def test_a_prospects_quote_request_with_unstorable_text_is_a_422_naming_the_field(gateway, kind):
    template = {"kind": "quote", "category": "sante", "email": unique_email("nul"), "last_name": "Martin"}
    body = _json_with(template, "first_name", BAD[kind])
    response = await gateway.post("/v1/contract-requests", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "first_name"


async def test_a_members_writes_with_unstorable_text_are_refused_on_every_service(gateway, mailbox, registry):
    [member] = await registry.register(1)
    token = await sign_up_and_confirm(gateway, mailbox, member, unique_email("nul"))
    auth = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    writes = {
        "identity": ("PATCH", "/v1/me", {"address": {"line1": "1 rue de la Paix", "postcode": "75002",
                                                       "city": MARK}}, "address.city"),
        "contracts": ("POST", "/v1/contract-requests", {"kind": "quote", "category": "sante"}, "message"),
        "notify": ("PUT", "/v1/notification-preferences", {"items": [{"category": "newsletter", "channel": MARK,
                                                                      "accepted": True}]}, "items.0.channel"),
    }
    for service, (method, path, template, field) in writes.items():
        for kind, escaped in BAD.items():
            response = await gateway.request(method, path, content=_json_with(template, field, escaped), headers=auth)
            assert response.status_code == 422, f"{service} {path} with a {kind}: {response.status_code} {response.text}"
            assert response.json()["field"] == field, service
    me = await gateway.get("/v1/me", headers=auth)
    assert "\x00" not in me.text and me.status_code == 200
