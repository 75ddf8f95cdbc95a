"""The broker space in contracts (routes whose ``x-roles`` include ``broker``: offers, pricing,
quotes, projects, dashboard; ADR 0013) audited with real broker tokens, generated from the
OpenAPI documents like the rest of the audit.

The member-centric suites send these routes a member's token, which only ever gets 403. Here an
operator registers two firms at identity; each firm's admin accepts the emailed invitation, signs
in (identity puts the firm and the access in the token) and creates a project with a quote. Then:

- IDOR matrix: every contracts broker route with an id, firm A's admin with every id of firm B in
  every slot, both ways: 404, never 2xx or 5xx; the owner reads its own.
- Bad input: every body field of every contracts broker write gets the audit's bad values, sent by
  the firm's admin: a 4xx problem naming the field, and the route's read unchanged.
- Schemathesis: every contracts broker operation fuzzed with a broker token: no 5xx, no answer off
  its documented schema.
- Forged tokens claiming another firm: 401 on every contracts broker read.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import jwt
import pytest
from stdnum import luhn

from e2e_support import PASSWORD, unique_email

pytestmark = pytest.mark.e2e

DIRECTIONS = ("firm A's admin with firm B's ids", "firm B's admin with firm A's ids")
OFFERS = ["SANTE-ESSENTIEL", "SANTE-CONFORT", "SANTE-OPTIMUM"]
PEOPLE = [{"relationship": "main", "birth_date": "1984-03-12"}, {"relationship": "child", "birth_date": "2015-06-01"}]


def _audit():
    """tests/audit/conftest.py as pytest loaded it (its routes, bodies and bad values)."""
    here = str(Path(__file__).with_name("conftest.py"))
    return next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == here)


def broker_routes() -> list:
    return [r for r in _audit().all_routes() if "broker" in r.roles and r.service == "contracts"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "broker_route" in metafunc.fixturenames:
        metafunc.parametrize("broker_route", broker_routes(), ids=str)
    if "broker_id_route" in metafunc.fixturenames:
        # Products are the insurer's, the same for every firm: only the firm's own resources' ids.
        metafunc.parametrize("broker_id_route", [r for r in broker_routes()
                                                 if r.id_parameters and "product_code" not in r.path_parameters], ids=str)
        metafunc.parametrize("broker_direction", DIRECTIONS)
    if "broker_bad_input" in metafunc.fixturenames:
        metafunc.parametrize("broker_bad_input", [b for b in _audit().bad_inputs()
                                                  if "broker" in b.route.roles and b.route.service == "contracts"], ids=str)


def valid_body(route, broker) -> dict:
    """A body the route accepts from this broker (the generic builder knows no tariff rules)."""
    pricing = {"product_code": OFFERS[0], "postcode": "75011", "option_level": 1, "people": PEOPLE}
    if route.path == "/v1/broker-pricings":
        return pricing
    if route.path == "/v1/broker-quotes":
        return {**pricing, "project_id": broker.first("broker_project_id")}
    if route.path == "/v1/broker-projects":
        return {"client": {"type": "individual", "name": "Famille Audit", "email": "famille@example.org",
                           "postcode": "75011"}}
    if route.path.endswith("/status"):  # the holder's names count only when signing; checked on every move
        return {"status": "sent", "holder": {"first_name": "Camille", "last_name": "Audit"}}
    raise AssertionError(f"no valid body for {route}")


# ---- two firms, each with its admin, a project and a quote ------------------------------------


def _siren() -> str:
    body = "".join(random.SystemRandom().choice("0123456789") for _ in range(8))
    return body + luhn.calc_check_digit(body)


async def _firm_admin(gateway, operator, mailbox, audit):
    address = unique_email("audit-broker", "cabinet.example")
    r = await gateway.post("/v1/broker-firms", headers=operator.auth, json={
        "name": "Cabinet Audit", "orias": f"{random.SystemRandom().randint(10_000_000, 99_999_999)}",
        "siren": _siren(), "offers": OFFERS, "admin": {"email": address, "first_name": "Alix", "last_name": "Audit"}})
    assert r.status_code == 201, r.text
    message = await mailbox.wait_for(address)
    match = re.search(r"accepter-mon-invitation\?token=(\S+)", message.get_body(("plain",)).get_content())
    assert match, "the invitation email carries no link"
    r = await gateway.post("/v1/accounts/accept-invitation",
                           json={"token": urllib.parse.unquote(match.group(1)), "password": PASSWORD})
    assert r.status_code == 200, r.text
    session = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text
    admin = audit.Member(address, session.json()["access_token"], person={})
    project = await gateway.post("/v1/broker-projects", headers=admin.auth, json=valid_body(
        type("R", (), {"path": "/v1/broker-projects"}), admin))
    assert project.status_code == 201, project.text
    quote = await gateway.post("/v1/broker-quotes", headers=admin.auth, json={
        "product_code": OFFERS[0], "postcode": "75011", "people": PEOPLE, "project_id": project.json()["id"]})
    assert quote.status_code == 201, quote.text
    await audit.Members.learn_ids_of(gateway, admin)
    assert admin.ids.get("broker_project_id") and admin.ids.get("broker_quote_id"), admin.ids
    return admin


@dataclass
class Firms:
    a: object
    b: object


@pytest.fixture(scope="session")
async def firms(gateway, operator, mailbox, audit) -> Firms:
    return Firms(await _firm_admin(gateway, operator, mailbox, audit), await _firm_admin(gateway, operator, mailbox, audit))


# ---- IDOR matrix ------------------------------------------------------------------------------


async def test_a_broker_never_reaches_another_firms_resource_through_an_id(
        broker_id_route, broker_direction, gateway, firms, audit):
    route = broker_id_route
    caller, owner = (firms.a, firms.b) if broker_direction == DIRECTIONS[0] else (firms.b, firms.a)
    victim_ids = sorted(i for i in owner.every_id() - caller.every_id() if audit._UUID.match(i))
    assert len(victim_ids) > 2, owner.ids
    failures, owner_reached = [], False
    for combination in itertools.product(*[victim_ids for _ in route.id_parameters]):
        path, query = route.path, {}
        for parameter, value in zip(route.id_parameters, combination):
            if parameter["in"] == "path":
                path = path.replace("{" + parameter["name"] + "}", value)
            else:
                query[parameter["name"]] = value
        body = valid_body(route, caller) if route.body_schema else None
        response = await gateway.request(route.method, path, params=query, json=body, headers=caller.auth)
        url = f"{route.method.upper()} {path}"
        if response.status_code >= 500:
            failures.append(f"{url}: {audit.describe(response)}")
        elif 200 <= response.status_code < 300:
            failures.append(f"{url}: {audit.describe(response)} (another firm's resource)")
        elif response.status_code != 404:
            failures.append(f"{url}: {audit.describe(response)} (expected 404)")
        if route.method == "get" and not owner_reached:
            mine = await gateway.get(path, params=query, headers=owner.auth)
            owner_reached = 200 <= mine.status_code < 300
    assert not failures, f"{route} ({broker_direction}):\n" + "\n".join(failures[:20])
    if route.method == "get":
        assert owner_reached, f"{route}: the owner reads none of its own resources through it: the matrix proves nothing"


# ---- bad input --------------------------------------------------------------------------------


async def test_bad_input_from_a_broker_is_a_4xx_problem_naming_the_field_and_nothing_is_stored(
        broker_bad_input, gateway, firms, audit):
    bad, broker = broker_bad_input, firms.a
    route = bad.route
    [path] = audit.fill_paths(route, broker)[:1]
    body = valid_body(route, broker)
    content, headers, named = audit.bad_input_request(bad, body, broker.auth)
    read = "/v1/broker-quotes" if route.path in ("/v1/broker-quotes", "/v1/broker-pricings") else path
    before = await gateway.get(read, headers=broker.auth)
    response = await gateway.request(route.method, path, content=content, headers=headers)
    audit.assert_refused_naming(bad, response, named)
    after = await gateway.get(read, headers=broker.auth)
    assert (before.status_code, before.text) == (after.status_code, after.text), f"{bad}: GET {read} changed"


# ---- schemathesis -----------------------------------------------------------------------------


async def test_schemathesis_with_a_broker_token_finds_no_server_error_and_no_answer_off_its_schema(
        broker_route, firms, audit, gateway):
    token = await gateway.token_renewal.fresh(firms.a.token)  # the session may outlive the first one
    sent = await asyncio.to_thread(audit.fuzz_operation, broker_route, token)
    assert sent > 0, f"{broker_route}: no example was sent"


# ---- forged tokens ----------------------------------------------------------------------------


async def test_forged_tokens_claiming_another_firm_are_refused_on_every_broker_read(gateway, firms, audit):
    firm_b = jwt.decode(firms.b.token, options={"verify_signature": False})["broker_firm_id"]
    forged = audit.forged_tokens(firms.a.token, tampered={"broker_firm_id": firm_b},
                                 invented={"broker_firm_id": firm_b, "broker_autonomy": "full"})
    gets = [r for r in broker_routes() if r.method == "get"]
    assert gets
    for route in gets:
        path = route.path
        for name in route.path_parameters:
            path = path.replace("{" + name + "}", sorted(firms.b.ids.get(name, {OFFERS[0]}))[0])
        for kind, token in forged.items():
            response = await gateway.get(path, headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 401, f"{route} accepted a token with {kind}: {audit.describe(response)}"
            assert response.headers["content-type"] == "application/problem+json"
