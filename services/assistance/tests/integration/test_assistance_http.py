"""Assistance on the real PostgreSQL: the member's journey, the case-opening worker's handler, the
agents, bad input, ownership, health data sealed at rest, addresses, erasure and export."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from aiokafka import ConsumerRecord

from assistance.adapters.health_cipher import HealthCipher
from assistance.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.assistance import AssistanceRequested
from ms_events.events.contracts import BeneficiaryAdded, ContractRegistered, TerminationConfirmed
from ms_events.events.identity import AccountDeleted
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration

PARIS = ZoneInfo("Europe/Paris")
PATH = "/v1/assistance/requests"


def _record(topic: str, envelope: Envelope) -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=0, offset=0, timestamp=0, timestamp_type=0, key=None,
                          value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


@pytest.fixture
def runner(app, pool, settings):
    return ConsumerRunner("assistance", pool, kafka_config(settings, "worker"),
                          subscriptions(app.state.assistance))


def code_of(response) -> str:
    return response.json()["type"].rsplit("/", 1)[-1]


class Member:
    """A member holding a SANTE-CONFORT contract in contracts' projection, with a home address."""

    def __init__(self, client, token, runner) -> None:
        self.client, self.runner = client, runner
        self.account, self.person, self.contract = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        self.headers = token("member", subject=self.account, person_id=self.person)
        self.home: str = ""

    async def setup(self, product: str = "SANTE-CONFORT") -> "Member":
        event = ContractRegistered(contract_id=self.contract, contract_number="104233", category="sante",
                                   product_code=product, holder_id=self.person, start_date=date(2024, 1, 1),
                                   registered_at=datetime.now(UTC))
        assert await self.runner.process(_record("contracts.contract.v1", Envelope.wrap(event))) == "handled"
        response = await self.client.post("/v1/assistance/addresses", headers=self.headers, json={
            "label": "Maison", "street_number": "12", "street": "rue des Lilas", "postcode": "69003", "city": "Lyon"})
        assert response.status_code == 201, response.text
        self.home = response.json()["id"]
        return self

    async def declare(self, **body) -> dict:
        response = await self.client.post(PATH, headers=self.headers, json={
            "event": "hospitalisation", "event_date": (date.today() + timedelta(days=3)).isoformat(), **body})
        assert response.status_code == 201, response.text
        return response.json()

    def selection(self, service: str = "home_help", quantity: int = 4, days: int = 5, **extra) -> dict:
        return {"service": service, "day": (date.today() + timedelta(days=days)).isoformat(), "slot": "08:00-10:00",
                "quantity": quantity, "address_id": self.home, **extra}

    async def select(self, request_id: str, *selections: dict):
        return await self.client.put(f"{PATH}/{request_id}/selections", headers=self.headers,
                                     json={"selections": list(selections)})


@pytest.fixture
async def member(client, token, runner) -> Member:
    return await Member(client, token, runner).setup()


async def _opened_by_worker(runner, pool, request_id: str) -> str:
    row = await pool.fetchrow("select payload from outbox where key = $1 and event_type = 'AssistanceRequested'",
                              request_id)
    envelope = Envelope.from_bytes(bytes(row["payload"]))
    return await runner.process(_record("assistance.request.v1", envelope))


# ---- catalogue and browsing ----------------------------------------------------------------------


async def test_browsing_the_contracts_services_for_an_event_needs_no_request_and_shows_no_price(member, pool):
    response = await member.client.get("/v1/assistance/eligible-services", headers=member.headers,
                                       params={"event": "hospitalisation"})
    assert response.status_code == 200, response.text
    services = {s["service"]: s for s in response.json()["services"]}
    assert {"home_help", "school_transport", "childcare"} <= set(services)
    assert services["home_help"]["included_in_contract"] and "price" not in response.text
    assert await pool.fetchval("select count(*) from assistance_request where account_id = $1", member.account) == 0


async def test_a_member_without_a_contract_with_assistance_is_told_so(client, token):
    response = await client.get("/v1/assistance/eligible-services", params={"event": "birth"},
                                headers=token("member", person_id=uuid.uuid4()))
    assert response.status_code == 409 and code_of(response) == "no-assistance-contract"


