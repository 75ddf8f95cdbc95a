"""Accounts: who may sign up, sign in and how identifiers are read. No I/O."""

from __future__ import annotations

import re
import secrets
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class AccountKind(StrEnum):
    MEMBER = "member"
    EMPLOYER = "employer"
    BROKER = "broker"
    AGENT = "agent"
    OPERATOR = "operator"


class AccountStatus(StrEnum):
    PRE_REGISTERED = "pre_registered"  # an affiliated employee's account, waiting for its activation (ID-13)
    INVITED = "invited"  # an employer or broker user invited by link, waiting to set a password
    PENDING_CONFIRMATION = "pending_confirmation"
    ACTIVE = "active"
    DELETED = "deleted"


STAFF_KINDS = frozenset({AccountKind.AGENT, AccountKind.OPERATOR, AccountKind.EMPLOYER, AccountKind.BROKER})

_MOBILE = re.compile(r"^0[67]\d{8}$")


def normalize_email(email: str) -> str:
    return email.strip().lower()


def normalize_mobile(phone: str) -> str:
    """A French mobile number (06/07) as ten digits; ValueError otherwise (ID-4)."""
    digits = re.sub(r"[\s.\-]", "", phone)
    if digits.startswith("+33"):
        digits = "0" + digits[3:]
    elif digits.startswith("0033"):
        digits = "0" + digits[4:]
    if not _MOBILE.fullmatch(digits):
        raise ValueError("Numéro de mobile invalide (format attendu : 06 ou 07 suivi de 8 chiffres).")
    return digits


def is_email_identifier(identifier: str) -> bool:
    return "@" in identifier


def new_secret_token() -> tuple[str, bytes]:
    """A URL-safe single-use token and the hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


@dataclass(frozen=True)
class SignInDecision:
    allowed: bool
    reason: str | None = None


def may_sign_in(status: str) -> SignInDecision:
    """Only confirmed, non-deleted accounts sign in (ID-5: the email proves the address)."""
    if status == AccountStatus.ACTIVE:
        return SignInDecision(True)
    if status == AccountStatus.PENDING_CONFIRMATION:
        return SignInDecision(False, "not-confirmed")
    return SignInDecision(False, "invalid-credentials")


# Letter codes are typed by hand: no 0/O, 1/I/L, in groups of four (16 symbols of 31: ~79 bits).
ACTIVATION_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACTIVATION_CODE_LENGTH = 16


def new_activation_code() -> tuple[str, bytes]:
    """A postal letter's activation code (ID-13) as printed, and the hash that is stored."""
    raw = "".join(secrets.choice(ACTIVATION_CODE_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))
    printed = "-".join(raw[i:i + 4] for i in range(0, ACTIVATION_CODE_LENGTH, 4))
    return printed, hash_token(raw)


def activation_token_hashes(typed: str) -> list[bytes]:
    """The stored hashes an activation link's token or a letter's code (as typed) may match.

    A code is read whatever its case, spaces and dashes; a link's token is taken as it is.
    """
    typed = typed.strip()
    hashes = [hash_token(typed)]
    compact = "".join(c for c in typed.upper() if c not in " -")
    if len(compact) == ACTIVATION_CODE_LENGTH and all(c in ACTIVATION_CODE_ALPHABET for c in compact):
        hashes.append(hash_token(compact))
    return hashes


def confirmation_expiry(now: datetime, ttl_hours: int) -> datetime:
    return now + timedelta(hours=ttl_hours)
