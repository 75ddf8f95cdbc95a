"""contracts.contract.v1, contracts.bank-account.v1, contracts.request.v1 — contracts, bank
accounts and members' requests (public); contracts.secret.v1 — the single-use token confirming
a prospect's address, for notify to send (private)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import EmailStr, Field

from ms_events.catalogue import Event, event, private_topic, secret

SECRET_TOPIC = private_topic(
    "contracts.secret.v1", readers=["notify"],
    summary="The single-use token confirming a prospect's address, for notify to send; never readable by integrators.",
)


@event(
    topic="contracts.contract.v1",
    key="contract_id",
    summary="A contract was registered (or its registration changed) in the contracts registry.",
)
class ContractRegistered(Event):
    contract_id: uuid.UUID
    contract_number: str
    category: str
    product_code: str
    holder_id: uuid.UUID
    start_date: date
    end_date: date | None = None
    registered_at: datetime
    affiliation_employee_id: uuid.UUID | None = Field(
        None, description="An employee's membership of a company's group contract (AF-3): the employee_id of "
                          "affiliation's EmployeeAffiliated; holder_id is that employee's person in the registry")


@event(
    topic="contracts.contract.v1",
    key="contract_id",
    summary="A beneficiary was added to a contract; carries what the employer notice rule needs (AF-5).",
)
class BeneficiaryAdded(Event):
    contract_id: uuid.UUID
    holder_id: uuid.UUID
    beneficiary_id: uuid.UUID
    relationship: str = Field(description="spouse | partner | child")
    contribution_formula: str | None = Field(
        None, description="isolated | family | supplementary_company_contribution (group contracts)")
    company_contribution_changes: bool = False
    added_at: datetime


@event(
    topic="contracts.contract.v1",
    key="contract_id",
    summary="A beneficiary was removed from a contract.",
)
class BeneficiaryRemoved(Event):
    contract_id: uuid.UUID
    holder_id: uuid.UUID
    beneficiary_id: uuid.UUID
    relationship: str
    contribution_formula: str | None = None
    company_contribution_changes: bool = False
    removed_at: datetime


@event(
    topic="contracts.contract.v1",
    key="contract_id",
    summary="A member confirmed the termination of a contract (step 3 of 3).",
    tells_a_person=True,
)
class TerminationConfirmed(Event):
    termination_id: uuid.UUID
    contract_id: uuid.UUID
    contract_number: str
    holder_id: uuid.UUID
    account_id: uuid.UUID | None = Field(None, description="The member account that confirmed it")
    reason: str
    event_date: date | None = None
    effective_date: date
    confirmed_at: datetime


@event(
    topic="contracts.contract.v1",
    key="contract_id",
    summary="An attestation de droits (CT-3) was requested and issued for a contract; company_siren names the "
            "employer of an affiliated employee's membership (the employer space's journal, AF-7).",
)
class AttestationRequested(Event):
    contract_id: uuid.UUID
    contract_number: str
    holder_id: uuid.UUID
    company_siren: str | None = Field(None, description="The company of a group contract's membership (AF-3)")
    account_id: uuid.UUID | None = Field(None, description="The account that requested it (None: an operator's "
                                                           "or service's request)")
    requested_by: str = Field(description="member | operator")
    requested_at: datetime


@event(
    topic="contracts.bank-account.v1",
    key="holder_id",
    summary="The bank account used for reimbursements changed (IBAN masked).",
    tells_a_person=True,
)
class BankAccountChanged(Event):
    holder_id: uuid.UUID
    beneficiary_id: uuid.UUID | None = Field(None, description="Null when it is the holder's own account")
    account_id: uuid.UUID | None = None
    iban_masked: str = Field(description="e.g. FR76 **** **** **** **** ***1 234")
    changed_at: datetime


@event(
    topic="contracts.request.v1",
    key="request_id",
    summary="A member asked to change their guarantees; answered within 72 hours (CT-7).",
    tells_a_person=True,
)
class GuaranteeChangeRequested(Event):
    request_id: uuid.UUID
    contract_id: uuid.UUID
    account_id: uuid.UUID | None = None
    due_at: datetime
    requested_at: datetime


@event(
    topic="contracts.request.v1",
    key="request_id",
    summary="A prospect or member asked for a quote; answered within 72 hours (CT-10).",
    tells_a_person=True,
)
class QuoteRequested(Event):
    request_id: uuid.UUID
    account_id: uuid.UUID | None = None
    email: EmailStr | None = Field(None, description="Where to answer a prospect without an account")
    first_name: str | None = None
    last_name: str | None = None
    due_at: datetime
    requested_at: datetime


@event(
    topic=SECRET_TOPIC,
    key="request_id",
    summary="A prospect without an account asked for a quote: their address must be confirmed before the "
            "request is queued (double opt-in); carries the single-use confirmation token (CT-10).",
    tells_a_person=True,
    private=True,
)
class QuoteConfirmationRequested(Event):
    request_id: uuid.UUID
    email: EmailStr = Field(description="The address to confirm; nothing else is sent to it before confirmation")
    confirmation_token: str = secret("Single-use secret for the confirmation link.")
    confirmation_expires_at: datetime
    requested_at: datetime
