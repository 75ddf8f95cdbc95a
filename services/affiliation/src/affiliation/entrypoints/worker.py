"""The events affiliation's worker consumes, and the use case each one runs."""

from __future__ import annotations

from affiliation.app import journal
from affiliation.app.privacy import erase_account
from ms_events.catalogue import Event
from ms_events.consumer import Handler
from ms_events.events.contracts import (
    AttestationRequested, BeneficiaryAdded, BeneficiaryRemoved, ContractRegistered, TerminationConfirmed,
)
from ms_events.events.identity import (
    AccountDeleted, AccountPreRegistered, ExistingAccountAffiliated, ProfessionalUserInvited,
)


def subscriptions() -> dict[type[Event], Handler]:
    """AccountDeleted (erasure); affiliation's own public events, contracts' beneficiary changes and
    confirmed terminations on a company's group contract or an employee's membership of it (known
    from contracts' ContractRegistered), and identity's pre-registration of an
    affiliated employee (ID-13) and invitations of employer users become the company journal (AF-7); a beneficiary added may call
    for the employer notice (AF-5)."""
    found: dict[type[Event], Handler] = {event_type: journal.record for event_type in journal.LINES}
    found[BeneficiaryAdded] = journal.beneficiary_changed
    found[BeneficiaryRemoved] = journal.beneficiary_changed
    found[TerminationConfirmed] = journal.termination_confirmed
    found[ContractRegistered] = journal.contract_registered
    found[AccountPreRegistered] = journal.account_pre_registered
    found[ProfessionalUserInvited] = journal.professional_user_invited
    found[ExistingAccountAffiliated] = journal.existing_account_affiliated  # ID-13, an employee who had a space
    found[AttestationRequested] = journal.attestation_requested  # certificate requests (AF-7)
    found[AccountDeleted] = erase_account
    return found
