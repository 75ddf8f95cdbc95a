"""Issue 15 through the gateway, three paths of the employer space:

- ID-13 for an employee who already had a member space: they signed up first (with their own
  contract), then their employer affiliates them with that email (the names typed differently: the
  match is the proven address and the birth date). identity gives no second account and sends no
  activation link: the member is emailed that the group contract was added, their GET /v1/contracts
  lists it, and the employer's journal says so.
- AF-7 certificate requests: the employee downloads the attestation de droits of their membership;
  contracts publishes AttestationRequested and the employer's journal shows a ``certificate`` line.
- An employer user's invitation email names the company by its name (raison sociale), which identity
  knows from affiliation's CompanyRegistered, not by its SIREN.
"""

from __future__ import annotations

import os
import re
import subprocess
from datetime import date

import httpx
import pytest

from e2e_support import (PASSWORD, PYTHON, ROOT, consumer_lag, nir_for, random_siren, sign_up_and_confirm,
                         unique_email, wait_until)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def operator(operator_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token}"}


async def sign_in(gateway: httpx.AsyncClient, identifier: str) -> dict[str, str]:
    session = await gateway.post("/v1/sessions", json={"identifier": identifier, "password": PASSWORD})
    assert session.status_code == 201, session.text
    return {"Authorization": f"Bearer {session.json()['access_token']}"}


async def company_with_employer(gateway: httpx.AsyncClient, operator: dict[str, str]) -> dict:
    """A company with its santé group contract and an admin employer user (operator command), signed in."""
    siren = random_siren()
    name = f"Ébénisterie Rousseau {siren[:4]}"
    r = await gateway.post("/v1/companies", headers=operator, json={
        "siren": siren, "name": name, "notice_email": f"rh-{siren}@entreprise.example"})
    assert r.status_code == 201, r.text
    r = await gateway.post("/v1/group-contracts", headers=operator, json={
        "siren": siren, "contract_number": f"GS-{siren}", "category": "sante", "label": "Contrat santé collectif",
        "contribution_formula": "family", "start_date": "2024-01-01", "options": []})
    assert r.status_code == 201, r.text
    address = unique_email("employeur", "entreprise.example")
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", "employer", "--email", address,
         "--first-name", "Estelle", "--last-name", "Patron", "--company-siren", siren],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60)
    return {"siren": siren, "name": name, "contract": r.json(), "employer": await sign_in(gateway, address)}


async def journal(gateway: httpx.AsyncClient, company: dict, **params) -> list[dict]:
    r = await gateway.get(f"/v1/companies/{company['siren']}/journal", headers=company["employer"], params=params)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_member_who_signed_up_first_gets_the_group_contract_in_that_space_told_by_email_and_can_request_an_attestation(
        gateway, mailbox, registry, operator):
    company = await company_with_employer(gateway, operator)
    [person] = await registry.register(1)
    address = unique_email("salarie-inscrit")
    await sign_up_and_confirm(gateway, mailbox, person, address)

    birth = date.fromisoformat(person["birth_date"])
    employee = {"first_name": f"{person['first_name']} Marie", "last_name": person["last_name"],
                "birth_date": birth.isoformat(), "nir": nir_for(birth, "2"), "email": address,
                "address": {"line1": "8 quai de la Fosse", "postcode": "44000", "city": "Nantes"}}
    r = await gateway.post(f"/v1/companies/{company['siren']}/affiliations", headers=company["employer"], json={
        "group_contract_id": company["contract"]["id"], "employee": employee,
        "start_date": date.today().isoformat(), "options": []})
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]

    async def affiliated():
        got = await gateway.get(f"/v1/companies/{company['siren']}/affiliations/{request_id}",
                                headers=company["employer"])
        return got.json()["status"] == "affiliated"

    await wait_until(affiliated, timeout=60, what="affiliation's worker to process the request")

    async def told():
        found = [m for m in mailbox.messages_to(address) if "contrat santé collectif a été ajouté" in m["Subject"]]
        return found[0] if found else None

    message = await wait_until(told, timeout=60, what="the email telling the member the group contract was added")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert company["name"] in text and f"contrat GS-{company['siren']} " in text
    assert "/activer-mon-compte" not in text
    assert not [m for m in mailbox.messages_to(address) if "/activer-mon-compte" in str(m)]

    member = await sign_in(gateway, address)  # a session opened now carries the group contract's category

    async def group_contract():
        r = await gateway.get("/v1/contracts", headers=member)
        assert r.status_code == 200, r.text
        found = [c for c in r.json() if c["contract_number"].startswith(f"GS-{company['siren']}-")]
        return (found[0], r.json()) if found else None

    contract, listed = await wait_until(group_contract, timeout=60, what="the group contract in the member's space")
    assert person["contract_number"] in {c["contract_number"] for c in listed}  # their own contract stays
    assert contract["category"] == "sante" and contract["in_force"] is True
    assert contract["start_date"] == date.today().isoformat()

    async def joined_line():
        lines = await journal(gateway, company, q="avait deja")
        return lines or None

    [line] = await wait_until(joined_line, timeout=60, what="the journal's line of the joined space")
    assert line["kind"] == "affiliation" and line["subject"] == f"{employee['first_name']} {employee['last_name']}"

    # AF-7: the employee's certificate request (the attestation de droits of the membership).
    attestation = await gateway.get(f"/v1/contracts/{contract['id']}/attestation", headers=member)
    assert attestation.status_code == 200 and attestation.headers["content-type"] == "application/pdf"
    other = await gateway.get(f"/v1/contracts/{contract['id']}/attestation", headers=company["employer"])
    assert other.status_code == 404  # the employer does not download employees' documents

    async def certificate_lines():
        return await journal(gateway, company, kind="certificate") or None

    [certificate] = await wait_until(certificate_lines, timeout=60, what="the journal's certificate request line")
    assert certificate["summary"] == f"Attestation de droits demandée par le salarié (contrat {contract['contract_number']})"
    assert certificate["subject"] == f"{employee['first_name']} {employee['last_name']}"


async def test_an_employer_users_invitation_names_the_company_by_its_name_not_its_siren(gateway, mailbox, operator):
    company = await company_with_employer(gateway, operator)

    # identity learns the name from affiliation's CompanyRegistered: wait until it is on Kafka (the
    # journal's first line is built from it) and identity's worker has read everything there.
    async def registered_on_kafka():
        return await journal(gateway, company, q="espace entreprise ouvert") or None

    await wait_until(registered_on_kafka, timeout=60, what="CompanyRegistered on affiliation.company.v1")

    async def identity_caught_up():
        return await consumer_lag("identity", "affiliation.company.v1") == 0

    await wait_until(identity_caught_up, timeout=60, interval=1, what="identity's worker to read the companies")

    colleague = unique_email("compta", "entreprise.example")
    invited = await gateway.post(f"/v1/company-users/{company['siren']}", headers=company["employer"], json={
        "email": colleague, "first_name": "Paul", "last_name": "Marchand", "role": "user"})
    assert invited.status_code == 201, invited.text
    message = await mailbox.wait_for(colleague, timeout=60)
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f"de {company['name']}" in text and company["name"] in html
    assert "SIREN" not in text and company["siren"] not in text
    assert re.search(r"/accepter-mon-invitation\?token=\S+", text)
