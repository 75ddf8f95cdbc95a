"""The employer space (affiliation's routes whose ``x-roles`` include ``employer``) audited with
employer users, generated from the OpenAPI documents like the rest of the audit.

The member-centric suites send these routes a member's token, which only ever gets 403. Here two
companies are registered by the operator, each with a group santé contract, an employer user made
by identity's operator command (its token carries the company's SIREN) and what an employer
creates (an affiliation request, an invitation). Then:

- IDOR matrix: every employer route with an id, employer A with every id of company B (its SIREN
  included) in every slot, both ways: 404, never 2xx or 5xx; the owner reads its own.
- Bad input: every body field of every employer write gets the audit's bad values, sent by the
  company's own employer user: a 4xx problem naming the field, and the route's read unchanged.
- Schemathesis: every employer operation fuzzed with an employer token: no 5xx, no answer off its
  documented schema.
- Forged tokens claiming the employer role and a SIREN: 401 on every employer route.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from stdnum import luhn

from e2e_support import PASSWORD, PYTHON, ROOT, unique_email, wait_until

pytestmark = pytest.mark.e2e

DIRECTIONS = ("employer A with company B's ids", "employer B with company A's ids")


def _audit():
    """tests/audit/conftest.py as pytest loaded it (its routes, bodies and bad values)."""
    here = str(Path(__file__).with_name("conftest.py"))
    return next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == here)


def employer_routes() -> list:
    return [r for r in _audit().all_routes() if "employer" in r.roles]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "employer_route" in metafunc.fixturenames:
        metafunc.parametrize("employer_route", employer_routes(), ids=str)
    if "employer_id_route" in metafunc.fixturenames:
        metafunc.parametrize("employer_id_route", [r for r in employer_routes() if r.id_parameters], ids=str)
        metafunc.parametrize("employer_direction", DIRECTIONS)
    if "employer_bad_input" in metafunc.fixturenames:
        metafunc.parametrize("employer_bad_input",
                             [b for b in _audit().bad_inputs() if "employer" in b.route.roles], ids=str)


# ---- two companies, each with its employer user and what an employer creates ------------------


def _siren() -> str:
    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


def _nir(birth: date) -> str:
    rand = random.SystemRandom()
    body = (f"1{birth.year % 100:02d}{birth.month:02d}{rand.choice([d for d in range(1, 96) if d != 20]):02d}"
            f"{rand.randint(1, 999):03d}{rand.randint(1, 999):03d}")
    return body + f"{97 - int(body) % 97:02d}"


async def _employer(gateway, operator, audit):
    siren = _siren()
    r = await gateway.post("/v1/companies", headers=operator.auth, json={
        "siren": siren, "name": f"Audit {siren}", "notice_email": f"rh-{siren}@entreprise.example"})
    assert r.status_code == 201, r.text
    r = await gateway.post("/v1/group-contracts", headers=operator.auth, json={
        "siren": siren, "contract_number": f"GA-{siren}", "category": "sante", "label": "Santé collective",
        "contribution_formula": "family", "start_date": "2024-01-01", "options": ["optique-renforcee"]})
    assert r.status_code == 201, r.text
    contract_id = r.json()["id"]
    address = unique_email("audit-employer", "entreprise.example")
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", "employer", "--email", address,
         "--first-name", "Estelle", "--last-name", "Audit", "--company-siren", siren],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60)
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    employer = audit.Member(address, session.json()["access_token"], person={})
    employer.ids["siren"] = {siren}
    birth = date(1988, 11, 5)
    created = [
        await gateway.post(f"/v1/companies/{siren}/affiliations", headers=employer.auth, json={
            "group_contract_id": contract_id, "start_date": date.today().isoformat(), "options": [],
            "employee": {"first_name": "Jules", "last_name": "Audit", "birth_date": birth.isoformat(),
                         "nir": _nir(birth), "email": None,
                         "address": {"line1": "1 rue de l'Audit", "postcode": "75002", "city": "Paris"}}}),
        await gateway.post(f"/v1/companies/{siren}/invitations", headers=employer.auth, json={
            "group_contract_id": contract_id, "email": unique_email("audit-invite"), "first_name": "Lou",
            "last_name": "Audit"}),
    ]
    assert [c.status_code for c in created] == [201, 201], [c.text for c in created]
    request_path = f"/v1/companies/{siren}/affiliations/{created[0].json()['id']}"

    async def processed():
        return (await gateway.get(request_path, headers=employer.auth)).json()["status"] == "affiliated"

    # The stack's worker processes it within seconds: reads stay still from here on.
    await wait_until(processed, timeout=60, what="the audit employer's request to be processed")
    await audit.Members.learn_ids_of(gateway, employer)
    return employer


@dataclass
class Companies:
    a: object
    b: object


@pytest.fixture(scope="session")
async def companies(gateway, operator, audit) -> Companies:
    return Companies(await _employer(gateway, operator, audit), await _employer(gateway, operator, audit))


# ---- IDOR matrix ------------------------------------------------------------------------------


async def test_an_employer_never_reaches_another_companys_resource_through_an_id(
        employer_id_route, employer_direction, gateway, companies, audit):
    route = employer_id_route
    direction = employer_direction
    caller, owner = (companies.a, companies.b) if direction == DIRECTIONS[0] else (companies.b, companies.a)
    victim_ids = sorted(owner.every_id() - caller.every_id())
    assert next(iter(owner.ids["siren"])) in victim_ids and len(victim_ids) > 2, owner.ids
    slots = route.id_parameters
    in_path = any(p["in"] == "path" for p in slots)
    failures, owner_reached = [], False
    # A SIREN goes in {siren} (with every other id); uuid slots get the uuids (a SIREN there is
    # rightly a 422: not a uuid).
    uuids = [i for i in victim_ids if audit._UUID.match(i)]
    choices = [victim_ids if p["name"] == "siren" else uuids for p in slots]
    for combination in itertools.product(*choices):
        path, query = route.path, {}
        for parameter, value in zip(slots, combination):
            if parameter["in"] == "path":
                path = path.replace("{" + parameter["name"] + "}", value)
            else:
                query[parameter["name"]] = value
        body = audit.valid_body(route, caller) if route.body_schema else None
        response = await gateway.request(route.method, path, params=query, json=body, headers=caller.auth)
        url = f"{route.method.upper()} {path}{'?' + str(query) if query else ''}"
        if response.status_code >= 500:
            failures.append(f"{url}: {audit.describe(response)}")
        elif 200 <= response.status_code < 300:
            leaked = [i for i in victim_ids if i in response.text]
            if in_path or leaked:
                failures.append(f"{url}: {audit.describe(response)} (other company's ids in the answer: {leaked})")
        elif response.status_code != 404:
            failures.append(f"{url}: {audit.describe(response)} (expected 404)")
        if route.method == "get" and not owner_reached:
            mine = await gateway.request("get", path, params=query, headers=owner.auth)
            owner_reached = 200 <= mine.status_code < 300
    assert not failures, f"{route} ({direction}):\n" + "\n".join(failures[:20])
    if route.method == "get":
        assert owner_reached, f"{route}: the owner reads none of its own resources through it: the matrix proves nothing"


# ---- bad input --------------------------------------------------------------------------------


async def test_bad_input_from_an_employer_is_a_4xx_problem_naming_the_field_and_nothing_is_stored(
        employer_bad_input, gateway, companies, audit):
    bad, employer = employer_bad_input, companies.a
    route = bad.route
    [path] = audit.fill_paths(route, employer)[:1]
    body = audit.valid_body(route, employer)
    content, headers, named = audit.bad_input_request(bad, body, employer.auth)
    before = await gateway.get(path, headers=employer.auth)
    response = await gateway.request(route.method, path, content=content, headers=headers)
    audit.assert_refused_naming(bad, response, named)
    after = await gateway.get(path, headers=employer.auth)
    assert (before.status_code, before.text) == (after.status_code, after.text), f"{bad}: GET {path} changed"


# ---- schemathesis -----------------------------------------------------------------------------


async def test_schemathesis_with_an_employer_token_finds_no_server_error_and_no_answer_off_its_schema(
        employer_route, companies, audit, gateway):
    token = await gateway.token_renewal.fresh(companies.a.token)  # the session may outlive the first one
    sent = await asyncio.to_thread(audit.fuzz_operation, employer_route, token)
    assert sent > 0, f"{employer_route}: no example was sent"


# ---- forged tokens ----------------------------------------------------------------------------


async def test_forged_tokens_claiming_the_employer_role_and_a_siren_are_refused_on_every_employer_route(
        gateway, companies, audit):
    siren_b = next(iter(companies.b.ids["siren"]))
    forged = audit.forged_tokens(companies.a.token, tampered={"company_siren": siren_b},
                                 invented={"company_siren": siren_b})
    gets = [r for r in employer_routes() if r.method == "get"]
    assert gets
    for route in gets:
        path = route.path.replace("{siren}", siren_b)
        for name in route.path_parameters:
            path = path.replace("{" + name + "}", sorted(companies.b.ids.get(name, {str(uuid.uuid4())}))[0])
        for kind, token in forged.items():
            response = await gateway.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, f"{route} accepted a token with {kind}: {audit.describe(response)}"
            assert response.headers["content-type"] == "application/problem+json"
