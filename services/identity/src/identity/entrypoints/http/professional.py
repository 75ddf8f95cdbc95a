"""Professional users invited by link: employer users of a company (issue 15) and broker firms with
their admins and collaborators (ID-14). Rules in ``identity.app.professional``.

Who may do what is read from the caller's account (its open session, checked in the database), not
from the token's claims: an employer user acts on their company (``company_siren``), a broker user on
their firm; admins manage, operators manage every company and firm. Another company's or firm's
resources, well-formed or not, are the same 404 as ones that do not exist.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, EmailStr, Field, field_validator

from identity.app import professional as app
from identity.domain.names import NAME_MAX_LENGTH, person_name
from identity.domain.professional import Actor, orias_number, product_codes, siren_number
from identity.entrypoints.deps import ServicesDep, SignedIn, SignedInDep
from identity.entrypoints.schemas import Password, Strict
from ms_platform.auth import Principal, Role, require_roles
from ms_platform.text import printable

router = APIRouter()

CompanyStaff = Annotated[Principal, require_roles(Role.EMPLOYER, Role.OPERATOR)]
BrokerStaff = Annotated[Principal, require_roles(Role.BROKER, Role.OPERATOR)]
OperatorOnly = Annotated[Principal, require_roles(Role.OPERATOR)]

# Not pattern-checked: a SIREN that is not the caller's company, well-formed or not, is the same 404.
Siren = Annotated[str, Path(description="The company's SIREN (9 digits)", min_length=1, max_length=100,
                            examples=["732829320"])]
Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH)]
_COMPANY_404 = {404: {"description": "No company of that SIREN, or of that user, that the caller may see"}}
_FIRM_404 = {404: {"description": "No firm, or collaborator, of that id that the caller may see"}}
_ADMIN_403 = {403: {"description": "Not an admin of that company or firm"}}
_EMAIL_409 = {409: {"description": "The email is already another space's (email-already-used)"}}


def actor(me: SignedIn) -> Actor:
    account = me.account
    return Actor(account_id=account["id"], operator=account["kind"] == "operator",
                 siren=account["company_siren"] if account["kind"] == "employer" else None,
                 firm_id=account["broker_firm_id"] if account["kind"] == "broker" else None,
                 role=account["org_role"])


class Person(Strict):
    email: EmailStr = Field(description="Professional email: the sign-in identifier")
    first_name: Name
    last_name: Name

    @field_validator("first_name", "last_name")
    @classmethod
    def _name(cls, value: str) -> str:
        return person_name(value)


class ProfessionalUser(BaseModel):
    id: str
    email: str
    first_name: str
    last_name: str
    role: str | None
    status: str = Field(description="invited (link not used yet) | active")
    created_at: str


class Invited(BaseModel):
    id: str
    email: str
    first_name: str
    last_name: str
    role: str
    status: str
    invitation_expires_at: str


# ---- accepting an invitation (public: the link is the credential) --------------------------------


class AcceptInvitation(Strict):
    token: Annotated[str, Field(min_length=16, max_length=200, description="The emailed link's token")]
    password: Password


class Accepted(BaseModel):
    id: str
    kind: str
    status: str
    email: str


@router.post("/v1/accounts/accept-invitation", response_model=Accepted, tags=["professional"],
             operation_id="accept_invitation",
             responses={400: {"description": "Unknown, used or expired link (invitation-token-invalid)"}})
async def accept_invitation(body: AcceptInvitation, svc: ServicesDep) -> dict:
    """An invited employer or broker user chooses their password with the emailed link's token; they
    then sign in with their professional email (ID-6)."""
    return await app.accept_invitation(svc, body.token, body.password)


# ---- employer users (issue 15) -------------------------------------------------------------------


class EmployerInvitation(Person):
    role: Literal["admin", "user"] = Field("user", description="admin: may invite and delete the company's users")


@router.get("/v1/company-users/{siren}", response_model=list[ProfessionalUser], tags=["professional"],
            operation_id="list_company_users", responses=_COMPANY_404)
async def list_company_users(siren: Siren, _who: CompanyStaff, me: SignedInDep, svc: ServicesDep) -> list[dict]:
    """The employer users of a company: its own users see it, operators every company's."""
    return await app.employer_users(svc, actor(me), siren)


