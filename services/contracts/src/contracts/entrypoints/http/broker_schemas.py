"""Request and response bodies of the broker space's routes."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from contracts.domain.pricing import ClientType, Relationship
from contracts.entrypoints.http.fields import AccountHolder, PersonName

ProductCodeField = Annotated[str, Field(min_length=1, max_length=60)]
Postcode = Annotated[str, Field(min_length=1, max_length=10, description="A French postcode (5 digits)")]
Status = Literal["draft", "sent", "signed", "lost"]


class OptionLevelOut(BaseModel):
    level: int
    label: str


class OfferOut(BaseModel):
    code: str
    name: str
    category: str
    client_types: list[str]
    featured: bool
    summary: str
    quote_validity_days: int
    pricing_tool: bool
    option_levels: list[OptionLevelOut]
    may_sell: bool


class GuaranteeOut(BaseModel):
    code: str
    label: str
    care_type: str
    rule_type: str
    rate_pct: int | None
    amount_eur: Decimal | None
    period: str


class OfferDetailOut(OfferOut):
    guarantees: list[GuaranteeOut]
    tariff: dict[str, Any] | None


class PersonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relationship: Relationship
    birth_date: date


class PricingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_code: ProductCodeField
    postcode: Postcode
    option_level: int = Field(1, ge=1, le=9)
    effective_date: date | None = Field(None, description="Default: the first day of next month")
    people: list[PersonIn] = Field(min_length=1, max_length=12)


class QuoteIn(PricingIn):
    project_id: uuid.UUID | None = None


class PricedPersonOut(BaseModel):
    relationship: str
    age: int
    monthly_eur: Decimal
    charged: bool


class PricingResultOut(BaseModel):
    zone: str
    department: str
    option_level: int
    zone_factor: Decimal
    option_factor: Decimal
    family_discount_pct: Decimal
    people: list[PricedPersonOut]
    monthly_eur: Decimal
    yearly_eur: Decimal


class PricingOut(PricingResultOut):
    product_code: str
    effective_date: date


class QuoteInputsOut(BaseModel):
    postcode: str
    option_level: int
    effective_date: date
    people: list[PersonIn]


class QuoteOut(BaseModel):
    id: uuid.UUID
    number: str
    project_id: uuid.UUID | None
    product_code: str
    inputs: QuoteInputsOut
    result: PricingResultOut
    monthly_eur: Decimal
    created_at: datetime
    valid_until: date
    valid: bool


class ClientIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: ClientType
    name: AccountHolder
    email: EmailStr | None = None
    postcode: Annotated[str | None, Field(None, pattern=r"^\d{5}$", description="A French postcode (5 digits)")] = None


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client: ClientIn


class HolderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: PersonName
    last_name: PersonName


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Status
    quote_id: uuid.UUID | None = Field(None, description="Required to sign: the quote subscribed, one of the project's")
    holder: HolderIn | None = Field(
        None, description="Required to sign: the contract holder's names (the birth date is the quote's main person's)")


class ClientOut(BaseModel):
    type: str
    name: str
    email: str | None
    postcode: str | None


class SignedContractOut(BaseModel):
    id: uuid.UUID
    contract_number: str
    member_number: str
    start_date: date
    end_date: date | None
    monthly_eur: Decimal


class ProjectOut(BaseModel):
    id: uuid.UUID
    status: str
    owner_id: uuid.UUID
    client: ClientOut
    signed_quote_id: uuid.UUID | None
    contract: SignedContractOut | None = Field(None, description="The contract registered when the project was signed")
    created_at: datetime
    updated_at: datetime


class ProjectDetailOut(ProjectOut):
    quotes: list[QuoteOut]


class FeaturedOut(BaseModel):
    code: str
    name: str
    summary: str


class DashboardOut(BaseModel):
    clients: int
    projects_by_status: dict[str, int]
    signed_monthly_eur: Decimal
    quotes_valid: int
    contracts_in_force: int = Field(description="The firm's signed client contracts in force today (the caller's own for a collaborator)")
    in_force_monthly_eur: Decimal = Field(description="Their monthly contributions")
    products_of_the_moment: list[FeaturedOut]
