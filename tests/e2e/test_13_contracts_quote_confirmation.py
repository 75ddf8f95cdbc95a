"""Through the gateway: a prospect's quote is confirmed by its address before anything else is sent
to it, and nothing the stranger typed reaches an email (issue 11, finding 5)."""

from __future__ import annotations

import re
import urllib.parse

from e2e_support import unique_email, wait_until

TYPED = {"first_name": "Gagnez", "last_name": "Cadeau", "message": "Appelez vite le 0899 000 000"}


def _token(message) -> str:
    body = message.get_body(("plain",)).get_content()
    match = re.search(r"confirmer-ma-demande-de-devis\?token=(\S+)", body)
    assert match, "the confirmation email carries no confirmation link"
    return urllib.parse.unquote(match.group(1))


def _whole(message) -> str:
    return "\n".join([str(message["Subject"]), message.get_body(("plain",)).get_content(),
                      message.get_body(("html",)).get_content()])


async def test_a_prospects_quote_is_answered_only_after_the_address_confirms_it(gateway, mailbox):
    address = unique_email("devis")
    body = {"kind": "quote", "category": "sante", "email": address, **TYPED}
    created = await gateway.post("/v1/contract-requests", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "unconfirmed"

    first = await mailbox.wait_for(address, timeout=60)
    assert str(first["Subject"]).startswith("Confirmez votre demande de devis")
    assert not any(text in _whole(first) for text in TYPED.values())
    assert len(mailbox.messages_to(address)) == 1

    confirmed = await gateway.post("/v1/contract-requests/confirm", json={"token": _token(first)})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "received" and confirmed.json()["id"] == created.json()["id"]

    async def acknowledgement():
        return [m for m in mailbox.messages_to(address) if str(m["Subject"]).startswith("Demande de devis reçue")]

    [answer] = await wait_until(acknowledgement, timeout=60, what="the quote acknowledgement")
    assert answer.get_body(("plain",)).get_content().startswith("Bonjour,\n")
    assert not any(text in _whole(answer) for text in TYPED.values())

    reused = await gateway.post("/v1/contract-requests/confirm", json={"token": _token(first)})
    assert reused.status_code == 400 and reused.headers["content-type"] == "application/problem+json"
    assert reused.json()["field"] == "token"


async def test_a_prospects_name_with_a_link_is_a_422_naming_the_field_and_nothing_is_sent(gateway, mailbox):
    address = unique_email("lien")
    body = {"kind": "quote", "category": "sante", "email": address, "first_name": "https://arnaque.example",
            "last_name": "Martin"}
    response = await gateway.post("/v1/contract-requests", json=body)
    assert response.status_code == 422 and response.json()["field"] == "first_name"
    assert response.headers["content-type"] == "application/problem+json"
    assert mailbox.messages_to(address) == []
