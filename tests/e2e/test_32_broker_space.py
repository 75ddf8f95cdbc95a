"""Issue 16 end to end, through the gateway: a broker firm's pricing, quotes, projects and dashboard.

An operator registers a firm at identity; its admin (invited by mail) invites a collaborator with
quote-only autonomy. The collaborator prices a family of four in two zones, makes a quote in a
project and downloads its PDF (the numbers read back match the API), and cannot sign it; the admin
raises the autonomy, the collaborator's refreshed token signs it, and the dashboard counts follow.
Another firm's admin gets 404 on the project and the quote; members never reach the broker space.
"""

from __future__ import annotations

import io
import random
import re
import urllib.parse
from datetime import date, timedelta
from decimal import Decimal

import httpx
import jwt
import pytest
from pypdf import PdfReader
from stdnum import luhn

from e2e_support import PASSWORD, sign_up_and_confirm, unique_email, wait_until

pytestmark = pytest.mark.e2e

OFFERS = ["SANTE-ESSENTIEL", "SANTE-CONFORT"]
REVOCATION_S = 6  # ms_platform.auth's revocation poll (2 s) plus a margin for a loaded machine


def _siren() -> str:
    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def bearer(session: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


async def signed_in_from_invitation(gateway: httpx.AsyncClient, mailbox, address: str) -> dict:
    message = await mailbox.wait_for(address, timeout=60)
    text = message.get_body(preferencelist=("plain",)).get_content()
    token = urllib.parse.unquote(re.search(r"/accepter-mon-invitation\?token=(\S+)", text).group(1))
    accepted = await gateway.post("/v1/accounts/accept-invitation", json={"token": token, "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    return session.json()


async def firm_admin(gateway, mailbox, operator_token) -> tuple[str, dict]:
    address = unique_email("broker-admin", "cabinet.example")
    created = await gateway.post("/v1/broker-firms", headers={"Authorization": f"Bearer {operator_token}"}, json={
        "name": "Cabinet Devis", "orias": f"{random.SystemRandom().randint(10_000_000, 99_999_999)}",
        "siren": _siren(), "offers": OFFERS, "admin": {"email": address, "first_name": "Léa", "last_name": "Lemoine"}})
    assert created.status_code == 201, created.text
    return created.json()["id"], await signed_in_from_invitation(gateway, mailbox, address)


def family_of_four(effective: date) -> list[dict]:
    def born(age: int) -> str:
        return (effective.replace(year=effective.year - age) - timedelta(days=1)).isoformat()

    return [{"relationship": "main", "birth_date": born(42)}, {"relationship": "spouse", "birth_date": born(40)},
            {"relationship": "child", "birth_date": born(11)}, {"relationship": "child", "birth_date": born(8)}]


def euros(amount: str) -> str:
    """As the PDF writes amounts: ``1 460,40 €``."""
    return f"{Decimal(amount):,.2f}".replace(",", " ").replace(".", ",") + " €"


async def test_a_quote_only_collaborator_prices_quotes_and_signs_once_raised_and_no_other_firm_or_member_sees_it(
        gateway, mailbox, operator_token, registry):
    firm_id, admin = await firm_admin(gateway, mailbox, operator_token)
    address = unique_email("broker-collab", "cabinet.example")
    invited = await gateway.post(f"/v1/broker-firms/{firm_id}/collaborators", headers=bearer(admin), json={
        "email": address, "first_name": "Hugo", "last_name": "Petit", "offers": OFFERS, "autonomy": "quote_only"})
    assert invited.status_code == 201, invited.text
    collaborator = await signed_in_from_invitation(gateway, mailbox, address)

    # A family of four in two zones: Paris (Z1) and the Creuse (Z3), the same people and option.
    effective = date.fromisoformat((await gateway.post("/v1/broker-pricings", headers=bearer(collaborator), json={
        "product_code": "SANTE-ESSENTIEL", "postcode": "75011", "people": [{"relationship": "main",
                                                                            "birth_date": "1980-01-01"}]})
    ).json()["effective_date"])
    people = family_of_four(effective)
    priced = {}
    for postcode in ("75011", "23000"):
        r = await gateway.post("/v1/broker-pricings", headers=bearer(collaborator), json={
            "product_code": "SANTE-ESSENTIEL", "postcode": postcode, "option_level": 1, "people": people})
        assert r.status_code == 200, r.text
        priced[postcode] = r.json()
    assert (priced["75011"]["zone"], priced["75011"]["monthly_eur"]) == ("Z1", "121.70")
    assert (priced["23000"]["zone"], priced["23000"]["monthly_eur"]) == ("Z3", "105.83")

    # Bad input: a problem naming the field, nothing written.
    for body, field in (({"product_code": "NOPE"}, "product_code"), ({"postcode": "98000"}, "postcode"),
                        ({"people": [{"relationship": "main", "birth_date": (date.today() + timedelta(days=5)).isoformat()}]},
                         "people.0.birth_date")):
        r = await gateway.post("/v1/broker-quotes", headers=bearer(collaborator), json={
            "product_code": "SANTE-ESSENTIEL", "postcode": "75011", "people": people} | body)
        assert r.status_code == 422 and r.json()["field"] == field, r.text
        assert r.headers["content-type"] == "application/problem+json"
    assert (await gateway.get("/v1/broker-quotes", headers=bearer(collaborator))).json() == []

    project = (await gateway.post("/v1/broker-projects", headers=bearer(collaborator), json={
        "client": {"type": "individual", "name": "Famille Roux", "postcode": "75011"}})).json()
    quote = await gateway.post("/v1/broker-quotes", headers=bearer(collaborator), json={
        "product_code": "SANTE-ESSENTIEL", "postcode": "75011", "people": people, "project_id": project["id"]})
    assert quote.status_code == 201, quote.text
    quote = quote.json()
    assert quote["monthly_eur"] == priced["75011"]["monthly_eur"]
    pdf = await gateway.get(f"/v1/broker-quotes/{quote['id']}/document", headers=bearer(collaborator))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Devis n° {quote['number']}" in text
    assert f"Cotisation mensuelle : {euros(quote['monthly_eur'])}" in text
    assert f"Cotisation annuelle : {euros(quote['result']['yearly_eur'])}" in text
    for person in quote["result"]["people"]:
        assert euros(person["monthly_eur"]) in text

    sign = {"status": "signed", "quote_id": quote["id"], "holder": {"first_name": "Camille", "last_name": "Roux"}}
    refused = await gateway.post(f"/v1/broker-projects/{project['id']}/status", headers=bearer(collaborator), json=sign)
    assert refused.status_code == 403 and refused.json()["type"].endswith("autonomy-insufficient"), refused.text
    before = (await gateway.get("/v1/broker-dashboard", headers=bearer(admin))).json()
    assert before["projects_by_status"]["draft"] == 1 and before["projects_by_status"]["signed"] == 0

    # The admin raises the autonomy; the old token stops working, the refreshed one signs.
    raised = await gateway.put(f"/v1/broker-firms/{firm_id}/collaborators/{invited.json()['id']}/access",
                               headers=bearer(admin), json={"offers": OFFERS, "autonomy": "full"})
    assert raised.status_code == 200, raised.text

    async def old_token_refused() -> bool:
        return (await gateway.get("/v1/broker-projects", headers=bearer(collaborator))).status_code == 401

    await wait_until(old_token_refused, timeout=REVOCATION_S, what="contracts to refuse the token with the old access")
    refreshed = await gateway.post("/v1/sessions/refresh", json={"refresh_token": collaborator["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    collaborator = refreshed.json()
    assert jwt.decode(collaborator["access_token"], options={"verify_signature": False})["broker_autonomy"] == "full"
    signed = await gateway.post(f"/v1/broker-projects/{project['id']}/status", headers=bearer(collaborator), json=sign)
    assert signed.status_code == 200 and signed.json()["status"] == "signed", signed.text
    contract = signed.json()["contract"]
    assert contract["start_date"] == quote["inputs"]["effective_date"] and contract["monthly_eur"] == quote["monthly_eur"]

    after = (await gateway.get("/v1/broker-dashboard", headers=bearer(admin))).json()
    assert after["projects_by_status"] == {"draft": 0, "sent": 0, "signed": 1, "lost": 0}
    assert after["clients"] == 1 and after["signed_monthly_eur"] == quote["monthly_eur"]
    # The contract starts on the quote's effective date (the first of next month): not in force yet.
    assert after["contracts_in_force"] == 0

    # Another firm's admin: 404 on the project, its move and the quote; members get 403.
    _, other = await firm_admin(gateway, mailbox, operator_token)
    for path in (f"/v1/broker-projects/{project['id']}", f"/v1/broker-quotes/{quote['id']}",
                 f"/v1/broker-quotes/{quote['id']}/document"):
        assert (await gateway.get(path, headers=bearer(other))).status_code == 404, path
    moved = await gateway.post(f"/v1/broker-projects/{project['id']}/status", headers=bearer(other),
                               json={"status": "lost"})
    assert moved.status_code == 404
    [person] = await registry.register(1)
    member = {"Authorization": f"Bearer {await sign_up_and_confirm(gateway, mailbox, person, unique_email('broker-member'))}"}
    for path in ("/v1/broker-projects", f"/v1/broker-projects/{project['id']}", "/v1/broker-dashboard"):
        assert (await gateway.get(path, headers=member)).status_code == 403, path
