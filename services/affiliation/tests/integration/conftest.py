"""Fixtures for affiliation's integration tests: the real app on the local PostgreSQL.

Tokens are signed with a key generated here and trusted by the app's verifier, so the tests
exercise the real role and ownership checks without a running identity service.
"""

from __future__ import annotations

import asyncio

import random
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from stdnum import luhn

from affiliation import bootstrap
from ms_platform.testing.service_app import service_app_fixtures



settings, signing_key, app, client, pool, token = service_app_fixtures(bootstrap, "affiliation")


@pytest.fixture(scope="session")
def operator(token):
    return token("operator")


@pytest.fixture(scope="session")
def employer(token):
    """An employer user's token: identity puts the company's SIREN in the ``company_siren`` claim."""
    def make(siren: str, subject: uuid.UUID | None = None) -> dict[str, str]:
        return token("employer", subject=subject, company_siren=siren)

    return make


def random_siren() -> str:
    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def nir_for(birth: date, sex: str = "1") -> str:
    """A well-formed NIR for that birth date: place of birth and order number random, so that two
    tests' employees (on the shared database) are never one person."""
    rand = random.SystemRandom()
    place = f"{rand.choice([d for d in range(1, 96) if d != 20]):02d}{rand.randint(1, 999):03d}"
    body = f"{sex}{birth.year % 100:02d}{birth.month:02d}{place}{rand.randint(1, 999):03d}"
    return body + f"{97 - int(body) % 97:02d}"


@dataclass
class Company:
    siren: str
    sante: dict
    prevoyance: dict


@pytest.fixture
def company(client, operator):
    """A new company with a group santé contract (family formula, one option) and a prévoyance one."""
    async def make(formula: str = "family", start: str = "2024-01-01") -> Company:
        siren = random_siren()
        response = await client.post("/v1/companies", headers=operator, json={
            "siren": siren, "name": f"Entreprise {siren}", "notice_email": f"rh-{siren}@entreprise.example"})
        assert response.status_code == 201, response.text
        contracts = []
        for category in ("sante", "prevoyance"):
            response = await client.post("/v1/group-contracts", headers=operator, json={
                "siren": siren, "contract_number": f"G{category[0].upper()}-{siren}", "category": category,
                "label": f"Contrat {category}", "contribution_formula": formula, "start_date": start,
                "options": ["optique-renforcee"], "contracts_contract_id": str(uuid.uuid4())})
            assert response.status_code == 201, response.text
            contracts.append(response.json())
        return Company(siren, *contracts)

    return make


def affiliation_body(contract_id: str, *, birth: date = date(1990, 4, 12), email: str | None = "auto",
                     start: str | None = None, **employee: Any) -> dict[str, Any]:
    person = {"first_name": "Camille", "last_name": "Durand", "birth_date": birth.isoformat(), "nir": nir_for(birth),
              "address": {"line1": "12 rue des Lilas", "postcode": "75013", "city": "Paris"},
              "email": f"salarie-{uuid.uuid4().hex[:10]}@example.org" if email == "auto" else email, **employee}
    return {"group_contract_id": contract_id, "employee": person, "start_date": start or date.today().isoformat(),
            "options": ["optique-renforcee"],
            "beneficiaries": [{"relationship": "child", "first_name": "Léa", "last_name": "Durand",
                               "birth_date": "2018-06-01"}]}


@pytest.fixture(scope="session")
def body():
    """A valid affiliation body for a group contract (overrides by keyword)."""
    return affiliation_body


@pytest.fixture(scope="session")
def nir():
    return nir_for


@pytest.fixture(scope="session")
def process(app):
    """Run the worker's processing pass now (AF-3), as the worker's loop does every few seconds."""
    from affiliation.app.affiliations import process_received
    from ms_events.outbox import unit_of_work

    async def run() -> int:
        processed = await process_received(unit_of_work(app.state.pool), app.state.affiliation_rules,
                                           app.state.clock())
        # The stack's affiliation worker processes the same table: a request it has locked was
        # skipped above (SKIP LOCKED) and is done once its transaction commits. Wait for that.
        deadline = asyncio.get_running_loop().time() + 30
        while await app.state.pool.fetchval("select count(*) from affiliation_request where status = 'received'"):
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.05)
            processed += await process_received(unit_of_work(app.state.pool), app.state.affiliation_rules,
                                                 app.state.clock())
        return processed

    return run


@pytest.fixture(scope="session")
def new_siren():
    """A well-formed random SIREN (10^8 of them: two tests never meet on one)."""
    return random_siren
