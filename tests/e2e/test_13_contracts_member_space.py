"""A member's contract space through the gateway: contracts, simulator, attestation, card, requests."""

import io

import pytest
from pypdf import PdfReader

from e2e_support import sign_up_and_confirm, unique_email

pytestmark = pytest.mark.e2e


@pytest.fixture
async def member(gateway, registry, mailbox):
    (line,) = await registry.register(1)
    token = await sign_up_and_confirm(gateway, mailbox, line, unique_email("contracts"))
    return line, {"Authorization": f"Bearer {token}"}


async def test_a_member_reads_their_contract_and_downloads_its_documents(gateway, member):
    line, headers = member
    listed = await gateway.get("/v1/contracts", headers=headers)
    assert listed.status_code == 200, listed.text
    (contract,) = listed.json()
    assert contract["contract_number"] == line["contract_number"]
    pdf = await gateway.get(f"/v1/contracts/{contract['id']}/attestation", headers=headers)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Contrat n° {line['contract_number']}" in text and line["first_name"] in text
    card = await gateway.get(f"/v1/tiers-payant-cards/{contract['id']}", headers=headers)
    assert card.status_code == 200 and f"CTR{line['contract_number']}" in card.json()["datamatrix"]
    image = await gateway.get(f"/v1/tiers-payant-cards/{contract['id']}/image", headers=headers)
    assert image.headers["content-type"] == "image/png"


async def test_the_simulator_answers_the_worked_example_through_the_gateway(gateway, member):
    _, headers = member
    body = {"care_type": "consultation_gp", "billed_eur": "35", "br_eur": "30",
            "compare_product_codes": ["SANTE-OPTIMUM"]}
    response = await gateway.post("/v1/coverage-simulations", json=body, headers=headers)
    assert response.status_code == 200, response.text
    mine, optimum = response.json()["results"]
    assert (mine["amo_eur"], mine["amc_eur"], mine["out_of_pocket_eur"]) == ("19.00", "9.00", "7.00")
    assert (optimum["amc_eur"], optimum["out_of_pocket_eur"]) == ("14.00", "2.00")


async def test_bad_input_gets_problem_json_naming_the_field(gateway, member):
    _, headers = member
    response = await gateway.put("/v1/bank-accounts/00000000-0000-0000-0000-000000000000",
                                 json={"iban": "FR76 3000 6000 0112 3456 7890 188", "account_holder": "X"}, headers=headers)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "iban"


async def test_a_guarantee_change_request_is_listed_under_my_requests(gateway, member):
    _, headers = member
    (contract,) = (await gateway.get("/v1/contracts", headers=headers)).json()
    created = await gateway.post("/v1/contract-requests", headers=headers,
                                 json={"kind": "guarantee_change", "contract_id": contract["id"],
                                       "requested_product_code": "SANTE-CONFORT"})
    assert created.status_code == 201, created.text
    listed = await gateway.get("/v1/contract-requests", headers=headers)
    assert [r["id"] for r in listed.json()] == [created.json()["id"]]
