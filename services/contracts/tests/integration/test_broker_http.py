"""The broker space in contracts (BR-1..BR-4): offers and their PDF, pricing, quotes, projects, dashboard.

Broker tokens carry identity's claims of ADR 0013 (firm, role, offers, autonomy), signed by the
tests' key; every test makes its own firm, so nothing is shared or wiped.
"""

from __future__ import annotations

import io
import json
import random
import string
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from pypdf import PdfReader

from contracts.adapters import broker as broker_repo
from contracts.app.broker import default_effective_date
from contracts.app.handlers import import_reference_data
from contracts.domain.imports import ProductLine
from contracts.domain.offers import OffersFile

from .conftest import KID

pytestmark = pytest.mark.integration

DEMO = Path(__file__).resolve().parents[4] / "deploy" / "local" / "demo"
SANTE = ["SANTE-ESSENTIEL", "SANTE-CONFORT", "SANTE-OPTIMUM"]


@pytest.fixture(scope="session")
async def offers_loaded(pool, app):
    """The demo products and broker offers, as ``python -m contracts seed`` loads them (idempotent)."""
    products = [ProductLine.model_validate(p) for p in json.loads((DEMO / "products.json").read_text("utf-8"))]
    await import_reference_data(pool, products, [], app.state.import_rules, app.state.clock())
    offers = OffersFile.model_validate(json.loads((DEMO / "broker_offers.json").read_text("utf-8")))
    async with pool.acquire() as conn, conn.transaction():
        await broker_repo.upsert_offers(conn, offers)


@pytest.fixture
def broker(settings, signing_key, offers_loaded):
    """Authorization headers of a broker of ``firm`` (a new firm by default)."""

    def make(firm: uuid.UUID, *, role: str = "collaborator", offers: list[str] | None = None,
             autonomy: str = "quote_only", limit: str | None = None, account: uuid.UUID | None = None,
             roles: tuple[str, ...] = ("broker",), **extra: Any) -> dict[str, str]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(account or uuid.uuid4()), "roles": list(roles), "jti": uuid.uuid4().hex, "aud": "contracts",
            "iss": settings.jwt_issuer, "iat": now, "exp": now + 300, "broker_firm_id": str(firm),
            "broker_role": role, "broker_offers": SANTE if offers is None else offers, "broker_autonomy": autonomy,
        }
        if limit is not None:
            claims["broker_subscribe_limit_eur"] = limit
        claims.update(extra)
        encoded = jwt.encode(claims, signing_key, algorithm="ES256", headers={"kid": KID})
        return {"Authorization": f"Bearer {encoded}"}

    return make


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def born(effective: date, age: int) -> str:
    """A birth date making someone ``age`` (completed years) on ``effective``."""
    return (effective.replace(year=effective.year - age) - timedelta(days=1)).isoformat()


def family_of_four(effective: date) -> list[dict[str, str]]:
    return [{"relationship": "main", "birth_date": born(effective, 42)},
            {"relationship": "spouse", "birth_date": born(effective, 40)},
            {"relationship": "child", "birth_date": born(effective, 11)},
            {"relationship": "child", "birth_date": born(effective, 8)}]


def holder() -> dict[str, str]:
    """A contract holder's names, new to the registry."""
    letters = "".join(random.SystemRandom().choice(string.ascii_lowercase) for _ in range(8))
    return {"first_name": "Jeanne", "last_name": f"Roux-{letters.capitalize()}"}


def pricing_body(app, postcode: str, **changes: Any) -> dict[str, Any]:
    effective = default_effective_date(app.state.clock())
    return {"product_code": "SANTE-ESSENTIEL", "postcode": postcode, "option_level": 1,
            "effective_date": effective.isoformat(), "people": family_of_four(effective)} | changes


