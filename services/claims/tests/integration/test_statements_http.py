"""Statements on the real PostgreSQL: the contract projection from ContractRegistered, the import
(idempotent, line by line), the member's filtered keyset listing, the PDF, the summary and chart,
and member A never reaching member B's lines."""

import io
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from aiokafka import ConsumerRecord
from pypdf import PdfReader

from claims.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.contracts import ContractRegistered
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration


def _record(envelope: Envelope, topic: str) -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=0, offset=0, timestamp=0, timestamp_type=0, key=None,
                          value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


async def _contract(pool, settings) -> tuple[str, uuid.UUID]:
    """A contract registered by contracts, as claims' worker receives it: (number, holder id)."""
    number, holder = f"{random.randrange(10**9):09d}", uuid.uuid4()
    event = ContractRegistered(contract_id=uuid.uuid4(), contract_number=number, category="sante", product_code="P",
                               holder_id=holder, start_date=date(2020, 1, 1), registered_at=datetime.now(UTC))
    runner = ConsumerRunner("claims", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record(Envelope.wrap(event), "contracts.contract.v1")) == "handled"
    return number, holder


def _line(number: str, ref: str, **overrides):
    base = {"source": "noemie", "source_ref": ref, "contract_number": number,
            "beneficiary": {"last_name": "Martin", "first_name": "Léa", "birth_date": "1990-04-02"},
            "care_date": "2026-03-10", "care_type": "consultation_gp", "billed": "30.00", "br": "30.00",
            "amo": "19.00", "amc": "9.00", "out_of_pocket": "2.00", "payment_date": "2026-03-12",
            "paid_to_iban": "FR7630006000011234567890189"}
    return {**base, **overrides}


def _ref() -> str:
    return f"T-{uuid.uuid4().hex[:12]}"


