"""Invitations (AF-2), offline imports and the employee list with its CSV and XLSX downloads (AF-4),
the journal built from events (AF-7), the employer notice of a beneficiary addition (AF-5), and
personal data (export, erasure on AccountDeleted)."""

import csv
import io
import json
import uuid
import zipfile
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from aiokafka import ConsumerRecord

from affiliation.entrypoints.worker import subscriptions
from ms_events.consumer import ConsumerRunner
from ms_events.envelope import Envelope
from ms_events.events.contracts import AttestationRequested, BeneficiaryAdded, ContractRegistered, TerminationConfirmed
from ms_events.events.identity import (
    AccountDeleted, AccountPreRegistered, ExistingAccountAffiliated, ProfessionalUserInvited,
)
from ms_events.runtime import kafka_config

PARIS = ZoneInfo("Europe/Paris")

pytestmark = pytest.mark.integration


def _record(topic: str, payload: bytes) -> ConsumerRecord:
    return ConsumerRecord(topic=topic, partition=0, offset=0, timestamp=0, timestamp_type=0, key=None, value=payload,
                          checksum=None, serialized_key_size=0, serialized_value_size=0, headers=[])


async def _deliver_outbox(pool, settings, siren: str) -> list[str]:
    """Feed the company's outbox rows to the worker's runner, as Kafka would deliver them."""
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    rows = await pool.fetch("select topic, payload from outbox where key = $1 order by position", siren)
    return [await runner.process(_record(r["topic"], bytes(r["payload"]))) for r in rows
            if not r["topic"].startswith("affiliation.secret")]


async def _invitation_token(pool, siren: str) -> str:
    payload = await pool.fetchval("select payload from outbox where key = $1 and event_type = "
                                  "'EmployeeInvitationEmailRequested' order by position desc limit 1", siren)
    return json.loads(payload)["data"]["invitation_token"]


async def test_an_invited_employee_completes_the_link_once_and_the_request_follows_the_employers_path(
        client, company, employer, pool, nir, process):
    made = await company()
    email = f"invite-{uuid.uuid4().hex[:8]}@example.org"
    response = await client.post(f"/v1/companies/{made.siren}/invitations", headers=employer(made.siren), json={
        "group_contract_id": made.sante["id"], "email": email, "first_name": "Inès", "last_name": "Martin"})
    assert response.status_code == 201, response.text
    topics = await pool.fetch("select topic, event_type from outbox where key = $1 and event_type like 'Employee%'",
                              made.siren)
    assert {(r["topic"], r["event_type"]) for r in topics} == {
        ("affiliation.employee.v1", "EmployeeInvited"), ("affiliation.secret.v1", "EmployeeInvitationEmailRequested")}
    public = await pool.fetchval("select payload from outbox where key = $1 and event_type = 'EmployeeInvited'",
                                 made.siren)
    token = await _invitation_token(pool, made.siren)
    assert token not in bytes(public).decode()
    assert await pool.fetchval("select count(*) from invitation where token_hash = $1", token.encode()) == 0

    page = await client.post("/v1/employee-invitations/lookup", json={"token": token})
    assert page.status_code == 200 and page.json()["company_name"] == f"Entreprise {made.siren}"
    assert page.json()["options"] == ["optique-renforcee"]
    birth = date(1992, 9, 3)
    completion = {"token": token, "start_date": date.today().isoformat(), "options": ["optique-renforcee"],
                  "beneficiaries": [{"relationship": "spouse", "first_name": "Paul", "last_name": "Martin",
                                     "birth_date": "1990-01-01"}],
                  "employee": {"first_name": "Inès", "last_name": "Martin", "birth_date": birth.isoformat(),
                               "nir": nir(birth, "2"),
                               "address": {"line1": "3 place du Marché", "postcode": "69002", "city": "Lyon"}}}
    bad = {**completion, "employee": {**completion["employee"], "nir": "2920975056123"}}
    refused = await client.post("/v1/employee-invitations/complete", json=bad)
    assert refused.status_code == 422 and "employee.nir" in refused.text
    done = await client.post("/v1/employee-invitations/complete", json=completion)
    assert done.status_code == 201, done.text
    assert done.json()["origin"] == "invitation" and done.json()["email"] == email
    again = await client.post("/v1/employee-invitations/complete", json=completion)
    assert again.status_code == 400 and again.json()["field"] == "token"
    assert (await client.post("/v1/employee-invitations/lookup", json={"token": token})).status_code == 400

    await process()
    listed = (await client.get(f"/v1/companies/{made.siren}/invitations", headers=employer(made.siren))).json()
    assert listed[0]["used_at"] and listed[0]["affiliation_id"] == done.json()["id"]
    affiliated = await pool.fetchval("select payload from outbox where key = $1 and event_type = 'EmployeeAffiliated'",
                                     made.siren)
    assert json.loads(affiliated)["data"]["email"] == email


