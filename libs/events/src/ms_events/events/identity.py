"""identity.account.v1 — people's accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from ms_events.catalogue import Event, event, private_topic

SECRET_TOPIC = private_topic(
    "identity.secret.v1", readers=["notify"],
    summary="Confirmation and password-reset tokens and one-time sign-in codes, for notify to send; never readable by integrators.",
)


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A person created an account; carries the single-use email confirmation token.",
    tells_a_person=True,
)
class AccountCreated(Event):
    account_id: uuid.UUID
    kind: str = Field(description="member | employer | broker | agent | operator")
    email: EmailStr
    first_name: str
    last_name: str
    member_number: str | None = None
    category: str | None = Field(None, description="sante | prevoyance | retraite")
    confirmation_token: str = Field(
        description="Single-use secret for the confirmation link; topic access must be restricted."
    )
    confirmation_expires_at: datetime
    created_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A person confirmed their email address; the account can sign in.",
)
class AccountConfirmed(Event):
    account_id: uuid.UUID
    confirmed_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A person whose email is not confirmed yet asked for a new confirmation link.",
    tells_a_person=True,
)
class ConfirmationEmailRequested(Event):
    account_id: uuid.UUID
    kind: str
    email: EmailStr
    first_name: str
    last_name: str
    confirmation_token: str = Field(
        description="Single-use secret for the confirmation link; topic access must be restricted."
    )
    confirmation_expires_at: datetime
    requested_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="Someone tried to create an account with an address that already has one; its owner is told.",
    tells_a_person=True,
)
class SignUpAttemptedWithExistingEmail(Event):
    account_id: uuid.UUID = Field(description="The existing account whose address was used")
    email: EmailStr
    first_name: str
    last_name: str
    attempted_at: datetime


class PostalAddress(BaseModel):
    """A French postal address (letters, home services)."""

    line1: str
    line2: str | None = None
    postcode: str
    city: str
    country: str = "FR"


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A person changed their contact details (phone, postal address, notification choices).",
)
class ProfileUpdated(Event):
    account_id: uuid.UUID
    phone: str | None = None
    address: PostalAddress | None = None
    updated_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A person asked to change their email; the new address must confirm it.",
    tells_a_person=True,
)
class EmailChangeRequested(Event):
    account_id: uuid.UUID
    first_name: str
    last_name: str
    old_email: EmailStr
    new_email: EmailStr
    confirmation_token: str = Field(description="Single-use secret; topic access must be restricted.")
    confirmation_expires_at: datetime
    requested_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A new email address was confirmed and replaces the old one (the old address is told).",
    tells_a_person=True,
)
class EmailChanged(Event):
    account_id: uuid.UUID
    first_name: str
    last_name: str
    old_email: EmailStr
    email: EmailStr
    changed_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A forgotten-password link was asked for an existing account.",
    tells_a_person=True,
)
class PasswordResetRequested(Event):
    account_id: uuid.UUID
    email: EmailStr
    first_name: str
    last_name: str
    reset_token: str = Field(description="Single-use secret; topic access must be restricted.")
    reset_expires_at: datetime
    requested_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A password was changed (by the person, or by a reset link); other sessions ended.",
    tells_a_person=True,
)
class PasswordChanged(Event):
    account_id: uuid.UUID
    via: str = Field(description="change | reset")
    changed_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A one-time sign-in code must be sent by SMS.",
    tells_a_person=True,
)
class TwoFactorCodeRequested(Event):
    account_id: uuid.UUID
    phone: str
    code: str = Field(description="Short-lived one-time code; topic access must be restricted.")
    expires_at: datetime
    requested_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="Two-factor authentication was turned on or off, or its method changed.",
    tells_a_person=True,
)
class TwoFactorChanged(Event):
    account_id: uuid.UUID
    method: str | None = Field(None, description="totp | sms, or null when turned off")
    enabled: bool
    changed_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A sign-in succeeded from a device not seen before on this account.",
    tells_a_person=True,
)
class NewDeviceSignedIn(Event):
    account_id: uuid.UUID
    device: str = Field(description="A short description of the browser or app, no identifier")
    signed_in_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="An account was deleted; every context erases or pseudonymises the person's data.",
    tells_a_person=True,
)
class AccountDeleted(Event):
    account_id: uuid.UUID
    person_id: uuid.UUID | None = Field(None, description="The holder id in contracts, for members")
    kind: str
    deleted_at: datetime
