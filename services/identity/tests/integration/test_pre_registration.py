"""ID-13 on the real PostgreSQL: affiliation's EmployeeAffiliated, through the consumer runner
(inbox), pre-registers the employee once; the activation's secret goes only on the private topic;
the emailed link activates the space at once, the letter's code with the address the employee gives
(confirmed like a sign-up's); a used, unknown or refused activation is a problem naming its field."""

import json
import uuid
from datetime import UTC, date, datetime

import jwt
import pytest
from aiokafka import ConsumerRecord

from identity.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.affiliation import EmployeeAffiliated, PostalAddress
from ms_events.events.contracts import ContractRegistered
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration

PASSWORD = "Violette-Ecluse#2031"


def affiliated(**changes) -> EmployeeAffiliated:
    fields = dict(
        employee_id=uuid.uuid4(), request_id=uuid.uuid4(), siren="732829320", company_name="Boulangerie Durand",
        group_contract_id=uuid.uuid4(), contract_number="GS-732829320", category="sante", options=[],
        first_name="Inès", last_name="Martin", birth_date=date(1991, 6, 20),
        email=f"salarie-{uuid.uuid4().hex[:10]}@example.org",
        address=PostalAddress(line1="3 place du Marché", postcode="69002", city="Lyon"),
        start_date=date(2025, 1, 1), source="online", affiliated_at=datetime.now(UTC))
    return EmployeeAffiliated(**{**fields, **changes})


