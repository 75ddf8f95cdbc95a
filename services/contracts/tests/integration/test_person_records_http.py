"""A beneficiary added online is the member's own record: never another person's row, never
another person's NIR (issue 11, finding 1; docs/adr/0008-member-added-people.md)."""

import uuid

import random

import pytest

pytestmark = pytest.mark.integration

BENEFICIARIES = "/v1/contracts/{}/beneficiaries"


def unique_name(prefix: str) -> str:
    return f"{prefix}-" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))


def nir_for(sex: str, birth: str, serial: str = "75123456") -> str:
    """A NIR with a valid key whose year and month match ``birth`` (YYYY-MM-DD)."""
    body = f"{sex}{birth[2:4]}{birth[5:7]}{serial}"
    return body + f"{97 - int(body) % 97:02d}"


@pytest.fixture
async def contract_of(run_import, free_numbers, line, pool, token):
    async def make(holder: dict, **changes) -> dict:
        (number,) = await free_numbers()
        await run_import([line(number, holder, **changes)])
        row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
        return {"contract_id": row["id"], "person_id": row["holder_id"], "number": number,
                "headers": token("member", person_id=row["holder_id"])}

    return make


async def export_of(client, token, who):
    query = {"account_id": str(uuid.uuid4()), "person_id": str(who["person_id"])}
    response = await client.get("/internal/v1/personal-data", params=query, headers=token("service"))
    assert response.status_code == 200, response.text
    return response.json()["data"]


async def test_a_member_naming_another_holder_gets_a_record_of_their_own_and_the_holders_nir_stays_unwritten(
        client, token, pool, person, contract_of):
    victim_person = person(first_name="Hélène", birth_date="1972-09-05")
    victim = await contract_of(victim_person)
    intruder = await contract_of(person(birth_date="1970-01-01"))
    body = {**{k: victim_person[k] for k in ("last_name", "first_name", "birth_date")}, "relationship": "spouse",
            "nir": nir_for("2", victim_person["birth_date"])}
    response = await client.post(BENEFICIARIES.format(intruder["contract_id"]), json=body, headers=intruder["headers"])
    assert response.status_code == 201, response.text
    added = uuid.UUID(response.json()["id"])

    assert added != victim["person_id"]
    assert await pool.fetchval("select nir from person where id = $1", victim["person_id"]) is None
    assert await pool.fetchval("select count(*) from contract_beneficiary where person_id = $1", victim["person_id"]) == 0
    exported = await export_of(client, token, victim)
    assert exported["person"]["nir"] is None and exported["covered_by"] == []


async def test_a_removed_member_added_beneficiary_leaves_no_record_and_no_nir_behind(client, pool, person, contract_of):
    holder = await contract_of(person(birth_date="1980-04-02"))
    body = {"last_name": "Garnier", "first_name": "Lou", "birth_date": "2014-07-09", "relationship": "child",
            "nir": nir_for("2", "2014-07-09")}
    added = (await client.post(BENEFICIARIES.format(holder["contract_id"]), json=body, headers=holder["headers"])).json()
    person_id = uuid.UUID(added["id"])
    assert await pool.fetchval("select owner_holder_id from person where id = $1", person_id) == holder["person_id"]

    response = await client.delete(BENEFICIARIES.format(holder["contract_id"]) + f"/{person_id}", headers=holder["headers"])
    assert response.status_code == 204
    assert await pool.fetchval("select count(*) from person where id = $1", person_id) == 0


async def test_a_child_on_another_holders_contract_is_not_attached_nor_written_by_a_stranger(
        client, pool, person, contract_of):
    child = {"last_name": unique_name("Enfant"), "first_name": "Lou", "birth_date": "2014-07-09"}
    parent = await contract_of(person(birth_date="1980-04-02"),
                               beneficiaries=[{**child, "relationship": "child"}])
    registry_child = await pool.fetchval("select person_id from contract_beneficiary where contract_id = $1",
                                         parent["contract_id"])
    stranger = await contract_of(person(birth_date="1981-05-06"))
    body = {**child, "relationship": "child", "nir": nir_for("2", child["birth_date"])}
    response = await client.post(BENEFICIARIES.format(stranger["contract_id"]), json=body, headers=stranger["headers"])
    assert response.status_code == 201, response.text
    assert uuid.UUID(response.json()["id"]) != registry_child
    assert await pool.fetchval("select nir from person where id = $1", registry_child) is None
    assert await pool.fetchval("select count(*) from contract_beneficiary where person_id = $1", registry_child) == 1


async def test_two_members_may_each_add_a_person_of_the_same_name_and_birth_date(client, pool, person, contract_of):
    first, second = await contract_of(person(birth_date="1980-04-02")), await contract_of(person(birth_date="1980-04-02"))
    body = {"last_name": unique_name("Homonyme"), "first_name": "Lou", "birth_date": "2014-07-09",
            "relationship": "child", "nir": nir_for("2", "2014-07-09")}
    for holder in (first, second):
        response = await client.post(BENEFICIARIES.format(holder["contract_id"]), json=body, headers=holder["headers"])
        assert response.status_code == 201, response.text
    owners = await pool.fetch("select owner_holder_id from person where last_name = $1", body["last_name"])
    assert {r["owner_holder_id"] for r in owners} == {first["person_id"], second["person_id"]}


async def test_an_import_naming_a_member_added_person_registers_the_insurers_record_and_drops_the_members_copy(
        client, pool, person, line, run_import, contract_of):
    holder_person = person(birth_date="1980-04-02")
    holder = await contract_of(holder_person)
    child = {"last_name": unique_name("Enfant"), "first_name": "Lou", "birth_date": "2014-07-09"}
    body = {**child, "relationship": "child", "nir": nir_for("2", child["birth_date"])}
    added = (await client.post(BENEFICIARIES.format(holder["contract_id"]), json=body, headers=holder["headers"])).json()
    await run_import([line(holder["number"], holder_person, beneficiaries=[{**child, "relationship": "child"}])])
    on_contract = await pool.fetch("select p.id, p.owner_holder_id from contract_beneficiary b join person p on p.id = b.person_id"
                                   " where b.contract_id = $1", holder["contract_id"])
    assert [r["owner_holder_id"] for r in on_contract] == [None]
    assert await pool.fetchval("select count(*) from person where id = $1", uuid.UUID(added["id"])) == 0
