"""The employer space through the gateway (issue 15, AF-1..AF-7): an operator registers a company
and its group contracts; its employer user (identity's employer account, scoped to the SIREN)
invites an employee, the employee completes the emailed link without an account, the worker
processes the request within the business day, the employer follows it, the journal shows each
step and the CSV lists the employee; prévoyance and bad input are refused; an employer of company
A never reaches company B (404) and members never reach the employer space."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import uuid
from datetime import date

import httpx
import pytest

from e2e_support import PASSWORD, PYTHON, ROOT, nir_for, random_siren, sign_up_and_confirm, unique_email, wait_until

pytestmark = pytest.mark.e2e


async def employer_token(gateway: httpx.AsyncClient, siren: str) -> dict[str, str]:
    """An employer user of the company, made by identity's operator command and signed in."""
    address = unique_email("employeur", "entreprise.example")
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", "employer", "--email", address,
         "--first-name", "Estelle", "--last-name", "Patron", "--company-siren", siren],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60)
    r = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def new_company(gateway: httpx.AsyncClient, operator: dict[str, str]) -> dict:
    siren = random_siren()
    r = await gateway.post("/v1/companies", headers=operator, json={
        "siren": siren, "name": f"Boulangerie {siren}", "notice_email": f"rh-{siren}@entreprise.example"})
    assert r.status_code == 201, r.text
    contracts = {}
    for category, formula in (("sante", "supplementary_company_contribution"), ("prevoyance", "family")):
        r = await gateway.post("/v1/group-contracts", headers=operator, json={
            "siren": siren, "contract_number": f"G{category[0].upper()}-{siren}", "category": category,
            "label": f"Contrat {category} collectif", "contribution_formula": formula, "start_date": "2024-01-01",
            "options": ["optique-renforcee"]})
        assert r.status_code == 201, r.text
        contracts[category] = r.json()
    return {"siren": siren, **contracts}


@pytest.fixture(scope="module")
def operator(operator_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token}"}


def _employee(birth: date = date(1991, 6, 20)) -> dict:
    return {"first_name": "Inès", "last_name": f"Martin", "birth_date": birth.isoformat(), "nir": nir_for(birth, "2"),
            "address": {"line1": "3 place du Marché", "postcode": "69002", "city": "Lyon"}}


async def test_an_invited_employee_completes_the_link_and_is_affiliated_the_journal_and_csv_show_it(
        gateway, mailbox, operator):
    company = await new_company(gateway, operator)
    siren = company["siren"]
    employer = await employer_token(gateway, siren)
    seen = await gateway.get(f"/v1/companies/{siren}", headers=employer)
    assert seen.status_code == 200 and len(seen.json()["group_contracts"]) == 2

    address = unique_email("salarie")
    invited = await gateway.post(f"/v1/companies/{siren}/invitations", headers=employer, json={
        "group_contract_id": company["sante"]["id"], "email": address, "first_name": "Inès", "last_name": "Martin"})
    assert invited.status_code == 201, invited.text

    message = await mailbox.wait_for(address, timeout=60)
    assert message["Subject"].startswith(f"Boulangerie {siren} vous invite à vous affilier")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith("Bonjour Inès Martin,")
    token = re.search(r"/mon-affiliation\?token=([A-Za-z0-9_-]+)", text).group(1)

    page = await gateway.post("/v1/employee-invitations/lookup", json={"token": token})
    assert page.status_code == 200, page.text
    assert page.json()["company_name"] == f"Boulangerie {siren}" and page.json()["options"] == ["optique-renforcee"]
    completion = {"token": token, "employee": _employee(), "start_date": date.today().isoformat(),
                  "options": ["optique-renforcee"],
                  "beneficiaries": [{"relationship": "child", "first_name": "Léo", "last_name": "Martin",
                                     "birth_date": "2019-02-11"}]}
    done = await gateway.post("/v1/employee-invitations/complete", json=completion)
    assert done.status_code == 201, done.text
    request_id = done.json()["id"]
    assert (await gateway.post("/v1/employee-invitations/complete", json=completion)).status_code == 400

    async def affiliated():
        r = await gateway.get(f"/v1/companies/{siren}/affiliations/{request_id}", headers=employer)
        return r.json() if r.json()["status"] == "affiliated" else None

    followed = await wait_until(affiliated, timeout=60, what="the worker to process the request")
    assert followed["origin"] == "invitation" and followed["email"] == address and followed["overdue"] is False

    async def journal_complete():
        lines = (await gateway.get(f"/v1/companies/{siren}/journal", headers=employer,
                                   params={"sort": "oldest"})).json()
        summaries = [line["summary"] for line in lines]
        wanted = ("Invitation à s'affilier envoyée", "Demande d'affiliation reçue par le salarié invité",
                  "Salarié affilié au contrat")
        return lines if all(any(s.startswith(w) for s in summaries) for w in wanted) else None

    lines = await wait_until(journal_complete, timeout=60, what="the journal's lines")
    kinds = [line["kind"] for line in lines]
    assert kinds.index("invitation") < max(i for i, k in enumerate(kinds) if k == "affiliation")
    assert all(line["day"] == lines[0]["day"] for line in lines)
    searched = (await gateway.get(f"/v1/companies/{siren}/journal", headers=employer,
                                  params={"q": "Inès Martin"})).json()
    assert searched and all(line["subject"] == "Inès Martin" for line in searched)

    exported = await gateway.get(f"/v1/companies/{siren}/employees/export", headers=employer)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "Nom" and [r[:2] for r in rows[1:]] == [["Martin", "Inès"]]
    assert rows[1][3] == completion["employee"]["nir"] and rows[1][-1] == "En ligne"


