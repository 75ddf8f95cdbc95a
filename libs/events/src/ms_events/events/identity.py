"""identity.account.v1 — people's accounts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import EmailStr, Field

from ms_events.catalogue import Event, event


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