async def test_an_invitation_to_a_prevoyance_contract_is_refused(client, company, employer):
    made = await company()
    response = await client.post(f"/v1/companies/{made.siren}/invitations", headers=employer(made.siren), json={
        "group_contract_id": made.prevoyance["id"], "email": "x@example.org", "first_name": "Inès",
        "last_name": "Martin"})
    assert response.status_code == 422 and response.json()["field"] == "group_contract_id"


async def test_offline_and_online_employees_are_listed_filtered_paged_and_downloaded_as_csv_and_xlsx(
        client, company, employer, operator, body, process):
    made = await company()
    offline = [body(made.sante["id"], last_name=name, start="2024-03-01", email=None)
               for name in ("Bernard", "Dubois", "Petit")]
    imported = await client.post("/v1/offline-affiliations", headers=operator,
                                 json={"siren": made.siren, "employees": offline})
    assert imported.status_code == 201, imported.text
    await client.post(f"/v1/companies/{made.siren}/affiliations", headers=employer(made.siren),
                      json=body(made.sante["id"], last_name="Arnaud"))
    await process()
    auth = employer(made.siren)

    first = (await client.get(f"/v1/companies/{made.siren}/employees", headers=auth, params={"limit": 2})).json()
    second = (await client.get(f"/v1/companies/{made.siren}/employees", headers=auth,
                               params={"limit": 2, "cursor": first["next_cursor"]})).json()
    assert [e["last_name"] for e in first["items"] + second["items"]] == ["Arnaud", "Bernard", "Dubois", "Petit"]
    assert second["next_cursor"] is None
    only_offline = (await client.get(f"/v1/companies/{made.siren}/employees", headers=auth,
                                     params={"source": "offline", "q": "ber"})).json()
    assert [e["last_name"] for e in only_offline["items"]] == ["Bernard"]

    exported = await client.get(f"/v1/companies/{made.siren}/employees/export", headers=auth)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:2] == ["Nom", "Prénom"] and len(rows) == 5
    assert {r[0] for r in rows[1:]} == {"Arnaud", "Bernard", "Dubois", "Petit"}
    assert {r[-1] for r in rows[1:]} == {"En ligne", "Hors ligne"}

    xlsx = await client.get(f"/v1/companies/{made.siren}/employees/export", headers=auth, params={"format": "xlsx"})
    assert xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as book:
        text = "".join(book.read(n).decode() for n in book.namelist() if n.endswith(".xml"))
    assert all(name in text for name in ("Arnaud", "Bernard", "Petit", "Hors ligne"))