async def test_naming_a_contract_that_is_not_the_members_is_not_found(member, client, token, runner):
    other = await Member(client, token, runner).setup()
    response = await client.get("/v1/assistance/eligible-services", headers=member.headers,
                                params={"event": "hospitalisation", "contract_id": str(other.contract)})
    assert response.status_code == 404


async def test_a_beneficiary_of_a_contract_gets_nothing_from_it_only_its_holder_does(member, client, token, runner):
    """Only contracts the member holds count: the holder's spouse, a beneficiary with an account of
    their own (their person_id), sees no contract and declares nothing on it."""
    spouse = uuid.uuid4()
    added = BeneficiaryAdded(contract_id=member.contract, holder_id=member.person, beneficiary_id=spouse,
                             relationship="spouse", added_at=datetime.now(UTC))
    await runner.process(_record("contracts.contract.v1", Envelope.wrap(added)))
    headers = token("member", person_id=spouse)
    browse = await client.get("/v1/assistance/eligible-services", params={"event": "hospitalisation"}, headers=headers)
    assert browse.status_code == 409 and code_of(browse) == "no-assistance-contract"
    named = await client.get("/v1/assistance/eligible-services", headers=headers,
                             params={"event": "hospitalisation", "contract_id": str(member.contract)})
    assert named.status_code == 404
    declared = await client.post(PATH, headers=headers, json={
        "event": "hospitalisation", "event_date": date.today().isoformat(), "contract_id": str(member.contract)})
    assert declared.status_code == 404
    mine = await member.client.get("/v1/assistance/eligible-services", headers=member.headers,
                                   params={"event": "hospitalisation"})
    assert mine.status_code == 200 and mine.json()["contract_id"] == str(member.contract)


async def test_a_contract_of_an_account_the_member_linked_is_their_own(member, client, token):
    """« Réunir vos comptes » (ID-12): the contracts of the persons linked to the member's account
    (``linked_person_ids``) are the member's own, as in contracts."""
    headers = token("member", person_id=uuid.uuid4(), linked_person_ids=[str(member.person)])
    browse = await client.get("/v1/assistance/eligible-services", params={"event": "hospitalisation"}, headers=headers)
    assert browse.status_code == 200 and browse.json()["contract_id"] == str(member.contract)


async def _eventually(client, headers: dict, expected: int, seconds: float = 5.0):
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        response = await client.get("/v1/assistance/eligible-services", params={"event": "hospitalisation"},
                                    headers=headers)
        if response.status_code == expected or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.05)


async def test_the_cached_catalogue_read_follows_the_projection_as_soon_as_it_changes(client, token, runner, app):
    """The holder's contracts are kept in memory for the catalogue read; the projection's commit
    empties the copy (NOTIFY), so a registration and a termination show at once, not after a TTL."""
    person, contract = uuid.uuid4(), uuid.uuid4()
    headers = token("member", person_id=person)
    cache = app.state.contracts_cache
    for _ in range(50):  # no contract yet, and that is what the cache keeps (once it listens)
        assert (await _eventually(client, headers, 409, 0)).status_code == 409
        if cache.lookup(person) == []:
            break
        await asyncio.sleep(0.05)
    assert cache.lookup(person) == []
    registered = ContractRegistered(contract_id=contract, contract_number="104299", category="sante",
                                    product_code="SANTE-OPTIMUM", holder_id=person, start_date=date(2024, 1, 1),
                                    registered_at=datetime.now(UTC))
    assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(registered))) == "handled"
    response = await _eventually(client, headers, 200, 2.0)
    assert response.status_code == 200 and response.json()["contract_id"] == str(contract)
    ended = TerminationConfirmed(termination_id=uuid.uuid4(), contract_id=contract, contract_number="104299",
                                 holder_id=person, reason="other", effective_date=date.today() - timedelta(days=1),
                                 confirmed_at=datetime.now(UTC))
    assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(ended))) == "handled"
    response = await _eventually(client, headers, 409, 2.0)
    assert response.status_code == 409 and code_of(response) == "no-assistance-contract"


