"""The HTTP API through the real app: holder verification, operator imports, member reads."""

import uuid
from datetime import timedelta

import pytest

pytestmark = pytest.mark.integration

VERIFY = "/internal/v1/holder-verifications"
NOT_VERIFIED = "https://errors.memberspace.example/holder-not-verified"


def ask(line, **changes):
    body = {k: line[k] for k in ("contract_number", "last_name", "first_name", "birth_date")}
    body.update(changes)
    return body


@pytest.fixture
async def registered(app, run_import, free_numbers, person, line):
    """A holder with an in-force santé contract (spouse on it), a lapsed santé one and a prévoyance one."""
    sante, lapsed, prevoyance, future = await free_numbers(4)
    holder = person(first_name="Hélène", birth_date="1972-09-05")
    spouse = {"last_name": "Conjoint", "first_name": "Paul", "birth_date": "1970-01-01", "relationship": "spouse"}
    today = app.state.clock()
    lines = {
        "sante": line(sante, holder, beneficiaries=[spouse]),
        "lapsed": line(lapsed, holder, start_date="2020-01-01", end_date=(today - timedelta(days=1)).isoformat()),
        "prevoyance": line(prevoyance, holder, category="prevoyance", product_code="IT-PREVOYANCE"),
        "future": line(future, holder, start_date=(today + timedelta(days=1)).isoformat()),
    }
    report = await run_import(list(lines.values()))
    assert report["accepted"] == 4, report
    return lines, spouse


