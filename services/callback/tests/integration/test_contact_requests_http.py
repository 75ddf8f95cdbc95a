"""Contact requests and complaints on the real PostgreSQL (CB-4): attachments stored with their
checksum in the request's transaction, "Mes demandes", the agents' due list, acknowledgement and answer."""

import hashlib
import io
import uuid
from datetime import datetime

import pytest
from PIL import Image

from callback.adapters.contracts import ContractsClient

pytestmark = pytest.mark.integration
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (3, 3), "red").save(out, "PNG")
    return out.getvalue()


def form(**overrides) -> dict:
    return {"kind": "complaint", "category": "disputed_debit", "message": "Prélèvement du 5 mars contesté.",
            **overrides}


def parts(*files: tuple[str, bytes]) -> list[tuple[str, tuple[str, bytes, str]]]:
    """Multipart file parts named attachments; the part's content type says nothing the service believes."""
    return [("attachments", (name, content, "application/octet-stream")) for name, content in files]


def complaint(**overrides) -> dict:
    """httpx arguments of a complaint with a PDF and a PNG, as a browser's form sends them."""
    return {"data": form(**overrides), "files": parts(("releve.pdf", PDF), ("capture.png", png()))}


async def test_a_complaint_and_its_attachments_are_stored_in_one_transaction_with_their_event(client, token, pool):
    account = uuid.uuid4()
    member = token("member", subject=account)
    response = await client.post("/v1/contact-requests", **complaint(), headers=member)
    assert response.status_code == 201, response.text
    filed = response.json()
    assert filed["status"] == "received" and filed["acknowledge_by"] and filed["answer_by"]
    assert sorted((a["filename"], a["media_type"], a["sha256"]) for a in filed["attachments"]) == [
        ("capture.png", "image/png", hashlib.sha256(png()).hexdigest()),
        ("releve.pdf", "application/pdf", hashlib.sha256(PDF).hexdigest())]
    event = await pool.fetchrow("select topic, event_type from outbox where key = $1", filed["id"])
    assert (event["topic"], event["event_type"]) == ("callback.contact-request.v1", "ComplaintReceived")
    pdf = next(a for a in filed["attachments"] if a["filename"] == "releve.pdf")
    download = await client.get(f"/v1/contact-requests/{filed['id']}/attachments/{pdf['id']}", headers=member)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert [r["id"] for r in (await client.get("/v1/contact-requests", headers=member)).json()] == [filed["id"]]


async def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_naming_it_and_nothing_is_stored(client, token, pool):
    account = uuid.uuid4()
    files = parts(("ok.pdf", PDF), ("facture.pdf", b"MZ\x90\x00 an executable"))
    response = await client.post("/v1/contact-requests", data=form(), files=files,
                                 headers=token("member", subject=account))
    assert response.status_code == 422
    assert response.json()["field"] == "attachments.1" and "facture.pdf" in response.json()["detail"]
    assert await pool.fetchval("select count(*) from contact_request where account_id = $1", account) == 0
    assert await pool.fetchval("select count(*) from attachment a join contact_request r on r.id = a.request_id "
                               "where r.account_id = $1", account) == 0


async def test_too_many_files_a_file_too_large_or_too_many_bytes_in_all_are_refused_and_nothing_is_stored(
        client, token, pool, settings):
    account = uuid.uuid4()
    member = token("member", subject=account)
    many = parts(*[(f"p{i}.pdf", PDF) for i in range(settings.max_attachments + 1)])
    answer = await client.post("/v1/contact-requests", data=form(), files=many, headers=member)
    assert answer.status_code == 422 and answer.json()["field"] == "attachments"
    big = parts(("ok.pdf", PDF), ("gros.pdf", PDF + b" " * settings.max_attachment_bytes))
    answer = await client.post("/v1/contact-requests", data=form(), files=big, headers=member)
    assert answer.status_code == 422 and answer.json()["type"].endswith("unaccepted-file")
    assert answer.json()["field"] == "attachments.1" and "« gros.pdf »" in answer.json()["detail"]
    count = settings.max_attachments_total_bytes // settings.max_attachment_bytes + 1
    each = settings.max_attachments_total_bytes // count + 1
    assert count <= settings.max_attachments and each <= settings.max_attachment_bytes  # each alone is accepted
    heavy = parts(*[(f"{i}.pdf", PDF + b" " * (each - len(PDF))) for i in range(count)])
    answer = await client.post("/v1/contact-requests", data=form(), files=heavy, headers=member)
    assert answer.status_code == 422 and answer.json()["field"] == "attachments"
    assert await pool.fetchval("select count(*) from contact_request where account_id = $1", account) == 0


