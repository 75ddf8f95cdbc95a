"""One person once per contract, limits on beneficiaries and open termination drafts (settings),
and text a reader cannot see refused naming the field (issue 11, finding 10)."""


import pytest

pytestmark = pytest.mark.integration

BENEFICIARIES = "/v1/contracts/{}/beneficiaries"


def nir_for(sex: str, birth: str, serial: str) -> str:
    body = f"{sex}{birth[2:4]}{birth[5:7]}{serial}"
    return body + f"{97 - int(body) % 97:02d}"


@pytest.fixture
async def holder(run_import, free_numbers, person, line, pool, token):
    (number,) = await free_numbers()
    await run_import([line(number, person(birth_date="1980-04-02"))])
    row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
    return {"contract_id": row["id"], "headers": token("member", person_id=row["holder_id"])}


@pytest.fixture
def limits(app):
    """Lowers the limits for one test (settings are read per request), then restores them."""
    original = app.state.settings

    def lower(**values):
        app.state.settings = original.model_copy(update=values)

    yield lower
    app.state.settings = original


def child(first_name: str, serial: str) -> dict:
    return {"last_name": "Garnier", "first_name": first_name, "birth_date": "2014-07-09", "relationship": "child",
            "nir": nir_for("2", "2014-07-09", serial)}


async def covered(pool, contract_id) -> int:
    return await pool.fetchval("select count(*) from contract_beneficiary where contract_id = $1", contract_id)


async def test_the_same_social_security_number_cannot_be_added_twice_to_one_contract(client, holder, pool):
    url = BENEFICIARIES.format(holder["contract_id"])
    assert (await client.post(url, json=child("Lou", "75123456"), headers=holder["headers"])).status_code == 201
    response = await client.post(url, json=child("Louise", "75123456"), headers=holder["headers"])
    assert response.status_code == 422 and response.json()["field"] == "nir"
    assert await covered(pool, holder["contract_id"]) == 1


async def test_the_same_name_and_birth_date_cannot_be_added_twice_to_one_contract(client, holder, pool):
    url = BENEFICIARIES.format(holder["contract_id"])
    assert (await client.post(url, json=child("Lou", "75123456"), headers=holder["headers"])).status_code == 201
    response = await client.post(url, json={**child("LOU", "75123457"), "last_name": "garnier"}, headers=holder["headers"])
    assert response.status_code == 422 and response.json()["field"] == "last_name"
    assert await covered(pool, holder["contract_id"]) == 1


async def test_a_contract_takes_no_more_beneficiaries_than_the_setting_allows(client, holder, pool, limits):
    limits(max_beneficiaries_per_contract=2)
    url = BENEFICIARIES.format(holder["contract_id"])
    for name, serial in (("Lou", "75123451"), ("Léa", "75123452")):
        assert (await client.post(url, json=child(name, serial), headers=holder["headers"])).status_code == 201
    response = await client.post(url, json=child("Zoé", "75123453"), headers=holder["headers"])
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/too-many-beneficiaries")
    assert await covered(pool, holder["contract_id"]) == 2


async def test_a_contract_takes_no_more_open_termination_drafts_than_the_setting_allows(client, holder, pool, limits):
    limits(max_open_termination_drafts=2)
    body = {"contract_id": str(holder["contract_id"]), "reason": "other"}
    for _ in range(2):
        assert (await client.post("/v1/terminations", json=body, headers=holder["headers"])).status_code == 201
    response = await client.post("/v1/terminations", json=body, headers=holder["headers"])
    assert response.status_code == 409, response.text
    assert response.json()["type"].endswith("/too-many-termination-drafts")
    assert await pool.fetchval("select count(*) from termination where contract_id = $1", holder["contract_id"]) == 2


async def test_the_limits_have_sensible_defaults(settings):
    assert 8 <= settings.max_beneficiaries_per_contract <= 20
    assert 1 <= settings.max_open_termination_drafts <= 5


@pytest.mark.parametrize("field, value", [("first_name", "Lou\u202eeinna"), ("last_name", "Gar\u200bnier"),
                                          ("first_name", "Lou\u0000"), ("first_name", "www.exemple.fr")])
async def test_a_beneficiary_name_a_reader_cannot_trust_is_a_422_naming_the_field_and_nothing_is_written(
        client, holder, pool, field, value):
    response = await client.post(BENEFICIARIES.format(holder["contract_id"]),
                                 json={**child("Lou", "75123456"), field: value}, headers=holder["headers"])
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == field
    assert await covered(pool, holder["contract_id"]) == 0


async def test_a_termination_summary_with_a_bidi_override_is_a_422_naming_the_field(client, holder, pool):
    body = {"contract_id": str(holder["contract_id"]), "reason": "other", "summary": "ok \u202e"}
    response = await client.post("/v1/terminations", json=body, headers=holder["headers"])
    assert response.status_code == 422 and response.json()["field"] == "summary"
    assert await pool.fetchval("select count(*) from termination where contract_id = $1", holder["contract_id"]) == 0


async def test_an_account_holder_with_a_zero_width_character_is_a_422_naming_the_field(client, holder, pool, token):
    person_id = await pool.fetchval("select holder_id from contract where id = $1", holder["contract_id"])
    body = {"iban": "FR76 3000 6000 0112 3456 7890 189", "account_holder": "Du\u200dpont"}
    response = await client.put(f"/v1/bank-accounts/{person_id}", json=body, headers=holder["headers"])
    assert response.status_code == 422 and response.json()["field"] == "account_holder"
    assert await pool.fetchval("select count(*) from bank_account where holder_id = $1", person_id) == 0


async def test_an_import_line_with_a_bidi_override_in_a_name_is_refused_naming_the_field(run_import, free_numbers, line, person):
    (number,) = await free_numbers()
    report = await run_import([line(number, {**person(), "first_name": "Cl\u202eaire"})])
    assert report["accepted"] == 0
    assert [e["field"] for e in report["refused"][0]["errors"]] == ["first_name"]