async def test_two_requests_for_the_same_event_validated_at_once_never_exceed_the_quota(member):
    """The quota per event is re-checked at validation with validations of one event taking turns:
    two requests taking 6 of the 10 hours each, validated at the same moment, give one 201 and one
    problem naming the quantity."""
    event_date = (date.today() + timedelta(days=2)).isoformat()
    ids = []
    for _ in range(2):
        request = await member.declare(event_date=event_date, duration_days=5)
        assert (await member.select(request["id"], member.selection(quantity=6))).status_code == 200
        ids.append(request["id"])
    answers = await asyncio.gather(*(member.client.post(
        f"{PATH}/{i}/validate", headers={"Idempotency-Key": uuid.uuid4().hex, **member.headers}, json={})
        for i in ids))
    assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]
    refused = next(a for a in answers if a.status_code == 422)
    assert code_of(refused) == "quota-exceeded" and refused.json()["field"] == "selections.0.quantity"


async def test_a_request_declared_under_a_retired_key_takes_turns_with_one_declared_under_the_sealing_key(
        member, app, pool):
    """After a key rotation a draft's stored event fingerprint is under the old key: its validation
    takes the event's lock under the sealing key (computed, not the stored one), the same lock as a
    draft declared after the rotation, and counts it in the quota. Two drafts of the same event,
    one on each side of the rotation, 6 of the 10 hours each, validated at once: one 201, one
    problem naming the quantity."""
    event_date = (date.today() + timedelta(days=2)).isoformat()
    before = await member.declare(event_date=event_date, duration_days=5)
    ctx = app.state.assistance
    rotated = HealthCipher((("rotated" + uuid.uuid4().hex[:8], os.urandom(32)),) + ctx.cipher.keys)
    app.state.assistance = dataclasses.replace(ctx, cipher=rotated)
    try:
        after = await member.declare(event_date=event_date, duration_days=5)
        stored = dict(await pool.fetch(
            "select id::text, event_fingerprint from assistance_request where id = any($1::uuid[])",
            [before["id"], after["id"]]))
        assert stored[before["id"]].split(".")[0] == ctx.cipher.current_key_id
        assert stored[after["id"]].split(".")[0] == rotated.current_key_id
        for request in (before, after):
            assert (await member.select(request["id"], member.selection(quantity=6))).status_code == 200
        answers = await asyncio.gather(*(member.client.post(
            f"{PATH}/{r['id']}/validate", headers={"Idempotency-Key": uuid.uuid4().hex, **member.headers}, json={})
            for r in (before, after)))
        assert sorted(a.status_code for a in answers) == [201, 422], [a.text for a in answers]
        refused = next(a for a in answers if a.status_code == 422)
        assert code_of(refused) == "quota-exceeded" and refused.json()["field"] == "selections.0.quantity"
    finally:
        app.state.assistance = ctx


# ---- the journey -----------------------------------------------------------------------------------


async def test_the_journey_validates_once_and_the_worker_opens_one_case_with_a_number(member, runner, pool):
    request = await member.declare()
    answered = await member.client.post(f"{PATH}/{request['id']}/answers", headers=member.headers,
                                        json={"answers": {"duration_days": 5, "needs_housework_help": True}})
    assert answered.status_code == 200, answered.text
    assert answered.json()["services"][0] == {**answered.json()["services"][0], "service": "home_help",
                                               "recommended": True}
    selected = await member.select(request["id"], member.selection(), member.selection("school_transport", 2,
                                                                                       address_id=None))
    assert selected.status_code == 200, selected.text
    summary = selected.json()
    assert [s["service"] for s in summary["selections"]] == ["home_help", "school_transport"]
    assert summary["selections"][0]["address"]["city"] == "Lyon" and summary["selections"][0]["slot"] == "08:00-10:00"

    key = {"Idempotency-Key": uuid.uuid4().hex, **member.headers}
    first = await member.client.post(f"{PATH}/{request['id']}/validate", headers=key, json={"phone": "06 12 34 56 78"})
    again = await member.client.post(f"{PATH}/{request['id']}/validate", headers=key, json={"phone": "06 12 34 56 78"})
    assert (first.status_code, again.status_code) == (201, 200), first.text
    assert await pool.fetchval("select count(*) from outbox where key = $1", request["id"]) == 1

    # The stack's own case-opening worker may read the same event from Kafka first: once, either way.
    assert await _opened_by_worker(runner, pool, request["id"]) in ("handled", "duplicate")
    assert await _opened_by_worker(runner, pool, request["id"]) == "duplicate"
    case = (await member.client.get(f"{PATH}/{request['id']}", headers=member.headers)).json()["case"]
    assert case["status"] == "opened" and case["case_number"].startswith("AS-")
    assert await pool.fetchval("select count(*) from assistance_case where request_id = $1",
                               uuid.UUID(request["id"])) == 1
    sms = await pool.fetchrow("select topic, payload from outbox where event_type = 'AssistanceCaseNumberToSend' "
                              "and key = $1", str(case["id"]))
    assert sms["topic"] == "assistance.secret.v1" and case["case_number"] in bytes(sms["payload"]).decode()


