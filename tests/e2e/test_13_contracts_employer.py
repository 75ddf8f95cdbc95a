"""An employer user, created by an operator for its company, sees that company's group contracts."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest
from stdnum import luhn

from e2e_support import PASSWORD, PYTHON, ROOT, unique_email

pytestmark = pytest.mark.e2e


async def test_an_employer_user_lists_its_company_group_contracts_through_the_gateway(gateway, registry):
    base = f"{uuid.uuid4().int % 10**8:08d}"
    siren = base + luhn.calc_check_digit(base)
    employees = await registry.register(2)
    others = await registry.register(1)
    for member in employees:
        member["company_siren"] = siren
    imported = await gateway.post("/v1/contract-imports", json={"members": employees},
                                  headers={"Authorization": f"Bearer {registry.token}"})
    assert imported.status_code == 200 and imported.json()["refused"] == []

    address = unique_email("rh")
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", "employer", "--email", address,
         "--first-name", "Agnès", "--last-name", "Ressources", "--company-siren", siren],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60,
    )
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    auth = {"Authorization": f"Bearer {session.json()['access_token']}"}

    listed = await gateway.get("/v1/contracts", headers=auth)
    assert listed.status_code == 200
    assert sorted(c["contract_number"] for c in listed.json()) == sorted(m["contract_number"] for m in employees)
    assert others[0]["contract_number"] not in {c["contract_number"] for c in listed.json()}
    assert (await gateway.get("/v1/bank-accounts", headers=auth)).json() == []  # employees' own data