async def test_a_kept_page_is_dropped_when_the_companys_employees_or_contracts_change_whoever_writes(
        client, app, company, employer, operator, body, pool):
    made = await company()
    auth, url = employer(made.siren), f"/v1/companies/{made.siren}/employees"
    imported = await client.post("/v1/offline-affiliations", headers=operator, json={
        "siren": made.siren, "employees": [body(made.sante["id"], last_name="Bernard", start="2024-03-01")]})
    assert imported.status_code == 201, imported.text
    first = (await client.get(url, headers=auth)).json()
    assert [e["last_name"] for e in first["items"]] == ["Bernard"]
    assert app.state.pages_cache.lookup((made.siren, None, None, None, 50)) is not None  # kept

    # Written through the API: the writer's next answer already shows it.
    imported = await client.post("/v1/offline-affiliations", headers=operator, json={
        "siren": made.siren, "employees": [body(made.sante["id"], last_name="Arnaud", start="2024-03-01")]})
    assert imported.status_code == 201, imported.text
    second = (await client.get(url, headers=auth)).json()
    assert [e["last_name"] for e in second["items"]] == ["Arnaud", "Bernard"]

    # Written by another process (the worker, a back-office script): dropped at its commit.
    await pool.execute("update group_contract set label = 'Santé renfort' where id = $1", uuid.UUID(made.sante["id"]))
    await app.state.pages_cache.caught_up()
    third = (await client.get(url, headers=auth)).json()
    assert {e["contract_label"] for e in third["items"]} == {"Santé renfort"}


async def test_an_offline_import_is_all_or_nothing_and_names_the_faulty_line(client, company, operator, body, pool):
    made = await company()
    lines = [body(made.sante["id"], start="2024-03-01"), body(made.sante["id"], start="2024-03-01")]
    lines[1]["employee"]["nir"] = "123"
    response = await client.post("/v1/offline-affiliations", headers=operator,
                                 json={"siren": made.siren, "employees": lines})
    assert response.status_code == 422 and "employees.1.employee.nir" in response.text
    assert await pool.fetchval("select count(*) from employee where siren = $1", made.siren) == 0


async def test_the_journal_shows_each_action_day_by_day_searchable_and_sortable(
        client, company, employer, pool, settings, body, process):
    made = await company()
    auth = employer(made.siren)
    await client.post(f"/v1/companies/{made.siren}/affiliations", headers=auth,
                      json=body(made.sante["id"], last_name="Lefebvre"))
    await client.post(f"/v1/companies/{made.siren}/invitations", headers=auth, json={
        "group_contract_id": made.sante["id"], "email": "y@example.org", "first_name": "Hugo", "last_name": "Roux"})
    await process()
    # The stack's worker (same consumer group, same inbox) may have handled some already.
    outcomes = await _deliver_outbox(pool, settings, made.siren)
    assert outcomes and set(outcomes) <= {"handled", "duplicate"}
    assert set(await _deliver_outbox(pool, settings, made.siren)) == {"duplicate"}
    assert await pool.fetchval("select count(*) from journal where siren = $1", made.siren) == len(outcomes)

    lines = (await client.get(f"/v1/companies/{made.siren}/journal", headers=auth)).json()
    summaries = [line["summary"] for line in lines]
    assert any(s.startswith("Salarié affilié au contrat") for s in summaries)
    assert "Invitation à s'affilier envoyée" in summaries
    assert lines == sorted(lines, key=lambda line: line["occurred_at"], reverse=True)
    # Day by day in the company's time (Paris), whatever the machine's clock zone.
    assert all(line["day"] == datetime.fromisoformat(line["occurred_at"]).astimezone(PARIS).date().isoformat()
               for line in lines)
    oldest = (await client.get(f"/v1/companies/{made.siren}/journal", headers=auth, params={"sort": "oldest"})).json()
    assert oldest == list(reversed(lines))
    found = (await client.get(f"/v1/companies/{made.siren}/journal", headers=auth, params={"q": "lefebvre"})).json()
    assert found and all(line["subject"] == "Camille Lefebvre" for line in found)
    invitations = (await client.get(f"/v1/companies/{made.siren}/journal", headers=auth,
                                    params={"kind": "invitation"})).json()
    assert [line["subject"] for line in invitations] == ["Hugo Roux"]