async def test_a_redelivered_request_under_another_event_id_opens_no_second_case(member, runner, pool):
    request = await member.declare(duration_days=5)
    await member.select(request["id"], member.selection())
    await member.client.post(f"{PATH}/{request['id']}/validate", headers=member.headers, json={"phone": "0612345678"})
    row = await pool.fetchrow("select payload from outbox where key = $1", request["id"])
    event = AssistanceRequested(**Envelope.from_bytes(bytes(row["payload"])).data)
    assert await runner.process(_record("assistance.request.v1", Envelope.wrap(event))) == "handled"
    assert await runner.process(_record("assistance.request.v1", Envelope.wrap(event))) == "handled"
    assert await pool.fetchval("select count(*) from assistance_case where request_id = $1",
                               uuid.UUID(request["id"])) == 1
    assert await pool.fetchval("select count(*) from outbox where event_type = 'AssistanceCaseOpened' and "
                               "convert_from(payload, 'UTF8') like $1", f"%{request['id']}%") == 1


async def test_the_requested_event_carries_no_health_data(member, pool):
    request = await member.declare(duration_days=5)
    await member.select(request["id"], member.selection())
    await member.client.post(f"{PATH}/{request['id']}/validate", headers=member.headers, json={})
    payload = bytes(await pool.fetchval("select payload from outbox where key = $1", request["id"])).decode()
    assert "hospitalisation" not in payload and "duration" not in payload and "Lilas" not in payload


async def test_after_validation_nothing_is_edited_and_the_answer_points_to_a_callback(member):
    request = await member.declare(duration_days=5)
    await member.select(request["id"], member.selection())
    await member.client.post(f"{PATH}/{request['id']}/validate", headers=member.headers, json={})
    for response in (await member.select(request["id"], member.selection(quantity=1)),
                     await member.client.delete(f"{PATH}/{request['id']}", headers=member.headers),
                     await member.client.post(f"{PATH}/{request['id']}/validate", headers=member.headers, json={})):
        assert response.status_code == 409 and response.headers["content-type"].startswith("application/problem+json")
        body = response.json()
        assert code_of(response) == "request-validated" and body["callback"]["booking_url"] == "/v1/callbacks"
        assert {r["label"] for r in body["callback"]["reasons"]} == {"Suivi d'un dossier en cours",
                                                                    "Nouvelle demande de prestations"}