async def test_products_are_listed_by_client_type_with_what_the_caller_may_sell(client, broker):
    headers = broker(uuid.uuid4(), offers=["SANTE-CONFORT"])
    response = await client.get("/v1/broker-products", params={"client_type": "company"}, headers=headers)
    assert response.status_code == 200, response.text
    codes = {p["code"] for p in response.json()}
    assert {"SANTE-ENTREPRISE", "SANTE-ENTREPRISE-PLUS"} <= codes and "SANTE-CONFORT" not in codes
    individual = {p["code"]: p for p in (await client.get("/v1/broker-products", params={"client_type": "individual"},
                                                             headers=headers)).json()}
    assert individual["SANTE-CONFORT"]["may_sell"] and not individual["SANTE-ESSENTIEL"]["may_sell"]
    assert individual["SANTE-CONFORT"]["pricing_tool"] and not individual["RETRAITE-HORIZON"]["pricing_tool"]


async def test_a_products_documentation_is_a_pdf_of_its_guarantees_table(client, broker):
    headers = broker(uuid.uuid4())
    detail = (await client.get("/v1/broker-products/SANTE-CONFORT", headers=headers)).json()
    response = await client.get("/v1/broker-products/SANTE-CONFORT/document", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = " ".join(pdf_text(response.content).split())
    assert "Santé Confort" in text and "Tableau des garanties" in text
    for guarantee in detail["guarantees"]:
        assert guarantee["label"] in text
    assert "Travailleurs non salariés (TNS)" in text
    missing = await client.get("/v1/broker-products/NOPE/document", headers=headers)
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_a_family_of_four_is_priced_in_two_zones_from_the_tariff_rules(client, broker, app):
    headers = broker(uuid.uuid4())
    paris = await client.post("/v1/broker-pricings", json=pricing_body(app, "75011"), headers=headers)
    creuse = await client.post("/v1/broker-pricings", json=pricing_body(app, "23000"), headers=headers)
    assert paris.status_code == 200, paris.text
    # (38.90 × 2 + 16.80 × 2) × zone (Z1 1.15, Z3 1.00) × 0.95 (family of four): the unit tests' worked examples.
    assert (paris.json()["zone"], paris.json()["monthly_eur"]) == ("Z1", "121.70")
    assert (creuse.json()["zone"], creuse.json()["monthly_eur"]) == ("Z3", "105.83")
    assert [p["age"] for p in paris.json()["people"]] == [42, 40, 11, 8]


async def test_a_quote_keeps_its_inputs_and_its_pdf_reads_back_the_amounts_of_the_api(client, broker, app):
    headers = broker(uuid.uuid4())
    created = await client.post("/v1/broker-quotes", json=pricing_body(app, "75011"), headers=headers)
    assert created.status_code == 201, created.text
    quote = created.json()
    today = app.state.clock()
    assert quote["valid_until"] == (today + timedelta(days=30)).isoformat() and quote["valid"]
    assert quote["inputs"]["postcode"] == "75011" and len(quote["inputs"]["people"]) == 4
    again = (await client.get(f"/v1/broker-quotes/{quote['id']}", headers=headers)).json()
    assert again["result"] == quote["result"] and again["number"] == quote["number"]
    document = await client.get(f"/v1/broker-quotes/{quote['id']}/document", headers=headers)
    assert document.status_code == 200 and document.headers["content-type"] == "application/pdf"
    text = pdf_text(document.content)
    monthly = quote["monthly_eur"].replace(".", ",")
    assert f"Devis n° {quote['number']}" in text and f"Cotisation mensuelle : {monthly} €" in text
    for person in quote["result"]["people"]:
        assert person["monthly_eur"].replace(".", ",") + " €" in text


@pytest.mark.parametrize(("changes", "field"), [
    ({"product_code": "NO-SUCH-PRODUCT"}, "product_code"),
    ({"postcode": "98000"}, "postcode"),
    ({"postcode": "7501"}, "postcode"),
    ({"option_level": 7}, "option_level"),
    ({"effective_date": "2001-01-01"}, "effective_date"),
])
async def test_bad_pricing_input_is_a_problem_naming_the_field_and_writes_no_quote(client, broker, app, pool, changes, field):
    firm = uuid.uuid4()
    response = await client.post("/v1/broker-quotes", json=pricing_body(app, "75011") | changes, headers=broker(firm))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == field
    assert await pool.fetchval("select count(*) from broker_quote where firm_id = $1", firm) == 0


async def test_a_birth_date_in_the_future_is_refused_naming_the_person(client, broker, app):
    body = pricing_body(app, "75011")
    body["people"][3]["birth_date"] = (app.state.clock() + timedelta(days=3)).isoformat()
    response = await client.post("/v1/broker-pricings", json=body, headers=broker(uuid.uuid4()))
    assert response.status_code == 422 and response.json()["field"] == "people.3.birth_date"


async def test_a_product_outside_the_collaborators_offers_is_refused(client, broker, app):
    body = pricing_body(app, "75011", product_code="SANTE-OPTIMUM")
    response = await client.post("/v1/broker-pricings", json=body, headers=broker(uuid.uuid4(), offers=["SANTE-ESSENTIEL"]))
    assert response.status_code == 403 and response.json()["type"].endswith("offer-not-allowed")


async def test_members_employers_and_incomplete_broker_tokens_never_reach_the_broker_space(client, broker, token, app):
    firm = uuid.uuid4()
    for headers in (token("member", person_id=uuid.uuid4()), token("employer", company_siren="732829320"),
                    broker(firm, roles=("member",)), broker(firm, broker_autonomy="everything"),
                    broker(firm, broker_firm_id="not-a-firm")):
        for method, path in (("get", "/v1/broker-products"), ("get", "/v1/broker-projects"),
                             ("get", "/v1/broker-dashboard")):
            response = await client.request(method, path, headers=headers)
            assert response.status_code == 403, (path, response.text)
        priced = await client.post("/v1/broker-pricings", json=pricing_body(app, "75011"), headers=headers)
        assert priced.status_code == 403
    assert (await client.get("/v1/broker-projects")).status_code == 401


async def _project_with_quote(client, app, headers, **changes: Any) -> tuple[dict, dict]:
    project = await client.post("/v1/broker-projects", headers=headers,
                                json={"client": {"type": "individual", "name": f"Famille Roux {uuid.uuid4().hex[:6]}",
                                                 "email": "roux@example.org", "postcode": "75011"}})
    assert project.status_code == 201, project.text
    quote = await client.post("/v1/broker-quotes", headers=headers,
                              json=pricing_body(app, "75011", project_id=project.json()["id"], **changes))
    assert quote.status_code == 201, quote.text
    return project.json(), quote.json()


async def test_a_quote_only_collaborator_cannot_sign_and_a_raised_autonomy_can(client, broker, app):
    firm, account = uuid.uuid4(), uuid.uuid4()
    quote_only = broker(firm, account=account)
    project, quote = await _project_with_quote(client, app, quote_only)
    sent = await client.post(f"/v1/broker-projects/{project['id']}/status", json={"status": "sent"}, headers=quote_only)
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    sign = {"status": "signed", "quote_id": quote["id"], "holder": holder()}
    refused = await client.post(f"/v1/broker-projects/{project['id']}/status", json=sign, headers=quote_only)
    assert refused.status_code == 403 and refused.json()["type"].endswith("autonomy-insufficient")
    too_low = broker(firm, account=account, autonomy="subscribe_up_to", limit="1000")  # yearly 1,460.40
    assert (await client.post(f"/v1/broker-projects/{project['id']}/status", json=sign, headers=too_low)).status_code == 403
    enough = broker(firm, account=account, autonomy="subscribe_up_to", limit="1500")
    signed = await client.post(f"/v1/broker-projects/{project['id']}/status", json=sign, headers=enough)
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed" and signed.json()["signed_quote_id"] == quote["id"]
    final = await client.post(f"/v1/broker-projects/{project['id']}/status", json={"status": "lost"}, headers=enough)
    assert final.status_code == 409 and final.json()["field"] == "status"


async def test_signing_registers_the_clients_contract_from_the_quotes_effective_date(client, broker, app, pool):
    headers = broker(uuid.uuid4(), autonomy="full")
    project, quote = await _project_with_quote(client, app, headers)
    names = holder()
    signed = await client.post(f"/v1/broker-projects/{project['id']}/status", headers=headers,
                               json={"status": "signed", "quote_id": quote["id"], "holder": names})
    assert signed.status_code == 200, signed.text
    contract = signed.json()["contract"]
    assert contract["contract_number"] == "CB" + quote["number"][2:]
    assert contract["start_date"] == quote["inputs"]["effective_date"] and contract["end_date"] is None
    assert contract["monthly_eur"] == quote["monthly_eur"]
    assert (await client.get(f"/v1/broker-projects/{project['id']}", headers=headers)).json()["contract"] == contract
    async with pool.acquire() as conn:
        row = await conn.fetchrow(
            "select c.product_code, c.category, c.start_date, p.last_name, p.first_name, p.birth_date"
            " from contract c join person p on p.id = c.holder_id where c.id = $1", uuid.UUID(contract["id"]))
        published = await conn.fetchval(
            "select count(*) from outbox where event_type like '%ContractRegistered' and key = $1", contract["id"])
    main = next(p for p in quote["inputs"]["people"] if p["relationship"] == "main")
    assert (row["product_code"], row["category"]) == (quote["product_code"], "sante")
    assert (row["last_name"], row["first_name"]) == (names["last_name"], names["first_name"])
    assert row["birth_date"].isoformat() == main["birth_date"]
    assert published == 1


async def test_signing_without_the_holders_names_is_refused_and_writes_nothing(client, broker, app, pool):
    headers = broker(uuid.uuid4(), autonomy="full")
    project, quote = await _project_with_quote(client, app, headers)
    for body, field in (({"status": "signed", "quote_id": quote["id"]}, "holder"),
                        ({"status": "signed", "quote_id": quote["id"], "holder": {"first_name": "Jean"}},
                         "holder.last_name")):
        refused = await client.post(f"/v1/broker-projects/{project['id']}/status", json=body, headers=headers)
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    after = (await client.get(f"/v1/broker-projects/{project['id']}", headers=headers)).json()
    assert after["status"] == "draft" and after["contract"] is None
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from contract where broker_project_id = $1",
                                   uuid.UUID(project["id"])) == 0