async def test_verifies_the_holder_of_an_in_force_contract(client, token, registered):
    lines, _ = registered
    response = await client.post(VERIFY, json=ask(lines["sante"]), headers=token("service"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["contract_number"] == lines["sante"]["contract_number"]
    assert body["category"] == "sante"
    assert body["member_number"] == lines["sante"]["member_number"]
    assert body["product_code"] == "IT-SANTE"
    # The lapsed and not-yet-started santé contracts and the prévoyance one do not attach (ID-12).
    assert body["contracts_in_category"] == [lines["sante"]["contract_number"]]


async def test_names_are_matched_without_case_accents_or_hyphens(client, token, registered):
    lines, _ = registered
    santé = lines["sante"]
    body = ask(santé, last_name=santé["last_name"].upper().replace("-", " "), first_name="HELENE")
    response = await client.post(VERIFY, json=body, headers=token("service"))
    assert response.status_code == 200, response.text


async def test_other_in_force_contracts_of_the_category_are_listed(client, token, run_import, free_numbers, person, line):
    first, second = await free_numbers(2)
    holder = person()
    await run_import([line(first, holder), line(second, holder, start_date="2025-01-01")])
    response = await client.post(VERIFY, json=ask(line(first, holder)), headers=token("service"))
    assert sorted(response.json()["contracts_in_category"]) == sorted([first, second])


@pytest.mark.parametrize("case", ["wrong_name", "wrong_first_name", "wrong_birth_date", "lapsed",
                                  "not_started", "unknown_number", "beneficiary"])
async def test_refuses_with_the_same_answer_whatever_fails(client, token, registered, free_numbers, case):
    lines, spouse = registered
    (unknown,) = await free_numbers()
    body = {
        "wrong_name": ask(lines["sante"], last_name="Autre"),
        "wrong_first_name": ask(lines["sante"], first_name="Hélèna"),
        "wrong_birth_date": ask(lines["sante"], birth_date="1972-09-06"),
        "lapsed": ask(lines["lapsed"]),
        "not_started": ask(lines["future"]),
        "unknown_number": ask(lines["sante"], contract_number=unknown),
        "beneficiary": ask(lines["sante"], last_name=spouse["last_name"], first_name=spouse["first_name"],
                           birth_date=spouse["birth_date"]),
    }[case]
    response = await client.post(VERIFY, json=body, headers=token("service"))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == NOT_VERIFIED
    assert problem["detail"] == (
        "Nous ne retrouvons pas de contrat en cours de validité correspondant à ces informations."
    )


async def test_verification_is_for_services_only(client, token, registered):
    lines, _ = registered
    assert (await client.post(VERIFY, json=ask(lines["sante"]))).status_code == 401
    member = await client.post(VERIFY, json=ask(lines["sante"]), headers=token("member"))
    assert member.status_code == 403
    wrong_audience = await client.post(VERIFY, json=ask(lines["sante"]), headers=token("service", audience="identity"))
    assert wrong_audience.status_code == 401


async def test_a_malformed_verification_body_gets_a_422_problem(client, token):
    response = await client.post(
        VERIFY, json={"contract_number": "123456", "last_name": "A", "first_name": "B", "birth_date": "12/03/1984"},
        headers=token("service"),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "birth_date"
    extra = await client.post(VERIFY, json={"contract_number": "1", "x": 1}, headers=token("service"))
    assert extra.status_code == 422


async def test_an_operator_imports_over_http_and_gets_the_report(client, token, free_numbers, person, line, products):
    good, bad = await free_numbers(2)
    body = {"products": products, "members": [line(good, person()), line(bad, person(), member_number="12")]}
    response = await client.post("/v1/contract-imports", json=body, headers=token("operator"))
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["accepted"] == 1 and report["unchanged"] == 0
    assert report["refused"] == [{"line": 2, "contract_number": bad, "errors": [
        {"field": "member_number", "message": "Format de numéro d'adhérent invalide."}]}]


async def test_imports_are_for_operators_only_and_limited_in_size(client, token):
    member = await client.post("/v1/contract-imports", json={"members": []}, headers=token("member"))
    assert member.status_code == 403
    too_many = await client.post("/v1/contract-imports", json={"members": [{}] * 5001}, headers=token("operator"))
    assert too_many.status_code == 422
    assert too_many.json()["field"] == "members"
    bad_product = await client.post(
        "/v1/contract-imports", json={"products": [{"code": "X", "name": "X", "category": "auto"}]},
        headers=token("operator"),
    )
    assert bad_product.status_code == 422


async def _holder_id(client, token, line):
    response = await client.post(VERIFY, json=ask(line), headers=token("service"))
    return response.json()["holder_id"]


async def test_a_member_lists_their_own_contracts_with_beneficiaries(client, token, registered):
    lines, spouse = registered
    holder_id = await _holder_id(client, token, lines["sante"])
    response = await client.get("/v1/contracts", headers=token("member", person_id=holder_id))
    assert response.status_code == 200
    contracts = {c["contract_number"]: c for c in response.json()}
    assert set(contracts) == {line["contract_number"] for line in lines.values()}
    santé = contracts[lines["sante"]["contract_number"]]
    assert santé["in_force"] is True and santé["product"] == {"code": "IT-SANTE", "name": "Santé (tests)"}
    assert santé["beneficiaries"] == [{k: spouse[k] for k in ("first_name", "last_name", "birth_date", "relationship")}]
    assert contracts[lines["lapsed"]["contract_number"]]["in_force"] is False


async def test_a_member_account_sees_only_the_categories_it_covers(client, token, registered):
    lines, _ = registered
    holder_id = await _holder_id(client, token, lines["sante"])
    sante_only = token("member", person_id=holder_id, categories=("sante",))
    listed = (await client.get("/v1/contracts", headers=sante_only)).json()
    assert {c["category"] for c in listed} == {"sante"}
    everything = (await client.get("/v1/contracts", headers=token("member", person_id=holder_id))).json()
    other = next(c for c in everything if c["category"] != "sante")
    assert (await client.get(f"/v1/contracts/{other['id']}", headers=sante_only)).status_code == 404


async def test_a_member_reads_one_contract_with_its_guarantees(client, token, registered):
    lines, _ = registered
    holder_id = await _holder_id(client, token, lines["sante"])
    listed = (await client.get("/v1/contracts", headers=token("member", person_id=holder_id))).json()
    contract_id = next(c["id"] for c in listed if c["category"] == "sante" and c["in_force"])
    response = await client.get(f"/v1/contracts/{contract_id}", headers=token("member", person_id=holder_id))
    assert response.status_code == 200
    assert [g["code"] for g in response.json()["guarantees"]] == ["CONSULT-GP", "OPTIQUE"]


async def test_another_member_gets_404_for_a_contract_that_is_not_theirs(client, token, registered, person, run_import, free_numbers, line):
    lines, _ = registered
    holder_id = await _holder_id(client, token, lines["sante"])
    listed = (await client.get("/v1/contracts", headers=token("member", person_id=holder_id))).json()
    (other_number,) = await free_numbers()
    other = person()
    await run_import([line(other_number, other)])
    other_id = await _holder_id(client, token, line(other_number, other))

    for contract in listed:
        response = await client.get(f"/v1/contracts/{contract['id']}", headers=token("member", person_id=other_id))
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    # Asking for someone else's list still returns one's own contracts only.
    mine = await client.get(f"/v1/contracts?holder_id={holder_id}", headers=token("member", person_id=other_id))
    assert [c["contract_number"] for c in mine.json()] == [other_number]


async def test_an_operator_reads_any_contract(client, token, registered):
    lines, _ = registered
    holder_id = await _holder_id(client, token, lines["sante"])
    listed = (await client.get(f"/v1/contracts?holder_id={holder_id}", headers=token("operator"))).json()
    assert len(listed) == 4
    one = await client.get(f"/v1/contracts/{listed[0]['id']}", headers=token("operator"))
    assert one.status_code == 200


async def test_reads_need_a_token_and_a_well_formed_id(client, token):
    assert (await client.get("/v1/contracts")).status_code == 401
    bad_id = await client.get("/v1/contracts/not-a-uuid", headers=token("member"))
    assert bad_id.status_code == 422
    no_person = await client.get("/v1/contracts", headers=token("member"))
    assert no_person.json() == []


async def test_a_cached_list_shows_a_change_written_elsewhere(app, client, token, registered, pool):
    """The list is cached in memory; a write by anyone (here straight SQL) drops it on commit."""
    import asyncio

    lines, _ = registered
    holder_id = await _holder_id(client, token, lines["sante"])
    headers = token("member", person_id=holder_id)

    async def sante_beneficiaries():
        listed = (await client.get("/v1/contracts", headers=headers)).json()
        return next(len(c["beneficiaries"]) for c in listed if c["contract_number"] == lines["sante"]["contract_number"])

    for _ in range(100):  # the app's listener connects in the background
        if app.state.listing_cache.listening:
            break
        await asyncio.sleep(0.05)
    assert await sante_beneficiaries() == 1
    await pool.execute("delete from contract_beneficiary b using contract c"
                       " where c.id = b.contract_id and c.contract_number = $1", lines["sante"]["contract_number"])
    for _ in range(100):
        if await sante_beneficiaries() == 0:
            break
        await asyncio.sleep(0.05)
    assert await sante_beneficiaries() == 0


async def test_an_operator_s_malformed_holder_id_gets_a_422_problem(client, token):
    response = await client.get("/v1/contracts?holder_id=12", headers=token("operator"))
    assert response.status_code == 422 and response.json()["field"] == "holder_id"
    assert response.headers["content-type"] == "application/problem+json"


def _free_siren() -> str:
    """A valid SIREN (Luhn key) no other test uses."""
    from stdnum import luhn

    base = f"{uuid.uuid4().int % 10**8:08d}"
    return base + luhn.calc_check_digit(base)


async def test_an_employer_user_sees_its_company_group_contracts_without_beneficiaries(
        client, token, run_import, free_numbers, person, line):
    ours, other_company, personal = await free_numbers(3)
    siren_ours, siren_other = _free_siren(), _free_siren()
    spouse = {**person("Marc", "1983-01-01"), "relationship": "spouse"}
    report = await run_import([
        line(ours, person(), company_siren=siren_ours, beneficiaries=[spouse]),
        line(other_company, person(), company_siren=siren_other),
        line(personal, person()),
    ])
    assert report["refused"] == []
    employer = token("employer", company_siren=siren_ours)
    listed = (await client.get("/v1/contracts", headers=employer)).json()
    assert [c["contract_number"] for c in listed] == [ours]
    assert listed[0]["beneficiaries"] == []
    ids = {c["contract_number"]: c["id"] for c in (await client.get(
        "/v1/contracts", headers=token("employer", company_siren=siren_other))).json()}
    page = await client.get(f"/v1/contracts/{listed[0]['id']}", headers=employer)
    assert page.status_code == 200 and page.json()["beneficiaries"] == []
    assert (await client.get(f"/v1/contracts/{ids[other_company]}", headers=employer)).status_code == 404
    attestation = await client.get(f"/v1/contracts/{listed[0]['id']}/attestation", headers=employer)
    assert attestation.status_code == 404  # documents are the employee's own
