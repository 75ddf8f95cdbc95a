"""Issue 15 and ID-14 end to end, through the gateway: professional users invited by an emailed link.

- An operator invites an employer user to a company: the invitation mail arrives in var/mail/new,
  its link's token sets the password, the user signs in with their professional email and sees their
  own company (identity's users, affiliation's company space), another company's is 404.
- An operator creates a broker firm (ORIAS, SIREN) with its first admin, invited by mail; the admin
  invites a collaborator (quote only); the collaborator signs in and reaches contracts' broker space;
  the admin raises the autonomy (the old token is refused, the refresh gives the new access), then
  deletes the collaborator: their token is refused at once by identity and, within the revocation
  poll, by contracts; their refresh token and password no longer work.
"""

from __future__ import annotations

import random
import re
import time
import urllib.parse

import httpx
import jwt
import pytest

from e2e_support import consumer_lag, random_siren, unique_email, wait_until

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Charpente-Luzerne#5821"
# ms_platform.auth's revocation poll (2 s) plus a margin for a loaded machine.
REVOCATION_S = 6


def random_orias() -> str:
    return "".join(random.SystemRandom().choice("0123456789") for _ in range(8))


def bearer(session: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {session['access_token']}"}


def claims(session: dict) -> dict:
    return jwt.decode(session["access_token"], options={"verify_signature": False})


@pytest.fixture(scope="module")
def operator(operator_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token}"}


async def accept_mailed_invitation(gateway: httpx.AsyncClient, mailbox, address: str, space: str,
                                   organisation: str) -> dict:
    """Read the invitation mail, check it, accept it with a password and sign in with the address."""
    message = await mailbox.wait_for(address, timeout=60)
    assert message["Subject"].startswith(f"Votre invitation à l'espace {space}")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert organisation in text
    token = urllib.parse.unquote(re.search(r"/accepter-mon-invitation\?token=(\S+)", text).group(1))
    before = await gateway.post("/v1/sessions", json={"identifier": address, "password": NEW_PASSWORD})
    assert before.status_code == 401  # an invited user has no password yet
    accepted = await gateway.post("/v1/accounts/accept-invitation", json={"token": token, "password": NEW_PASSWORD})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "active"
    reused = await gateway.post("/v1/accounts/accept-invitation", json={"token": token, "password": NEW_PASSWORD})
    assert reused.status_code == 400 and reused.json()["field"] == "token"
    assert reused.headers["content-type"] == "application/problem+json"
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": NEW_PASSWORD})
    assert session.status_code == 201, session.text
    return session.json()


async def test_an_employer_user_invited_by_an_operator_signs_in_and_sees_only_their_company(
        gateway, mailbox, operator):
    siren, other = random_siren(), random_siren()
    for company in (siren, other):
        r = await gateway.post("/v1/companies", headers=operator, json={
            "siren": company, "name": f"Menuiserie {company}", "notice_email": f"rh-{company}@entreprise.example"})
        assert r.status_code == 201, r.text
    # identity names the company in the invitation from affiliation's CompanyRegistered: wait until
    # the event is on Kafka (affiliation's journal is built from it) and identity's worker read it.
    async def company_known():
        r = await gateway.get(f"/v1/companies/{siren}/journal", headers=operator)
        return r.status_code == 200 and bool(r.json()) and await consumer_lag("identity", "affiliation.company.v1") == 0

    await wait_until(company_known, timeout=60, interval=1, what="identity's worker to read the company")
    address = unique_email("rh", "entreprise.example")
    invited = await gateway.post(f"/v1/company-users/{siren}", headers=operator, json={
        "email": address, "first_name": "Estelle", "last_name": "Durand", "role": "admin"})
    assert invited.status_code == 201, invited.text
    assert invited.json()["status"] == "invited"

    session = await accept_mailed_invitation(gateway, mailbox, address, "entreprise", f"de Menuiserie {siren}")
    token = claims(session)
    assert (token["roles"], token["company_siren"], token["company_role"]) == (["employer"], siren, "admin")
    users = await gateway.get(f"/v1/company-users/{siren}", headers=bearer(session))
    assert users.status_code == 200
    assert [(u["email"], u["status"]) for u in users.json()] == [(address, "active")]
    assert (await gateway.get(f"/v1/companies/{siren}", headers=bearer(session))).status_code == 200
    for path in (f"/v1/company-users/{other}", f"/v1/companies/{other}"):
        refused = await gateway.get(path, headers=bearer(session))
        assert refused.status_code == 404, path
        assert refused.headers["content-type"] == "application/problem+json"
    # The company's admin invites a colleague; another company's users are out of reach.
    colleague = await gateway.post(f"/v1/company-users/{siren}", headers=bearer(session), json={
        "email": unique_email("compta", "entreprise.example"), "first_name": "Paul", "last_name": "Marchand"})
    assert colleague.status_code == 201, colleague.text
    elsewhere = await gateway.post(f"/v1/company-users/{other}", headers=bearer(session), json={
        "email": unique_email("x", "entreprise.example"), "first_name": "Paul", "last_name": "Autre"})
    assert elsewhere.status_code == 404


async def test_a_firm_admin_invites_a_collaborator_whose_access_follows_and_whose_deletion_ends_every_token(
        gateway, mailbox, operator):
    admin_address = unique_email("admin", "cabinet.example")
    firm_name = f"Cabinet Lemoine {random_orias()}"
    malformed = await gateway.post("/v1/broker-firms", headers=operator, json={
        "name": firm_name, "orias": "1234", "siren": random_siren(), "offers": ["SANTE-ESSENTIEL"],
        "admin": {"email": admin_address, "first_name": "Léa", "last_name": "Lemoine"}})
    assert malformed.status_code == 422 and malformed.json()["field"] == "orias"
    created = await gateway.post("/v1/broker-firms", headers=operator, json={
        "name": firm_name, "orias": random_orias(), "siren": random_siren(),
        "offers": ["SANTE-ESSENTIEL", "SANTE-CONFORT"], "contribution_collection": "insurer",
        "dedicated_contact": {"name": "Marc Inspecteur", "email": "marc.inspecteur@mutuelle.example"},
        "admin": {"email": admin_address, "first_name": "Léa", "last_name": "Lemoine"}})
    assert created.status_code == 201, created.text
    firm_id = created.json()["id"]

    admin = await accept_mailed_invitation(gateway, mailbox, admin_address, "courtier", firm_name)
    assert (claims(admin)["broker_firm_id"], claims(admin)["broker_role"]) == (firm_id, "admin")

    collaborator_address = unique_email("collab", "cabinet.example")
    invited = await gateway.post(f"/v1/broker-firms/{firm_id}/collaborators", headers=bearer(admin), json={
        "email": collaborator_address, "first_name": "Hugo", "last_name": "Petit",
        "offers": ["SANTE-ESSENTIEL"], "autonomy": "quote_only"})
    assert invited.status_code == 201, invited.text
    collaborator_id = invited.json()["id"]
    collaborator = await accept_mailed_invitation(gateway, mailbox, collaborator_address, "courtier", firm_name)
    token = claims(collaborator)
    assert (token["broker_firm_id"], token["broker_role"], token["broker_offers"], token["broker_autonomy"]) == (
        firm_id, "collaborator", ["SANTE-ESSENTIEL"], "quote_only")
    assert (await gateway.get("/v1/broker-products", headers=bearer(collaborator))).status_code == 200

    # « Mon compte »: the firm, its contact and each person's role.
    mine = await gateway.get(f"/v1/broker-firms/{firm_id}", headers=bearer(collaborator))
    assert mine.status_code == 200
    assert mine.json()["dedicated_contact"]["name"] == "Marc Inspecteur"
    assert sorted(c["role"] for c in mine.json()["collaborators"]) == ["admin", "collaborator"]

    # The admin raises the autonomy: the token with the old access is refused, the refresh carries the new one.
    raised = await gateway.put(f"/v1/broker-firms/{firm_id}/collaborators/{collaborator_id}/access",
                               headers=bearer(admin), json={"offers": ["SANTE-ESSENTIEL"], "autonomy": "full"})
    assert raised.status_code == 200, raised.text
    assert (await gateway.get("/v1/me", headers=bearer(collaborator))).status_code == 401

    async def contracts_refuses(session: dict) -> bool:
        return (await gateway.get("/v1/broker-products", headers=bearer(session))).status_code == 401

    await wait_until(lambda: contracts_refuses(collaborator), timeout=REVOCATION_S,
                     what="contracts to refuse the token with the old access")
    refreshed = await gateway.post("/v1/sessions/refresh", json={"refresh_token": collaborator["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    collaborator = refreshed.json()
    assert claims(collaborator)["broker_autonomy"] == "full"
    assert (await gateway.get("/v1/broker-products", headers=bearer(collaborator))).status_code == 200

    # Deleted: refused at once by identity, within the revocation poll by contracts; nothing works again.
    deleted = await gateway.delete(f"/v1/broker-firms/{firm_id}/collaborators/{collaborator_id}",
                                   headers=bearer(admin))
    assert deleted.status_code == 204
    started = time.monotonic()
    refused = await gateway.get("/v1/me", headers=bearer(collaborator))
    assert refused.status_code == 401 and refused.headers["content-type"] == "application/problem+json"
    await wait_until(lambda: contracts_refuses(collaborator), timeout=REVOCATION_S,
                     what="contracts to refuse the deleted collaborator's token")
    assert time.monotonic() - started < REVOCATION_S
    again = await gateway.post("/v1/sessions/refresh", json={"refresh_token": collaborator["refresh_token"]})
    assert again.status_code == 401
    signin = await gateway.post("/v1/sessions", json={"identifier": collaborator_address, "password": NEW_PASSWORD})
    assert signin.status_code == 401
    remaining = await gateway.get(f"/v1/broker-firms/{firm_id}/collaborators", headers=bearer(admin))
    assert [c["email"] for c in remaining.json()] == [admin_address]