@pytest.mark.parametrize("formula, changes, told", [
    ("supplementary_company_contribution", False, True),
    ("family", False, False),
    ("family", True, True),
])
async def test_a_beneficiary_added_on_a_group_contract_tells_the_employer_as_af5_says(
        company, pool, settings, formula, changes, told):
    made = await company(formula)
    contracts_id = await pool.fetchval("select contracts_contract_id from group_contract where id = $1",
                                       uuid.UUID(made.sante["id"]))
    event = BeneficiaryAdded(contract_id=contracts_id, holder_id=uuid.uuid4(), beneficiary_id=uuid.uuid4(),
                             relationship="child", contribution_formula=formula,
                             company_contribution_changes=changes, added_at=datetime.now(UTC))
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(event).to_bytes())) == "handled"
    notices = await pool.fetch("select payload from outbox where key = $1 and event_type = 'EmployerBeneficiaryNotice'",
                               made.siren)
    assert len(notices) == (1 if told else 0)
    if told:
        data = json.loads(notices[0]["payload"])["data"]
        assert data["notice_email"] == f"rh-{made.siren}@entreprise.example"
        assert data["contract_number"] == made.sante["contract_number"]
    line = await pool.fetchval("select summary from journal where siren = $1 and kind = 'beneficiary'", made.siren)
    assert line == f"Bénéficiaire (enfant) ajouté sur le contrat {made.sante['contract_number']}"


async def test_a_beneficiary_added_on_an_employees_membership_of_the_group_contract_tells_the_employer(
        client, company, operator, body, pool, settings):
    made = await company("supplementary_company_contribution")
    imported = await client.post("/v1/offline-affiliations", headers=operator, json={
        "siren": made.siren, "employees": [body(made.sante["id"], first_name="Jules", last_name="Garcia",
                                                start="2024-03-01")]})
    assert imported.status_code == 201, imported.text
    [employee_id] = imported.json()["employee_ids"]
    membership = uuid.uuid4()  # contracts' contract of this employee on the group contract (AF-3)
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    registered = ContractRegistered(contract_id=membership, contract_number=f"{made.sante['contract_number']}-1",
                                    category="sante", product_code="SANTE-GROUPE", holder_id=uuid.uuid4(),
                                    start_date=date(2024, 3, 1), registered_at=datetime.now(UTC),
                                    affiliation_employee_id=uuid.UUID(employee_id))
    assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(registered).to_bytes())) == "handled"
    added = BeneficiaryAdded(contract_id=membership, holder_id=registered.holder_id, beneficiary_id=uuid.uuid4(),
                             relationship="child", contribution_formula="supplementary_company_contribution",
                             company_contribution_changes=True, added_at=datetime.now(UTC))
    assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(added).to_bytes())) == "handled"
    [notice] = await pool.fetch("select payload from outbox where key = $1 and event_type = 'EmployerBeneficiaryNotice'",
                                made.siren)
    assert json.loads(notice["payload"])["data"]["contract_number"] == made.sante["contract_number"]
    line = await pool.fetchrow("select summary, subject from journal where siren = $1 and kind = 'beneficiary'",
                               made.siren)
    assert dict(line) == {"summary": f"Bénéficiaire (enfant) ajouté sur le contrat {made.sante['contract_number']}",
                          "subject": "Jules Garcia"}


async def test_a_beneficiary_added_on_a_prevoyance_contract_is_journalled_but_the_employer_is_not_emailed(
        company, pool, settings):
    made = await company("supplementary_company_contribution")
    contracts_id = await pool.fetchval("select contracts_contract_id from group_contract where id = $1",
                                       uuid.UUID(made.prevoyance["id"]))
    event = BeneficiaryAdded(contract_id=contracts_id, holder_id=uuid.uuid4(), beneficiary_id=uuid.uuid4(),
                             relationship="spouse", contribution_formula="supplementary_company_contribution",
                             company_contribution_changes=True, added_at=datetime.now(UTC))
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(event).to_bytes())) == "handled"
    assert await pool.fetchval("select count(*) from outbox where key = $1 and event_type = 'EmployerBeneficiaryNotice'",
                               made.siren) == 0
    line = await pool.fetchval("select summary from journal where siren = $1 and kind = 'beneficiary'", made.siren)
    assert line == f"Bénéficiaire (conjoint) ajouté sur le contrat {made.prevoyance['contract_number']}"