async def test_a_form_without_its_fields_or_with_a_text_for_a_file_is_a_problem_naming_the_field(client, token):
    member = token("member")
    answer = await client.post("/v1/contact-requests", data={"category": "quote", "message": "Bonjour"},
                               files=parts(("a.pdf", PDF)), headers=member)
    assert answer.status_code == 422 and answer.json()["field"] == "kind"
    answer = await client.post("/v1/contact-requests", data=form(kind="plainte"), headers=member)
    assert answer.status_code == 422 and answer.json()["field"] == "kind"
    answer = await client.post("/v1/contact-requests", data={**form(), "attachments": "pas un fichier"}, headers=member)
    assert answer.status_code == 422 and answer.json()["field"].startswith("attachments")
    answer = await client.post("/v1/contact-requests", json=form(), headers=member)  # JSON is no longer the format
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("application/problem+json")


async def test_a_file_name_is_kept_without_its_path_and_its_bytes_come_back_as_sent(client, token):
    member = token("member")
    image = png()
    filed = await client.post("/v1/contact-requests", data=form(kind="request", category="other"),
                              files=parts(("C:\\Scans\\lettre.png", image)), headers=member)
    assert filed.status_code == 201, filed.text
    [sent] = filed.json()["attachments"]
    assert (sent["filename"], sent["size"], sent["sha256"]) == ("lettre.png", len(image), hashlib.sha256(image).hexdigest())


async def test_an_upload_retried_with_the_same_idempotency_key_creates_nothing_twice(client, token, pool):
    account = uuid.uuid4()
    headers = {**token("member", subject=account), "Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/v1/contact-requests", **complaint(), headers=headers)
    second = await client.post("/v1/contact-requests", **complaint(), headers=headers)
    assert (first.status_code, second.status_code) == (201, 200) and first.json()["id"] == second.json()["id"]
    assert await pool.fetchval("select count(*) from contact_request where account_id = $1", account) == 1
    assert await pool.fetchval("select count(*) from attachment where request_id = $1", uuid.UUID(first.json()["id"])) == 2


async def test_a_member_never_sees_another_members_request_nor_its_attachments(client, token):
    owner, other = token("member"), token("member")
    filed = (await client.post("/v1/contact-requests", **complaint(), headers=owner)).json()
    attachment = filed["attachments"][0]["id"]
    assert (await client.get(f"/v1/contact-requests/{filed['id']}", headers=other)).status_code == 404
    assert (await client.get(f"/v1/contact-requests/{filed['id']}/attachments/{attachment}",
                             headers=other)).status_code == 404
    assert (await client.get("/v1/contact-requests", headers=other)).json() == []


async def test_agents_see_what_is_due_acknowledge_and_answer_and_the_member_reads_the_answer(client, token, pool):
    member, agent = token("member"), token("agent")
    filed = (await client.post("/v1/contact-requests", **complaint(), headers=member)).json()
    request = (await client.post("/v1/contact-requests", data={"kind": "request", "category": "quote",
                                                                "message": "Un devis pour mon fils."},
                                 headers=member)).json()
    assert request["acknowledge_by"] is None
    queue = (await client.get("/v1/contact-queue", headers=agent)).json()
    mine = {q["id"]: q for q in queue if q["id"] in (filed["id"], request["id"])}
    assert set(mine) == {filed["id"], request["id"]} and not any(q["overdue"] for q in mine.values())
    deadlines = [datetime.fromisoformat(q["next_deadline"]) for q in queue]
    assert deadlines == sorted(deadlines)
    assert (await client.get("/v1/contact-queue", headers=member)).status_code == 403
    acked = await client.post(f"/v1/contact-queue/{filed['id']}/acknowledge", headers=agent)
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert (await client.post(f"/v1/contact-queue/{filed['id']}/acknowledge", headers=agent)).status_code == 409
    assert (await client.post(f"/v1/contact-queue/{request['id']}/acknowledge", headers=agent)).status_code == 409
    answered = await client.post(f"/v1/contact-queue/{filed['id']}/answer",
                                 json={"answer": "Le prélèvement vous sera remboursé."}, headers=agent)
    assert answered.status_code == 200
    seen = (await client.get(f"/v1/contact-requests/{filed['id']}", headers=member)).json()
    assert (seen["status"], seen["answer"]) == ("answered", "Le prélèvement vous sera remboursé.")
    types = [r["event_type"] for r in await pool.fetch("select event_type from outbox where key = $1 order by position",
                                                        filed["id"])]
    assert types == ["ComplaintReceived", "ComplaintAcknowledged", "ComplaintAnswered"]


async def test_a_contract_that_cannot_be_checked_is_a_503_and_nothing_is_stored(client, token, pool, app):
    from ms_platform.testing import free_port

    account = uuid.uuid4()
    real = app.state.contracts
    app.state.contracts = ContractsClient(f"http://127.0.0.1:{free_port()}", 1.0)  # nothing listens there
    try:
        response = await client.post("/v1/contact-requests", **complaint(contract_id=str(uuid.uuid4())),
                                     headers=token("member", subject=account))
    finally:
        await app.state.contracts.aclose()
        app.state.contracts = real
    assert response.status_code == 503 and response.json()["dependency"] == "contracts"
    assert await pool.fetchval("select count(*) from contact_request where account_id = $1", account) == 0