def record(envelope: Envelope) -> ConsumerRecord:
    topic = "contracts.contract.v1" if envelope.type == "ContractRegistered" else "affiliation.employee.v1"
    return ConsumerRecord(topic=topic, partition=0, offset=0, timestamp=0, timestamp_type=0,
                          key=None, value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


@pytest.fixture
def runner(app):
    return ConsumerRunner("identity", app.state.pool, kafka_config(app.state.settings, "worker"), subscriptions())


async def outbox(db, account_id, event_type: str) -> list[dict]:
    rows = await db.fetch("select topic, payload from outbox where key = $1 and event_type = $2 order by position",
                          str(account_id), event_type)
    return [{"topic": r["topic"], **json.loads(r["payload"])["data"]} for r in rows]


async def pre_registered(runner, db, event: EmployeeAffiliated) -> tuple[dict, dict]:
    assert await runner.process(record(Envelope.wrap(event))) == "handled"
    account = await db.fetchrow("select * from account where affiliation_employee_id = $1", event.employee_id)
    assert account is not None
    [secret] = await outbox(db, account["id"], "ActivationRequested")
    return dict(account), secret


async def test_an_employee_with_an_email_is_pre_registered_once_and_the_link_travels_privately(runner, db):
    event = affiliated()
    envelope = Envelope.wrap(event)
    assert await runner.process(record(envelope)) == "handled"
    assert await runner.process(record(envelope)) == "duplicate"
    assert await runner.process(record(Envelope.wrap(event))) == "handled"  # the same employee again
    accounts = await db.fetch("select * from account where affiliation_employee_id = $1", event.employee_id)
    assert len(accounts) == 1
    account = accounts[0]
    assert (account["status"], account["kind"], account["person_id"], account["category"], account["email"]) == (
        "pre_registered", "member", event.employee_id, "sante", event.email)
    assert account["password_hash"] is None and account["contract_number"] is None
    [public] = await outbox(db, account["id"], "AccountPreRegistered")
    assert public["topic"] == "identity.account.v1" and public["channel"] == "email"
    assert not any("token" in key for key in public)
    [secret] = await outbox(db, account["id"], "ActivationRequested")
    assert secret["topic"] == "identity.secret.v1" and secret["email"] == event.email and secret["address"] is None
    stored = await db.fetchrow("select * from account_activation where account_id = $1", account["id"])
    assert stored["channel"] == "email" and secret["activation_token"].encode() not in stored["token_hash"]


async def test_the_emailed_link_activates_the_space_once_and_the_token_shows_the_employee_s_person(
        runner, db, client):
    event = affiliated()
    account, secret = await pre_registered(runner, db, event)
    refused = await client.post("/v1/sessions", json={"identifier": event.email, "password": PASSWORD})
    assert refused.status_code == 401  # not activated yet: no password
    weak = await client.post("/v1/accounts/activation", json={"token": secret["activation_token"], "password": "court"})
    assert weak.status_code == 422 and weak.json()["field"] == "password"
    done = await client.post("/v1/accounts/activation", json={"token": secret["activation_token"], "password": PASSWORD})
    assert done.status_code == 200, done.text
    assert done.json() == {"id": str(account["id"]), "status": "active"}
    again = await client.post("/v1/accounts/activation", json={"token": secret["activation_token"], "password": PASSWORD})
    assert again.status_code == 400 and again.json()["type"].endswith("activation-token-invalid")
    assert again.json()["field"] == "token"
    assert [e["email"] for e in await outbox(db, account["id"], "AccountCreated")] == [event.email]
    assert len(await outbox(db, account["id"], "AccountConfirmed")) == 1

    session = await client.post("/v1/sessions", json={"identifier": event.email, "password": PASSWORD})
    assert session.status_code == 201, session.text
    claims = jwt.decode(session.json()["access_token"], options={"verify_signature": False})
    assert claims["person_id"] == str(event.employee_id) and claims["categories"] == ["sante"]


async def test_the_letter_s_code_activates_with_the_address_the_employee_gives_confirmed_like_a_sign_up(
        runner, db, client):
    event = affiliated(email=None)
    account, secret = await pre_registered(runner, db, event)
    assert account["email"] is None and secret["email"] is None
    assert secret["address"]["line1"] == "3 place du Marché"
    [public] = await outbox(db, account["id"], "AccountPreRegistered")
    assert public["channel"] == "letter"
    code = secret["activation_token"]
    no_email = await client.post("/v1/accounts/activation", json={"token": code, "password": PASSWORD})
    assert no_email.status_code == 422 and no_email.json()["field"] == "email"
    address = f"salarie-{uuid.uuid4().hex[:10]}@example.org"
    typed = code.lower().replace("-", " ")  # as someone types it from the letter
    done = await client.post("/v1/accounts/activation", json={"token": typed, "password": PASSWORD, "email": address})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "pending_confirmation"
    [confirmation] = await outbox(db, account["id"], "ConfirmationEmailRequested")
    assert confirmation["topic"] == "identity.secret.v1" and confirmation["email"] == address
    assert (await client.post("/v1/accounts/confirm", json={"token": confirmation["confirmation_token"]})).status_code == 200
    session = await client.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert session.status_code == 201, session.text


async def test_an_address_that_already_has_another_person_s_space_gets_no_second_account_and_no_contract(
        runner, db, client, flows, member):
    existing = await flows.account(client, db, member)
    event = affiliated(email=existing["email"])  # another birth date than the space's
    assert await runner.process(record(Envelope.wrap(event))) == "handled"
    assert await runner.process(record(Envelope.wrap(registered(event, event.employee_id)))) == "handled"
    assert await db.fetchval("select count(*) from account where affiliation_employee_id = $1", event.employee_id) == 0
    assert await outbox(db, existing["id"], "ExistingAccountAffiliated") == []


async def test_an_employee_whose_email_is_their_member_space_gets_the_group_contract_there_whichever_event_first(
        runner, db, client, flows, member):
    existing = await flows.account(client, db, member)
    person = await db.fetchval("select person_id from account where id = $1", uuid.UUID(existing["id"]))
    birth = date.fromisoformat(member["birth_date"])
    # The employer typed other names (a compound first name): the match is the address and the birth date.
    event = affiliated(email=existing["email"], birth_date=birth, first_name="Marie-Hélène", last_name="Lefèvre")
    assert await runner.process(record(Envelope.wrap(event))) == "handled"
    assert await db.fetchval("select count(*) from account where affiliation_employee_id = $1", event.employee_id) == 0
    assert await outbox(db, existing["id"], "ExistingAccountAffiliated") == []  # contracts' membership not known yet
    assert await db.fetchval("select count(*) from outbox where event_type = 'ActivationRequested'"
                             " and convert_from(payload, 'utf8')::jsonb -> 'data' ->> 'email' = $1", existing["email"]) == 0
    assert await runner.process(record(Envelope.wrap(registered(event, event.employee_id)))) == "handled"
    [joined] = await outbox(db, existing["id"], "ExistingAccountAffiliated")
    assert joined["topic"] == "identity.account.v1" and joined["person_id"] == str(person)
    assert joined["affiliation_employee_id"] == str(event.employee_id) and joined["company_name"] == event.company_name
    # contracts' ContractRegistered again (the new holder) hands nothing over a second time
    assert await runner.process(record(Envelope.wrap(registered(event, person)))) == "handled"
    assert len(await outbox(db, existing["id"], "ExistingAccountAffiliated")) == 1
    claims = jwt.decode((await flows.sign_in(client, existing["email"]))["access_token"],
                        options={"verify_signature": False})
    assert claims["person_id"] == str(person) and "sante" in claims["categories"]
    from identity.app.privacy import identity_data
    async with db.acquire() as conn:
        exported = (await identity_data(conn, uuid.UUID(existing["id"])))["employer_affiliations"]
    assert [(a["siren"], a["contract_number"], a["joined_at"] is not None) for a in exported] == [
        (event.siren, event.contract_number, True)]

    # another employer affiliates the same person, contracts' membership known first this time
    first = affiliated(email=existing["email"], birth_date=birth)
    assert await runner.process(record(Envelope.wrap(registered(first, first.employee_id)))) == "handled"
    assert await runner.process(record(Envelope.wrap(first))) == "handled"
    assert len(await outbox(db, existing["id"], "ExistingAccountAffiliated")) == 2


async def test_an_unknown_activation_is_refused_on_the_token_field(client):
    r = await client.post("/v1/accounts/activation", json={"token": "ABCD-EFGH-JKMN-PQRS", "password": PASSWORD,
                                                           "email": "x@example.org"})
    assert r.status_code == 400 and r.json()["field"] == "token"
    assert r.headers["content-type"].startswith("application/problem+json")


def registered(event: EmployeeAffiliated, holder_id: uuid.UUID) -> ContractRegistered:
    return ContractRegistered(contract_id=uuid.uuid4(), contract_number=f"{event.contract_number}-9000001",
                              category="sante", product_code="SANTE-ENTREPRISE", holder_id=holder_id,
                              start_date=event.start_date, registered_at=datetime.now(UTC),
                              affiliation_employee_id=event.employee_id)


async def test_the_registry_person_contracts_tells_becomes_the_account_s_whichever_event_comes_first(runner, db):
    after = affiliated()
    await pre_registered(runner, db, after)
    known = uuid.uuid4()  # an employee the registry already knew under another person id
    assert await runner.process(record(Envelope.wrap(registered(after, known)))) == "handled"
    assert await db.fetchval("select person_id from account where affiliation_employee_id = $1",
                             after.employee_id) == known

    before, known_first = affiliated(), uuid.uuid4()
    assert await runner.process(record(Envelope.wrap(registered(before, known_first)))) == "handled"
    account, _ = await pre_registered(runner, db, before)
    assert account["person_id"] == known_first

    import_line = registered(before, uuid.uuid4()).model_copy(update={"affiliation_employee_id": None})
    assert await runner.process(record(Envelope.wrap(import_line))) == "handled"  # an import: no effect here
    assert await db.fetchval("select person_id from account where id = $1", account["id"]) == known_first
