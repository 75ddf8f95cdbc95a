"""Second factor (ID-9): TOTP codes (pyotp), SMS codes and one-time recovery codes. No I/O."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyotp

ISSUER = "Espace adhérent"
RECOVERY_CODE_COUNT = 10


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account_name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def totp_accepts(secret: str, code: str) -> bool:
    """A 6-digit code of the current 30 s step, or the one before or after (clock drift)."""
    code = re.sub(r"\s", "", code)
    return bool(re.fullmatch(r"\d{6}", code)) and pyotp.TOTP(secret).verify(code, valid_window=1)


def new_sms_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_hash(code: str) -> bytes:
    return hashlib.sha256(normalize_code(code).encode()).digest()


def same_code(stored_hash: bytes | None, code: str) -> bool:
    return stored_hash is not None and hmac.compare_digest(stored_hash, code_hash(code))


def normalize_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code).upper()


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes like ``K7QH-2MZP-XW4D`` (60 bits each), shown once, stored hashed."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(alphabet) for _ in range(12))
        codes.append("-".join(raw[i:i + 4] for i in range(0, 12, 4)))
    return codes


def looks_like_recovery_code(code: str) -> bool:
    return len(normalize_code(code)) == 12
