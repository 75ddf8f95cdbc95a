"""POST /v1/coverage-simulations through the real app: the member's guarantee and others side by side."""

import uuid

import pytest

pytestmark = pytest.mark.integration

SIMULATIONS = "/v1/coverage-simulations"
GP = {"care_type": "consultation_gp", "billed_eur": "35", "br_eur": "30", "in_care_path": True}


@pytest.fixture
async def member(run_import, free_numbers, person, line, pool):
    """A holder of an IT-SANTE contract (GP at 100 % BR) with a child on it."""
    (number,) = await free_numbers()
    holder = person()
    child = {"last_name": holder["last_name"], "first_name": "Léa", "birth_date": "2016-05-01", "relationship": "child"}
    report = await run_import([line(number, holder, beneficiaries=[child])])
    assert report["accepted"] == 1, report
    row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
    child_id = await pool.fetchval(
        "select person_id from contract_beneficiary where contract_id = $1", row["id"])
    return {"contract_id": row["id"], "person_id": row["holder_id"], "child_id": child_id, "number": number}


async def test_the_worked_example_under_the_members_guarantee_and_a_higher_one(client, token, member):
    body = {**GP, "compare_product_codes": ["IT-SANTE-PLUS"]}
    response = await client.post(SIMULATIONS, json=body, headers=token("member", person_id=member["person_id"]))
    assert response.status_code == 200, response.text
    current, other = response.json()["results"]
    assert current["current"] and current["product"]["code"] == "IT-SANTE"
    assert (current["amo_eur"], current["amc_eur"], current["out_of_pocket_eur"]) == ("19.00", "9.00", "7.00")
    assert [r["code"] for r in current["rules"]] == ["amo_rate_70", "pf_deducted", "amc_pct_br_incl_ss"]
    assert other["product"]["code"] == "IT-SANTE-PLUS" and not other["current"]
    assert (other["amo_eur"], other["amc_eur"], other["out_of_pocket_eur"]) == ("19.00", "14.00", "2.00")


async def test_a_child_on_the_contract_pays_no_participation_forfaitaire(client, token, member):
    body = {**GP, "patient_id": str(member["child_id"]), "compare_product_codes": []}
    response = await client.post(SIMULATIONS, json=body, headers=token("member", person_id=member["person_id"]))
    (current,) = response.json()["results"]
    assert current["amo_eur"] == "21.00"
    assert "pf_exempt_minor" in [r["code"] for r in current["rules"]]


async def test_by_default_every_other_health_product_is_compared(client, token, member):
    response = await client.post(SIMULATIONS, json=GP, headers=token("member", person_id=member["person_id"]))
    codes = [r["product"]["code"] for r in response.json()["results"]]
    assert codes[0] == "IT-SANTE" and "IT-SANTE-PLUS" in codes and "IT-PREVOYANCE" not in codes


async def test_an_unknown_care_type_is_refused_naming_the_field(client, token, member):
    body = {**GP, "care_type": "teleportation"}
    response = await client.post(SIMULATIONS, json=body, headers=token("member", person_id=member["person_id"]))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "care_type"


async def test_an_unknown_compared_product_is_refused_naming_the_field(client, token, member):
    body = {**GP, "compare_product_codes": ["NOPE-" + uuid.uuid4().hex[:6]]}
    response = await client.post(SIMULATIONS, json=body, headers=token("member", person_id=member["person_id"]))
    assert response.status_code == 422
    assert response.json()["field"] == "compare_product_codes.0"


async def test_a_negative_amount_is_refused(client, token, member):
    body = {**GP, "billed_eur": "-1"}
    response = await client.post(SIMULATIONS, json=body, headers=token("member", person_id=member["person_id"]))
    assert response.status_code == 422 and response.json()["field"] == "billed_eur"


async def test_another_members_contract_cannot_be_simulated(client, token, member):
    body = {**GP, "contract_id": str(member["contract_id"])}
    response = await client.post(SIMULATIONS, json=body, headers=token("member", person_id=uuid.uuid4()))
    assert response.status_code == 404


async def test_a_person_not_on_the_contract_is_not_a_patient(client, token, member):
    body = {**GP, "patient_id": str(uuid.uuid4())}
    response = await client.post(SIMULATIONS, json=body, headers=token("member", person_id=member["person_id"]))
    assert response.status_code == 422 and response.json()["field"] == "patient_id"