async def test_an_incomplete_request_goes_to_the_agents_queue_with_its_48_hour_deadline(member, runner, pool, client,
                                                                                       token):
    request = await member.declare()  # no duration: "plus de 2 jours" to confirm; no phone
    await member.select(request["id"], member.selection())
    validated = await member.client.post(f"{PATH}/{request['id']}/validate", headers=member.headers, json={})
    assert await _opened_by_worker(runner, pool, request["id"]) in ("handled", "duplicate")
    summary = (await member.client.get(f"{PATH}/{request['id']}", headers=member.headers)).json()
    assert summary["status"] == "to_check" and summary["case"]["case_number"] is None
    validated_at = datetime.fromisoformat(validated.json()["validated_at"])
    assert datetime.fromisoformat(summary["check_by"]) == validated_at + timedelta(hours=48)

    agent = uuid.uuid4()
    agent_headers = token("agent", subject=agent)
    assert (await client.get("/v1/assistance-queue", headers=member.headers)).status_code == 403
    queue = (await client.get("/v1/assistance-queue", headers=agent_headers)).json()
    item = next(q for q in queue if q["request_id"] == request["id"])
    assert item["status"] == "to_check" and len(item["missing"]) == 2 and "hospitalisation" not in str(item)
    case_id = item["case_id"]
    assert (await client.get(f"/v1/assistance-cases/{case_id}", headers=agent_headers)).status_code == 409
    assert (await client.post(f"/v1/assistance-cases/{case_id}/take", headers=agent_headers)).status_code == 204
    view = await client.get(f"/v1/assistance-cases/{case_id}", headers=agent_headers)
    assert view.status_code == 200 and view.json()["request"]["event"] == "hospitalisation"
    opened = await client.post(f"/v1/assistance-cases/{case_id}/open", headers=agent_headers,
                               json={"phone": "06 98 76 54 32", "duration_days": 4})
    assert opened.status_code == 200, opened.text
    assert opened.json()["request"]["case"]["case_number"].startswith("AS-")
    status = await client.post(f"/v1/assistance-cases/{case_id}/status", headers=agent_headers,
                               json={"status": "services_scheduled"})
    assert status.status_code == 200
    seen = (await member.client.get(f"{PATH}/{request['id']}", headers=member.headers)).json()["case"]
    assert seen["status"] == "services_scheduled"
    log = (await member.client.get(f"{PATH}/{request['id']}/access-log", headers=member.headers)).json()
    assert [entry["agent_id"] for entry in log] == [str(agent)] * len(log) and len(log) >= 2


# ---- bad input, ownership --------------------------------------------------------------------------


@pytest.mark.parametrize("change,code,field", [
    ({"days": -1}, "slot-in-the-past", "selections.0.day"),
    ({"address_id": str(uuid.uuid4())}, "address-not-found", "selections.0.address_id"),
    ({"service": "relative_at_bedside", "quantity": 1, "address_id": None}, "condition-not-met",
     "selections.0.service"),
    ({"quantity": 11}, "quota-exceeded", "selections.0.quantity"),
])
async def test_a_bad_selection_is_a_problem_naming_the_field_and_nothing_is_written(member, pool, change, code, field):
    request = await member.declare(duration_days=3)
    await member.select(request["id"], member.selection(quantity=1))
    response = await member.select(request["id"], member.selection(**change))
    assert response.status_code == 422 and response.headers["content-type"].startswith("application/problem+json")
    assert (code_of(response), response.json()["field"]) == (code, field)
    assert await pool.fetchval("select quantity from selection where request_id = $1", uuid.UUID(request["id"])) == 1


async def test_a_service_outside_the_contract_is_refused(client, token, runner):
    member = await Member(client, token, runner).setup("SANTE-ESSENTIEL")
    request = await member.declare(duration_days=5)
    response = await member.select(request["id"], member.selection("pet_care", 1))
    assert response.status_code == 422 and code_of(response) == "service-not-in-contract"


async def test_a_member_cannot_see_or_touch_another_members_request(member, client, token, runner):
    request = await member.declare()
    other = await Member(client, token, runner).setup()
    for response in (await client.get(f"{PATH}/{request['id']}", headers=other.headers),
                     await other.select(request["id"], other.selection()),
                     await client.get(f"{PATH}/{request['id']}/access-log", headers=other.headers),
                     await client.post(f"{PATH}/{request['id']}/validate", headers=other.headers, json={})):
        assert response.status_code == 404


# ---- health data at rest (AS-10) ---------------------------------------------------------------


