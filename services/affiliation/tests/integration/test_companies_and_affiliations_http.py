"""Affiliation on the real PostgreSQL: companies and group contracts, the company scope of employer
users, online affiliation requests, their processing within one business day, and every refusal
as a problem naming the field with nothing written (AF-1, AF-3, AF-6)."""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.integration


async def _outbox(pool, siren: str, event_type: str) -> list[dict]:
    rows = await pool.fetch("select topic, payload from outbox where key = $1 and event_type = $2 order by position",
                            siren, event_type)
    return [{"topic": r["topic"], **json.loads(r["payload"])} for r in rows]


async def test_the_api_answers_its_health_routes(client):
    assert (await client.get("/health/live")).status_code == 200
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


async def test_an_operator_registers_a_company_and_its_contracts_and_its_employer_user_reads_them(
        client, company, employer, pool):
    made = await company("supplementary_company_contribution")
    response = await client.get(f"/v1/companies/{made.siren}", headers=employer(made.siren))
    assert response.status_code == 200, response.text
    found = response.json()
    assert found["siren"] == made.siren
    by_category = {c["category"]: c for c in found["group_contracts"]}
    assert by_category["sante"]["contribution_formula"] == "supplementary_company_contribution"
    assert by_category["sante"]["online_affiliation"] is True and by_category["prevoyance"]["online_affiliation"] is False
    events = await _outbox(pool, made.siren, "GroupContractAdded")
    assert [e["data"]["category"] for e in events] == ["sante", "prevoyance"]
    assert events[0]["topic"] == "affiliation.company.v1"


