"""Identity's broker firm routes (ID-14: those whose ``x-roles`` include ``broker``) audited with broker
users, generated from identity's OpenAPI document like the rest of the audit.

The member-centric suites send these routes a member's token, which only ever gets 403. Here two firms
are created by the operator through the API, each admin accepts the emailed invitation and invites a
collaborator who accepts theirs. Then:

- IDOR matrix: every identity broker route with an id, firm A's admin with every id of firm B (its firm
  id, its admin's and collaborator's account ids) in every slot, both ways: 404, never 2xx or 5xx; the
  owner reads its own.
- Bad input: every body field of every identity broker write gets the audit's bad values, sent by firm
  A's admin: a 4xx problem naming the field, and the route's read unchanged.
- Schemathesis: every identity broker operation fuzzed with firm A's admin token: no 5xx, no answer off
  its documented schema.
- Forged tokens claiming the broker role and firm B's id: 401 on every identity broker read.

Contracts' broker routes (products, quotes, projects) are another service's: they are not in this file.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import sys
import urllib.parse
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from stdnum import luhn

from e2e_support import PASSWORD, unique_email

pytestmark = pytest.mark.e2e

DIRECTIONS = ("firm A's admin with firm B's ids", "firm B's admin with firm A's ids")


def _audit():
    """tests/audit/conftest.py as pytest loaded it (its routes, bodies and bad values)."""
    here = str(Path(__file__).with_name("conftest.py"))
    return next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == here)


def broker_routes() -> list:
    return [r for r in _audit().all_routes() if r.service == "identity" and "broker" in r.roles]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "broker_route" in metafunc.fixturenames:
        metafunc.parametrize("broker_route", broker_routes(), ids=str)
    if "broker_id_route" in metafunc.fixturenames:
        metafunc.parametrize("broker_id_route", [r for r in broker_routes() if r.id_parameters], ids=str)
        metafunc.parametrize("broker_direction", DIRECTIONS)
    if "broker_bad_input" in metafunc.fixturenames:
        metafunc.parametrize("broker_bad_input", [b for b in _audit().bad_inputs()
                                                  if b.route.service == "identity" and "broker" in b.route.roles],
                             ids=str)


# ---- two firms, each with its admin and a collaborator -------------------------------------------


def _digits(n: int) -> str:
    return "".join(random.SystemRandom().choice("0123456789") for _ in range(n))


async def _accepted(gateway, mailbox, address: str) -> str:
    message = await mailbox.wait_for(address, timeout=60)
    text = message.get_body(preferencelist=("plain",)).get_content()
    token = urllib.parse.unquote(re.search(r"/accepter-mon-invitation\?token=(\S+)", text).group(1))
    r = await gateway.post("/v1/accounts/accept-invitation", json={"token": token, "password": PASSWORD})
    assert r.status_code == 200, r.text
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    return session.json()["access_token"]


async def _firm(gateway, mailbox, operator, audit):
    siren_body = _digits(8)
    admin_address = unique_email("audit-broker", "cabinet.example")
    r = await gateway.post("/v1/broker-firms", headers=operator.auth, json={
        "name": f"Cabinet Audit {siren_body}", "orias": _digits(8), "siren": siren_body + luhn.calc_check_digit(siren_body),
        "offers": ["SANTE-ESSENTIEL", "SANTE-CONFORT"],
        "admin": {"email": admin_address, "first_name": "Léa", "last_name": "Audit"}})
    assert r.status_code == 201, r.text
    firm_id = r.json()["id"]
    admin = audit.Member(admin_address, await _accepted(gateway, mailbox, admin_address), person={})
    collaborator_address = unique_email("audit-collab", "cabinet.example")
    r = await gateway.post(f"/v1/broker-firms/{firm_id}/collaborators", headers=admin.auth, json={
        "email": collaborator_address, "first_name": "Hugo", "last_name": "Audit", "offers": ["SANTE-ESSENTIEL"],
        "autonomy": "subscribe_up_to", "subscribe_limit_eur": "1200"})
    assert r.status_code == 201, r.text
    await _accepted(gateway, mailbox, collaborator_address)
    await audit.Members.learn_ids_of(gateway, admin)
    assert admin.ids.get("broker_firm_id") == {firm_id} and len(admin.ids.get("collaborator_id", ())) == 2, admin.ids
    return admin


@dataclass
class Firms:
    a: object
    b: object


@pytest.fixture(scope="session")
async def firms(gateway, mailbox, operator, audit) -> Firms:
    return Firms(await _firm(gateway, mailbox, operator, audit), await _firm(gateway, mailbox, operator, audit))


# ---- IDOR matrix ------------------------------------------------------------------------------


async def test_a_firm_admin_never_reaches_another_firms_resource_through_an_id(
        broker_id_route, broker_direction, gateway, firms, audit):
    route = broker_id_route
    caller, owner = (firms.a, firms.b) if broker_direction == DIRECTIONS[0] else (firms.b, firms.a)
    victim_ids = sorted(owner.every_id() - caller.every_id())
    assert next(iter(owner.ids["broker_firm_id"])) in victim_ids and len(victim_ids) > 2, owner.ids
    slots = route.id_parameters
    in_path = any(p["in"] == "path" for p in slots)
    failures, owner_reached = [], False
    for combination in itertools.product(victim_ids, repeat=len(slots)):
        path, query = route.path, {}
        for parameter, value in zip(slots, combination):
            if parameter["in"] == "path":
                path = path.replace("{" + parameter["name"] + "}", value)
            else:
                query[parameter["name"]] = value
        body = audit.valid_body(route, caller) if route.body_schema else None
        response = await gateway.request(route.method, path, params=query, json=body, headers=caller.auth)
        url = f"{route.method.upper()} {path}"
        if response.status_code >= 500:
            failures.append(f"{url}: {audit.describe(response)}")
        elif 200 <= response.status_code < 300:
            leaked = [i for i in victim_ids if i in response.text]
            if in_path or leaked:
                failures.append(f"{url}: {audit.describe(response)} (other firm's ids in the answer: {leaked})")
        elif response.status_code != 404:
            failures.append(f"{url}: {audit.describe(response)} (expected 404)")
        if route.method == "get" and not owner_reached:
            mine = await gateway.request("get", path, params=query, headers=owner.auth)
            owner_reached = 200 <= mine.status_code < 300
    assert not failures, f"{route} ({broker_direction}):\n" + "\n".join(failures[:20])
    if route.method == "get":
        assert owner_reached, f"{route}: the owner reads none of its own resources through it: the matrix proves nothing"


# ---- bad input --------------------------------------------------------------------------------


async def test_bad_input_from_a_firm_admin_is_a_4xx_problem_naming_the_field_and_nothing_is_stored(
        broker_bad_input, gateway, firms, audit):
    bad, admin = broker_bad_input, firms.a
    route = bad.route
    [path] = audit.fill_paths(route, admin)[:1]
    body = audit.valid_body(route, admin)
    content, headers, named = audit.bad_input_request(bad, body, admin.auth)
    firm_path = f"/v1/broker-firms/{next(iter(admin.ids['broker_firm_id']))}"
    before = await gateway.get(firm_path, headers=admin.auth)
    response = await gateway.request(route.method, path, content=content, headers=headers)
    audit.assert_refused_naming(bad, response, named)
    after = await gateway.get(firm_path, headers=admin.auth)
    assert (before.status_code, before.text) == (after.status_code, after.text), f"{bad}: GET {firm_path} changed"


# ---- schemathesis -----------------------------------------------------------------------------


async def test_schemathesis_with_a_firm_admin_token_finds_no_server_error_and_no_answer_off_its_schema(
        broker_route, firms, audit, gateway):
    token = await gateway.token_renewal.fresh(firms.a.token)  # the session may outlive the first one
    sent = await asyncio.to_thread(audit.fuzz_operation, broker_route, token)
    assert sent > 0, f"{broker_route}: no example was sent"


# ---- forged tokens ----------------------------------------------------------------------------


async def test_forged_tokens_claiming_the_broker_role_and_another_firm_are_refused_on_every_broker_read(
        gateway, firms, audit):
    firm_b = next(iter(firms.b.ids["broker_firm_id"]))
    forged = audit.forged_tokens(firms.a.token, tampered={"broker_firm_id": firm_b, "broker_autonomy": "full"},
                                 invented={"broker_firm_id": firm_b})
    gets = [r for r in broker_routes() if r.method == "get"]
    assert gets
    for route in gets:
        path = route.path
        for name in route.path_parameters:
            path = path.replace("{" + name + "}", sorted(firms.b.ids.get(name, {str(uuid.uuid4())}))[0])
        for kind, token in forged.items():
            response = await gateway.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, f"{route} accepted a token with {kind}: {audit.describe(response)}"
            assert response.headers["content-type"] == "application/problem+json"