async def test_signing_needs_one_of_the_projects_quotes(client, broker, app):
    headers = broker(uuid.uuid4(), autonomy="full")
    project, _ = await _project_with_quote(client, app, headers)
    _, other_quote = await _project_with_quote(client, app, headers)
    for body in ({"status": "signed"}, {"status": "signed", "quote_id": other_quote["id"]}):
        response = await client.post(f"/v1/broker-projects/{project['id']}/status", json=body, headers=headers)
        assert response.status_code == 422 and response.json()["field"] == "quote_id"


async def test_firm_a_never_sees_firm_bs_projects_or_quotes(client, broker, app):
    firm_a, firm_b = uuid.uuid4(), uuid.uuid4()
    project, quote = await _project_with_quote(client, app, broker(firm_a, role="admin"))
    b_admin = broker(firm_b, role="admin", autonomy="full")
    for path in (f"/v1/broker-projects/{project['id']}", f"/v1/broker-quotes/{quote['id']}",
                 f"/v1/broker-quotes/{quote['id']}/document"):
        assert (await client.get(path, headers=b_admin)).status_code == 404, path
    moved = await client.post(f"/v1/broker-projects/{project['id']}/status", json={"status": "lost"}, headers=b_admin)
    assert moved.status_code == 404
    attached = await client.post("/v1/broker-quotes", json=pricing_body(app, "75011", project_id=project["id"]),
                                 headers=b_admin)
    assert attached.status_code == 404
    assert (await client.get("/v1/broker-projects", headers=b_admin)).json() == []
    assert (await client.get("/v1/broker-quotes", headers=b_admin)).json() == []


