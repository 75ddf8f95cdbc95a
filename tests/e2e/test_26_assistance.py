"""Assistance through the gateway (issue 13, AS-1..AS-8, AS-10): a member declares a planned
hospitalisation, gets home help and school transport, plans a school trip the carrier receives,
validates once, receives the French confirmation email in var/mail and the case number by SMS at
the stand-in; after validation the answer points to a callback; bad input is problem+json naming
the field; nobody else sees the request; killing the case-opening worker mid-stream loses no case
and opens none twice."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import uuid
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest

from e2e_support import (
    PASSWORD, PYTHON, ROOT, sign_up_and_confirm, sms_to, stack, unique_email, unique_mobile, wait_running, wait_until,
)

pytestmark = pytest.mark.e2e

CARRIER_OUTBOX = Path(os.environ.get("CARRIER_OUTBOX", ROOT / "var" / "carrier"))
PATH = "/v1/assistance/requests"


def e164(national: str) -> str:
    return "+33" + national[1:]


def day(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def code_of(response: httpx.Response) -> str:
    return response.json()["type"].rsplit("/", 1)[-1]


async def signed_up_member(gateway, mailbox, registry, product: str = "SANTE-CONFORT") -> dict:
    """A fresh member of the registry whose contract has assistance guarantees and a child."""
    [person] = await registry._fresh_members(1, True)
    person.update(product_code=product, beneficiaries=[
        {"last_name": person["last_name"], "first_name": "Louis", "birth_date": "2016-06-02", "relationship": "child"}])
    r = await gateway.post("/v1/contract-imports", json={"members": [person]},
                           headers={"Authorization": f"Bearer {registry.token}"})
    assert r.status_code == 200 and r.json()["refused"] == [], r.text
    address = unique_email("assistance")
    token = await sign_up_and_confirm(gateway, mailbox, person, address)
    return {"email": address, "auth": {"Authorization": f"Bearer {token}"}, "person": person}


async def staff_token(gateway: httpx.AsyncClient, kind: str) -> str:
    address = unique_email(kind)
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", kind, "--email", address,
         "--first-name", "Agathe", "--last-name", "Assistance"],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60)
    r = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["access_token"]


async def add_address(gateway, member, label: str, number: str, street: str) -> dict:
    r = await gateway.post("/v1/assistance/addresses", headers=member["auth"], json={
        "label": label, "street_number": number, "street": street, "postcode": "69003", "city": "Lyon"})
    assert r.status_code == 201, r.text
    return r.json()


async def eventually_projected(gateway, member, event: str = "hospitalisation") -> dict:
    """The member's contract reaches assistance's projection through Kafka: wait for it."""
    found: dict = {}

    async def browsable():
        r = await gateway.get("/v1/assistance/eligible-services", params={"event": event}, headers=member["auth"])
        found.update(r.json() if r.status_code == 200 else {})
        return r.status_code == 200

    await wait_until(browsable, timeout=60, what="the member's contract in assistance's projection")
    return found


@pytest.fixture(scope="module")
async def member(gateway, mailbox, registry) -> dict:
    return await signed_up_member(gateway, mailbox, registry)


async def test_a_member_declares_a_hospitalisation_gets_home_help_and_school_transport_and_a_case_number_by_sms(
        gateway, mailbox, member, sms_provider):
    browsed = await eventually_projected(gateway, member)
    services = {s["service"]: s for s in browsed["services"]}
    assert {"home_help", "school_transport"} <= set(services) and services["home_help"]["included_in_contract"]
    home = await add_address(gateway, member, "Maison", "12", "rue des Lilas")
    school = await add_address(gateway, member, "École Jean Jaurès", "3", "rue Paul Bert")

    r = await gateway.post(PATH, headers=member["auth"], json={"event": "hospitalisation", "event_date": day(3)})
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]
    r = await gateway.post(f"{PATH}/{request_id}/answers", headers=member["auth"], json={"answers": {
        "duration_days": 6, "needs_housework_help": True, "children_under_16": True}})
    assert r.status_code == 200, r.text
    recommended = {s["service"] for s in r.json()["services"] if s["recommended"]}
    assert {"home_help", "school_transport", "childcare"} == recommended

    r = await gateway.put(f"{PATH}/{request_id}/selections", headers=member["auth"], json={"selections": [
        {"service": "home_help", "day": day(5), "slot": "08:00-10:00", "quantity": 6, "address_id": home["id"]},
        {"service": "school_transport", "day": day(5), "slot": "14:00-16:00", "quantity": 4}]})
    assert r.status_code == 200, r.text
    summary = r.json()
    assert [(s["label"], s["slot"]) for s in summary["selections"]] == [
        ("Aide à domicile", "08:00-10:00"), ("Conduite des enfants à l'école", "14:00-16:00")]
    assert summary["selections"][0]["address"]["label"] == "Maison" and summary["editable"]

    # The school trip for the child on the contract, between two of the member's addresses.
    [contract] = (await gateway.get("/v1/contracts", headers=member["auth"])).json()
    children = (await gateway.get(f"/v1/contracts/{contract['id']}/beneficiaries", headers=member["auth"])).json()
    louis = next(c for c in children if c["first_name"] == "Louis")
    r = await gateway.post("/v1/assistance/school-trips", headers=member["auth"], json={
        "child_id": louis["id"], "from_address_id": home["id"], "to_address_id": school["id"], "day": day(5),
        "pickup_time": "08:15"})
    assert r.status_code == 201, r.text
    trip_id = r.json()["id"]

    phone = unique_mobile()
    key = {**member["auth"], "Idempotency-Key": uuid.uuid4().hex}
    first = await gateway.post(f"{PATH}/{request_id}/validate", headers=key, json={"phone": phone})
    again = await gateway.post(f"{PATH}/{request_id}/validate", headers=key, json={"phone": phone})
    assert (first.status_code, again.status_code) == (201, 200), first.text

    def confirmations() -> list:
        return [m for m in mailbox.messages_to(member["email"])
                if "Votre demande d'assistance est bien enregistrée" in str(m["Subject"])]

    async def confirmed():
        return bool(confirmations())

    await wait_until(confirmed, timeout=60, what="the confirmation email in var/mail")
    [email] = confirmations()
    text = email.get_body(("plain",)).get_content()
    assert "Aide à domicile" in text and "Conduite des enfants à l'école" in text and "rien à payer" in text
    assert "hospitalisation" not in text.lower()  # health data stays out of the email

    async def case_number_sent():
        return bool(sms_to(e164(phone)))

    await wait_until(case_number_sent, timeout=90, what="the case number SMS")
    [sms] = sms_to(e164(phone))
    case = (await gateway.get(f"{PATH}/{request_id}", headers=member["auth"])).json()["case"]
    assert case["status"] == "opened" and case["case_number"] in sms["text"]

    async def carrier_has_it():
        return any(json.loads(p.read_text()).get("reference") == trip_id for p in CARRIER_OUTBOX.glob("*.json"))

    await wait_until(carrier_has_it, timeout=60, what="the school trip at the carrier stand-in")

    # A planned trip keeps its addresses; after validation the answer points to a callback.
    r = await gateway.delete(f"/v1/assistance/addresses/{school['id']}", headers=member["auth"])
    assert r.status_code == 409 and "Maison → École Jean Jaurès" in r.json()["detail"]
    r = await gateway.put(f"{PATH}/{request_id}/selections", headers=member["auth"], json={"selections": []})
    assert r.status_code == 409 and code_of(r) == "request-validated"
    callback = r.json()["callback"]
    assert {x["label"] for x in callback["reasons"]} == {"Suivi d'un dossier en cours", "Nouvelle demande de prestations"}
    assert (await gateway.get(callback["slots_url"])).status_code == 200


async def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_written(gateway, member):
    await eventually_projected(gateway, member)
    home = await add_address(gateway, member, "Appartement", "21", "cours Gambetta")
    r = await gateway.post(PATH, headers=member["auth"], json={"event": "birth", "event_date": day(30)})
    request_id = r.json()["id"]
    cases = [
        ({"service": "home_help", "day": day(-1), "slot": "08:00-10:00", "quantity": 1, "address_id": home["id"]},
         "slot-in-the-past", "selections.0.day"),
        ({"service": "home_help", "day": day(35), "slot": "08:00-10:00", "quantity": 1, "address_id": str(uuid.uuid4())},
         "address-not-found", "selections.0.address_id"),
        ({"service": "childcare", "day": day(35), "slot": "08:00-10:00", "quantity": 1, "address_id": home["id"]},
         "service-not-in-contract", "selections.0.service"),
        ({"service": "home_help", "day": day(35), "slot": "08:00-10:00", "quantity": 999, "address_id": home["id"]},
         "quota-exceeded", "selections.0.quantity"),
    ]
    for selection, code, field in cases:
        r = await gateway.put(f"{PATH}/{request_id}/selections", headers=member["auth"],
                              json={"selections": [selection]})
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), r.text
        assert (code_of(r), r.json()["field"]) == (code, field)
    r = await gateway.post("/v1/assistance/addresses", headers=member["auth"], json={
        "label": "École", "street": "rue Victor Hugo", "postcode": "75001", "city": "Lyon"})
    assert r.status_code == 422 and r.json()["field"] == "postcode"
    assert (await gateway.get(f"{PATH}/{request_id}", headers=member["auth"])).json()["selections"] == []


async def test_nobody_else_sees_a_request_and_the_agents_routes_refuse_members(gateway, mailbox, registry, member):
    await eventually_projected(gateway, member)
    mine = (await gateway.post(PATH, headers=member["auth"], json={"event": "immobilisation",
                                                                    "event_date": day(1)})).json()
    other = await signed_up_member(gateway, mailbox, registry)
    for response in (await gateway.get(f"{PATH}/{mine['id']}", headers=other["auth"]),
                     await gateway.get(f"{PATH}/{mine['id']}/access-log", headers=other["auth"]),
                     await gateway.post(f"{PATH}/{mine['id']}/validate", headers=other["auth"], json={})):
        assert response.status_code == 404
    assert (await gateway.get("/v1/assistance-queue", headers=member["auth"])).status_code == 403
    assert (await gateway.get("/v1/assistance-queue")).status_code == 401
    agent = {"Authorization": f"Bearer {await staff_token(gateway, 'agent')}"}
    assert (await gateway.get("/v1/assistance-queue", headers=agent)).status_code == 200
    assert (await gateway.get(PATH, headers=agent)).status_code == 403


async def test_killing_the_case_opening_worker_mid_stream_loses_no_case_and_opens_none_twice(gateway, member):
    await eventually_projected(gateway, member)
    home = await add_address(gateway, member, "Domicile", "7", "rue Garibaldi")
    requests: list[str] = []
    total, kills = 24, (8, 16)
    for i in range(total):
        if i in kills:
            await asyncio.to_thread(wait_running, "assistance-worker")
            stack("kill", "assistance-worker")  # SIGKILL; supervisord starts it again
        # A separate event (its own date) each time: each has its own quota.
        r = await gateway.post(PATH, headers=member["auth"], json={"event": "immobilisation", "event_date": day(-i),
                                                                     "duration_days": 10})
        request_id = r.json()["id"]
        r = await gateway.put(f"{PATH}/{request_id}/selections", headers=member["auth"], json={"selections": [
            {"service": "home_help", "day": day(2), "slot": "10:00-12:00", "quantity": 1, "address_id": home["id"]}]})
        assert r.status_code == 200, r.text
        r = await gateway.post(f"{PATH}/{request_id}/validate", headers=member["auth"],
                               json={"phone": unique_mobile()})
        assert r.status_code == 201, r.text
        requests.append(request_id)

    async def all_opened():
        listed = (await gateway.get(PATH, headers=member["auth"])).json()
        return sum(1 for r in listed if r["id"] in requests and r["status"] == "case_opened") == total

    await wait_until(all_opened, timeout=180, interval=2, what="a case for every request")
    conn = await asyncpg.connect(os.environ["ASSISTANCE_DATABASE_URL"])
    try:
        ids = [uuid.UUID(r) for r in requests]
        cases = await conn.fetch("select id, case_number from assistance_case where request_id = any($1)", ids)
        opened = await conn.fetchval(
            "select count(*) from outbox where event_type = 'AssistanceCaseOpened' and key = any($1::text[])",
            [str(c["id"]) for c in cases])
    finally:
        await conn.close()
    assert len(cases) == total and len({c["case_number"] for c in cases}) == total
    assert opened == total