async def test_a_confirmed_termination_of_a_group_contract_is_a_journal_update_found_without_accents_and_of_another_contract_nothing(
        company, pool, settings, client, employer):
    made = await company()
    contracts_id = await pool.fetchval("select contracts_contract_id from group_contract where id = $1",
                                       uuid.UUID(made.sante["id"]))
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    for contract_id in (contracts_id, uuid.uuid4()):
        event = TerminationConfirmed(termination_id=uuid.uuid4(), contract_id=contract_id,
                                     contract_number=made.sante["contract_number"], holder_id=uuid.uuid4(),
                                     reason="other", effective_date=date(2027, 3, 31), confirmed_at=datetime.now(UTC))
        assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(event).to_bytes())) == "handled"
    lines = (await client.get(f"/v1/companies/{made.siren}/journal", headers=employer(made.siren),
                              params={"kind": "update", "q": "RESILIATION"})).json()
    assert [line["summary"] for line in lines] == [
        f"Résiliation du contrat {made.sante['contract_number']} confirmée, effective le 31/03/2027"]


@pytest.mark.parametrize("channel, told", [("email", "lien d'activation envoyé par email"),
                                           ("letter", "code d'activation envoyé par courrier")])
async def test_identitys_pre_registration_of_an_employee_is_a_journal_line_of_the_company_only(
        company, pool, settings, client, employer, new_siren, channel, told):
    made = await company()
    unknown = new_siren()  # no company of the employer space
    assert await pool.fetchval("select count(*) from company where siren = $1", unknown) == 0
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    for siren in (made.siren, unknown):
        event = AccountPreRegistered(account_id=uuid.uuid4(), kind="member", first_name="Léa", last_name="Moreau",
                                     siren=siren, contract_number=made.sante["contract_number"], channel=channel,
                                     activation_expires_at=datetime.now(UTC), pre_registered_at=datetime.now(UTC))
        assert await runner.process(_record("identity.account.v1", Envelope.wrap(event).to_bytes())) == "handled"
    lines = (await client.get(f"/v1/companies/{made.siren}/journal", headers=employer(made.siren),
                              params={"q": "activation"})).json()
    assert [(line["kind"], line["subject"], line["ref_id"]) for line in lines] == [("affiliation", "Léa Moreau", None)]
    assert lines[0]["summary"] == f"Espace adhérent préparé pour le contrat {made.sante['contract_number']} : {told}"
    assert await pool.fetchval("select count(*) from journal where siren = $1", unknown) == 0


async def test_identitys_invitation_of_an_employer_user_is_a_journal_line_of_that_company_only(
        company, pool, settings, client, employer, new_siren):
    made = await company()
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    admin = uuid.uuid4()
    for siren, role in ((made.siren, "admin"), (made.siren, "user"), (new_siren(), "admin")):
        event = ProfessionalUserInvited(account_id=uuid.uuid4(), kind="employer", role=role, siren=siren,
                                        invited_by=admin, invitation_expires_at=datetime.now(UTC),
                                        invited_at=datetime.now(UTC))
        assert await runner.process(_record("identity.account.v1", Envelope.wrap(event).to_bytes())) == "handled"
    lines = (await client.get(f"/v1/companies/{made.siren}/journal", headers=employer(made.siren),
                              params={"kind": "invitation", "sort": "oldest"})).json()
    assert [line["summary"] for line in lines] == [
        "Invitation d'un administrateur de l'espace entreprise envoyée",
        "Invitation d'un utilisateur de l'espace entreprise envoyée"]
    assert await pool.fetchval("select count(*) from journal where account_id = $1", admin) == 2


