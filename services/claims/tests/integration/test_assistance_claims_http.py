"""Claims for the costs a member advanced for an assistance service (AS-9), on the real PostgreSQL:
claims' worker projects assistance's AssistanceRequested / AssistanceCaseOpened /
AssistanceCaseStatusChanged through the inbox; a member attaches a claim to one of their own
cases and one of its services, sees the case in the claim's detail; another member's case, an
unknown one, a cancelled one, health costs and quotes are refused naming the field, writing nothing."""

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from aiokafka import ConsumerRecord

from claims.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.assistance import (
    AssistanceCaseOpened, AssistanceCaseStatusChanged, AssistanceRequested, RequestedService,
)
from ms_events.events.contracts import ContractRegistered
from ms_events.events.identity import AccountDeleted
from ms_events.runtime import kafka_config

pytestmark = pytest.mark.integration

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _record(event, topic: str) -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=0, offset=0, timestamp=0, timestamp_type=0, key=None,
                          value=Envelope.wrap(event).to_bytes(), checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=[])


async def _consume(pool, settings, event, topic: str) -> None:
    runner = ConsumerRunner("claims", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record(event, topic)) == "handled"


async def _member(pool, settings) -> tuple[str, uuid.UUID, uuid.UUID]:
    """A contract claims has heard of: (its number, its holder, the holder's account)."""
    number, holder = f"{random.randrange(10**9):09d}", uuid.uuid4()
    await _consume(pool, settings, ContractRegistered(
        contract_id=uuid.uuid4(), contract_number=number, category="sante", product_code="P", holder_id=holder,
        start_date=date(2020, 1, 1), registered_at=datetime.now(UTC)), "contracts.contract.v1")
    return number, holder, uuid.uuid4()


async def _case(pool, settings, account: uuid.UUID, services=("home_help",)) -> tuple[uuid.UUID, str]:
    """A validated assistance request of the account and its opened case, as assistance publishes them."""
    request_id, case_id = uuid.uuid4(), uuid.uuid4()
    number = f"AS-2026-{random.randrange(10**6):06d}"
    start = datetime.now(UTC) - timedelta(days=3)
    labels = {"home_help": "Aide à domicile", "childcare": "Garde d'enfants"}
    await _consume(pool, settings, AssistanceRequested(
        request_id=request_id, account_id=account, requested_at=start,
        services=[RequestedService(service=s, label=labels[s], day=start.date(), slot_start=start,
                                   slot_end=start + timedelta(hours=2), quantity=4, unit="hours", at_home=True)
                  for s in services]), "assistance.request.v1")
    await _consume(pool, settings, AssistanceCaseOpened(
        case_id=case_id, request_id=request_id, account_id=account, case_number=number, opened_by="worker",
        opened_at=start), "assistance.case.v1")
    return case_id, number


def _form(number: str, case_number: str, **overrides) -> dict:
    return {"contract_number": number, "assistance_case_number": case_number, "assistance_service": "home_help",
            "care_date": (date.today() - timedelta(days=2)).isoformat(), "billed": "84.00", **overrides}


def _files():
    return [("documents", ("facture-aide.pdf", PDF, "application/pdf"))]


async def test_a_member_claims_the_costs_of_a_service_of_their_own_case_and_sees_the_case_in_the_detail(
        client, token, pool, settings):
    number, holder, account = await _member(pool, settings)
    _, case_number = await _case(pool, settings, account, ("home_help", "childcare"))
    member = token("member", subject=account, person_id=holder)
    created = await client.post("/v1/claims", data=_form(number, case_number), files=_files(), headers=member)
    assert created.status_code == 201, created.text
    claim = created.json()
    assert (claim["kind"], claim["care_type"], claim["care_label"]) == ("assistance", None, None)
    assert claim["assistance"] == {"case_number": case_number, "case_status": "opened", "service": "home_help",
                                   "service_label": "Aide à domicile"}
    assert claim["missing"] == []  # the invoice is there; no social security statement nor quote for a service
    detail = await client.get(f"/v1/claims/{claim['id']}", headers=member)
    assert detail.status_code == 200 and detail.json()["assistance"]["case_number"] == case_number
    assert await pool.fetchval("select event_type from outbox where key = $1", claim["id"]) == "ClaimStatusChanged"
    # The back office sees the case in its queue and moves the claim like any other.
    queue = (await client.get("/v1/claim-queue", params={"limit": 200}, headers=token("operator"))).json()
    assert next(c for c in queue if c["id"] == claim["id"])["assistance"]["case_number"] == case_number
    done = await client.post("/v1/claim-decisions", json={"claim_id": claim["id"], "status": "under_analysis"},
                             headers=token("operator"))
    assert done.status_code == 200 and done.json()["assistance"]["service"] == "home_help"


