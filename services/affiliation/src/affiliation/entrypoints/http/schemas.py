"""Request and response bodies shared by affiliation's routers."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, StringConstraints, TypeAdapter
from typing_extensions import TypedDict

from affiliation.app.affiliations import Affiliation, Employee
from affiliation.domain.rules import Category, Formula, Origin, Source, Status
from ms_platform.civil_text import AddressLine, PersonName, checked, free_text_error

CompanyName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                        checked(free_text_error)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120), checked(free_text_error)]
OptionCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40,
                                              pattern=r"^[a-z0-9][a-z0-9_-]*$")]
ContractNumber = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=30,
                                                  pattern=r"^[A-Z0-9][A-Z0-9-]*$")]
SirenText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=9, max_length=11,
                                             pattern=r"^[0-9 ]+$")]
NirText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=15, max_length=21,
                                           pattern=r"^[0-9ABab ]+$")]
Postcode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9]{5}$")]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
                   checked(free_text_error)]
Token = Annotated[str, StringConstraints(min_length=20, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---- companies ------------------------------------------------------------------------------------


class CompanyIn(Strict):
    siren: SirenText = Field(description="9 digits, Luhn key checked", examples=["732829320"])
    name: CompanyName = Field(examples=["Boulangerie Durand SAS"])
    notice_email: EmailStr = Field(description="Where the company's notices go (AF-5)",
                                   examples=["rh@boulangerie-durand.example"])


class GroupContractIn(Strict):
    siren: SirenText = Field(description="The company's SIREN (registered first)", examples=["732829320"])
    contract_number: ContractNumber = Field(examples=["GS-2027-0042"])
    category: Category = Field(description="sante | prevoyance (prévoyance refuses online affiliation, AF-6)")
    label: Label = Field(examples=["Santé collective Essentiel"])
    contribution_formula: Formula = Field(description="family: « famille »; supplementary_company_contribution: "
                                                      "« cotisation supplémentaire entreprise » (AF-5)")
    start_date: date
    options: list[OptionCode] = Field(default_factory=list, max_length=20, examples=[["optique-renforcee"]])
    contracts_contract_id: uuid.UUID | None = Field(
        None, description="The same contract's id in contracts (its BeneficiaryAdded events name it)")


class GroupContractOut(BaseModel):
    id: uuid.UUID
    contract_number: str
    category: Category
    label: str
    contribution_formula: Formula
    start_date: date
    options: list[str]
    online_affiliation: bool = Field(description="False for prévoyance: no affiliation needed (AF-6)")


class CompanyOut(BaseModel):
    siren: str
    name: str
    notice_email: str
    created_at: datetime
    group_contracts: list[GroupContractOut]


# ---- employees and requests -----------------------------------------------------------------------


class AddressIn(Strict):
    line1: AddressLine = Field(examples=["12 rue des Lilas"])
    line2: AddressLine | None = None
    postcode: Postcode = Field(examples=["75013"])
    city: AddressLine = Field(examples=["Paris"])


class InvitedEmployeeIn(Strict):
    first_name: PersonName = Field(examples=["Camille"])
    last_name: PersonName = Field(examples=["Durand"])
    birth_date: date = Field(examples=["1990-04-12"])
    nir: NirText = Field(description="Numéro de sécurité sociale: 13 characters and the 2-digit key",
                         examples=["290047505612345"])
    address: AddressIn


class EmployeeIn(InvitedEmployeeIn):
    email: EmailStr | None = Field(None, description="The activation link goes there; without one, a postal "
                                                     "letter (ID-13)")


class BeneficiaryIn(Strict):
    relationship: Literal["spouse", "partner", "child"]
    first_name: PersonName
    last_name: PersonName
    birth_date: date


class Terms(Strict):
    start_date: date = Field(description="Affiliation date: not before the contract's start")
    options: list[OptionCode] = Field(default_factory=list, max_length=20)
    beneficiaries: list[BeneficiaryIn] = Field(default_factory=list, max_length=12)


class AffiliationIn(Terms):
    group_contract_id: uuid.UUID
    employee: EmployeeIn

    def command(self) -> Affiliation:
        return Affiliation(employee_of(self.employee, self.employee.email), self.group_contract_id, self.start_date,
                           self.options, [b.model_dump() for b in self.beneficiaries])


def employee_of(e: InvitedEmployeeIn, email: str | None) -> Employee:
    return Employee(e.first_name, e.last_name, e.birth_date, e.nir, e.address.model_dump(), email)


class AddressOut(BaseModel):
    line1: str
    line2: str | None = None
    postcode: str
    city: str


class RequestOut(BaseModel):
    id: uuid.UUID
    group_contract_id: uuid.UUID
    contract_number: str
    contract_label: str
    origin: Origin
    status: Status
    first_name: str
    last_name: str
    birth_date: date
    email: str | None
    options: list[str]
    beneficiaries: int
    start_date: date
    received_at: datetime
    due_at: datetime = Field(description="Processed by then: one business day (AF-3)")
    overdue: bool
    review_reason: str | None
    rejection_reason: str | None
    employee_id: uuid.UUID | None
    processed_at: datetime | None

    @classmethod
    def of(cls, r: dict[str, Any], now: datetime) -> "RequestOut":
        open_ = r["status"] in (Status.RECEIVED, Status.IN_REVIEW)
        return cls(**{k: r[k] for k in cls.model_fields if k in r and k not in ("beneficiaries", "overdue")},
                   beneficiaries=len(r["beneficiaries"]), overdue=open_ and now > r["due_at"])


class EmployeeOut(BaseModel):
    id: uuid.UUID
    group_contract_id: uuid.UUID
    contract_number: str
    contract_label: str
    source: Source = Field(description="online | offline (paper form, phone)")
    first_name: str
    last_name: str
    birth_date: date
    nir: str
    email: str | None
    address: AddressOut
    options: list[str]
    start_date: date
    affiliated_at: datetime


class EmployeePage(BaseModel):
    items: list[EmployeeOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last")


# The employee list's JSON, written straight from the repository's rows by pydantic-core (no
# model built per row): the list is the employer space's hottest read (bench/affiliation_bench.py).
# The same fields as EmployeePage, which documents the route (test_schemas checks they agree);
# only these keys reach the answer.
class _AddressBody(TypedDict):
    line1: str
    line2: str | None
    postcode: str
    city: str


class _EmployeeBody(TypedDict):
    id: uuid.UUID
    group_contract_id: uuid.UUID
    contract_number: str
    contract_label: str
    source: str
    first_name: str
    last_name: str
    birth_date: date
    nir: str
    email: str | None
    address: _AddressBody
    options: list[str]
    start_date: date
    affiliated_at: datetime


class _EmployeePageBody(TypedDict):
    items: list[_EmployeeBody]
    next_cursor: str | None


EMPLOYEE_PAGE_JSON = TypeAdapter(_EmployeePageBody)


class OfflineAffiliationsIn(Strict):
    siren: SirenText = Field(description="The company's SIREN", examples=["732829320"])
    employees: list[AffiliationIn] = Field(min_length=1, max_length=500)


class Imported(BaseModel):
    employee_ids: list[uuid.UUID]


# ---- invitations ----------------------------------------------------------------------------------


class InvitationIn(Strict):
    group_contract_id: uuid.UUID
    email: EmailStr
    first_name: PersonName
    last_name: PersonName


class InvitationOut(BaseModel):
    id: uuid.UUID
    group_contract_id: uuid.UUID
    email: str
    first_name: str
    last_name: str
    expires_at: datetime
    used_at: datetime | None
    affiliation_id: uuid.UUID | None = Field(None, description="The request the employee's completion made")
    created_at: datetime


class TokenIn(Strict):
    token: Token = Field(description="The token of the invitation link")


class InvitationPage(BaseModel):
    """What the invitation link's page shows before the employee fills it in."""

    company_name: str
    contract_label: str
    group_contract_id: uuid.UUID
    options: list[str]
    contract_start_date: date
    first_name: str
    last_name: str
    email: str
    expires_at: datetime


class CompletionIn(Terms):
    token: Token
    employee: InvitedEmployeeIn


class Decision(Strict):
    reason: Reason = Field(description="Shown to the employer in the request's status and journal")


# ---- journal ----------------------------------------------------------------------------------------


class JournalLine(BaseModel):
    day: date
    occurred_at: datetime
    kind: Literal["update", "affiliation", "invitation", "beneficiary", "certificate"]
    summary: str
    subject: str | None
    ref_id: uuid.UUID | None
