"""The company space's journal (AF-7): every action about a company, day by day, built by the
worker from the events of every context (affiliation's own; contracts' beneficiary changes,
terminations and attestations — certificate requests — on the company's group contracts and its
employees' memberships; identity's pre-registrations and invitations), searchable and sortable. Each event writes one line, once (the
event id is unique; the consumer's inbox makes it once already)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Callable
from zoneinfo import ZoneInfo

import asyncpg
import structlog

from affiliation.adapters import repository as repo
from affiliation.app.companies import existing_company
from affiliation.domain.rules import employer_told_of_beneficiary
from ms_events.catalogue import Event
from ms_events.envelope import Envelope
from ms_events.events import affiliation as af
from ms_events.events.contracts import (
    AttestationRequested, BeneficiaryAdded, BeneficiaryRemoved, ContractRegistered, TerminationConfirmed,
)
from ms_events.events.identity import AccountPreRegistered, ExistingAccountAffiliated, ProfessionalUserInvited
from ms_events.outbox import append
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()
PARIS = ZoneInfo("Europe/Paris")
_RELATIONSHIPS = {"spouse": "conjoint", "partner": "partenaire", "child": "enfant"}
_CATEGORIES = {"sante": "santé", "prevoyance": "prévoyance"}
_ORIGINS = {"employer": "par l'employeur", "invitation": "par le salarié invité"}


def _name(event: Any) -> str:
    return f"{event.first_name} {event.last_name}"


def _line(kind: str, summary: str, subject: str | None = None, account_id: uuid.UUID | None = None,
          ref_id: uuid.UUID | None = None) -> dict[str, Any]:
    return {"kind": kind, "summary": summary, "subject": subject, "account_id": account_id, "ref_id": ref_id}


# What each of affiliation's events writes in the journal (French: the employer reads it).
LINES: dict[type[Event], Callable[[Any], dict[str, Any]]] = {
    af.CompanyRegistered: lambda e: _line("update", f"Espace entreprise ouvert pour {e.name}"),
    af.GroupContractAdded: lambda e: _line(
        "update", f"Contrat {_CATEGORIES.get(e.category, e.category)} {e.contract_number} ajouté",
        ref_id=e.group_contract_id),
    af.AffiliationRequested: lambda e: _line(
        "affiliation", f"Demande d'affiliation reçue {_ORIGINS.get(e.origin, '')} (contrat {e.contract_number})",
        _name(e), e.account_id, e.request_id),
    af.AffiliationReviewRequired: lambda e: _line(
        "affiliation", f"Demande d'affiliation transmise à un gestionnaire : {e.reason}", None, None, e.request_id),
    af.AffiliationRejected: lambda e: _line(
        "affiliation", f"Demande d'affiliation refusée : {e.reason}" if e.reason else "Demande d'affiliation refusée",
        _name(e), None, e.request_id),
    af.EmployeeAffiliated: lambda e: _line(
        "affiliation", f"Salarié affilié au contrat {e.contract_number}"
                       + (" (affiliation hors ligne)" if e.source == "offline" else ""),
        _name(e), None, e.employee_id),
    af.EmployeeInvited: lambda e: _line("invitation", "Invitation à s'affilier envoyée", _name(e), e.account_id,
                                        e.invitation_id),
    af.EmployerBeneficiaryNotice: lambda e: _line(
        "beneficiary", f"Email envoyé à l'entreprise : ajout d'un bénéficiaire ({_RELATIONSHIPS.get(e.relationship, e.relationship)})"
                       f" sur le contrat {e.contract_number}"),
}


async def record(conn: asyncpg.Connection, envelope: Envelope, event: Event) -> None:
    """One of affiliation's events: its journal line."""
    line = LINES[type(event)](event)
    await _write(conn, envelope, getattr(event, "siren"), line)


async def _write(conn: asyncpg.Connection, envelope: Envelope, siren: str, line: dict[str, Any]) -> None:
    occurred = envelope.time
    await repo.add_journal_line(conn, {**line, "event_id": envelope.id, "siren": siren, "occurred_at": occurred,
                                       "day": occurred.astimezone(PARIS).date()})


async def beneficiary_changed(conn: asyncpg.Connection, envelope: Envelope,
                              event: BeneficiaryAdded | BeneficiaryRemoved) -> None:
    """contracts' beneficiary changes on a company's group contract: a journal line, and for an
    addition the employer notice when AF-5 says so (EmployerBeneficiaryNotice, told by notify)."""
    contract = await repo.contract_for_contracts_id(conn, event.contract_id)
    if contract is None:
        return  # not a group contract of a company in the employer space
    relation = _RELATIONSHIPS.get(event.relationship, event.relationship)
    added = isinstance(event, BeneficiaryAdded)
    verb = "ajouté" if added else "retiré"
    await _write(conn, envelope, contract["siren"], _line(
        "beneficiary", f"Bénéficiaire ({relation}) {verb} sur le contrat {contract['contract_number']}",
        contract["subject"]))
    if added and employer_told_of_beneficiary(contract["category"], contract["contribution_formula"],
                                                 event.company_contribution_changes):
        notice = af.EmployerBeneficiaryNotice(
            siren=contract["siren"], company_name=contract["name"], notice_email=contract["notice_email"],
            contract_number=contract["contract_number"], relationship=event.relationship,
            contribution_formula=contract["contribution_formula"],
            company_contribution_changes=event.company_contribution_changes, added_at=event.added_at)
        await append(conn, notice)
        log.info("affiliation.beneficiary_notice", siren=contract["siren"])


