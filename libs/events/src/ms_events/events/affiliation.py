"""affiliation.company.v1 — companies, their group contracts and the employer notices (AF-5);
affiliation.employee.v1 — employees' affiliation requests, invitations and affiliations
(AF-1..AF-3), public; affiliation.secret.v1 — the employee's single-use invitation link, for
notify to send (private, AF-2).

Every event is keyed by the company's SIREN: one partition per company keeps a company's
journal (AF-7) in order. No event carries a social security number (NIR): it stays in
affiliation's database.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, EmailStr, Field

from ms_events.catalogue import Event, event, private_topic, secret

SECRET_TOPIC = private_topic(
    "affiliation.secret.v1", readers=["notify"],
    summary="Employees' single-use invitation links (AF-2), for notify to send; never readable by integrators.",
)
_FORMULA = "family | supplementary_company_contribution"


class PostalAddress(BaseModel):
    line1: str
    line2: str | None = None
    postcode: str
    city: str
    country: str = "FR"


@event(topic="affiliation.company.v1", key="siren", summary="An operator registered a company (its SIREN) for the employer space.")
class CompanyRegistered(Event):
    siren: str = Field(description="The company's SIREN (9 digits, checked)")
    name: str
    registered_at: datetime


@event(topic="affiliation.company.v1", key="siren",
       summary="A group contract (santé or prévoyance) and its contribution formula were added to a company.")
class GroupContractAdded(Event):
    siren: str
    group_contract_id: uuid.UUID
    contract_number: str
    category: str = Field(description="sante | prevoyance")
    contribution_formula: str = Field(description=_FORMULA)
    start_date: date
    added_at: datetime


@event(topic="affiliation.company.v1", key="siren", tells_a_person=True,
       summary="An employee added a beneficiary to a company's group santé contract and the employer must be told "
               "(AF-5): always with the supplementary company contribution formula, with the family formula only "
               "when the company's contribution changes.")
class EmployerBeneficiaryNotice(Event):
    siren: str
    company_name: str
    notice_email: EmailStr = Field(description="The company's address for notices (professional)")
    contract_number: str
    relationship: str = Field(description="spouse | partner | child")
    contribution_formula: str = Field(description=_FORMULA)
    company_contribution_changes: bool
    added_at: datetime


@event(topic="affiliation.employee.v1", key="siren",
       summary="An online affiliation request was received (by the employer, or completed by an invited employee); "
               "it is due within one business day (AF-3).")
class AffiliationRequested(Event):
    request_id: uuid.UUID
    siren: str
    group_contract_id: uuid.UUID
    contract_number: str
    first_name: str
    last_name: str
    start_date: date
    origin: str = Field(description="employer | invitation")
    account_id: uuid.UUID | None = Field(None, description="The employer user who sent it (None: the invited employee)")
    due_at: datetime
    requested_at: datetime


@event(topic="affiliation.employee.v1", key="siren",
       summary="An online affiliation request cannot be processed automatically: it waits for a back-office user, "
               "with its deadline.")
class AffiliationReviewRequired(Event):
    request_id: uuid.UUID
    siren: str
    reason: str
    due_at: datetime
    flagged_at: datetime


@event(topic="affiliation.employee.v1", key="siren", summary="A back-office user rejected an affiliation request.")
class AffiliationRejected(Event):
    request_id: uuid.UUID
    siren: str
    first_name: str
    last_name: str
    reason: str
    rejected_at: datetime


@event(topic="affiliation.employee.v1", key="siren",
       summary="An employee is affiliated to a company's group contract (online request processed, or imported "
               "offline affiliation); identity pre-registers them (ID-13), contracts adds them to the contract.")
class EmployeeAffiliated(Event):
    employee_id: uuid.UUID
    request_id: uuid.UUID | None = Field(None, description="The online request (None: affiliated offline)")
    siren: str
    company_name: str
    group_contract_id: uuid.UUID
    contract_number: str
    category: str = Field(description="sante (prévoyance needs no affiliation, AF-6)")
    options: list[str] = Field(default_factory=list)
    first_name: str
    last_name: str
    birth_date: date
    email: EmailStr | None = Field(None, description="Where the activation link goes; None: a postal letter (ID-13)")
    address: PostalAddress
    start_date: date
    beneficiaries: int = Field(0, description="How many beneficiaries the request named")
    source: str = Field(description="online | offline")
    affiliated_at: datetime


@event(topic="affiliation.employee.v1", key="siren",
       summary="An employer invited an employee to complete their affiliation online (AF-2).")
class EmployeeInvited(Event):
    invitation_id: uuid.UUID
    siren: str
    group_contract_id: uuid.UUID
    first_name: str
    last_name: str
    account_id: uuid.UUID | None = Field(None, description="The employer user who invited")
    expires_at: datetime
    invited_at: datetime


@event(topic=SECRET_TOPIC, key="siren", private=True, tells_a_person=True,
       summary="The invitation email's single-use link for an employee (AF-2), for notify to send.")
class EmployeeInvitationEmailRequested(Event):
    invitation_id: uuid.UUID
    siren: str
    company_name: str
    email: EmailStr
    first_name: str
    last_name: str
    invitation_token: str = secret("Single-use secret of the invitation link.")
    expires_at: datetime
