"""Commands identity handles (imperative names; events are in ms_events.events.identity)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SignUpMember:
    last_name: str
    first_name: str
    contract_number: str
    birth_date: date
    email: str
    password: str
    phone: str | None = None


@dataclass(frozen=True)
class ConfirmAccount:
    token: str


@dataclass(frozen=True)
class SignIn:
    identifier: str
    password: str
    client_ip: str | None = None


@dataclass(frozen=True)
class CreateStaffAccount:
    kind: str
    email: str
    first_name: str
    last_name: str
    password: str
    company_siren: str | None = None  # employer users: their company


@dataclass(frozen=True)
class RequestConfirmationEmail:
    email: str


@dataclass(frozen=True)
class ActivateAccount:
    """ID-13: an affiliated employee activates their pre-registered account."""

    token: str
    password: str
    email: str | None = None
