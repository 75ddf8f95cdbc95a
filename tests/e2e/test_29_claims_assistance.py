"""A member claims the costs they advanced for an assistance service (issue 14, AS-9) through the
gateway: they validate an assistance request, assistance opens the case, claims hears of it from
assistance's events (its own read model, no call to assistance), and the member attaches a claim
with the invoice to that case and service; the claim's detail shows the case. Ordinary health costs
and quotes are refused saying where to go instead; another member's case is refused like an
unknown one, and the claim is a 404 for them; an operator processes it and the costs are paid
back whole."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from e2e_support import sign_up_and_confirm, unique_email, unique_mobile, wait_until

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REQUESTS = "/v1/assistance/requests"


def day(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


async def assistance_member(gateway, mailbox, registry) -> dict:
    """A fresh member whose product (SANTE-CONFORT) has assistance guarantees."""
    [person] = await registry._fresh_members(1, True)
    person.update(product_code="SANTE-CONFORT")
    r = await gateway.post("/v1/contract-imports", json={"members": [person]},
                           headers={"Authorization": f"Bearer {registry.token}"})
    assert r.status_code == 200 and r.json()["refused"] == [], r.text
    token = await sign_up_and_confirm(gateway, mailbox, person, unique_email("as9"))
    return {"person": person, "auth": {"Authorization": f"Bearer {token}"}}


async def opened_case(gateway, who: dict) -> str:
    """A hospitalisation with home help, validated with a mobile number: the worker opens the case."""
    async def projected():
        r = await gateway.get("/v1/assistance/eligible-services", params={"event": "hospitalisation"},
                              headers=who["auth"])
        return r.status_code == 200
    await wait_until(projected, timeout=60, what="the contract in assistance's projection")
    r = await gateway.post("/v1/assistance/addresses", headers=who["auth"], json={
        "label": "Maison", "street_number": "4", "street": "rue de la République", "postcode": "69002", "city": "Lyon"})
    assert r.status_code == 201, r.text
    home = r.json()["id"]
    r = await gateway.post(REQUESTS, headers=who["auth"], json={"event": "hospitalisation", "event_date": day(2),
                                                                 "duration_days": 5})
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]
    r = await gateway.put(f"{REQUESTS}/{request_id}/selections", headers=who["auth"], json={"selections": [
        {"service": "home_help", "day": day(4), "slot": "08:00-10:00", "quantity": 4, "address_id": home}]})
    assert r.status_code == 200, r.text
    r = await gateway.post(f"{REQUESTS}/{request_id}/validate", headers={**who["auth"], "Idempotency-Key": uuid.uuid4().hex},
                           json={"phone": unique_mobile()})
    assert r.status_code == 201, r.text

    async def case_number():
        case = (await gateway.get(f"{REQUESTS}/{request_id}", headers=who["auth"])).json().get("case") or {}
        return case.get("case_number")
    return await wait_until(case_number, timeout=90, what="the assistance case to be opened")


def form(who: dict, case_number: str, **overrides) -> dict:
    return {"contract_number": who["person"]["contract_number"], "assistance_case_number": case_number,
            "assistance_service": "home_help", "care_date": day(-1),
            "billed": "96.00", **overrides}


def invoice():
    return [("documents", ("facture-aide-a-domicile.pdf", PDF, "application/pdf"))]


async def test_a_member_claims_home_help_costs_on_their_own_case_and_nobody_else_can(
        gateway, mailbox, registry, operator_token):
    a = await assistance_member(gateway, mailbox, registry)
    b = await assistance_member(gateway, mailbox, registry)
    case_number = await opened_case(gateway, a)

    async def claimed():  # claims' worker has heard of the case (assistance.case.v1) and the contract
        r = await gateway.post("/v1/claims", data=form(a, case_number), files=invoice(),
                               headers={**a["auth"], "Idempotency-Key": f"as9-{case_number}"}, timeout=60)
        return r if r.status_code == 201 else None
    claim = (await wait_until(claimed, timeout=90, what="claims to know the member's case")).json()
    assert (claim["kind"], claim["care_type"], claim["status"]) == ("assistance", None, "received")
    assert claim["assistance"] == {"case_number": case_number, "case_status": "opened", "service": "home_help",
                                   "service_label": "Aide à domicile"}
    detail = await gateway.get(f"/v1/claims/{claim['id']}", headers=a["auth"])
    assert detail.status_code == 200 and detail.json()["assistance"]["case_number"] == case_number

    # Ordinary health costs and quotes: refused, saying where to go instead.
    health = await gateway.post("/v1/claims", data=form(a, case_number, care_type="pharmacy"), files=invoice(),
                                headers=a["auth"])
    assert health.status_code == 422 and health.headers["content-type"].startswith("application/problem+json")
    assert health.json()["field"] == "care_type" and "demande de remboursement de soins" in health.json()["detail"]
    quote = await gateway.post("/v1/claims", data=form(a, case_number, document_kind="quote"), files=invoice(),
                               headers=a["auth"])
    assert quote.status_code == 422 and quote.json()["field"] == "document_kind"
    assert "Nouvelle demande de prestations" in quote.json()["detail"]

    # B: A's case on B's own contract is refused like an unknown number; A's claim is a 404.
    async def b_projected():
        r = await gateway.post("/v1/claims", data=form(b, case_number), files=invoice(), headers=b["auth"])
        return r if r.json().get("field") != "contract_number" else None
    stranger = await wait_until(b_projected, timeout=60, what="claims to know B's contract")
    assert stranger.status_code == 422 and stranger.json()["field"] == "assistance_case_number"
    assert "inconnu" in stranger.json()["detail"]
    assert (await gateway.get("/v1/claims", headers=b["auth"])).json() == []
    hidden = await gateway.get(f"/v1/claims/{claim['id']}", headers=b["auth"])
    assert hidden.status_code == 404 and case_number not in hidden.text

    # The back office sees the case and processes the claim: the advanced costs are paid back whole.
    operator = {"Authorization": f"Bearer {operator_token}"}
    for status in ("under_analysis", "processed", "paid"):
        step = await gateway.post("/v1/claim-decisions", json={"claim_id": claim["id"], "status": status},
                                  headers=operator)
        assert step.status_code == 200, step.text
        assert step.json()["assistance"]["case_number"] == case_number
    paid = (await gateway.get(f"/v1/claims/{claim['id']}", headers=a["auth"])).json()
    assert (paid["status"], paid["amounts"]["amc"], paid["amounts"]["out_of_pocket"]) == ("paid", "96.00", "0.00")