@router.post("/v1/company-users/{siren}", status_code=201, response_model=Invited, tags=["professional"],
             operation_id="invite_company_user", responses={**_COMPANY_404, **_ADMIN_403, **_EMAIL_409})
async def invite_company_user(siren: Siren, body: EmployerInvitation, _who: CompanyStaff, me: SignedInDep,
                              svc: ServicesDep) -> dict:
    """Invite an employer user to the company (an operator, or an admin of the company): an emailed,
    single-use link that expires."""
    return await app.invite_employer_user(svc, actor(me), siren, str(body.email), body.first_name, body.last_name,
                                          body.role)


@router.delete("/v1/company-users/{siren}/{company_user_id}", status_code=204, tags=["professional"],
               operation_id="delete_company_user", responses={**_COMPANY_404, **_ADMIN_403})
async def delete_company_user(siren: Siren, company_user_id: uuid.UUID, _who: CompanyStaff, me: SignedInDep,
                              svc: ServicesDep) -> Response:
    """Delete an employer user of the company: their sessions end at once."""
    await app.remove_employer_user(svc, actor(me), siren, company_user_id)
    return Response(status_code=204)


# ---- broker firms (ID-14) ------------------------------------------------------------------------

Offers = Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(max_length=100)]
Autonomy = Literal["quote_only", "subscribe_up_to", "full"]
Limit = Annotated[Decimal | None, Field(gt=0, le=10_000_000, max_digits=12, decimal_places=2,
                                        description="With subscribe_up_to: the highest yearly contribution (EUR)")]


class Contact(Strict):
    name: Annotated[str, Field(min_length=1, max_length=100)]
    email: EmailStr
    phone: Annotated[str | None, Field(None, min_length=1, max_length=30)] = None

    @field_validator("name", "phone")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        return printable(value) if value else value


class NewFirm(Strict):
    name: Annotated[str, Field(min_length=1, max_length=120, description="The firm's (cabinet's) name")]
    orias: Annotated[str, Field(min_length=1, max_length=20, description="ORIAS registration number (8 digits)")]
    siren: Annotated[str, Field(min_length=1, max_length=20, description="The firm's SIREN")]
    offers: Offers = Field(description="Product codes the firm distributes")
    contribution_collection: Literal["insurer", "broker"] = Field(
        "insurer", description="Who collects the clients' contributions: the insurer, or the firm")
    dedicated_contact: Contact | None = Field(None, description="The firm's dedicated contact at the insurer")
    admin: Person = Field(description="The firm's first admin, invited by email")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        return printable(value)

    @field_validator("orias")
    @classmethod
    def _orias(cls, value: str) -> str:
        return orias_number(value)

    @field_validator("siren")
    @classmethod
    def _siren(cls, value: str) -> str:
        return siren_number(value)

    @field_validator("offers")
    @classmethod
    def _offers(cls, value: list[str]) -> list[str]:
        return product_codes(value)


class FirmSummary(BaseModel):
    id: str
    name: str
    orias: str
    siren: str


class Access(BaseModel):
    offers: list[str]
    autonomy: str
    subscribe_limit_eur: str | None = None


class Collaborator(ProfessionalUser):
    access: Access | None = Field(None, description="Shown to the firm's admins and to the collaborator")


class FirmContact(BaseModel):
    name: str | None
    email: str | None
    phone: str | None


class Firm(FirmSummary):
    dedicated_contact: FirmContact
    offers: list[str]
    contribution_collection: str
    contribution_collection_label: str
    collaborators: list[Collaborator]


class CreatedFirm(Firm):
    admin: Invited


@router.post("/v1/broker-firms", status_code=201, response_model=CreatedFirm, tags=["professional"],
             operation_id="create_broker_firm",
             responses={409: {"description": "ORIAS number already registered, or the admin's email taken"}})
async def create_firm(body: NewFirm, _who: OperatorOnly, me: SignedInDep, svc: ServicesDep) -> dict:
    """Register a broker firm (ORIAS and SIREN checked) and invite its first admin. Operators only."""
    return await app.create_firm(
        svc, actor(me), name=body.name, orias=body.orias, siren=body.siren, offers=body.offers,
        contribution_collection=body.contribution_collection,
        contact=body.dedicated_contact.model_dump(mode="json") if body.dedicated_contact else None,
        admin=body.admin.model_dump(mode="json"))