async def termination_confirmed(conn: asyncpg.Connection, envelope: Envelope, event: TerminationConfirmed) -> None:
    """contracts' confirmed termination of a company's group contract: a journal line (an update)."""
    contract = await repo.contract_for_contracts_id(conn, event.contract_id)
    if contract is None:
        return  # not a group contract of a company in the employer space
    await _write(conn, envelope, contract["siren"], _line(
        "update", f"Résiliation du contrat {contract['contract_number']} confirmée,"
                  f" effective le {event.effective_date.strftime('%d/%m/%Y')}", contract["subject"],
        ref_id=event.termination_id))


async def contract_registered(conn: asyncpg.Connection, envelope: Envelope, event: ContractRegistered) -> None:
    """contracts made an affiliated employee's membership of the group contract (AF-3): its id is
    what the employee's beneficiary changes and termination will name (AF-5, AF-7)."""
    if event.affiliation_employee_id is not None and await repo.set_membership(
            conn, event.affiliation_employee_id, event.contract_id):
        log.info("affiliation.membership_recorded")


async def account_pre_registered(conn: asyncpg.Connection, envelope: Envelope, event: AccountPreRegistered) -> None:
    """identity pre-registered an affiliated employee (ID-13): the activation left, by email or
    post; a line for the company (the employee's account id stays out of the journal)."""
    if await repo.company(conn, event.siren) is None:
        return
    how = "lien d'activation envoyé par email" if event.channel == "email" else "code d'activation envoyé par courrier"
    await _write(conn, envelope, event.siren, _line(
        "affiliation", f"Espace adhérent préparé pour le contrat {event.contract_number} : {how}",
        f"{event.first_name} {event.last_name}"))


async def existing_account_affiliated(conn: asyncpg.Connection, envelope: Envelope,
                                      event: ExistingAccountAffiliated) -> None:
    """identity found the affiliated employee's own member space (their email, ID-13): the group
    contract joined it, no activation was needed; a line for the company (no account id kept)."""
    employee = await conn.fetchrow("select siren, first_name, last_name from employee where id = $1",
                                   event.affiliation_employee_id)
    if employee is None or employee["siren"] != event.siren:
        return
    await _write(conn, envelope, event.siren, _line(
        "affiliation", f"Contrat {event.contract_number} ajouté à l'espace adhérent que le salarié avait déjà",
        f"{employee['first_name']} {employee['last_name']}"))


_REQUESTERS = {"member": "par le salarié", "operator": "par un gestionnaire"}


async def attestation_requested(conn: asyncpg.Connection, envelope: Envelope, event: AttestationRequested) -> None:
    """contracts issued an attestation de droits (a certificate request, AF-7) of an employee's
    membership of a company's group contract, or of the group contract itself: a ``certificate`` line."""
    contract = await repo.contract_for_contracts_id(conn, event.contract_id)
    if contract is None:
        return  # not a contract of a company in the employer space
    await _write(conn, envelope, contract["siren"], _line(
        "certificate", f"Attestation de droits demandée {_REQUESTERS.get(event.requested_by, '')}"
                       f" (contrat {event.contract_number})".replace("  ", " "), contract["subject"]))


_ROLES = {"admin": "administrateur", "user": "utilisateur"}


async def professional_user_invited(conn: asyncpg.Connection, envelope: Envelope,
                                    event: ProfessionalUserInvited) -> None:
    """identity invited an employer user of a company (by an operator or an admin of the company):
    a line for the company, signed by the inviting account (unsigned on its AccountDeleted)."""
    if event.kind != "employer" or event.siren is None or await repo.company(conn, event.siren) is None:
        return
    await _write(conn, envelope, event.siren, _line(
        "invitation", f"Invitation d'un {_ROLES.get(event.role, 'utilisateur')} de l'espace entreprise envoyée",
        account_id=event.invited_by))


async def entries(uow: UnitOfWork, siren: str, *, day_from: date | None, day_to: date | None, q: str | None,
                  kind: str | None, newest_first: bool, limit: int, offset: int) -> list[dict[str, Any]]:
    async with uow.connect() as conn:
        await existing_company(conn, siren)
        rows = await repo.journal(conn, siren, day_from=day_from, day_to=day_to, q=q, kind=kind,
                                  newest_first=newest_first, limit=limit, offset=offset)
    return [dict(r) for r in rows]