@pytest.mark.parametrize("siren", ["732829321", "12345678", "ABCDEFGHI"])
async def test_a_malformed_siren_is_refused_naming_the_field_and_nothing_is_stored(client, operator, pool, siren):
    response = await client.post("/v1/companies", headers=operator, json={
        "siren": siren, "name": "Entreprise", "notice_email": "rh@entreprise.example"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json().get("field") == "siren" or "siren" in response.text
    assert await pool.fetchval("select count(*) from company where siren = $1", siren) == 0


async def test_a_company_registered_twice_is_a_conflict(client, operator, company):
    made = await company()
    response = await client.post("/v1/companies", headers=operator, json={
        "siren": made.siren, "name": "Autre", "notice_email": "rh@autre.example"})
    assert response.status_code == 409 and response.json()["field"] == "siren"


async def test_employers_of_company_a_never_reach_company_b_and_members_never_reach_the_employer_space(
        client, company, employer, token, body):
    a, b = await company(), await company()
    request_b = (await client.post(f"/v1/companies/{b.siren}/affiliations", headers=employer(b.siren),
                                   json=body(b.sante["id"]))).json()
    as_a = employer(a.siren)
    for path in (f"/v1/companies/{b.siren}", f"/v1/companies/{b.siren}/group-contracts",
                 f"/v1/companies/{b.siren}/employees", f"/v1/companies/{b.siren}/employees/export",
                 f"/v1/companies/{b.siren}/affiliations", f"/v1/companies/{b.siren}/affiliations/{request_b['id']}",
                 f"/v1/companies/{b.siren}/journal", f"/v1/companies/{b.siren}/invitations",
                 f"/v1/companies/{a.siren}/affiliations/{request_b['id']}",
                 f"/v1/companies/{uuid.uuid4()}", f"/v1/companies/{b.siren[:5]}/employees"):
        response = await client.get(path, headers=as_a)
        assert response.status_code == 404, (path, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
    written = await client.post(f"/v1/companies/{b.siren}/affiliations", headers=as_a, json=body(b.sante["id"]))
    assert written.status_code == 404
    for kind in ("member", "broker", "agent"):
        assert (await client.get(f"/v1/companies/{a.siren}", headers=token(kind))).status_code == 403
    assert (await client.get(f"/v1/companies/{a.siren}")).status_code == 401
    # Only operators register companies and contracts, import and review.
    assert (await client.post("/v1/companies", headers=as_a, json={
        "siren": "732829320", "name": "X", "notice_email": "rh@x.example"})).status_code == 403
    assert (await client.get("/v1/affiliation-queue", headers=as_a)).status_code == 403


async def test_an_online_affiliation_is_received_due_in_one_business_day_then_processed_into_employee_affiliated(
        client, company, employer, pool, body, process, app):
    made = await company()
    account = uuid.uuid4()
    sent = body(made.sante["id"])
    response = await client.post(f"/v1/companies/{made.siren}/affiliations", headers=employer(made.siren, account),
                                 json=sent)
    assert response.status_code == 201, response.text
    request = response.json()
    assert request["status"] == "received" and request["origin"] == "employer" and request["beneficiaries"] == 1
    received = datetime.fromisoformat(request["received_at"])
    assert datetime.fromisoformat(request["due_at"]) == app.state.affiliation_rules.calendar.due(received)
    assert datetime.fromisoformat(request["due_at"]) - received >= timedelta(days=1)
    [requested] = await _outbox(pool, made.siren, "AffiliationRequested")
    assert requested["data"]["account_id"] == str(account) and "nir" not in requested["data"]

    await process()
    followed = (await client.get(f"/v1/companies/{made.siren}/affiliations/{request['id']}",
                                 headers=employer(made.siren))).json()
    assert followed["status"] == "affiliated" and followed["employee_id"]
    [affiliated] = await _outbox(pool, made.siren, "EmployeeAffiliated")
    assert affiliated["topic"] == "affiliation.employee.v1"
    data = affiliated["data"]
    assert (data["employee_id"], data["email"], data["source"], data["category"]) == (
        followed["employee_id"], sent["employee"]["email"], "online", "sante")
    assert data["address"]["postcode"] == "75013" and data["options"] == ["optique-renforcee"]
    assert "nir" not in data
    listed = (await client.get(f"/v1/companies/{made.siren}/employees", headers=employer(made.siren))).json()
    assert [e["id"] for e in listed["items"]] == [followed["employee_id"]]
    assert listed["items"][0]["nir"] == sent["employee"]["nir"]


async def _refused(client, pool, made, employer, sent, status=422):
    before = await pool.fetchval("select count(*) from affiliation_request where siren = $1", made.siren)
    events = await pool.fetchval("select count(*) from outbox where key = $1", made.siren)
    response = await client.post(f"/v1/companies/{made.siren}/affiliations", headers=employer(made.siren), json=sent)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await pool.fetchval("select count(*) from affiliation_request where siren = $1", made.siren) == before
    assert await pool.fetchval("select count(*) from outbox where key = $1", made.siren) == events
    return response.json()


async def test_a_prevoyance_contract_refuses_online_affiliation_with_a_clear_french_message(
        client, company, employer, pool, body):
    made = await company()
    problem = await _refused(client, pool, made, employer, body(made.prevoyance["id"]))
    assert problem["field"] == "group_contract_id" and problem["type"].endswith("provident-affiliation-unavailable")
    assert "prévoyance" in problem["detail"]


async def test_an_unknown_contract_or_another_companys_contract_is_refused_naming_the_field(
        client, company, employer, pool, body):
    made, other = await company(), await company()
    for contract_id in (str(uuid.uuid4()), other.sante["id"]):
        problem = await _refused(client, pool, made, employer, body(contract_id))
        assert problem["field"] == "group_contract_id" and problem["type"].endswith("unknown-contract")


async def test_a_start_date_before_the_contract_is_refused_naming_the_field(client, company, employer, pool, body):
    made = await company(start="2025-01-01")
    problem = await _refused(client, pool, made, employer, body(made.sante["id"], start="2024-12-31"))
    assert problem["field"] == "start_date"


async def test_a_malformed_nir_is_refused_naming_the_field(client, company, employer, pool, body, nir):
    made = await company()
    good = nir(date(1990, 4, 12))
    for bad in (good[:-2] + ("00" if good[-2:] != "00" else "01"), nir(date(1991, 4, 12)), "12345"):
        sent = body(made.sante["id"])
        sent["employee"]["nir"] = bad
        problem = await _refused(client, pool, made, employer, sent)
        assert "employee.nir" in json.dumps(problem), problem


async def test_a_duplicate_employee_is_a_conflict_naming_the_nir(client, company, employer, pool, body, process):
    made = await company()
    sent = body(made.sante["id"])
    assert (await client.post(f"/v1/companies/{made.siren}/affiliations", headers=employer(made.siren),
                              json=sent)).status_code == 201
    problem = await _refused(client, pool, made, employer, sent, status=409)  # the request still open
    assert problem["field"] == "employee.nir"
    await process()
    problem = await _refused(client, pool, made, employer, sent, status=409)  # now on the list
    assert problem["type"].endswith("duplicate-employee")


async def test_bad_employee_details_are_refused_naming_the_field(client, company, employer, pool, body):
    made = await company()
    cases = {"employee.first_name": {"first_name": "Cam\u202eille"},
             "employee.address.postcode": {"address": {"line1": "1 rue A", "postcode": "7501", "city": "Paris"}},
             "employee.email": {"email": "pas-une-adresse"},
             "employee.birth_date": {"birth_date": "2023-02-30"}}
    for field, change in cases.items():
        sent = body(made.sante["id"])
        sent["employee"].update(change)
        problem = await _refused(client, pool, made, employer, sent)
        assert field in json.dumps(problem), (field, problem)


async def test_a_retroactive_request_waits_for_a_back_office_user_who_sees_its_deadline_and_approves_it(
        client, company, employer, operator, pool, body, process):
    made = await company()
    old_start = (date.today() - timedelta(days=200)).isoformat()
    created = (await client.post(f"/v1/companies/{made.siren}/affiliations", headers=employer(made.siren),
                                 json=body(made.sante["id"], start=old_start))).json()
    await process()
    followed = (await client.get(f"/v1/companies/{made.siren}/affiliations/{created['id']}",
                                 headers=employer(made.siren))).json()
    assert followed["status"] == "in_review" and "rétroactive" in followed["review_reason"]
    queue = (await client.get("/v1/affiliation-queue", headers=operator, params={"limit": 500})).json()
    mine = next(r for r in queue if r["id"] == created["id"])
    assert mine["due_at"] == created["due_at"] and mine["siren"] == made.siren and mine["overdue"] is False
    [flagged] = await _outbox(pool, made.siren, "AffiliationReviewRequired")
    assert flagged["data"]["request_id"] == created["id"]

    approved = await client.post(f"/v1/affiliation-queue/{created['id']}/approve", headers=operator)
    assert approved.status_code == 200 and approved.json()["status"] == "affiliated"
    assert len(await _outbox(pool, made.siren, "EmployeeAffiliated")) == 1
    again = await client.post(f"/v1/affiliation-queue/{created['id']}/approve", headers=operator)
    assert again.status_code == 409


async def test_a_back_office_user_rejects_a_request_with_a_reason_the_employer_reads(
        client, company, employer, operator, pool, body, process):
    made = await company()
    old_start = (date.today() - timedelta(days=200)).isoformat()
    created = (await client.post(f"/v1/companies/{made.siren}/affiliations", headers=employer(made.siren),
                                 json=body(made.sante["id"], start=old_start))).json()
    await process()
    rejected = await client.post(f"/v1/affiliation-queue/{created['id']}/reject", headers=operator,
                                 json={"reason": "Date d'entrée à confirmer par l'employeur"})
    assert rejected.status_code == 200, rejected.text
    followed = (await client.get(f"/v1/companies/{made.siren}/affiliations", headers=employer(made.siren))).json()
    assert [(r["status"], r["rejection_reason"]) for r in followed] == [
        ("rejected", "Date d'entrée à confirmer par l'employeur")]
    assert len(await _outbox(pool, made.siren, "AffiliationRejected")) == 1
    assert (await client.post(f"/v1/affiliation-queue/{uuid.uuid4()}/approve", headers=operator)).status_code == 404


async def test_a_request_received_on_a_public_holiday_eve_is_due_after_the_holiday(app):
    # The deadline shown follows the holiday calendar: Tuesday 13 July 2027 -> Thursday 15 (14 July).
    rules = app.state.affiliation_rules
    paris = ZoneInfo("Europe/Paris")
    due = rules.calendar.due(datetime(2027, 7, 13, 11, 0, tzinfo=paris).astimezone(UTC))
    assert due == datetime(2027, 7, 15, 11, 0, tzinfo=paris)


async def test_a_search_with_a_nul_or_a_bidi_override_is_refused_naming_q_and_an_odd_siren_is_a_404(
        client, company, employer, operator):
    made = await company()
    for path in (f"/v1/companies/{made.siren}/employees", f"/v1/companies/{made.siren}/journal", "/v1/companies"):
        for bad in ("a\x00b", "a\u202eb"):
            headers = operator if path == "/v1/companies" else employer(made.siren)
            response = await client.get(path, params={"q": bad}, headers=headers)
            assert response.status_code == 422 and "q" in response.text, (path, response.text)
    for odd in ("abcdefghi", "7" * 40, "73282932"):
        assert (await client.get(f"/v1/companies/{odd}", headers=operator)).status_code == 404


async def test_a_group_contract_for_an_unregistered_or_malformed_siren_is_refused_naming_siren(
        client, operator, pool, new_siren):
    body = {"contract_number": f"GX-{uuid.uuid4().hex[:8].upper()}", "category": "sante", "label": "Santé",
            "contribution_formula": "family", "start_date": "2024-01-01", "options": []}
    unregistered = new_siren()
    assert not await pool.fetchval("select exists (select 1 from company where siren = $1)", unregistered)
    for siren, code in ((unregistered, "unknown-company"), ("732829321", "invalid-siren")):
        response = await client.post("/v1/group-contracts", headers=operator, json={**body, "siren": siren})
        assert response.status_code == 422 and response.json()["field"] == "siren", response.text
        assert response.json()["type"].endswith(code)
    assert await pool.fetchval("select count(*) from group_contract where contract_number = $1",
                               body["contract_number"]) == 0