async def test_the_claim_follows_the_case_status_and_a_cancelled_case_takes_no_claim(client, token, pool, settings):
    number, holder, account = await _member(pool, settings)
    case_id, case_number = await _case(pool, settings, account)
    member = token("member", subject=account, person_id=holder)
    claim = (await client.post("/v1/claims", data=_form(number, case_number), files=_files(), headers=member)).json()
    await _consume(pool, settings, AssistanceCaseStatusChanged(
        case_id=case_id, account_id=account, status="closed", changed_at=datetime.now(UTC)), "assistance.case.v1")
    seen = (await client.get(f"/v1/claims/{claim['id']}", headers=member)).json()
    assert seen["assistance"]["case_status"] == "closed"

    cancelled_id, cancelled_number = await _case(pool, settings, account)
    await _consume(pool, settings, AssistanceCaseStatusChanged(
        case_id=cancelled_id, account_id=account, status="cancelled", changed_at=datetime.now(UTC)),
        "assistance.case.v1")
    refused = await client.post("/v1/claims", data=_form(number, cancelled_number), files=_files(), headers=member)
    assert refused.status_code == 422 and refused.json()["field"] == "assistance_case_number"
    assert "annulé" in refused.json()["detail"]


async def test_another_members_case_is_never_reachable(client, token, pool, settings):
    number_a, holder_a, account_a = await _member(pool, settings)
    _, case_a = await _case(pool, settings, account_a)
    number_b, holder_b, account_b = await _member(pool, settings)
    member_b = token("member", subject=account_b, person_id=holder_b)
    # B names A's case on B's own contract: the same answer as an unknown number, nothing written.
    for case_number in (case_a, "AS-2026-999999999"):
        refused = await client.post("/v1/claims", data=_form(number_b, case_number), files=_files(), headers=member_b)
        assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["field"] == "assistance_case_number" and "inconnu" in refused.json()["detail"]
    assert await pool.fetchval("select count(*) from claim where account_id = $1", account_b) == 0
    # A's claim on A's case: B reads neither it nor its detail (404).
    member_a = token("member", subject=account_a, person_id=holder_a)
    claim = (await client.post("/v1/claims", data=_form(number_a, case_a), files=_files(), headers=member_a)).json()
    stranger = await client.get(f"/v1/claims/{claim['id']}", headers=member_b)
    assert stranger.status_code == 404 and stranger.headers["content-type"].startswith("application/problem+json")
    assert case_a not in stranger.text
    assert (await client.get(f"/v1/claims/{uuid.uuid4()}", headers=member_a)).status_code == 404


@pytest.mark.parametrize("overrides, field", [
    ({"care_type": "consultation_gp"}, "care_type"),             # ordinary health costs: a care claim instead
    ({"document_kind": "quote"}, "document_kind"),               # a quote: a callback instead
    ({"assistance_service": "pet_care"}, "assistance_service"),  # a service the case did not ask for
    ({"assistance_service": ""}, "assistance_service"),
    ({"assistance_case_number": "AS 2026/1"}, "assistance_case_number"),
])
async def test_health_costs_quotes_and_other_services_are_refused_naming_the_field(client, token, pool, settings, app,
                                                                                   overrides, field):
    number, holder, account = await _member(pool, settings)
    _, case_number = await _case(pool, settings, account)
    root = app.state.documents_store.root
    before = set(root.iterdir()) if root.exists() else set()
    refused = await client.post("/v1/claims", data=_form(number, case_number, **overrides), files=_files(),
                                headers=token("member", subject=account, person_id=holder))
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
    assert field in refused.text, refused.text
    assert await pool.fetchval("select count(*) from claim where account_id = $1", account) == 0
    assert (set(root.iterdir()) if root.exists() else set()) == before


async def test_an_erased_account_s_cases_are_forgotten(pool, settings):
    _, _, account = await _member(pool, settings)
    await _case(pool, settings, account)
    await _consume(pool, settings, AccountDeleted(account_id=account, kind="member", deleted_at=datetime.now(UTC)),
                   "identity.account.v1")
    assert await pool.fetchval("select count(*) from assistance_case_projection where account_id = $1", account) == 0
    assert await pool.fetchval("select count(*) from assistance_request_projection where account_id = $1", account) == 0


async def test_the_back_office_moves_an_assistance_claim_to_paid_each_step_publishing_its_event(
        client, token, pool, settings, app):
    number, holder, account = await _member(pool, settings)
    _, case_number = await _case(pool, settings, account)
    member = token("member", subject=account, person_id=holder)
    claim = (await client.post("/v1/claims", data=_form(number, case_number), files=_files(), headers=member)).json()
    for status in ("under_analysis", "processed", "paid"):
        response = await client.post("/v1/claim-decisions", json={"claim_id": claim["id"], "status": status},
                                     headers=token("operator"))
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    seen = (await client.get(f"/v1/claims/{claim['id']}", headers=member)).json()
    assert (seen["status"], seen["status_label"]) == ("paid", "Remboursée")
    amounts = seen["amounts"]  # an assistance service is the contract's: the advanced costs are paid back whole
    assert (amounts["amo"], amounts["amc"], amounts["out_of_pocket"]) == ("0.00", "84.00", "0.00")
    assert amounts["paid_on"] == app.state.clock().isoformat() and amounts["statement_line_id"] is None
    statuses = await pool.fetch("select event_type from outbox where key = $1 order by position", claim["id"])
    assert len(statuses) == 4 and {r["event_type"] for r in statuses} == {"ClaimStatusChanged"}
