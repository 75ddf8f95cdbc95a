"""Issue 16 end to end, through the gateway: « Devenir courtier partenaire » (BR-5), and a signed
project registering the client's contract, counted by the dashboard (BR-3, BR-4).

A firm applies on the public form (no token) and gets a receipt by email; bad ORIAS and SIREN are
problems naming the field. An operator sees the application pending with its deadline (72
business hours) and accepts it: identity registers the firm and invites the applicant as its
admin, who is told of the decision by email, accepts the invitation and signs in to the new
firm. Another application is refused, with its reason by email. The new firm's admin signs a
project whose quote starts today: the client's contract is registered, in force, and the
dashboard counts it with its contribution; another firm counts none of it.
"""

from __future__ import annotations

import random
import re
import urllib.parse
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from stdnum import luhn

from e2e_support import PASSWORD, unique_email, wait_until

pytestmark = pytest.mark.e2e

OFFERS = ["SANTE-ESSENTIEL", "SANTE-CONFORT"]
PARIS = ZoneInfo("Europe/Paris")


def siren() -> str:
    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def application(address: str, **changes: str) -> dict:
    return {"firm_name": "Cabinet Horizon Courtage", "orias": f"{random.SystemRandom().randint(10_000_000, 99_999_999)}",
            "siren": siren(), "first_name": "Inès", "last_name": "Garnier", "email": address,
            "phone": "04 72 10 30 30"} | changes


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def mail_with(mailbox, address: str, subject_part: str):
    async def arrived():
        return next((m for m in mailbox.messages_to(address) if subject_part in str(m["Subject"])), None)

    await wait_until(arrived, timeout=60, what=f"a message « {subject_part} » to {address}")
    return await arrived()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


async def invitation_token(mailbox, address: str) -> str:
    """The single-use token of identity's invitation link, among the messages to ``address``."""
    link = re.compile(r"/accepter-mon-invitation\?token=(\S+)")

    async def found():
        return next((m.group(1) for m in (link.search(text_of(x)) for x in mailbox.messages_to(address)) if m), None)

    await wait_until(found, timeout=60, what=f"the invitation to {address}")
    return urllib.parse.unquote(await found())


async def test_a_firm_applies_without_an_account_is_accepted_within_its_deadline_and_its_admin_signs_in(
        gateway: httpx.AsyncClient, mailbox, operator_token):
    address = unique_email("partner", "cabinet-horizon.example")
    # Bad input first: a problem naming the field, nothing recorded, no mail.
    for changes, field in (({"orias": "1234567"}, "orias"), ({"siren": "123456789"}, "siren")):
        refused = await gateway.post("/v1/partner-applications", json=application(address, **changes))
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
        assert refused.headers["content-type"] == "application/problem+json"

    sent = await gateway.post("/v1/partner-applications", json=application(address))
    assert sent.status_code == 201, sent.text
    received = sent.json()
    assert received["status"] == "received"
    assert datetime.fromisoformat(received["answer_by"]) - datetime.fromisoformat(received["received_at"]) \
        >= timedelta(hours=72)
    receipt = await mail_with(mailbox, address, "Candidature de courtier partenaire reçue")
    reference = received["id"].split("-")[0].upper()
    assert reference in text_of(receipt) and "Cabinet Horizon" not in text_of(receipt)

    pending = await gateway.get("/v1/partner-applications", headers=bearer(operator_token))
    assert pending.status_code == 200, pending.text
    mine = next(a for a in pending.json() if a["id"] == received["id"])
    assert mine["answer_by"] == received["answer_by"] and mine["overdue"] is False and mine["email"] == address

    accepted = await gateway.post(f"/v1/partner-applications/{received['id']}/accept", headers=bearer(operator_token),
                                  json={"offers": OFFERS})
    assert accepted.status_code == 200, accepted.text
    firm_id = accepted.json()["broker_firm_id"]
    assert accepted.json()["status"] == "accepted" and firm_id
    twice = await gateway.post(f"/v1/partner-applications/{received['id']}/accept", headers=bearer(operator_token),
                               json={"offers": OFFERS})
    assert twice.status_code == 409, twice.text
    decision = await mail_with(mailbox, address, "Bienvenue parmi nos courtiers partenaires")
    assert reference in text_of(decision)

    token = await invitation_token(mailbox, address)
    assert (await gateway.post("/v1/accounts/accept-invitation", json={"token": token, "password": PASSWORD})
            ).status_code == 200
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    firm = await gateway.get(f"/v1/broker-firms/{firm_id}", headers=bearer(session.json()["access_token"]))
    assert firm.status_code == 200, firm.text
    assert (firm.json()["orias"], sorted(firm.json()["offers"])) == (mine["orias"], sorted(OFFERS))


