"""ID-13 and AF-3 through the gateway: an employer affiliates an employee; affiliation's worker
processes the request and publishes EmployeeAffiliated; identity's worker pre-registers the employee
and contracts' worker adds them to the group contract. With an email the activation link arrives in
var/mail (notify), the employee activates their space, signs in and sees the group contract; without
one, a PDF letter in var/letters holds the activation code, typed with the address the employee gives,
which is confirmed like a sign-up's, and the group contract shows too."""

from __future__ import annotations

import io
import os
import random
import re
import subprocess
import time
import urllib.parse
from datetime import date
from pathlib import Path

import httpx
import pytest
from pypdf import PdfReader

from e2e_support import PASSWORD, PYTHON, ROOT, confirmation_token, nir_for, random_siren, unique_email, wait_until

pytestmark = pytest.mark.e2e

LETTERS = Path(os.environ.get("NOTIFY_LETTER_OUTBOX", ROOT / "var" / "letters"))
if not LETTERS.is_absolute():
    LETTERS = ROOT / LETTERS
NEW_PASSWORD = "Noisetier-Falaise#5083"


def letters(count: int = 8) -> str:
    return "".join(random.SystemRandom().choice("abcdefghijklmnopqrstuvwxyz") for _ in range(count))


@pytest.fixture(scope="module")
def operator(operator_token) -> dict[str, str]:
    return {"Authorization": f"Bearer {operator_token}"}


async def company_with_employer(gateway: httpx.AsyncClient, operator: dict[str, str]) -> dict:
    """A company, its santé group contract, and its employer user signed in."""
    siren = random_siren()
    r = await gateway.post("/v1/companies", headers=operator, json={
        "siren": siren, "name": f"Menuiserie {siren}", "notice_email": f"rh-{siren}@entreprise.example"})
    assert r.status_code == 201, r.text
    r = await gateway.post("/v1/group-contracts", headers=operator, json={
        "siren": siren, "contract_number": f"GS-{siren}", "category": "sante", "label": "Contrat santé collectif",
        "contribution_formula": "family", "start_date": "2024-01-01", "options": []})
    assert r.status_code == 201, r.text
    contract = r.json()
    address = unique_email("employeur", "entreprise.example")
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", "employer", "--email", address,
         "--first-name", "Estelle", "--last-name", "Patron", "--company-siren", siren],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60)
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    return {"siren": siren, "contract": contract,
            "employer": {"Authorization": f"Bearer {session.json()['access_token']}"}}


async def affiliate(gateway: httpx.AsyncClient, company: dict, email: str | None) -> dict:
    """The employer affiliates a new employee (names of their own: the registry keys people by name)."""
    birth = date(1988, 4, 17)
    employee = {"first_name": "Bastien", "last_name": "Leclerc-" + letters(), "birth_date": birth.isoformat(),
                "nir": nir_for(birth, "1"), "email": email,
                "address": {"line1": "12 rue des Tanneurs", "postcode": "67000", "city": "Strasbourg"}}
    r = await gateway.post(f"/v1/companies/{company['siren']}/affiliations", headers=company["employer"], json={
        "group_contract_id": company["contract"]["id"], "employee": employee, "start_date": date.today().isoformat(),
        "options": []})
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]

    async def affiliated():
        got = await gateway.get(f"/v1/companies/{company['siren']}/affiliations/{request_id}",
                                headers=company["employer"])
        return got.json() if got.json()["status"] == "affiliated" else None

    await wait_until(affiliated, timeout=60, what="affiliation's worker to process the request")
    return employee


async def sees_the_group_contract(gateway: httpx.AsyncClient, identifier: str, password: str, company: dict) -> dict:
    session = await gateway.post("/v1/sessions", json={"identifier": identifier, "password": password})
    assert session.status_code == 201, session.text
    auth = {"Authorization": f"Bearer {session.json()['access_token']}"}

    async def listed():
        r = await gateway.get("/v1/contracts", headers=auth)
        assert r.status_code == 200, r.text
        return r.json() or None

    [contract] = await wait_until(listed, timeout=60, what="contracts' worker to add the employee")
    assert contract["contract_number"].startswith(f"GS-{company['siren']}-")
    assert contract["category"] == "sante" and contract["in_force"] is True
    assert contract["start_date"] == date.today().isoformat()
    page = await gateway.get(f"/v1/contracts/{contract['id']}", headers=auth)
    assert page.status_code == 200 and page.json()["contract_number"] == contract["contract_number"]
    return contract


async def test_an_employee_affiliated_with_an_email_activates_by_the_link_signs_in_and_sees_the_group_contract(
        gateway, mailbox, operator):
    company = await company_with_employer(gateway, operator)
    address = unique_email("salarie")
    employee = await affiliate(gateway, company, address)

    message = await mailbox.wait_for(address, timeout=60)
    assert message["Subject"].startswith("Activez votre espace adhérent")
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert text.startswith(f"Bonjour {employee['first_name']} {employee['last_name']},")
    assert f"Menuiserie {company['siren']}" in text
    token = urllib.parse.unquote(re.search(r"/activer-mon-compte\?token=(\S+)", text).group(1))

    before = await gateway.post("/v1/sessions", json={"identifier": address, "password": NEW_PASSWORD})
    assert before.status_code == 401  # a pre-registered space has no password yet
    activated = await gateway.post("/v1/accounts/activation", json={"token": token, "password": NEW_PASSWORD})
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "active"
    reused = await gateway.post("/v1/accounts/activation", json={"token": token, "password": NEW_PASSWORD})
    assert reused.status_code == 400 and reused.json()["field"] == "token"
    assert reused.headers["content-type"].startswith("application/problem+json")

    contract = await sees_the_group_contract(gateway, address, NEW_PASSWORD, company)
    employer_view = await gateway.get("/v1/contracts", headers=company["employer"])
    assert contract["contract_number"] in {c["contract_number"] for c in employer_view.json()}


def letter_for(last_name: str) -> str | None:
    """The text of the PDF letter in the print queue addressed to this last name, if any."""
    for path in sorted(LETTERS.glob("*.pdf"), key=lambda p: p.stat().st_mtime, reverse=True):
        if time.time() - path.stat().st_mtime > 600:
            break
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
        if last_name in text:
            return text
    return None


async def test_an_employee_affiliated_without_an_email_gets_a_pdf_letter_whose_code_activates_the_space(
        gateway, mailbox, operator):
    company = await company_with_employer(gateway, operator)
    employee = await affiliate(gateway, company, None)

    async def letter():
        return letter_for(employee["last_name"])

    text = await wait_until(letter, timeout=60, what="notify's activation letter in var/letters")
    assert "12 rue des Tanneurs" in text and "67000 Strasbourg" in text
    assert "/activer-mon-compte" in text
    code = re.search(r"\b([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})\b", text).group(1)

    no_email = await gateway.post("/v1/accounts/activation", json={"token": code, "password": NEW_PASSWORD})
    assert no_email.status_code == 422 and no_email.json()["field"] == "email"
    address = unique_email("salarie-courrier")
    activated = await gateway.post("/v1/accounts/activation",
                                   json={"token": code, "password": NEW_PASSWORD, "email": address})
    assert activated.status_code == 200, activated.text
    assert activated.json()["status"] == "pending_confirmation"
    confirmation = await mailbox.wait_for(address, timeout=60)
    confirmed = await gateway.post("/v1/accounts/confirm", json={"token": confirmation_token(confirmation)})
    assert confirmed.status_code == 200, confirmed.text

    await sees_the_group_contract(gateway, address, NEW_PASSWORD, company)