async def test_a_dump_of_the_assistance_tables_shows_no_readable_health_data(member, pool):
    request = await member.declare(duration_days=17)
    await member.client.post(f"{PATH}/{request['id']}/answers", headers=member.headers,
                             json={"answers": {"lives_alone": True, "has_pets": True}})
    tables = [r["tablename"] for r in await pool.fetch("select tablename from pg_tables where schemaname = 'public'")]
    dump = "".join([str([dict(r) for r in await pool.fetch(f'select * from "{t}"')]) for t in tables])
    assert request["id"] in dump
    for word in ("hospitalisation", "lives_alone", "has_pets", "duration_days"):
        assert word not in dump, word


async def test_pg_dump_of_the_assistance_database_shows_no_readable_health_data(member, settings):
    """The proof as an operator would run it: pg_dump of the whole database (data and schema)."""
    request = await member.declare(event="immobilisation", duration_days=23)
    answered = await member.client.post(f"{PATH}/{request['id']}/answers", headers=member.headers,
                                        json={"answers": {"lives_alone": True, "cannot_cook": True}})
    assert answered.status_code == 200, answered.text
    dump = await asyncio.to_thread(subprocess.run, ["pg_dump", "--no-owner", "--dbname", settings.dsn],
                                   capture_output=True, text=True, check=True, timeout=120)
    assert request["id"] in dump.stdout
    for word in ("immobilisation", "lives_alone", "cannot_cook", "duration_days"):
        assert word not in dump.stdout, word


# ---- addresses (AS-8) --------------------------------------------------------------------------------


async def test_a_postcode_not_of_the_city_is_refused_naming_the_field(member):
    response = await member.client.post("/v1/assistance/addresses", headers=member.headers, json={
        "label": "École", "street": "rue Victor Hugo", "postcode": "75001", "city": "Lyon"})
    assert response.status_code == 422 and response.json()["field"] == "postcode"


async def test_an_address_a_planned_trip_uses_cannot_be_deleted_and_the_answer_names_the_trip(member, pool):
    school = (await member.client.post("/v1/assistance/addresses", headers=member.headers, json={
        "label": "École Jean Jaurès", "street_number": "3", "street": "rue Paul Bert", "postcode": "69003",
        "city": "Lyon"})).json()
    # The trip row as plan_trip writes it (its child check asks contracts' API, exercised end to end).
    await pool.execute(
        """insert into school_trip (id, account_id, contract_id, child_id, child_first_name, from_address_id,
                                    to_address_id, pickup_at, status, created_at)
           values ($1, $2, $3, $4, 'Louis', $5, $6, $7, 'planned', now())""",
        uuid.uuid4(), member.account, member.contract, uuid.uuid4(), uuid.UUID(member.home), uuid.UUID(school["id"]),
        datetime.now(UTC) + timedelta(days=2))
    response = await member.client.delete(f"/v1/assistance/addresses/{school['id']}", headers=member.headers)
    assert response.status_code == 409 and response.json()["trip"]["label"] == "Maison → École Jean Jaurès"
    assert "Maison → École Jean Jaurès" in response.json()["detail"]


# ---- erasure and export --------------------------------------------------------------------------------


async def test_the_export_opens_the_members_health_data_for_a_service_only(member, client, token):
    request = await member.declare(duration_days=5)
    query = {"account_id": str(member.account)}
    response = await client.get("/internal/v1/personal-data", params=query, headers=token("service"))
    assert response.status_code == 200
    assert response.json()["data"]["requests"][0]["event"] == "hospitalisation"
    assert response.json()["data"]["requests"][0]["id"] == request["id"]
    assert (await client.get("/internal/v1/personal-data", params=query, headers=member.headers)).status_code == 403


async def test_account_deleted_erases_requests_and_addresses_once(member, runner, pool):
    await member.declare()
    envelope = Envelope.wrap(AccountDeleted(account_id=member.account, person_id=None, kind="member",
                                            deleted_at=datetime.now(UTC)))
    assert await runner.process(_record("identity.account.v1", envelope)) == "handled"
    assert await runner.process(_record("identity.account.v1", envelope)) == "duplicate"
    for table in ("assistance_request", "address"):
        assert await pool.fetchval(f"select count(*) from {table} where account_id = $1", member.account) == 0
