"""A member submits a claim with an invoice photo through the gateway (issue 14, CL-4): the
multipart upload goes through nginx's upload limit, the photo is stored upright without its
metadata, a retry with the same Idempotency-Key creates nothing twice, bad files are problem+json
naming the field, and another member neither claims on the contract nor sees the claim; an
operator processes a claim to paid and notify emails the member at each step (CL-5)."""

from __future__ import annotations

import hashlib
import io
import uuid
from datetime import UTC, datetime

import pytest
from PIL import Image

from e2e_support import sign_up_and_confirm, unique_email, wait_until

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def photo(size_bytes: int = 0) -> bytes:
    """An invoice photo taken sideways by a phone (EXIF orientation 6, its maker), padded to about ``size_bytes``."""
    exif = Image.Exif()
    exif[0x0112], exif[0x010F] = 6, "PhoneMaker"
    out = io.BytesIO()
    Image.new("RGB", (400, 200), "white").save(out, format="JPEG", exif=exif.tobytes())
    data = out.getvalue()
    return data if len(data) >= size_bytes else data[:-2] + b"\0" * (size_bytes - len(data)) + data[-2:]


async def member(gateway, mailbox, registry) -> dict:
    [person] = await registry.register(1)
    address = unique_email("claim")
    token = await sign_up_and_confirm(gateway, mailbox, person, address)
    return {"person": person, "email": address, "auth": {"Authorization": f"Bearer {token}"}}


def form(number: str) -> dict:
    return {"contract_number": number, "care_type": "dental_prosthesis", "care_date": "2026-05-04", "billed": "600.00"}


async def submit(gateway, who: dict, number: str, files, key: str | None = None):
    headers = {**who["auth"], **({"Idempotency-Key": key} if key else {})}
    return await gateway.post("/v1/claims", data=form(number), files=files, headers=headers, timeout=60)


async def test_a_member_uploads_an_invoice_photo_once_and_nobody_else_reaches_it(gateway, mailbox, registry):
    a, b = await member(gateway, mailbox, registry), await member(gateway, mailbox, registry)
    number = a["person"]["contract_number"]
    picture = photo(2_000_000)  # a 2 MB phone photo: above the gateway's 1m, within the upload prefix's 21m
    key = f"e2e-{uuid.uuid4()}"

    async def projected():  # claims' worker has heard of the contract (ContractRegistered)
        r = await submit(gateway, a, number, [("documents", ("facture.jpg", picture, "image/jpeg"))], key)
        return r if r.status_code == 201 else None
    first = await wait_until(projected, timeout=60, what="claims to know the contract")
    claim = first.json()
    assert (claim["status"], claim["care_label"], claim["billed"]) == ("received", "Prothèse dentaire", "600.00")
    [doc] = claim["documents"]
    assert doc["media_type"] == "image/jpeg" and len(doc["sha256"]) == 64
    again = await submit(gateway, a, number, [("documents", ("facture.jpg", picture, "image/jpeg"))], key)
    assert again.status_code == 200 and again.json()["id"] == claim["id"]
    listed = (await gateway.get("/v1/claims", headers=a["auth"])).json()
    assert [c["id"] for c in listed] == [claim["id"]]
    # Bad files: problem+json naming the field.
    text = await submit(gateway, a, number, [("documents", ("facture.pdf", b"plain text, not a PDF", "application/pdf"))])
    assert text.status_code == 422 and text.headers["content-type"].startswith("application/problem+json")
    assert text.json()["field"] == "documents.0"
    # B: no claim on A's contract, and none of A's claims.
    stranger = await submit(gateway, b, number, [("documents", ("f.pdf", PDF, "application/pdf"))])
    assert stranger.status_code == 422 and stranger.json()["field"] == "contract_number"
    assert (await gateway.get("/v1/claims", headers=b["auth"])).json() == []
    # The document read back through the gateway: A's own, as stored; B gets a 404.
    url = f"/v1/claims/{claim['id']}/documents/{doc['id']}"
    stored = await gateway.get(url, headers=a["auth"], timeout=60)
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    assert hashlib.sha256(stored.content).hexdigest() == doc["sha256"]
    assert not Image.open(io.BytesIO(stored.content)).getexif()  # no orientation, no maker left
    hidden = await gateway.get(url, headers=b["auth"])
    assert hidden.status_code == 404 and hidden.headers["content-type"].startswith("application/problem+json")
    assert datetime.fromisoformat(claim["created_at"]) <= datetime.now(UTC)