async def test_prevoyance_and_bad_input_are_refused_naming_the_field_and_nothing_is_written(gateway, operator):
    company = await new_company(gateway, operator)
    siren = company["siren"]
    employer = await employer_token(gateway, siren)

    def body(**changes) -> dict:
        sent = {"group_contract_id": company["sante"]["id"], "employee": {**_employee(), "email": None},
                "start_date": date.today().isoformat(), "options": []}
        sent.update(changes)
        return sent

    prevoyance = await gateway.post(f"/v1/companies/{siren}/affiliations", headers=employer,
                                    json=body(group_contract_id=company["prevoyance"]["id"]))
    assert prevoyance.status_code == 422 and prevoyance.headers["content-type"] == "application/problem+json"
    assert prevoyance.json()["field"] == "group_contract_id" and "prévoyance" in prevoyance.json()["detail"]
    cases = {
        "group_contract_id": body(group_contract_id=str(uuid.uuid4())),
        "start_date": body(start_date="2023-12-31"),
        "employee.nir": body(employee={**_employee(), "nir": "290062712345600"}),
    }
    for field, sent in cases.items():
        r = await gateway.post(f"/v1/companies/{siren}/affiliations", headers=employer, json=sent)
        assert r.status_code == 422 and r.json()["field"] == field, (field, r.text)
    bad_siren = await gateway.post("/v1/companies", headers=operator, json={
        "siren": "123456789", "name": "Mauvaise", "notice_email": "rh@mauvaise.example"})
    assert bad_siren.status_code == 422 and bad_siren.json()["field"] == "siren"
    first = body()
    assert (await gateway.post(f"/v1/companies/{siren}/affiliations", headers=employer, json=first)).status_code == 201
    duplicate = await gateway.post(f"/v1/companies/{siren}/affiliations", headers=employer, json=first)
    assert duplicate.status_code == 409 and duplicate.json()["field"] == "employee.nir"
    requests = (await gateway.get(f"/v1/companies/{siren}/affiliations", headers=employer)).json()
    assert len(requests) == 1


async def test_an_employer_of_company_a_never_reaches_company_b_and_a_member_never_reaches_the_employer_space(
        gateway, mailbox, registry, operator):
    a, b = await new_company(gateway, operator), await new_company(gateway, operator)
    employer_a, employer_b = await employer_token(gateway, a["siren"]), await employer_token(gateway, b["siren"])
    made = await gateway.post(f"/v1/companies/{b['siren']}/affiliations", headers=employer_b, json={
        "group_contract_id": b["sante"]["id"], "employee": {**_employee(), "email": None},
        "start_date": date.today().isoformat()})
    assert made.status_code == 201, made.text
    b_request = made.json()["id"]
    for path in (f"/v1/companies/{b['siren']}", f"/v1/companies/{b['siren']}/employees",
                 f"/v1/companies/{b['siren']}/employees/export", f"/v1/companies/{b['siren']}/journal",
                 f"/v1/companies/{b['siren']}/affiliations/{b_request}",
                 f"/v1/companies/{a['siren']}/affiliations/{b_request}"):
        r = await gateway.get(path, headers=employer_a)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", (path, r.text)
    [person] = await registry.register(1)
    member = {"Authorization": "Bearer " + await sign_up_and_confirm(gateway, mailbox, person,
                                                                       unique_email("membre"))}
    for path in (f"/v1/companies/{a['siren']}", f"/v1/companies/{a['siren']}/employees", "/v1/affiliation-queue"):
        assert (await gateway.get(path, headers=member)).status_code == 403, path
    assert (await gateway.get(f"/v1/companies/{a['siren']}/employees")).status_code == 401
