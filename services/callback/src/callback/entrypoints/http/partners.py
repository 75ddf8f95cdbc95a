"""/v1/partner-applications: « Devenir courtier partenaire » (BR-5).

The form is public (no token: a firm that is not a partner yet has no account); the gateway
limits it per client address like every write without a token. The back office (operators)
lists the applications, pending ones nearest deadline first, and accepts (the firm is registered
at identity and the applicant invited as its admin) or refuses them.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from callback.adapters.partners_repository import PartnerApplication
from callback.app import partners as app
from callback.domain.callbacks import Phone, french_phone
from callback.domain.partners import ApplicationStatus, orias_number, overdue, siren_number
from callback.entrypoints.deps import Now, Uow
from callback.entrypoints.http.schemas import Comment, PersonName, PhoneText
from ms_platform.auth import Principal, Role, bearer_token, require_roles
from ms_platform.text import PrintableLine

router = APIRouter(tags=["partner-applications"])
Operator = Annotated[Principal, require_roles(Role.OPERATOR)]
_IDS = {404: {"description": "No application of that id"}}

FirmName = Annotated[PrintableLine, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Orias = Annotated[str, StringConstraints(min_length=1, max_length=20), AfterValidator(orias_number)]
Siren = Annotated[str, StringConstraints(min_length=1, max_length=20), AfterValidator(siren_number)]
ProductCode = Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=r"^[A-Za-z0-9._-]+$")]


class ApplicationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    firm_name: FirmName = Field(description="The firm's (cabinet's) name")
    orias: Orias = Field(description="ORIAS registration number (8 digits)", examples=["12065432"])
    siren: Siren = Field(description="The firm's SIREN (9 digits, checked with its key)", examples=["732829320"])
    first_name: PersonName = Field(description="The contact's first name")
    last_name: PersonName = Field(description="The contact's last name")
    email: EmailStr = Field(description="The contact's professional email: the answer goes there")
    phone: PhoneText = Field(description="A French number to reach the contact", examples=["01 42 68 53 00"])


class ApplicationReceived(BaseModel):
    id: uuid.UUID
    status: ApplicationStatus
    received_at: datetime
    answer_by: datetime = Field(description="The back office answers by then (72 business hours)")


class ApplicationOut(ApplicationReceived):
    firm_name: str
    orias: str
    siren: str
    first_name: str
    last_name: str
    email: str
    phone: str = Field(description="National format")
    overdue: bool
    decided_at: datetime | None
    refusal_reason: str | None
    broker_firm_id: uuid.UUID | None = Field(description="The firm registered at identity when accepted")

    @classmethod
    def of(cls, a: PartnerApplication, now: datetime) -> "ApplicationOut":
        return cls(id=a.id, status=a.status, received_at=a.received_at, answer_by=a.answer_by,
                   firm_name=a.firm_name, orias=a.orias, siren=a.siren, first_name=a.first_name,
                   last_name=a.last_name, email=a.email, phone=Phone(a.phone, False).national,
                   overdue=overdue(now, a.status, a.answer_by), decided_at=a.decided_at,
                   refusal_reason=a.refusal_reason, broker_firm_id=a.broker_firm_id)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offers: list[ProductCode] = Field(min_length=1, max_length=50,
                                      description="Product codes the firm will distribute")


class RefuseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Comment = Field(description="Why, as the applicant will read it")


@router.post("/v1/partner-applications", status_code=201, operation_id="apply_as_partner")
async def apply(body: ApplicationIn, uow: Uow, now: Now, request: Request) -> ApplicationReceived:
    """Apply to become a partner broker (no token). The contact gets a receipt by email, then the answer."""
    phone = french_phone(body.phone)
    application = await app.apply(uow, request.app.state.partner_rules, app.NewApplication(
        firm_name=body.firm_name, orias=body.orias, siren=body.siren, first_name=body.first_name,
        last_name=body.last_name, email=str(body.email), phone=phone.e164), now)
    return ApplicationReceived(id=application.id, status=application.status, received_at=application.received_at,
                               answer_by=application.answer_by)


@router.get("/v1/partner-applications", operation_id="list_partner_applications")
async def listed(_operator: Operator, uow: Uow, now: Now,
                 status: Annotated[ApplicationStatus | None, Query()] = ApplicationStatus.RECEIVED,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[ApplicationOut]:
    """Applications (pending by default), pending ones nearest deadline first, overdue ones flagged."""
    return [ApplicationOut.of(a, now) for a in await app.listed(uow, status, limit)]


@router.get("/v1/partner-applications/{partner_application_id}", operation_id="get_partner_application",
            responses=_IDS)
async def one(partner_application_id: uuid.UUID, _operator: Operator, uow: Uow, now: Now) -> ApplicationOut:
    return ApplicationOut.of(await app.one(uow, partner_application_id), now)


@router.post("/v1/partner-applications/{partner_application_id}/accept", operation_id="accept_partner_application",
             responses={**_IDS, 409: {"description": "Already decided, or identity refused the firm (ORIAS taken...)"},
                        503: {"description": "identity could not register the firm"}})
async def accept(partner_application_id: uuid.UUID, body: AcceptIn, operator: Operator, uow: Uow, now: Now,
                 request: Request) -> ApplicationOut:
    """Accept: the firm is registered at identity with these offers and the contact invited as its admin."""
    accepted = await app.accept(uow, request.app.state.identity, uuid.UUID(operator.subject), bearer_token(request),
                                partner_application_id, body.offers, now)
    return ApplicationOut.of(accepted, now)


@router.post("/v1/partner-applications/{partner_application_id}/refuse", operation_id="refuse_partner_application",
             responses={**_IDS, 409: {"description": "Already decided"}})
async def refuse(partner_application_id: uuid.UUID, body: RefuseIn, operator: Operator, uow: Uow,
                 now: Now) -> ApplicationOut:
    return ApplicationOut.of(await app.refuse(uow, uuid.UUID(operator.subject), partner_application_id, body.reason,
                                              now), now)