async def test_a_back_office_operator_processes_the_claim_and_the_member_follows_it(gateway, mailbox, registry,
                                                                                     operator_token):
    a = await member(gateway, mailbox, registry)
    number = a["person"]["contract_number"]

    async def projected():
        r = await submit(gateway, a, number, [("documents", ("facture.pdf", PDF, "application/pdf"))], f"e2e-{uuid.uuid4()}")
        return r if r.status_code == 201 else None
    claim = (await wait_until(projected, timeout=60, what="claims to know the contract")).json()
    # Large dental costs: the social security statement and a prior quote are still missing (CL-6).
    assert [m["code"] for m in claim["missing"]] == ["social_security_statement", "prior_quote"]
    operator = {"Authorization": f"Bearer {operator_token}"}
    queue = (await gateway.get("/v1/claim-queue", params={"limit": 200}, headers=operator)).json()
    assert claim["id"] in {c["id"] for c in queue}
    skipped = await gateway.post("/v1/claim-decisions", json={"claim_id": claim["id"], "status": "paid"}, headers=operator)
    assert skipped.status_code == 409 and skipped.headers["content-type"].startswith("application/problem+json")
    # Processing takes the act's BR; the amounts come from the coverage rules under the contract's guarantee.
    for status, extra in (("under_analysis", {}), ("processed", {"br": "107.50"}), ("paid", {})):
        step = await gateway.post("/v1/claim-decisions", json={"claim_id": claim["id"], "status": status, **extra},
                                  headers=operator)
        assert step.status_code == 200, step.text
    [seen] = (await gateway.get("/v1/claims", headers=a["auth"])).json()
    assert (seen["status"], seen["status_label"], seen["missing"]) == ("paid", "Remboursée", [])
    # The member sees the amounts, the same to the cent as contracts' simulator for the same act (one
    # copy of the coverage rules, ADR 0012), and the claim among their statement lines, paid today.
    amounts = seen["amounts"]
    simulated = await gateway.post("/v1/coverage-simulations", headers=a["auth"], json={
        "care_type": "dental_prosthesis", "billed_eur": "600.00", "br_eur": "107.50", "compare_product_codes": []})
    assert simulated.status_code == 200, simulated.text
    [current] = [r for r in simulated.json()["results"] if r["current"]]
    assert (amounts["amo"], amounts["amc"], amounts["out_of_pocket"]) == (
        current["amo_eur"], current["amc_eur"], current["out_of_pocket_eur"])
    assert amounts["paid_on"] is not None
    lines = (await gateway.get("/v1/statements", params={"care_type": "dental_prosthesis"}, headers=a["auth"])).json()
    [line] = [x for x in lines["items"] if x["id"] == amounts["statement_line_id"]]
    assert (line["source"], line["billed"], line["br"], line["amo"], line["amc"], line["out_of_pocket"]) == (
        "claim", "600.00", "107.50", amounts["amo"], amounts["amc"], amounts["out_of_pocket"])
    assert line["payment_date"] == amounts["paid_on"]
    # Notify told the member at each step (CL-5): one French email per status, in the mail sink.
    reference = claim["id"].split("-")[0].upper()

    async def told() -> list[str] | None:
        subjects = [str(m["Subject"]) for m in mailbox.messages_to(a["email"]) if reference in str(m["Subject"])]
        return subjects if len(subjects) == 4 else None
    subjects = await wait_until(told, timeout=60, what="notify's four emails about the claim")
    assert {s.split(" – ")[0] for s in subjects} == {
        f"Votre demande de remboursement {reference} est {words}"
        for words in ("bien reçue", "en cours d'analyse", "traitée", "remboursée")}
    [paid] = [m for m in mailbox.messages_to(a["email"]) if f"{reference} est remboursée" in str(m["Subject"])]
    assert "a été payée sur votre compte bancaire" in paid.get_body(("plain",)).get_content()
    refused = await gateway.post("/v1/claim-decisions", json={"claim_id": claim["id"], "status": "rejected"},
                                 headers=a["auth"])
    assert refused.status_code == 403