async def _import(client, token, lines):
    response = await client.post("/v1/statement-imports", json={"lines": lines}, headers=token("operator"))
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_import_records_valid_lines_reports_every_bad_one_and_is_idempotent(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    good = [_line(number, _ref()), _line(number, _ref(), care_type="pharmacy", billed="10.00", br="10.00",
                                         amo="6.50", amc="3.50", out_of_pocket="0.00")]
    future = (date.today() + timedelta(days=2)).isoformat()
    bad = [_line(number, _ref(), care_date=future, payment_date=None), _line("nope-000", _ref()), _line(number, _ref(), out_of_pocket="1")]
    report = await _import(client, token, good + bad)
    assert (report["accepted"], report["unchanged"]) == (2, 0)
    assert [(r["line"], [e["field"] for e in r["errors"]]) for r in report["refused"]] == [
        (3, ["care_date"]), (4, ["contract_number"]), (5, ["out_of_pocket"])]
    assert (await _import(client, token, good)) == {"accepted": 0, "unchanged": 2, "refused": []}
    corrected = {**good[0], "amc": "10.00", "out_of_pocket": "1.00"}
    assert (await _import(client, token, [corrected]))["accepted"] == 1
    rows = await pool.fetch("select amc, paid_to from statement_line where holder_id = $1 order by amc", holder)
    assert [r["amc"] for r in rows] == [D("3.50"), D("10.00")]
    assert all(r["paid_to"] == "FR76 **** **** **** **** ***0 189" for r in rows)
    events = await pool.fetchval("select count(*) from outbox where event_type = 'StatementLineRecorded' and key in "
                                 "(select id::text from statement_line where holder_id = $1)", holder)
    assert events == 3  # two new lines, one correction; nothing for the unchanged ones


async def test_only_operators_import(client, token):
    response = await client.post("/v1/statement-imports", json={"lines": []}, headers=token("member"))
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_an_import_larger_than_the_setting_is_a_problem_naming_lines(client, token, settings):
    lines = [{}] * (settings.max_import_lines + 1)
    response = await client.post("/v1/statement-imports", json={"lines": lines}, headers=token("operator"))
    assert response.status_code == 422 and response.json()["field"] == "lines"


async def test_the_listing_filters_by_period_care_type_and_beneficiary_and_pages_by_keyset(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    lines = [_line(number, _ref(), care_date=f"2026-01-{day:02d}") for day in range(1, 8)]
    lines.append(_line(number, _ref(), care_date="2026-01-03", care_type="pharmacy", billed="10.00", br="10.00",
                       amo="6.50", amc="3.50", out_of_pocket="0.00",
                       beneficiary={"last_name": "Martin", "first_name": "Tom", "birth_date": "2015-05-05"}))
    await _import(client, token, lines)
    member = token("member", person_id=holder)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/v1/statements", params=params, headers=member)).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 8 and len({s["id"] for s in seen}) == 8
    assert [s["care_date"] for s in seen] == sorted((s["care_date"] for s in seen), reverse=True)
    period = (await client.get("/v1/statements", params={"from": "2026-01-02", "to": "2026-01-04"}, headers=member)).json()
    assert sorted(s["care_date"] for s in period["items"]) == ["2026-01-02", "2026-01-03", "2026-01-03", "2026-01-04"]
    pharmacy = (await client.get("/v1/statements", params={"care_type": "pharmacy"}, headers=member)).json()["items"]
    assert [(s["care_type"], s["amo"], s["beneficiary"]["first_name"]) for s in pharmacy] == [("pharmacy", "6.50", "Tom")]
    tom = pharmacy[0]["beneficiary"]["id"]
    by_person = (await client.get("/v1/statements", params={"beneficiary_id": tom}, headers=member)).json()["items"]
    assert [s["id"] for s in by_person] == [pharmacy[0]["id"]]


async def test_the_listing_body_written_by_postgresql_is_what_its_response_model_gives(client, token, pool, settings, app):
    from claims.app.statements import Filters, page
    from claims.entrypoints.http.statements import StatementPageOut

    number, holder = await _contract(pool, settings)
    await _import(client, token, [_line(number, _ref(), care_date=f"2026-02-{day:02d}") for day in range(1, 5)] + [
        _line(number, _ref(), care_type="pharmacy", billed="10.50", br="10.00", amo="6.50", amc="3.50",
              out_of_pocket="0.50", payment_date=None, paid_to_iban=None,
              beneficiary={"last_name": "N'Diaye-Élan", "first_name": "Zoé Anaïs", "birth_date": "2015-05-05"})])
    cursor = None
    for _ in range(3):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/v1/statements", params=params, headers=token("member", person_id=holder))
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        found = await page(app.state.unit_of_work(app.state.pool), [holder], Filters(), cursor, 2)
        assert response.json() == StatementPageOut.model_validate(found).model_dump(mode="json")
        cursor = response.json()["next_cursor"]
    assert cursor is None


@pytest.mark.parametrize("params, field", [({"cursor": "bm9wZQ"}, "cursor"), ({"care_type": "massage"}, "care_type"),
                                           ({"from": "2026-02-01", "to": "2026-01-01"}, "to"),
                                           ({"from": "2026-02-30"}, "from")])
async def test_a_bad_filter_is_a_problem_naming_it(client, token, params, field):
    response = await client.get("/v1/statements", params=params, headers=token("member", person_id=uuid.uuid4()))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


async def test_member_a_never_reaches_member_bs_lines(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    await _import(client, token, [_line(number, _ref())])
    owner, stranger = token("member", person_id=holder), token("member", person_id=uuid.uuid4())
    [mine] = (await client.get("/v1/statements", headers=owner)).json()["items"]
    assert (await client.get("/v1/statements", headers=stranger)).json()["items"] == []
    # The owner's beneficiary id in a stranger's filter shows nothing of the owner's.
    theirs = await client.get("/v1/statements", params={"beneficiary_id": mine["beneficiary"]["id"]}, headers=stranger)
    assert theirs.status_code == 200 and theirs.json()["items"] == []
    summary = (await client.get("/v1/statements/summary", headers=stranger)).json()
    assert summary["groups"] == [] and summary["totals"]["billed"] == "0.00"
    assert "Martin" not in "".join(p.extract_text() for p in PdfReader(io.BytesIO(
        (await client.get("/v1/statements/pdf", headers=stranger)).content)).pages)


async def test_the_pdf_statement_agrees_with_the_listing_to_the_cent(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    await _import(client, token, [
        _line(number, _ref(), care_date="2026-02-02"),
        _line(number, _ref(), care_date="2026-02-20", care_type="optics_glasses", billed="1234.56", br="0.09",
              amo="0.05", amc="1000.00", out_of_pocket="234.51")])
    member = token("member", person_id=holder)
    params = {"from": "2026-02-01", "to": "2026-02-28"}
    response = await client.get("/v1/statements/pdf", params=params, headers=member)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "du 01/02/2026 au 28/02/2026" in text
    assert "1 264,56 €" in text and "1 009,00 €" in text and "236,51 €" in text and "19,05 €" in text
    summary = (await client.get("/v1/statements/summary", params=params, headers=member)).json()
    assert summary["totals"] == {"billed": "1264.56", "amo": "19.05", "amc": "1009.00", "out_of_pocket": "236.51"}


async def test_the_summary_groups_by_month_care_type_and_beneficiary_and_its_chart_is_an_image(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    await _import(client, token, [
        _line(number, _ref(), care_date="2025-11-05"), _line(number, _ref(), care_date="2025-11-20"),
        _line(number, _ref(), care_date="2025-12-01", care_type="pharmacy", billed="10.00", br="10.00",
              amo="6.50", amc="3.50", out_of_pocket="0.00")])
    member = token("member", person_id=holder)
    params = {"from": "2025-11-01", "to": "2025-12-31"}
    by_month = (await client.get("/v1/statements/summary", params={**params, "by": "month"}, headers=member)).json()
    assert [(g["key"], g["lines"], g["billed"]) for g in by_month["groups"]] == [("2025-11", 2, "60.00"), ("2025-12", 1, "10.00")]
    by_care = (await client.get("/v1/statements/summary", params={**params, "by": "care_type"}, headers=member)).json()
    assert [(g["key"], g["label"], g["amc"]) for g in by_care["groups"]] == [
        ("consultation_gp", "Consultation généraliste", "18.00"), ("pharmacy", "Pharmacie", "3.50")]
    by_person = (await client.get("/v1/statements/summary", params={**params, "by": "beneficiary"}, headers=member)).json()
    assert [(g["label"], g["out_of_pocket"]) for g in by_person["groups"]] == [("Léa Martin", "4.00")]
    svg = await client.get("/v1/statements/summary/chart", params={**params, "by": "care_type"}, headers=member)
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert b"Pharmacie" in svg.content
    png = await client.get("/v1/statements/summary/chart", params={**params, "format": "png"}, headers=member)
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")


async def test_the_personal_data_export_lists_the_holders_lines_for_a_service_only(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    await _import(client, token, [_line(number, _ref())])
    query = {"account_id": str(uuid.uuid4()), "person_id": str(holder)}
    response = await client.get("/internal/v1/personal-data", params=query, headers=token("service"))
    assert response.status_code == 200, response.text
    [exported] = response.json()["data"]["statement_lines"]
    assert (exported["amo"], exported["paid_to"]) == ("19.00", "FR76 **** **** **** **** ***0 189")
    assert (await client.get("/internal/v1/personal-data", params=query, headers=token("member"))).status_code == 403


async def test_the_api_answers_its_health_routes(client):
    assert (await client.get("/health/live")).status_code == 200
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


async def test_the_latest_lines_for_contracts_home_summary_are_for_contracts_token_only(client, token, pool, settings):
    """GET /internal/v1/latest-statements: the holders' latest lines, newest first, for contracts only."""
    number, holder = await _contract(pool, settings)
    lines = [_line(number, _ref(), care_date=f"2026-0{m}-02") for m in (1, 2, 3)]
    report = (await client.post("/v1/statement-imports", json={"lines": lines}, headers=token("operator"))).json()
    assert report["accepted"] == 3, report
    contracts = token("service", subject="service:contracts")
    found = await client.get("/internal/v1/latest-statements", params={"holder_id": str(holder), "limit": 2},
                             headers=contracts)
    assert found.status_code == 200, found.text
    assert [x["care_date"] for x in found.json()["items"]] == ["2026-03-02", "2026-02-02"]
    for who in (token("service", subject="service:notify"), token("member", person_id=holder), token("operator")):
        refused = await client.get("/internal/v1/latest-statements", params={"holder_id": str(holder)}, headers=who)
        assert refused.status_code == 403
    bad = await client.get("/internal/v1/latest-statements", params={"holder_id": "x"}, headers=contracts)
    assert bad.status_code == 422 and "holder_id" in bad.text
