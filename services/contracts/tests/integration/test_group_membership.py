"""AF-3 on the real PostgreSQL: affiliation's EmployeeAffiliated, through the consumer runner
(inbox), adds the employee to the company's group contract once; the employee's token (person_id =
the affiliation's employee id, as identity pre-registers it) lists it, the company's employer user
sees it, another member does not; the group contract's own product is used when the registry has
it; no group product for the category is Unprocessable (the runner dead-letters it at once)."""

import json
import random
import uuid
from datetime import UTC, date, datetime

import pytest
from aiokafka import ConsumerRecord
from stdnum import luhn

from contracts.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner, Unprocessable
from ms_events.envelope import Envelope
from ms_events.events.affiliation import EmployeeAffiliated, PostalAddress
from ms_events.events.identity import ExistingAccountAffiliated
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration


PRODUCT_SANTE, PRODUCT_SANTE_PLUS = "IT-SANTE", "IT-SANTE-PLUS"  # the integration conftest's products


def unique_name(prefix: str) -> str:
    return f"{prefix}-" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))


def random_siren() -> str:
    body = f"{random.randint(0, 10**8 - 1):08d}"
    return body + luhn.calc_check_digit(body)


def affiliated(siren: str, contract_number: str, **changes) -> EmployeeAffiliated:
    fields = dict(
        employee_id=uuid.uuid4(), request_id=uuid.uuid4(), siren=siren, company_name=f"Boulangerie {siren}",
        group_contract_id=uuid.uuid4(), contract_number=contract_number, category="sante", options=[],
        first_name="Inès", last_name=unique_name("Salarie"), birth_date=date(1991, 6, 20),
        email="ines@example.org", address=PostalAddress(line1="3 place du Marché", postcode="69002", city="Lyon"),
        start_date=date(2025, 1, 1), source="online", affiliated_at=datetime.now(UTC))
    return EmployeeAffiliated(**{**fields, **changes})


def record(envelope: Envelope) -> ConsumerRecord:
    return ConsumerRecord(topic="affiliation.employee.v1", partition=0, offset=0, timestamp=0, timestamp_type=0,
                          key=None, value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


@pytest.fixture
async def runner(pool, settings, run_import):
    await run_import([])  # the test products exist
    return ConsumerRunner("contracts", pool, kafka_config(settings, "worker"),
                          subscriptions({"sante": PRODUCT_SANTE_PLUS}))


async def test_an_affiliated_employee_joins_the_group_contract_once_and_sees_it_with_their_person_id(
        runner, pool, client, token):
    siren = random_siren()
    event = affiliated(siren, f"GS-{siren}")
    envelope = Envelope.wrap(event)
    assert await runner.process(record(envelope)) == "handled"
    assert await runner.process(record(envelope)) == "duplicate"
    # The same employee again in another event (a replayed import): still one membership.
    assert await runner.process(record(Envelope.wrap(event))) == "handled"
    rows = await pool.fetch("select * from contract where affiliation_employee_id = $1", event.employee_id)
    assert len(rows) == 1
    row = rows[0]
    assert (row["holder_id"], row["company_siren"], row["group_contract_number"], row["product_code"]) == (
        event.employee_id, siren, f"GS-{siren}", PRODUCT_SANTE_PLUS)
    assert row["contract_number"] == f"GS-{siren}-{row['member_number']}" and row["start_date"] == event.start_date
    assert await pool.fetchval(
        "select count(*) from outbox where event_type = 'ContractRegistered' and key = $1", str(row["id"])) == 1

    mine = await client.get("/v1/contracts", headers=token("member", person_id=event.employee_id,
                                                           categories=("sante",)))
    assert mine.status_code == 200 and [c["contract_number"] for c in mine.json()] == [row["contract_number"]]
    assert mine.json()[0]["product"]["code"] == PRODUCT_SANTE_PLUS
    employer = await client.get("/v1/contracts", headers=token("employer", company_siren=siren))
    assert [c["contract_number"] for c in employer.json()] == [row["contract_number"]]
    other = await client.get(f"/v1/contracts/{row['id']}", headers=token("member", person_id=uuid.uuid4()))
    assert other.status_code == 404


async def test_the_group_contract_registered_by_the_insurer_gives_its_product(
        runner, pool, run_import, free_numbers, person, line):
    siren = random_siren()
    (number,) = await free_numbers()
    report = await run_import([line(number, person("Paul"), company_siren=siren, product_code=PRODUCT_SANTE)])
    assert report["accepted"] == 1, report
    event = affiliated(siren, number)
    assert await runner.process(record(Envelope.wrap(event))) == "handled"
    assert await pool.fetchval("select product_code from contract where affiliation_employee_id = $1",
                               event.employee_id) == PRODUCT_SANTE


async def test_without_a_group_product_for_the_category_the_handler_refuses_for_the_dlq_and_writes_nothing(
        pool, run_import):
    await run_import([])
    event = affiliated(random_siren(), "GS-AUCUN")
    handler = subscriptions({})[EmployeeAffiliated]
    with pytest.raises(Unprocessable):
        async with pool.acquire() as conn, conn.transaction():
            await handler(conn, Envelope.wrap(event), event)
    assert await pool.fetchval("select count(*) from contract where affiliation_employee_id = $1",
                               event.employee_id) == 0
    assert await pool.fetchval("select count(*) from person where id = $1", event.employee_id) == 0


async def test_identity_hands_the_membership_to_the_member_space_the_employee_had_and_the_new_holder_is_told(
        runner, pool, client, token, run_import, free_numbers, person, line):
    (number,) = await free_numbers()
    holder = person("Paul")
    assert (await run_import([line(number, holder)]))["accepted"] == 1
    account_person = await pool.fetchval("select holder_id from contract where contract_number = $1", number)
    siren = random_siren()
    event = affiliated(siren, f"GS-{siren}", birth_date=date.fromisoformat(holder["birth_date"]))
    assert await runner.process(record(Envelope.wrap(event))) == "handled"
    membership = await pool.fetchrow("select * from contract where affiliation_employee_id = $1", event.employee_id)
    assert membership["holder_id"] == event.employee_id  # another name: a person of its own
    joined = ExistingAccountAffiliated(
        account_id=uuid.uuid4(), person_id=account_person, affiliation_employee_id=event.employee_id, siren=siren,
        company_name=event.company_name, contract_number=event.contract_number, category="sante",
        affiliated_at=datetime.now(UTC))
    identity_record = ConsumerRecord(
        topic="identity.account.v1", partition=0, offset=0, timestamp=0, timestamp_type=0, key=None,
        value=Envelope.wrap(joined).to_bytes(), checksum=None, serialized_key_size=0, serialized_value_size=0,
        headers=[])
    assert await runner.process(identity_record) == "handled"
    assert await pool.fetchval("select holder_id from contract where id = $1", membership["id"]) == account_person
    assert await pool.fetchval("select count(*) from person where id = $1", event.employee_id) == 0
    told = await pool.fetch("select payload from outbox where event_type = 'ContractRegistered' and key = $1"
                            " order by position", str(membership["id"]))
    assert len(told) == 2 and json.loads(told[-1]["payload"])["data"]["holder_id"] == str(account_person)
    mine = await client.get("/v1/contracts", headers=token("member", person_id=account_person))
    assert {c["contract_number"] for c in mine.json()} == {number, membership["contract_number"]}