@router.get("/v1/broker-firms", response_model=list[FirmSummary], tags=["professional"],
            operation_id="list_broker_firms")
async def list_firms(_who: BrokerStaff, me: SignedInDep, svc: ServicesDep) -> list[dict]:
    """Operators: every firm; a broker user: their own firm."""
    return await app.firms(svc, actor(me))


@router.get("/v1/broker-firms/{broker_firm_id}", response_model=Firm, tags=["professional"],
            operation_id="get_broker_firm", responses=_FIRM_404)
async def get_firm(broker_firm_id: uuid.UUID, _who: BrokerStaff, me: SignedInDep, svc: ServicesDep) -> dict:
    """« Mon compte »: the firm's details, dedicated contact, offers, how contributions are paid, and each
    collaborator with their role (their access for admins)."""
    return await app.firm_view(svc, actor(me), broker_firm_id)


class NewCollaborator(Person):
    role: Literal["admin", "collaborator"] = "collaborator"
    offers: Offers = Field(default_factory=list, description="Product codes they may sell (among the firm's)")
    autonomy: Autonomy = "quote_only"
    subscribe_limit_eur: Limit = None


class InvitedCollaborator(Invited):
    access: Access


@router.get("/v1/broker-firms/{broker_firm_id}/collaborators", response_model=list[Collaborator],
            tags=["professional"], operation_id="list_collaborators", responses=_FIRM_404)
async def list_collaborators(broker_firm_id: uuid.UUID, _who: BrokerStaff, me: SignedInDep,
                             svc: ServicesDep) -> list[dict]:
    return await app.collaborators(svc, actor(me), broker_firm_id)


@router.post("/v1/broker-firms/{broker_firm_id}/collaborators", status_code=201, response_model=InvitedCollaborator,
             tags=["professional"], operation_id="invite_collaborator",
             responses={**_FIRM_404, **_ADMIN_403, **_EMAIL_409})
async def invite_collaborator(broker_firm_id: uuid.UUID, body: NewCollaborator, _who: BrokerStaff,
                              me: SignedInDep, svc: ServicesDep) -> dict:
    """Invite a collaborator (or another admin) with their offers and autonomy level. The firm's admins
    (and operators) only."""
    return await app.invite_collaborator(
        svc, actor(me), broker_firm_id, email=str(body.email), first_name=body.first_name,
        last_name=body.last_name, role=body.role, offers=body.offers, autonomy=body.autonomy,
        limit=body.subscribe_limit_eur)


class AccessChange(Strict):
    offers: Offers = Field(description="Product codes they may sell (among the firm's)")
    autonomy: Autonomy
    subscribe_limit_eur: Limit = None


class CollaboratorWithAccess(ProfessionalUser):
    access: Access


@router.put("/v1/broker-firms/{broker_firm_id}/collaborators/{collaborator_id}/access",
            response_model=CollaboratorWithAccess, tags=["professional"], operation_id="set_collaborator_access",
            responses={**_FIRM_404, **_ADMIN_403})
async def set_access(broker_firm_id: uuid.UUID, collaborator_id: uuid.UUID, body: AccessChange, _who: BrokerStaff,
                     me: SignedInDep, svc: ServicesDep) -> dict:
    """Set a collaborator's offers and autonomy. Their access tokens issued before stop working at once;
    their next refresh gives a token with the new access."""
    return await app.set_access(svc, actor(me), broker_firm_id, collaborator_id, offers=body.offers,
                                autonomy=body.autonomy, limit=body.subscribe_limit_eur)


@router.delete("/v1/broker-firms/{broker_firm_id}/collaborators/{collaborator_id}", status_code=204,
               tags=["professional"], operation_id="delete_collaborator", responses={**_FIRM_404, **_ADMIN_403})
async def delete_collaborator(broker_firm_id: uuid.UUID, collaborator_id: uuid.UUID, _who: BrokerStaff,
                              me: SignedInDep, svc: ServicesDep) -> Response:
    """Delete a collaborator: every session of theirs ends at once, everywhere."""
    await app.remove_collaborator(svc, actor(me), broker_firm_id, collaborator_id)
    return Response(status_code=204)