async def test_attestations_of_an_employees_membership_are_certificate_lines_of_that_company_only(
        client, company, operator, body, pool, settings, employer):
    made = await company()
    imported = await client.post("/v1/offline-affiliations", headers=operator, json={
        "siren": made.siren, "employees": [body(made.sante["id"], first_name="Chloé", last_name="Roux",
                                                start="2024-03-01")]})
    assert imported.status_code == 201, imported.text
    [employee_id] = imported.json()["employee_ids"]
    membership, holder = uuid.uuid4(), uuid.uuid4()
    number = f"{made.sante['contract_number']}-7"
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    registered = ContractRegistered(contract_id=membership, contract_number=number, category="sante",
                                    product_code="SANTE-GROUPE", holder_id=holder, start_date=date(2024, 3, 1),
                                    registered_at=datetime.now(UTC), affiliation_employee_id=uuid.UUID(employee_id))
    assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(registered).to_bytes())) == "handled"
    for contract_id, by in ((membership, "member"), (membership, "operator"), (uuid.uuid4(), "member")):
        event = AttestationRequested(contract_id=contract_id, contract_number=number, holder_id=holder,
                                     company_siren=made.siren, account_id=uuid.uuid4(), requested_by=by,
                                     requested_at=datetime.now(UTC))
        assert await runner.process(_record("contracts.contract.v1", Envelope.wrap(event).to_bytes())) == "handled"
    lines = (await client.get(f"/v1/companies/{made.siren}/journal", headers=employer(made.siren),
                              params={"kind": "certificate", "sort": "oldest"})).json()
    assert [(line["summary"], line["subject"]) for line in lines] == [
        (f"Attestation de droits demandée par le salarié (contrat {number})", "Chloé Roux"),
        (f"Attestation de droits demandée par un gestionnaire (contrat {number})", "Chloé Roux")]
    searched = (await client.get(f"/v1/companies/{made.siren}/journal", headers=employer(made.siren),
                                 params={"q": "ATTESTATION DE DROITS"})).json()
    assert [line["kind"] for line in searched] == ["certificate", "certificate"]


async def test_a_group_contract_joining_an_employees_existing_space_is_an_affiliation_line(
        client, company, operator, body, pool, settings, employer):
    made = await company()
    imported = await client.post("/v1/offline-affiliations", headers=operator, json={
        "siren": made.siren, "employees": [body(made.sante["id"], first_name="Hugo", last_name="Faure",
                                                start="2024-03-01")]})
    [employee_id] = imported.json()["employee_ids"]
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    event = ExistingAccountAffiliated(
        account_id=uuid.uuid4(), person_id=uuid.uuid4(), affiliation_employee_id=uuid.UUID(employee_id),
        siren=made.siren, company_name="Boulangerie", contract_number=made.sante["contract_number"],
        category="sante", affiliated_at=datetime.now(UTC))
    assert await runner.process(_record("identity.account.v1", Envelope.wrap(event).to_bytes())) == "handled"
    [line] = (await client.get(f"/v1/companies/{made.siren}/journal", headers=employer(made.siren),
                               params={"q": "espace adherent que le salarie avait deja"})).json()
    assert (line["kind"], line["subject"]) == ("affiliation", "Hugo Faure")
    assert line["summary"] == (f"Contrat {made.sante['contract_number']} ajouté à l'espace adhérent que le salarié "
                               "avait déjà")
    assert await pool.fetchval("select count(*) from journal where account_id = $1", event.account_id) == 0


async def test_an_employer_users_actions_are_exported_and_unsigned_on_account_deleted(
        client, company, employer, token, pool, settings, body):
    made = await company()
    account = uuid.uuid4()
    created = (await client.post(f"/v1/companies/{made.siren}/affiliations", headers=employer(made.siren, account),
                                 json=body(made.sante["id"]))).json()
    assert (await client.get("/internal/v1/personal-data", params={"account_id": str(account)},
                             headers=employer(made.siren))).status_code == 403
    exported = (await client.get("/internal/v1/personal-data", params={"account_id": str(account)},
                                 headers=token("service"))).json()
    assert [r["id"] for r in exported["data"]["affiliation_requests"]] == [created["id"]]

    envelope = Envelope.wrap(AccountDeleted(account_id=account, person_id=None, kind="employer",
                                            deleted_at=datetime.now(UTC)))
    runner = ConsumerRunner("affiliation", pool, kafka_config(settings, "worker"), subscriptions())
    assert await runner.process(_record("identity.account.v1", envelope.to_bytes())) == "handled"
    assert await pool.fetchval("select account_id from affiliation_request where id = $1",
                               uuid.UUID(created["id"])) is None
    after = (await client.get("/internal/v1/personal-data", params={"account_id": str(account)},
                              headers=token("service"))).json()
    assert after["data"]["affiliation_requests"] == []
