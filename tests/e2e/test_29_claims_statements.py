"""Claims' statements through the gateway (issue 14, CL-1..CL-3): an operator imports statement
lines for two members' contracts (HTTP) and a file of them (the command), each bad line reported;
the member lists their lines filtered and paged, downloads the PDF statement of a period whose
numbers (read back out of the PDF) agree with the API to the cent, and gets the spending summary
and its chart; the other member reaches none of it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import uuid
from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from pypdf import PdfReader

from e2e_support import PYTHON, ROOT, sign_up_and_confirm, unique_email, wait_until

pytestmark = pytest.mark.e2e


def euros(value: str) -> str:
    """``"1264.56"`` → ``"1 264,56 €"``: how the PDF prints an amount."""
    whole, cents = f"{Decimal(value):.2f}".split(".")
    return f"{int(whole):,}".replace(",", " ") + f",{cents} €"


def line(contract_number: str, person: dict, **overrides) -> dict:
    base = {"source": "noemie", "source_ref": f"E2E-{uuid.uuid4().hex[:16]}", "contract_number": contract_number,
            "beneficiary": {"last_name": person["last_name"], "first_name": person["first_name"],
                            "birth_date": person["birth_date"]},
            "care_date": "2026-02-03", "care_type": "consultation_gp", "billed": "30.00", "br": "30.00",
            "amo": "19.00", "amc": "9.00", "out_of_pocket": "2.00",
            "paid_to_iban": "FR7630006000011234567890189"}
    out = {**base, **overrides}
    if "payment_date" not in overrides:  # paid three days after the care
        out["payment_date"] = (date.fromisoformat(out["care_date"]) + timedelta(days=3)).isoformat()
    return out


async def import_lines(gateway: httpx.AsyncClient, operator: dict, lines: list[dict], *, all_valid: bool = True) -> dict:
    response = await gateway.post("/v1/statement-imports", json={"lines": lines}, headers=operator)
    assert response.status_code == 200, response.text
    if all_valid:
        assert response.json()["refused"] == [], response.json()["refused"]
    return response.json()


async def member(gateway, mailbox, registry) -> dict:
    [person] = await registry.register(1)
    token = await sign_up_and_confirm(gateway, mailbox, person, unique_email("claims"))
    return {"person": person, "auth": {"Authorization": f"Bearer {token}"}}


@pytest.fixture(scope="module")
async def two_members(gateway, mailbox, registry, operator_token):
    """Members A and B; claims has heard of both contracts (ContractRegistered) before the tests run."""
    operator = {"Authorization": f"Bearer {operator_token}"}
    a, b = await member(gateway, mailbox, registry), await member(gateway, mailbox, registry)
    for m in (a, b):
        probe = line(m["person"]["contract_number"], m["person"], care_date="2020-01-02", payment_date=None,
                     source_ref=f"E2E-PROBE-{m['person']['contract_number']}-{uuid.uuid4().hex[:8]}")

        async def known(probe=probe):
            report = await import_lines(gateway, operator, [probe], all_valid=False)
            return report["refused"] == []
        await wait_until(known, timeout=60, what="claims' worker to project the contract")
    return a, b, operator


async def test_an_operator_imports_lines_and_every_bad_one_is_reported_naming_its_field(gateway, two_members):
    a, _, operator = two_members
    number, person = a["person"]["contract_number"], a["person"]
    good = line(number, person, care_date="2026-01-05")
    future = (date.today() + timedelta(days=3)).isoformat()
    report = await import_lines(gateway, operator, [
        good, line(number, person, care_date=future), line(number, person, care_type="massage"),
        line(number, person, paid_to_iban="FR7630006000011234567890180"), {"source": "noemie"}], all_valid=False)
    assert report["accepted"] == 1
    assert [(r["line"], r["errors"][0]["field"]) for r in report["refused"]] == [
        (2, "care_date"), (3, "care_type"), (4, "paid_to_iban"), (5, "source_ref")]
    again = await import_lines(gateway, operator, [good])
    assert (again["accepted"], again["unchanged"]) == (0, 1)
    refused = await gateway.post("/v1/statement-imports", json={"lines": []}, headers=a["auth"])
    assert refused.status_code == 403 and refused.headers["content-type"].startswith("application/problem+json")


async def test_a_file_of_lines_goes_through_the_import_command_and_its_bad_line_is_reported(two_members, tmp_path):
    a, _, _ = two_members
    number, person = a["person"]["contract_number"], a["person"]
    path = tmp_path / "decomptes.json"
    path.write_text(json.dumps({"lines": [line(number, person, care_date="2026-01-06"),
                                          line(number, person, out_of_pocket="5.00")]}), encoding="utf-8")
    done = subprocess.run([str(PYTHON), "-m", "claims", "import", str(path)], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr  # 1: a line was refused; the valid one is recorded anyway
    report = json.loads(done.stdout)
    assert report["accepted"] == 1
    assert [(r["line"], r["errors"][0]["field"]) for r in report["refused"]] == [(2, "out_of_pocket")]


async def test_the_member_lists_filters_and_pages_their_lines_and_the_other_member_sees_none(gateway, two_members):
    a, b, operator = two_members
    number, person = a["person"]["contract_number"], a["person"]
    await import_lines(gateway, operator, [line(number, person, care_date=f"2026-03-{d:02d}") for d in range(1, 6)] + [
        line(number, person, care_date="2026-03-02", care_type="pharmacy", billed="10.00", br="10.00", amo="6.50",
             amc="3.50", out_of_pocket="0.00")])
    march = {"from": "2026-03-01", "to": "2026-03-31"}
    seen, cursor = [], None
    while True:
        page = await gateway.get("/v1/statements", params={**march, "limit": 2, **({"cursor": cursor} if cursor else {})},
                                 headers=a["auth"])
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 6 and len({s["id"] for s in seen}) == 6
    assert [s["care_date"] for s in seen] == sorted((s["care_date"] for s in seen), reverse=True)
    assert {s["paid_to"] for s in seen} == {"FR76 **** **** **** **** ***0 189"}
    pharmacy = (await gateway.get("/v1/statements", params={**march, "care_type": "pharmacy"}, headers=a["auth"])).json()
    assert [(s["care_label"], s["amo"], s["amc"]) for s in pharmacy["items"]] == [("Pharmacie", "6.50", "3.50")]
    beneficiary = seen[0]["beneficiary"]["id"]
    mine = await gateway.get("/v1/statements", params={"beneficiary_id": beneficiary}, headers=a["auth"])
    assert len(mine.json()["items"]) >= 6
    # B: their own lines only, nothing of A's, whatever B sends.
    b_lines = (await gateway.get("/v1/statements", params={"limit": 200}, headers=b["auth"])).json()["items"]
    assert b_lines and {s["contract_number"] for s in b_lines} == {b["person"]["contract_number"]}
    assert not {s["id"] for s in seen} & {s["id"] for s in b_lines}
    theirs = await gateway.get("/v1/statements", params={"beneficiary_id": beneficiary}, headers=b["auth"])
    assert theirs.status_code == 200 and theirs.json()["items"] == []
    assert (await gateway.get("/v1/statements/summary", params=march, headers=b["auth"])).json()["groups"] == []
    bad = await gateway.get("/v1/statements", params={"care_type": "massage"}, headers=a["auth"])
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "care_type" in bad.text
    assert (await gateway.get("/v1/statements")).status_code == 401


async def test_the_pdf_statement_of_a_period_agrees_with_the_api_to_the_cent(gateway, two_members):
    a, b, operator = two_members
    number, person = a["person"]["contract_number"], a["person"]
    await import_lines(gateway, operator, [
        line(number, person, care_date="2026-04-02"),
        line(number, person, care_date="2026-04-15", care_type="optics_glasses", billed="1234.56", br="0.09",
             amo="0.05", amc="1000.00", out_of_pocket="234.51", source="insurer"),
        line(number, person, care_date="2026-04-28", care_type="dental_prosthesis", billed="600.00", br="107.50",
             amo="75.25", amc="300.00", out_of_pocket="224.75")])
    april = {"from": "2026-04-01", "to": "2026-04-30"}
    summary = (await gateway.get("/v1/statements/summary", params=april, headers=a["auth"])).json()
    listed = (await gateway.get("/v1/statements", params=april, headers=a["auth"])).json()["items"]
    totals = summary["totals"]
    for key in ("billed", "amo", "amc", "out_of_pocket"):
        assert Decimal(totals[key]) == sum(Decimal(s[key]) for s in listed)
    assert totals == {"billed": "1864.56", "amo": "94.30", "amc": "1309.00", "out_of_pocket": "461.26"}
    response = await gateway.get("/v1/statements/pdf", params=april, headers=a["auth"])
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "du 01/04/2026 au 30/04/2026" in text
    for s in listed:  # every line's amounts, then the totals, as the API gives them
        for key in ("billed", "amo", "amc", "out_of_pocket"):
            assert euros(s[key]) in text, (key, s[key])
    after_total = text.split("Total", 1)[1]
    for key in ("billed", "amo", "amc", "out_of_pocket"):
        assert euros(totals[key]) in after_total, (key, totals[key])
    other = await gateway.get("/v1/statements/pdf", params=april, headers=b["auth"])
    assert "Aucun remboursement" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(other.content)).pages)


async def test_the_spending_summary_per_care_type_and_beneficiary_and_its_chart(gateway, two_members):
    a, _, operator = two_members
    number, person = a["person"]["contract_number"], a["person"]
    await import_lines(gateway, operator, [
        line(number, person, care_date="2025-10-03"),
        line(number, person, care_date="2025-10-09", care_type="pharmacy", billed="10.00", br="10.00", amo="6.50",
             amc="3.50", out_of_pocket="0.00")])
    october = {"from": "2025-10-01", "to": "2025-10-31"}
    by_care = (await gateway.get("/v1/statements/summary", params={**october, "by": "care_type"}, headers=a["auth"])).json()
    assert [(g["label"], g["billed"]) for g in by_care["groups"]] == [("Consultation généraliste", "30.00"),
                                                                      ("Pharmacie", "10.00")]
    by_person = (await gateway.get("/v1/statements/summary", params={**october, "by": "beneficiary"},
                                   headers=a["auth"])).json()
    assert [(g["label"], g["out_of_pocket"]) for g in by_person["groups"]] == [
        (f"{person['first_name']} {person['last_name']}", "2.00")]
    svg = await gateway.get("/v1/statements/summary/chart", params={**october, "by": "care_type"}, headers=a["auth"])
    assert svg.status_code == 200 and svg.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in svg.content and b"Pharmacie" in svg.content
    png = await gateway.get("/v1/statements/summary/chart", params={**october, "format": "png"}, headers=a["auth"])
    assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG")


async def test_the_home_summary_shows_the_members_latest_statement_lines_and_none_of_anothers(
        gateway, mailbox, registry, operator_token):
    """CL-1 (s003): the latest statement lines on the home summary contracts builds, asked of claims
    with contracts' service token; newest care first, the same amounts as the listing."""
    operator = {"Authorization": f"Bearer {operator_token}"}
    a, b = await member(gateway, mailbox, registry), await member(gateway, mailbox, registry)
    number, person = a["person"]["contract_number"], a["person"]
    days = [(date.today() - timedelta(days=n)).isoformat() for n in (40, 30, 20, 10, 5, 2)]
    sent = [line(number, person, care_date=d, billed=f"{30 + i}.00", out_of_pocket=f"{2 + i}.00", payment_date=None)
            for i, d in enumerate(days)]

    async def imported():
        report = await import_lines(gateway, operator, sent, all_valid=False)
        return report["refused"] == []
    await wait_until(imported, timeout=60, what="claims' worker to project the contract")
    summary = await gateway.get("/v1/contracts/summary", headers=a["auth"])
    assert summary.status_code == 200, summary.text
    latest = summary.json()["latest_statements"]
    listed = (await gateway.get("/v1/statements", params={"limit": 5}, headers=a["auth"])).json()["items"]
    assert [x["care_date"] for x in latest] == sorted(days, reverse=True)[:5]
    assert [(x["id"], x["billed"], x["amo"], x["amc"], x["out_of_pocket"]) for x in latest] == [
        (x["id"], x["billed"], x["amo"], x["amc"], x["out_of_pocket"]) for x in listed]
    assert latest[0]["care_label"] == "Consultation généraliste"
    # B's home summary shows none of A's lines.
    other = (await gateway.get("/v1/contracts/summary", headers=b["auth"])).json()
    assert other["latest_statements"] == []
