"""Member-submitted claims on the real PostgreSQL and the local object store (CL-4): multipart
upload, the type read from the bytes, pictures turned upright and stripped of their metadata,
checksums, limits, Idempotency-Key, nothing half-written and no orphan file, A never sees B's."""

import hashlib
import io
import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from aiokafka import ConsumerRecord
from PIL import Image

from claims.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.contracts import ContractRegistered
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _record(envelope: Envelope) -> ConsumerRecord:
    return ConsumerRecord(topic="contracts.contract.v1", partition=0, offset=0, timestamp=0, timestamp_type=0,
                          key=None, value=envelope.to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


async def _contract(pool, settings) -> tuple[str, uuid.UUID]:
    number, holder = f"{random.randrange(10**9):09d}", uuid.uuid4()
    event = ContractRegistered(contract_id=uuid.uuid4(), contract_number=number, category="sante", product_code="P",
                               holder_id=holder, start_date=date(2020, 1, 1), registered_at=datetime.now(UTC))
    runner = ConsumerRunner("claims", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record(Envelope.wrap(event))) == "handled"
    return number, holder


def _photo() -> bytes:
    """A 40×20 invoice photo taken sideways (EXIF orientation 6) by a phone that wrote its name."""
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "white").save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _form(number: str, **overrides):
    return {"contract_number": number, "care_type": "consultation_gp", "care_date": "2026-03-01", "billed": "30.00",
            **overrides}


def _files(*parts):
    return [("documents", part) for part in parts]


def _store(app):
    return app.state.documents_store


async def test_a_claim_with_a_photo_and_a_pdf_is_recorded_with_clean_files_and_its_event(client, token, pool, settings, app):
    number, holder = await _contract(pool, settings)
    member = token("member", person_id=holder)
    response = await client.post("/v1/claims", data=_form(number), headers=member,
                                 files=_files(("facture.jpg", _photo(), "image/jpeg"), ("feuille.pdf", PDF, "application/pdf")))
    assert response.status_code == 201, response.text
    claim = response.json()
    assert (claim["status"], claim["status_label"], claim["billed"]) == ("received", "Reçue", "30.00")
    photo, pdf = claim["documents"]
    assert (photo["media_type"], pdf["media_type"]) == ("image/jpeg", "application/pdf")
    key = await pool.fetchval("select storage_key from claim_document where id = $1", uuid.UUID(photo["id"]))
    stored = _store(app).get(key)
    assert hashlib.sha256(stored).hexdigest() == photo["sha256"]
    image = Image.open(io.BytesIO(stored))
    assert image.size == (20, 40) and dict(image.getexif()) == {}  # upright, no metadata
    pdf_key = await pool.fetchval("select storage_key from claim_document where id = $1", uuid.UUID(pdf["id"]))
    assert _store(app).get(pdf_key) == PDF
    event = await pool.fetchval("select event_type from outbox where key = $1", claim["id"])
    assert event == "ClaimStatusChanged"
    listed = (await client.get("/v1/claims", headers=member)).json()
    assert [c["id"] for c in listed] == [claim["id"]]


