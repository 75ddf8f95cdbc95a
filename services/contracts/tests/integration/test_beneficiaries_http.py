"""Beneficiaries added and removed by the holder, with their events in the outbox."""

import json
import uuid

import pytest

pytestmark = pytest.mark.integration

CHILD = {"last_name": "Garnier", "first_name": "Lou", "birth_date": "2014-07-09", "relationship": "child",
         "nir": "2 14 07 75 123 456 42"}


@pytest.fixture
async def holder(run_import, free_numbers, person, line, pool):
    (number,) = await free_numbers()
    who = person(birth_date="1980-04-02")
    await run_import([line(number, who, product_code="IT-SANTE-PLUS")])
    row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
    return {"contract_id": row["id"], "person_id": row["holder_id"], "last_name": who["last_name"]}


async def events(pool, contract_id, event_type):
    rows = await pool.fetch("select payload from outbox where key = $1 and event_type like '%' || $2 order by position",
                            str(contract_id), event_type)
    return [json.loads(r["payload"])["data"] for r in rows]


async def test_the_holder_adds_a_child_and_beneficiary_added_says_the_company_contribution_changes(client, token, holder, pool):
    headers = token("member", person_id=holder["person_id"])
    body = {**CHILD, "last_name": holder["last_name"]}
    response = await client.post(f"/v1/contracts/{holder['contract_id']}/beneficiaries", json=body, headers=headers)
    assert response.status_code == 201, response.text
    added = response.json()
    listed = await client.get(f"/v1/contracts/{holder['contract_id']}/beneficiaries", headers=headers)
    assert [b["id"] for b in listed.json()] == [added["id"]]
    (event,) = await events(pool, holder["contract_id"], "BeneficiaryAdded")
    assert event["beneficiary_id"] == added["id"] and event["relationship"] == "child"
    assert event["contribution_formula"] == "family" and event["company_contribution_changes"] is True
    assert await pool.fetchval("select nir from person where id = $1", uuid.UUID(added["id"])) == "214077512345642"


async def test_the_holder_removes_a_beneficiary_and_beneficiary_removed_is_published(client, token, holder, pool):
    headers = token("member", person_id=holder["person_id"])
    added = (await client.post(f"/v1/contracts/{holder['contract_id']}/beneficiaries",
                               json={**CHILD, "last_name": holder["last_name"]}, headers=headers)).json()
    response = await client.delete(f"/v1/contracts/{holder['contract_id']}/beneficiaries/{added['id']}", headers=headers)
    assert response.status_code == 204
    listed = await client.get(f"/v1/contracts/{holder['contract_id']}/beneficiaries", headers=headers)
    assert listed.json() == []
    (event,) = await events(pool, holder["contract_id"], "BeneficiaryRemoved")
    assert event["beneficiary_id"] == added["id"] and event["company_contribution_changes"] is True


@pytest.mark.parametrize("change, field", [
    ({"nir": "2 14 07 75 123 456 43"}, "nir"),
    ({"birth_date": "2099-01-01"}, "birth_date"),
    ({"birth_date": "1979-11-20", "nir": "1 79 11 20 123 456 08"}, "birth_date"),
    ({"relationship": "cousin"}, "relationship"),
])
async def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(client, token, holder, pool, change, field):
    response = await client.post(f"/v1/contracts/{holder['contract_id']}/beneficiaries",
                                 json={**CHILD, **change}, headers=token("member", person_id=holder["person_id"]))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert await pool.fetchval("select count(*) from contract_beneficiary where contract_id = $1", holder["contract_id"]) == 0
    assert await events(pool, holder["contract_id"], "BeneficiaryAdded") == []


async def test_another_member_cannot_add_to_the_contract(client, token, holder):
    response = await client.post(f"/v1/contracts/{holder['contract_id']}/beneficiaries", json=CHILD,
                                 headers=token("member", person_id=uuid.uuid4()))
    assert response.status_code == 404


async def test_removing_someone_not_on_the_contract_is_not_found(client, token, holder):
    response = await client.delete(f"/v1/contracts/{holder['contract_id']}/beneficiaries/{uuid.uuid4()}",
                                   headers=token("member", person_id=holder["person_id"]))
    assert response.status_code == 404
