"""identity.account.v1 — people's accounts (public); identity.secret.v1 — the single-use secrets
notify sends to them (private: confirmation and reset links, one-time sign-in codes).

Every secret-bearing event is private, and each public version that carried a secret is
retired (docs/events-changelog.md tells integrators what moved, why and what to use instead).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from typing import Literal

from pydantic import BaseModel, EmailStr, Field

from ms_events.catalogue import Event, event, private_topic, retire, secret

SECRET_TOPIC = private_topic(
    "identity.secret.v1", readers=["notify"],
    summary="Confirmation and password-reset tokens and one-time sign-in codes, for notify to send; never readable by integrators.",
)


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A person created an account; it can sign in once its email address is confirmed "
            "(the confirmation link is sent privately).",
    version=2,
    tells_a_person=False,  # the welcome email goes with ConfirmationEmailRequested (reason sign_up)
)
class AccountCreated(Event):
    account_id: uuid.UUID
    kind: str = Field(description="member | employer | broker | agent | operator")
    email: EmailStr
    first_name: str
    last_name: str
    member_number: str | None = None
    category: str | None = Field(None, description="sante | prevoyance | retraite")
    confirmation_expires_at: datetime = Field(description="Until when the confirmation link sent to the person works")
    created_at: datetime


retire(
    "AccountCreated", version=1, topic="identity.account.v1", retired_on="2026-12-07",
    reason="carried the single-use email confirmation token on a topic integrators read",
    instead="AccountCreated v2 on the same topic: the same fields without confirmation_token",
)


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A person confirmed their email address; the account can sign in.",
)
class AccountConfirmed(Event):
    account_id: uuid.UUID
    confirmed_at: datetime


@event(
    topic=SECRET_TOPIC,
    key="account_id",
    summary="A confirmation link must be sent: at sign-up (with AccountCreated, same transaction), or "
            "because a person whose email is not confirmed yet asked for a new one.",
    version=2,
    tells_a_person=True,
    private=True,
)
class ConfirmationEmailRequested(Event):
    account_id: uuid.UUID
    kind: str
    email: EmailStr
    first_name: str
    last_name: str
    reason: Literal["sign_up", "resend"] = Field(description="sign_up (the welcome email) | resend (a new link)")
    confirmation_token: str = secret("Single-use secret for the confirmation link.")
    confirmation_expires_at: datetime
    requested_at: datetime


retire(
    "ConfirmationEmailRequested", version=1, topic="identity.account.v1", retired_on="2026-12-07",
    reason="carried the single-use email confirmation token on a topic integrators read",
    instead="nothing public: sending the link is internal (v2 on the private identity.secret.v1)",
)


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
    topic=SECRET_TOPIC,
    key="account_id",
    summary="A person asked to change their email; the new address must confirm it (the link is sent to it).",
    version=2,
    tells_a_person=True,
    private=True,
)
class EmailChangeRequested(Event):
    account_id: uuid.UUID
    first_name: str
    last_name: str
    old_email: EmailStr
    new_email: EmailStr
    confirmation_token: str = secret("Single-use secret for the new address's confirmation link.")
    confirmation_expires_at: datetime
    requested_at: datetime


retire(
    "EmailChangeRequested", version=1, topic="identity.account.v1", retired_on="2026-12-07",
    reason="carried the single-use confirmation token of the new address on a topic integrators read",
    instead="EmailChanged (identity.account.v1) once the new address is confirmed; "
            "the request itself is internal (v2 on the private identity.secret.v1)",
)


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
    topic=SECRET_TOPIC,
    key="account_id",
    summary="A forgotten-password link was asked for an existing account (the link is sent to its address).",
    version=2,
    tells_a_person=True,
    private=True,
)
class PasswordResetRequested(Event):
    account_id: uuid.UUID
    email: EmailStr
    first_name: str
    last_name: str
    reset_token: str = secret("Single-use secret for the reset link.")
    reset_expires_at: datetime
    requested_at: datetime


retire(
    "PasswordResetRequested", version=1, topic="identity.account.v1", retired_on="2026-12-07",
    reason="carried the single-use password reset token on a topic integrators read",
    instead="PasswordChanged (identity.account.v1, via = reset) once the link is used; "
            "the request itself is internal (v2 on the private identity.secret.v1)",
)


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
    topic=SECRET_TOPIC,
    key="account_id",
    summary="A one-time sign-in code must be sent by SMS.",
    version=2,
    tells_a_person=True,
    private=True,
)
class TwoFactorCodeRequested(Event):
    account_id: uuid.UUID
    phone: str
    code: str = secret("Short-lived one-time code.")
    expires_at: datetime
    requested_at: datetime


retire(
    "TwoFactorCodeRequested", version=1, topic="identity.account.v1", retired_on="2026-12-07",
    reason="carried the one-time sign-in code on a topic integrators read",
    instead="nothing public: sending the code is internal (v2 on the private identity.secret.v1); "
            "NewDeviceSignedIn and TwoFactorChanged stay public",
)


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


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="An employee affiliated by their employer was pre-registered (ID-13): the account waits for "
            "its activation (the link or code is sent privately, by email or postal letter).",
)
class AccountPreRegistered(Event):
    account_id: uuid.UUID
    kind: str = Field(description="member")
    first_name: str
    last_name: str
    siren: str = Field(description="The employer's SIREN")
    contract_number: str = Field(description="The company's group contract")
    channel: Literal["email", "letter"] = Field(description="How the activation travels: email | letter")
    activation_expires_at: datetime
    pre_registered_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    tells_a_person=True,
    summary="An affiliated employee's email already had a member space (ID-13): the company's group contract "
            "joins that account instead of a pre-registered one. contracts makes the account's person the holder "
            "of the employee's membership; the member is told by email.",
)
class ExistingAccountAffiliated(Event):
    account_id: uuid.UUID
    person_id: uuid.UUID = Field(description="The account's person in the contracts registry: the membership's "
                                             "holder from now on")
    affiliation_employee_id: uuid.UUID = Field(description="The employee_id of affiliation's EmployeeAffiliated")
    siren: str = Field(description="The employer's SIREN")
    company_name: str
    contract_number: str = Field(description="The company's group contract")
    category: str = Field(description="sante")
    affiliated_at: datetime


@event(
    topic=SECRET_TOPIC,
    key="account_id",
    summary="A pre-registered employee's activation (ID-13) must be sent: by email with a link when the "
            "employer gave an address, otherwise by postal letter with a code.",
    tells_a_person=True,
    private=True,
)
class ActivationRequested(Event):
    account_id: uuid.UUID
    first_name: str
    last_name: str
    company_name: str
    email: EmailStr | None = Field(None, description="Where the link goes; None: a postal letter")
    address: PostalAddress | None = Field(None, description="Where the letter goes (no email)")
    activation_token: str = secret("Single-use secret of the activation link (email) or code (letter).")
    activation_expires_at: datetime
    requested_at: datetime


@event(
    topic="identity.account.v1",
    key="account_id",
    summary="A professional user was invited (issue 15: an employer user of a company; ID-14: a broker "
            "firm's admin or collaborator); the single-use link is sent privately. The account can sign in "
            "once the invitation is accepted (AccountCreated and AccountConfirmed then follow).",
)
class ProfessionalUserInvited(Event):
    account_id: uuid.UUID
    kind: Literal["employer", "broker"]
    role: str = Field(description="employer: admin | user; broker: admin | collaborator")
    siren: str | None = Field(None, description="Employer users: their company's SIREN")
    broker_firm_id: uuid.UUID | None = Field(None, description="Broker users: their firm")
    invited_by: uuid.UUID | None = Field(None, description="The inviting account (an admin or an operator)")
    invitation_expires_at: datetime
    invited_at: datetime


@event(
    topic=SECRET_TOPIC,
    key="account_id",
    summary="A professional user's invitation (employer user, broker admin or collaborator) must be emailed "
            "with its single-use link.",
    tells_a_person=True,
    private=True,
)
class InvitationRequested(Event):
    account_id: uuid.UUID
    kind: Literal["employer", "broker"]
    role: str = Field(description="employer: admin | user; broker: admin | collaborator")
    email: EmailStr
    first_name: str
    last_name: str
    organisation_name: str = Field(description="The company (its SIREN) or the broker firm's name")
    invitation_token: str = secret("Single-use secret of the invitation link.")
    invitation_expires_at: datetime
    requested_at: datetime