async def test_a_collaborator_sees_their_own_projects_and_the_admin_the_whole_firm(client, broker, app):
    firm = uuid.uuid4()
    alice, bob, admin = broker(firm), broker(firm), broker(firm, role="admin")
    project, quote = await _project_with_quote(client, app, alice)
    assert (await client.get(f"/v1/broker-projects/{project['id']}", headers=bob)).status_code == 404
    assert (await client.get(f"/v1/broker-quotes/{quote['id']}", headers=bob)).status_code == 404
    assert [p["id"] for p in (await client.get("/v1/broker-projects", headers=bob)).json()] == []
    seen = await client.get(f"/v1/broker-projects/{project['id']}", headers=admin)
    assert seen.status_code == 200 and [q["id"] for q in seen.json()["quotes"]] == [quote["id"]]
    assert [p["id"] for p in (await client.get("/v1/broker-projects", headers=alice)).json()] == [project["id"]]


async def test_projects_are_filtered_by_status_client_type_and_name(client, broker, app):
    headers = broker(uuid.uuid4(), role="admin")
    first, _ = await _project_with_quote(client, app, headers)
    second, _ = await _project_with_quote(client, app, headers)
    company = await client.post("/v1/broker-projects", headers=headers,
                                json={"client": {"type": "company", "name": "Boulangerie Martin & Fils"}})
    await client.post(f"/v1/broker-projects/{second['id']}/status", json={"status": "sent"}, headers=headers)

    async def ids(**params: str) -> list[str]:
        return [p["id"] for p in (await client.get("/v1/broker-projects", params=params, headers=headers)).json()]

    assert await ids(status="sent") == [second["id"]]
    assert set(await ids(status="draft")) == {first["id"], company.json()["id"]}
    assert await ids(client_type="company") == [company.json()["id"]]
    assert await ids(q=first["client"]["name"][-6:]) == [first["id"]]
    bad = await client.get("/v1/broker-projects", params={"status": "won"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["field"] == "status"


async def test_a_project_with_a_bad_client_is_a_problem_naming_the_field(client, broker):
    headers = broker(uuid.uuid4())
    for client_body, field in (({"type": "individual", "name": "Roux\u202e"}, "client.name"),
                               ({"type": "cooperative", "name": "Roux"}, "client.type"),
                               ({"type": "individual", "name": "Roux", "email": "roux"}, "client.email")):
        response = await client.post("/v1/broker-projects", json={"client": client_body}, headers=headers)
        assert response.status_code == 422 and response.json()["field"] == field, response.text


async def test_the_dashboard_counts_follow_the_projects(client, broker, app):
    firm, account = uuid.uuid4(), uuid.uuid4()
    headers = broker(firm, role="admin", autonomy="full", account=account)
    before = (await client.get("/v1/broker-dashboard", headers=headers)).json()
    assert before["projects_by_status"] == {"draft": 0, "sent": 0, "signed": 0, "lost": 0} and before["clients"] == 0
    assert {"SANTE-CONFORT", "SANTE-ENTREPRISE"} <= {p["code"] for p in before["products_of_the_moment"]}
    assert before["contracts_in_force"] == 0 and before["in_force_monthly_eur"] == "0"
    project, quote = await _project_with_quote(client, app, headers)
    await _project_with_quote(client, app, headers)
    await client.post(f"/v1/broker-projects/{project['id']}/status", headers=headers,
                      json={"status": "signed", "quote_id": quote["id"], "holder": holder()})
    after = (await client.get("/v1/broker-dashboard", headers=headers)).json()
    assert after["projects_by_status"] == {"draft": 1, "sent": 0, "signed": 1, "lost": 0}
    assert after["clients"] == 2 and after["quotes_valid"] == 2
    assert after["signed_monthly_eur"] == quote["monthly_eur"]
    # The quote starts on the first of next month: signed, not yet in force.
    assert after["contracts_in_force"] == 0


async def test_the_dashboard_counts_a_signed_contract_in_force_from_its_start_and_only_the_signers_for_a_collaborator(
        client, broker, app):
    firm, alice_id = uuid.uuid4(), uuid.uuid4()
    alice, bob = broker(firm, autonomy="full", account=alice_id), broker(firm, autonomy="full")
    admin = broker(firm, role="admin")
    today = app.state.clock()
    project, quote = await _project_with_quote(client, app, alice, effective_date=today.isoformat(),
                                               people=family_of_four(today))
    signed = await client.post(f"/v1/broker-projects/{project['id']}/status", headers=alice,
                               json={"status": "signed", "quote_id": quote["id"], "holder": holder()})
    assert signed.status_code == 200, signed.text
    for headers, count in ((alice, 1), (admin, 1), (bob, 0)):
        figures = (await client.get("/v1/broker-dashboard", headers=headers)).json()
        assert figures["contracts_in_force"] == count
        assert figures["in_force_monthly_eur"] == (quote["monthly_eur"] if count else "0")
    other_firm = (await client.get("/v1/broker-dashboard", headers=broker(uuid.uuid4(), role="admin"))).json()
    assert other_firm["contracts_in_force"] == 0


async def test_a_changed_tariff_is_priced_at_once_the_cached_copy_is_dropped_at_commit(client, broker, app, pool):
    from ms_platform.testing import eventually

    code = f"IT-BRK-{uuid.uuid4().hex[:8].upper()}"
    await import_reference_data(pool, [ProductLine(code=code, name="Courtage (tests)", category="sante")], [],
                                app.state.import_rules, app.state.clock())
    demo = json.loads((DEMO / "broker_offers.json").read_text("utf-8"))
    tariff = demo["offers"][0]["tariff"]

    async def load(amount: str) -> None:
        bands = [{"min_age": 0, "max_age": 130, "monthly_eur": amount}]
        offers = OffersFile.model_validate({"zones": demo["zones"], "offers": [
            {"product_code": code, "client_types": ["individual"], "tariff": {**tariff, "age_bands": bands,
                                                                            "family": {"family_discount_pct": "0"}}}]})
        async with pool.acquire() as conn, conn.transaction():
            await broker_repo.upsert_offers(conn, offers)

    headers = broker(uuid.uuid4(), offers=[code])
    body = pricing_body(app, "23000", product_code=code, people=family_of_four(default_effective_date(app.state.clock()))[:1])
    await load("10.00")
    first = await client.post("/v1/broker-pricings", json=body, headers=headers)
    assert first.status_code == 200 and first.json()["monthly_eur"] == "10.00", first.text
    await load("12.50")

    async def repriced() -> bool:
        response = await client.post("/v1/broker-pricings", json=body, headers=headers)
        return response.json()["monthly_eur"] == "12.50"

    assert await eventually(repriced, timeout=2.0)


async def test_a_retried_quote_or_project_with_the_same_idempotency_key_is_the_first_one(client, broker, app, pool):
    firm = uuid.uuid4()
    headers = {**broker(firm), "Idempotency-Key": f"retry-{uuid.uuid4()}"}
    project_body = {"client": {"type": "individual", "name": "Famille Retry"}}
    first_project = await client.post("/v1/broker-projects", json=project_body, headers=headers)
    again_project = await client.post("/v1/broker-projects", json=project_body, headers=headers)
    assert (first_project.status_code, again_project.status_code) == (201, 200)
    assert again_project.json()["id"] == first_project.json()["id"]
    body = pricing_body(app, "75011", project_id=first_project.json()["id"])
    first, again = [await client.post("/v1/broker-quotes", json=body, headers=headers) for _ in range(2)]
    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json() == first.json()
    assert await pool.fetchval("select count(*) from broker_quote where firm_id = $1", firm) == 1
    assert await pool.fetchval("select count(*) from broker_project where firm_id = $1", firm) == 1
