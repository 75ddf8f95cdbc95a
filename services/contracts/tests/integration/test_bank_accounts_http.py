"""Bank accounts per person: set for a beneficiary, listed masked, BankAccountChanged in the outbox."""

import json
import uuid

import pytest

pytestmark = pytest.mark.integration

IBAN = "FR76 3000 6000 0112 3456 7890 189"


@pytest.fixture
async def family(run_import, free_numbers, person, line, pool, token):
    (number,) = await free_numbers()
    who = person()
    spouse = {"last_name": who["last_name"], "first_name": "Marc", "birth_date": "1983-01-01", "relationship": "spouse"}
    await run_import([line(number, who, beneficiaries=[spouse])])
    row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
    spouse_id = await pool.fetchval("select person_id from contract_beneficiary where contract_id = $1", row["id"])
    return {"holder_id": row["holder_id"], "spouse_id": spouse_id,
            "headers": token("member", person_id=row["holder_id"])}


async def changed_events(pool, holder_id):
    rows = await pool.fetch("select payload from outbox where key = $1 and event_type like '%BankAccountChanged'",
                            str(holder_id))
    return [json.loads(r["payload"])["data"] for r in rows]


async def test_the_holder_sets_the_spouses_account_and_sees_it_masked(client, family, pool):
    response = await client.put(f"/v1/bank-accounts/{family['spouse_id']}",
                                json={"iban": IBAN, "account_holder": "Marc Essai"}, headers=family["headers"])
    assert response.status_code == 200, response.text
    assert response.json()["iban_masked"] == "FR76 **** **** **** **** ***0 189"
    listed = (await client.get("/v1/bank-accounts", headers=family["headers"])).json()
    assert [p["relationship"] for p in listed] == ["holder", "spouse"]
    assert listed[0]["iban_masked"] is None and listed[1]["iban_masked"] == "FR76 **** **** **** **** ***0 189"
    assert "7890" not in json.dumps(listed)
    (event,) = await changed_events(pool, family["holder_id"])
    assert event["beneficiary_id"] == str(family["spouse_id"]) and event["iban_masked"].endswith("0 189")
    assert event["account_id"] is not None


async def test_setting_the_same_account_again_publishes_nothing_more(client, family, pool):
    for _ in range(2):
        await client.put(f"/v1/bank-accounts/{family['holder_id']}", json={"iban": IBAN, "account_holder": "X"},
                         headers=family["headers"])
    (event,) = await changed_events(pool, family["holder_id"])
    assert event["beneficiary_id"] is None


async def test_a_wrong_checksum_is_refused_naming_the_field_and_nothing_is_written(client, family, pool):
    response = await client.put(f"/v1/bank-accounts/{family['holder_id']}",
                                json={"iban": IBAN[:-1] + "8", "account_holder": "X"}, headers=family["headers"])
    assert response.status_code == 422 and response.json()["field"] == "iban"
    assert await pool.fetchval("select count(*) from bank_account where holder_id = $1", family["holder_id"]) == 0


async def test_someone_not_covered_by_the_holder_is_not_found(client, family):
    response = await client.put(f"/v1/bank-accounts/{uuid.uuid4()}", json={"iban": IBAN, "account_holder": "X"},
                                headers=family["headers"])
    assert response.status_code == 404
