"""Sign-up and the confirmation of a member's email address (ID-1..ID-5)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from identity.app import activation, handlers
from identity.app.commands import ActivateAccount, ConfirmAccount, RequestConfirmationEmail, SignUpMember
from identity.domain.accounts import normalize_mobile
from identity.domain.names import NAME_MAX_LENGTH, person_name
from identity.entrypoints.deps import ServicesDep
from ms_platform.problems import Problem

router = APIRouter()


Name = Annotated[str, Field(min_length=1, max_length=NAME_MAX_LENGTH)]


class SignUpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    last_name: Name
    first_name: Name
    contract_number: Annotated[str, Field(min_length=1, max_length=32)]
    birth_date: date
    email: EmailStr | None = None
    password: Annotated[str, Field(min_length=1, max_length=256)]
    phone: str | None = None

    @field_validator("last_name", "first_name")
    @classmethod
    def _civil_status_name(cls, value: str) -> str:
        return person_name(value)

    @field_validator("birth_date")
    @classmethod
    def _plausible_birth_date(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("La date de naissance ne peut pas être dans le futur.")
        if value.year < 1900:
            raise ValueError("Date de naissance invalide.")
        return value

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return normalize_mobile(value) if value else None


class AccountCreatedResponse(BaseModel):
    id: str
    status: str
    email: str
    confirmation_expires_at: str


EMAIL_REQUIRED = Problem(
    422, "email-required", "Email required",
    "L'adresse e-mail est obligatoire pour créer votre espace adhérent. Si vous n'avez pas "
    "d'adresse e-mail, utilisez le service « Je souhaite être rappelé » : un conseiller vous "
    "rappellera au créneau de votre choix.",
    field="email",
)


@router.post("/v1/accounts", status_code=201, response_model=AccountCreatedResponse, tags=["accounts"])
async def sign_up(body: SignUpRequest, svc: ServicesDep) -> dict:
    """Create a member account (ID-1): the contract must exist, match and be in force."""
    if body.email is None:
        raise EMAIL_REQUIRED
    return await handlers.sign_up_member(svc, SignUpMember(**body.model_dump()))


class ConfirmRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[str, Field(min_length=10, max_length=200)]


@router.post("/v1/accounts/confirm", tags=["accounts"])
async def confirm(body: ConfirmRequest, svc: ServicesDep) -> dict:
    """Confirm the email address with the token from the confirmation email (ID-5)."""
    return await handlers.confirm_account(svc, ConfirmAccount(body.token))


class ConfirmationEmailRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    email: EmailStr


@router.post("/v1/accounts/confirmation-requests", status_code=202, tags=["accounts"])
async def request_confirmation_email(body: ConfirmationEmailRequest, svc: ServicesDep) -> dict:
    """Ask for a new confirmation link; the answer never says whether the address has an account."""
    await handlers.request_confirmation_email(svc, RequestConfirmationEmail(body.email))
    return {"detail": "Si un compte en attente de confirmation correspond à cette adresse, "
                      "un nouveau lien vient de lui être envoyé."}


class ActivationRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    token: Annotated[str, Field(min_length=16, max_length=200,
                                description="The emailed link's token, or the postal letter's code")]
    password: Annotated[str, Field(min_length=1, max_length=256)]
    email: EmailStr | None = Field(None, description="With a letter's code: the address the space will use")


class ActivationResponse(BaseModel):
    id: str
    status: str = Field(description="active (emailed link) | pending_confirmation (letter: confirm the address)")


@router.post("/v1/accounts/activation", response_model=ActivationResponse, tags=["accounts"])
async def activate(body: ActivationRequest, svc: ServicesDep) -> dict:
    """Activate an affiliated employee's pre-registered space (ID-13) with the emailed link's token
    or the letter's code, and choose its password."""
    return await activation.activate_account(svc, ActivateAccount(body.token, body.password,
                                                                  str(body.email) if body.email else None))