async def test_the_same_upload_retried_with_the_same_idempotency_key_creates_nothing_twice(client, token, pool, settings, app):
    number, holder = await _contract(pool, settings)
    account = uuid.uuid4()
    member = {**token("member", subject=account, person_id=holder), "Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = await client.post("/v1/claims", data=_form(number), headers=member, files=_files(("f.pdf", PDF, "application/pdf")))
    again = await client.post("/v1/claims", data=_form(number), headers=member, files=_files(("f.pdf", PDF, "application/pdf")))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    assert await pool.fetchval("select count(*) from claim where account_id = $1", account) == 1
    assert await pool.fetchval("select count(*) from claim_document d join claim c on c.id = d.claim_id "
                               "where c.account_id = $1", account) == 1
    folder = _store(app).root / first.json()["id"]
    assert len(list(folder.iterdir())) == 1


@pytest.mark.parametrize("overrides, files, field", [
    ({}, [("notes.txt", b"just some text", "application/pdf")], "documents.0"),
    ({}, [("fake.jpg", b"\xff\xd8\xff\xe0 not really a jpeg", "image/jpeg")], "documents.0"),
    ({"care_date": (date.today() + timedelta(days=5)).isoformat()}, [("f.pdf", PDF, "application/pdf")], "care_date"),
    ({"care_type": "massage"}, [("f.pdf", PDF, "application/pdf")], "care_type"),
    ({"billed": "-3"}, [("f.pdf", PDF, "application/pdf")], "billed"),
])
async def test_bad_input_is_a_problem_naming_the_field_and_nothing_is_written(client, token, pool, settings, app,
                                                                               overrides, files, field):
    number, holder = await _contract(pool, settings)
    account = uuid.uuid4()
    before = set(_store(app).root.iterdir()) if _store(app).root.exists() else set()
    response = await client.post("/v1/claims", data=_form(number, **overrides), files=_files(*files),
                                 headers=token("member", subject=account, person_id=holder))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text
    assert await pool.fetchval("select count(*) from claim where account_id = $1", account) == 0
    after = set(_store(app).root.iterdir()) if _store(app).root.exists() else set()
    assert after == before  # no orphan file


async def test_a_file_over_the_size_limit_is_refused_naming_it(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    big = PDF + b"0" * settings.max_document_bytes
    response = await client.post("/v1/claims", data=_form(number), files=_files(("big.pdf", big, "application/pdf")),
                                 headers=token("member", person_id=holder))
    assert response.status_code == 422 and "documents.0" in response.text


async def test_more_files_than_the_setting_allows_are_refused(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    parts = [(f"f{i}.pdf", PDF, "application/pdf") for i in range(settings.max_documents + 1)]
    response = await client.post("/v1/claims", data=_form(number), files=_files(*parts),
                                 headers=token("member", person_id=holder))
    assert response.status_code == 422 and '"documents"' in response.text


async def test_member_a_cannot_claim_on_member_bs_contract_nor_see_bs_claims(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    owner = token("member", person_id=holder)
    created = await client.post("/v1/claims", data=_form(number), headers=owner, files=_files(("f.pdf", PDF, "application/pdf")))
    assert created.status_code == 201
    stranger = token("member", person_id=uuid.uuid4())
    refused = await client.post("/v1/claims", data=_form(number), headers=stranger, files=_files(("f.pdf", PDF, "application/pdf")))
    assert refused.status_code == 422 and "contract_number" in refused.text
    assert (await client.get("/v1/claims", headers=stranger)).json() == []


async def test_the_member_downloads_their_stored_document_and_nobody_else_reaches_it(client, token, pool, settings):
    number, holder = await _contract(pool, settings)
    owner = token("member", subject=uuid.uuid4(), person_id=holder)
    created = await client.post("/v1/claims", data=_form(number), headers=owner,
                                files=_files(("facture été.jpg", _photo(), "image/jpeg"), ("f.pdf", PDF, "application/pdf")))
    claim = created.json()
    photo, pdf = claim["documents"]
    url = f"/v1/claims/{claim['id']}/documents/{photo['id']}"

    mine = await client.get(url, headers=owner)
    assert mine.status_code == 200
    assert mine.headers["content-type"] == "image/jpeg"
    assert mine.headers["content-disposition"] == "attachment; filename*=UTF-8''facture%20%C3%A9t%C3%A9.jpg"
    assert mine.headers["cache-control"] == "private, no-store" and mine.headers["x-content-type-options"] == "nosniff"
    assert hashlib.sha256(mine.content).hexdigest() == photo["sha256"]
    assert Image.open(io.BytesIO(mine.content)).size == (20, 40)  # the stored picture: upright, no EXIF
    assert not Image.open(io.BytesIO(mine.content)).getexif()
    assert (await client.get(f"/v1/claims/{claim['id']}/documents/{pdf['id']}", headers=owner)).content == PDF

    # Another member (even one holding the same contract), another claim's path, an unknown id: the same 404.
    for who, path in [(token("member", person_id=uuid.uuid4()), url),
                      (token("member", subject=uuid.uuid4(), person_id=holder), url),
                      (owner, f"/v1/claims/{uuid.uuid4()}/documents/{photo['id']}"),
                      (owner, f"/v1/claims/{claim['id']}/documents/{uuid.uuid4()}")]:
        refused = await client.get(path, headers=who)
        assert refused.status_code == 404 and refused.headers["content-type"].startswith("application/problem+json")
        assert photo["sha256"] not in refused.text
    bad = await client.get(f"/v1/claims/{claim['id']}/documents/not-a-uuid", headers=owner)
    assert bad.status_code == 422 and "document_id" in bad.text
    assert (await client.get(url)).status_code == 401


async def _submitted(client, token, pool, settings, **form):
    number, holder = await _contract(pool, settings)
    account = uuid.uuid4()
    member = token("member", subject=account, person_id=holder)
    response = await client.post("/v1/claims", data=_form(number, **form), headers=member,
                                 files=_files(("f.pdf", PDF, "application/pdf")))
    assert response.status_code == 201, response.text
    return response.json(), member, number


async def _decide(client, token, claim_id, status, **extra):
    return await client.post("/v1/claim-decisions", json={"claim_id": claim_id, "status": status, **extra},
                             headers=token("operator"))


async def test_processing_a_care_claim_needs_its_br_and_the_contract_as_contracts_knows_it(client, token, pool,
                                                                                           settings):
    claim, member, _ = await _submitted(client, token, pool, settings)
    assert (await _decide(client, token, claim["id"], "under_analysis")).status_code == 200
    no_br = await _decide(client, token, claim["id"], "processed")
    assert no_br.status_code == 422 and no_br.json()["field"] == "br"
    # Claims asks the real contracts API (its own service token from identity) for the guarantee: this
    # test's contract exists only in claims' projection, so contracts answers 404 and nothing changes.
    unknown = await _decide(client, token, claim["id"], "processed", br="30.00")
    assert unknown.status_code == 409, unknown.text
    assert unknown.json()["type"].endswith("contract-unknown-to-contracts")
    [seen] = (await client.get("/v1/claims", headers=member)).json()
    assert (seen["status"], seen["amounts"]) == ("under_analysis", None)


async def test_a_rejection_says_why_and_what_to_do_and_the_member_sees_both(client, token, pool, settings):
    claim, member, _ = await _submitted(client, token, pool, settings)
    missing = await _decide(client, token, claim["id"], "rejected", reason="Facture illisible")
    assert missing.status_code == 422 and missing.json()["field"] == "what_to_do"
    done = await _decide(client, token, claim["id"], "rejected", reason="Facture illisible",
                         what_to_do="Envoyez une photo nette de la facture.")
    assert done.status_code == 200, done.text
    [seen] = (await client.get("/v1/claims", headers=member)).json()
    assert (seen["status"], seen["reason"], seen["what_to_do"]) == (
        "rejected", "Facture illisible", "Envoyez une photo nette de la facture.")


async def test_a_step_outside_the_workflow_is_a_conflict_and_an_unknown_claim_a_404(client, token, pool, settings):
    claim, _, _ = await _submitted(client, token, pool, settings)
    skipped = await _decide(client, token, claim["id"], "paid")
    assert skipped.status_code == 409 and skipped.headers["content-type"].startswith("application/problem+json")
    assert (await _decide(client, token, str(uuid.uuid4()), "under_analysis")).status_code == 404
    assert (await _decide(client, token, claim["id"], "under_analysis")).status_code == 200


async def test_only_operators_see_the_queue_and_decide(client, token, pool, settings):
    claim, member, _ = await _submitted(client, token, pool, settings)
    assert (await client.get("/v1/claim-queue", headers=member)).status_code == 403
    assert (await client.post("/v1/claim-decisions", json={"claim_id": claim["id"], "status": "under_analysis"},
                              headers=member)).status_code == 403


async def test_the_queue_and_the_member_see_what_is_missing_until_the_social_security_statement_arrives(
        client, token, pool, settings):
    claim, member, number = await _submitted(client, token, pool, settings, care_type="dental_prosthesis",
                                             care_date="2026-02-10", billed="900.00")
    [seen] = (await client.get("/v1/claims", headers=member)).json()
    assert [m["code"] for m in seen["missing"]] == ["social_security_statement", "prior_quote"]
    queue = (await client.get("/v1/claim-queue", params={"status": "received", "limit": 200},
                              headers=token("operator"))).json()
    assert claim["id"] in {c["id"] for c in queue}
    line = {"source": "noemie", "source_ref": f"T-{uuid.uuid4().hex[:12]}", "contract_number": number,
            "beneficiary": {"last_name": "Martin", "first_name": "Léa", "birth_date": "1990-04-02"},
            "care_date": "2026-02-10", "care_type": "dental_prosthesis", "billed": "900.00", "br": "107.50",
            "amo": "75.25", "amc": "0.00", "out_of_pocket": "824.75"}
    report = (await client.post("/v1/statement-imports", json={"lines": [line]}, headers=token("operator"))).json()
    assert report["accepted"] == 1, report
    [seen] = (await client.get("/v1/claims", headers=member)).json()
    assert [m["code"] for m in seen["missing"]] == ["prior_quote"]


async def test_the_personal_data_export_lists_the_accounts_claims(client, token, pool, settings):
    claim, member, _ = await _submitted(client, token, pool, settings)
    account = (await pool.fetchval("select account_id from claim where id = $1", uuid.UUID(claim["id"])))
    response = await client.get("/internal/v1/personal-data", params={"account_id": str(account)}, headers=token("service"))
    assert response.status_code == 200, response.text
    [exported] = response.json()["data"]["claims"]
    assert (exported["id"], exported["billed"], exported["status"]) == (claim["id"], "30.00", "received")
    assert exported["documents"][0]["sha256"] == claim["documents"][0]["sha256"]
