"""Attestation de droits (PDF read back with pypdf) and tiers payant card (JSON and PNG)."""

import io
import json
import uuid

import pytest
from PIL import Image
from pypdf import PdfReader

pytestmark = pytest.mark.integration


@pytest.fixture
async def family(run_import, free_numbers, person, line, pool):
    (number,) = await free_numbers()
    holder = person(first_name="Éloïse", birth_date="1980-04-02")
    spouse = {"last_name": "Garnier", "first_name": "Bruno", "birth_date": "1979-11-20", "relationship": "spouse"}
    child = {"last_name": holder["last_name"], "first_name": "Noé", "birth_date": "2014-07-09", "relationship": "child"}
    report = await run_import([line(number, holder, beneficiaries=[spouse, child])])
    assert report["accepted"] == 1, report
    row = await pool.fetchrow("select id, holder_id, member_number from contract where contract_number = $1", number)
    return {"id": row["id"], "person_id": row["holder_id"], "number": number, "member_number": row["member_number"],
            "holder": holder}


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def test_the_attestation_is_a_pdf_of_current_data(client, token, family, app):
    response = await client.get(f"/v1/contracts/{family['id']}/attestation",
                                headers=token("member", person_id=family["person_id"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    year = app.state.clock().year
    assert f"Contrat n° {family['number']}" in text
    assert family["member_number"] in text
    assert family["holder"]["last_name"].upper() in text and "Éloïse" in text
    assert "GARNIER Bruno" in text and "Noé" in text and "Conjoint" in text and "Enfant" in text
    assert "AMC) n° 912345678" in text
    assert f"au 31/12/{year}" in text
    assert "Garantie CONSULT-GP : 100 % de la BR (Sécurité sociale incluse)" in text
    assert "Forfait OPTIQUE : forfait de 100 € tous les 2 ans" in text


async def test_each_attestation_issued_is_a_certificate_request_published_through_the_outbox(
        client, token, family, pool):
    headers = token("member", person_id=family["person_id"])
    for _ in range(2):
        assert (await client.get(f"/v1/contracts/{family['id']}/attestation", headers=headers)).status_code == 200
    rows = await pool.fetch("select topic, payload from outbox where event_type = 'AttestationRequested'"
                            " and key = $1", str(family["id"]))
    assert len(rows) == 2 and {r["topic"] for r in rows} == {"contracts.contract.v1"}
    data = json.loads(rows[0]["payload"])["data"]
    assert (data["contract_number"], data["holder_id"], data["requested_by"], data["company_siren"]) == (
        family["number"], str(family["person_id"]), "member", None)
    refused = await client.get(f"/v1/contracts/{family['id']}/attestation",
                               headers=token("member", person_id=uuid.uuid4()))
    assert refused.status_code == 404
    assert await pool.fetchval("select count(*) from outbox where event_type = 'AttestationRequested'"
                               " and key = $1", str(family["id"])) == 2


async def test_another_members_attestation_is_not_found(client, token, family):
    response = await client.get(f"/v1/contracts/{family['id']}/attestation",
                                headers=token("member", person_id=uuid.uuid4()))
    assert response.status_code == 404


async def test_an_employer_user_gets_no_employee_attestation(client, token, family):
    response = await client.get(f"/v1/contracts/{family['id']}/attestation", headers=token("employer"))
    assert response.status_code == 404


async def test_the_tiers_payant_card_lists_its_fields_and_datamatrix_content(client, token, family, app):
    response = await client.get(f"/v1/tiers-payant-cards/{family['id']}",
                                headers=token("member", person_id=family["person_id"]))
    assert response.status_code == 200, response.text
    card = response.json()
    assert card["amc_number"] == "912345678" and card["convention_type"] == "TP"
    assert card["routing_criterion"] == "RO"
    assert card["member_number"] == family["member_number"] and card["contract_number"] == family["number"]
    assert card["valid_to"] == f"{app.state.clock().year}-12-31"
    assert [p["relationship"] for p in card["people"]] == ["holder", "spouse", "child"]
    assert {"code": "CONSULT-GP", "care_type": "consultation_gp", "level": "100%BR"} in card["levels"]
    assert f"CTR{family['number']}" in card["datamatrix"] and "B GARNIER BRUNO 19791120" in card["datamatrix"]
    assert "ELOISE 19800402" in card["datamatrix"]


async def test_the_card_image_is_a_printable_png(client, token, family):
    response = await client.get(f"/v1/tiers-payant-cards/{family['id']}/image",
                                headers=token("member", person_id=family["person_id"]))
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1011, 638)


async def test_a_lapsed_contract_has_no_card(client, token, run_import, free_numbers, person, line, pool):
    (number,) = await free_numbers()
    await run_import([line(number, person(), start_date="2020-01-01", end_date="2021-12-31")])
    row = await pool.fetchrow("select id, holder_id from contract where contract_number = $1", number)
    response = await client.get(f"/v1/tiers-payant-cards/{row['id']}", headers=token("member", person_id=row["holder_id"]))
    assert response.status_code == 409


async def test_an_employer_user_without_a_company_gets_an_empty_list_and_404(client, token, family):
    listed = await client.get("/v1/contracts", headers=token("employer"))
    assert listed.status_code == 200 and listed.json() == []
    assert (await client.get(f"/v1/contracts/{family['id']}", headers=token("employer"))).status_code == 404