async def test_a_refused_application_is_told_its_reason_and_leaves_the_pending_list(gateway, mailbox, operator_token):
    address = unique_email("partner-refused", "cabinet-refus.example")
    received = (await gateway.post("/v1/partner-applications", json=application(address))).json()
    reason = "Votre cabinet doit être inscrit à l'ORIAS depuis au moins un an."
    refused = await gateway.post(f"/v1/partner-applications/{received['id']}/refuse", headers=bearer(operator_token),
                                 json={"reason": reason})
    assert refused.status_code == 200 and refused.json()["status"] == "refused", refused.text
    message = await mail_with(mailbox, address, "Votre candidature de courtier partenaire")
    assert reason in text_of(message)
    pending = (await gateway.get("/v1/partner-applications", headers=bearer(operator_token))).json()
    assert received["id"] not in [a["id"] for a in pending]


async def test_only_operators_reach_the_applications(gateway, operator_token):
    received = (await gateway.post("/v1/partner-applications",
                                   json=application(unique_email("partner-hidden", "cabinet.example")))).json()
    for method, path in (("get", "/v1/partner-applications"), ("get", f"/v1/partner-applications/{received['id']}"),
                         ("post", f"/v1/partner-applications/{received['id']}/refuse")):
        assert (await gateway.request(method, path, json={"reason": "Non."})).status_code == 401, path


async def firm_admin(gateway, mailbox, operator_token) -> tuple[str, str]:
    """A firm registered by an operator; its admin (full autonomy) signed in."""
    address = unique_email("broker-admin", "cabinet.example")
    created = await gateway.post("/v1/broker-firms", headers=bearer(operator_token), json={
        "name": "Cabinet Contrats", "orias": f"{random.SystemRandom().randint(10_000_000, 99_999_999)}",
        "siren": siren(), "offers": OFFERS, "admin": {"email": address, "first_name": "Paul", "last_name": "Morel"}})
    assert created.status_code == 201, created.text
    token = await invitation_token(mailbox, address)
    assert (await gateway.post("/v1/accounts/accept-invitation", json={"token": token, "password": PASSWORD})
            ).status_code == 200
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    return created.json()["id"], session.json()["access_token"]


async def test_a_signed_project_registers_the_clients_contract_in_force_and_the_dashboard_counts_it(
        gateway, mailbox, operator_token):
    _, admin = await firm_admin(gateway, mailbox, operator_token)
    _, other = await firm_admin(gateway, mailbox, operator_token)
    before = (await gateway.get("/v1/broker-dashboard", headers=bearer(admin))).json()
    assert (before["contracts_in_force"], before["in_force_monthly_eur"]) == (0, "0")

    today = datetime.now(PARIS).date()
    project = (await gateway.post("/v1/broker-projects", headers=bearer(admin), json={
        "client": {"type": "individual", "name": "Famille Lenoir", "postcode": "69003"}})).json()
    people = [{"relationship": "main", "birth_date": date(today.year - 45, 3, 12).isoformat()},
              {"relationship": "child", "birth_date": date(today.year - 9, 6, 2).isoformat()}]
    quote = await gateway.post("/v1/broker-quotes", headers=bearer(admin), json={
        "product_code": "SANTE-CONFORT", "postcode": "69003", "effective_date": today.isoformat(), "people": people,
        "project_id": project["id"]})
    assert quote.status_code == 201, quote.text
    quote = quote.json()

    unnamed = await gateway.post(f"/v1/broker-projects/{project['id']}/status", headers=bearer(admin),
                                 json={"status": "signed", "quote_id": quote["id"]})
    assert unnamed.status_code == 422 and unnamed.json()["field"] == "holder", unnamed.text
    signed = await gateway.post(f"/v1/broker-projects/{project['id']}/status", headers=bearer(admin), json={
        "status": "signed", "quote_id": quote["id"], "holder": {"first_name": "Sophie", "last_name": "Lenoir"}})
    assert signed.status_code == 200, signed.text
    contract = signed.json()["contract"]
    assert contract["start_date"] == today.isoformat() and contract["end_date"] is None
    assert contract["contract_number"] == "CB" + quote["number"][2:]

    after = (await gateway.get("/v1/broker-dashboard", headers=bearer(admin))).json()
    assert after["contracts_in_force"] == 1 and after["in_force_monthly_eur"] == quote["monthly_eur"]
    assert after["projects_by_status"]["signed"] == 1
    elsewhere = (await gateway.get("/v1/broker-dashboard", headers=bearer(other))).json()
    assert elsewhere["contracts_in_force"] == 0
    assert (await gateway.get(f"/v1/broker-projects/{project['id']}", headers=bearer(other))).status_code == 404
