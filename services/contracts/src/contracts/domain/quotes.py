"""A prospect's quote request waits for the confirmation of their address (double opt-in, CT-10).

Nothing the prospect typed is sent anywhere before they open the single-use link mailed to the
address; the link expires, and a few unconfirmed requests per address at most are kept.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta


def new_confirmation_token() -> tuple[str, bytes]:
    """A URL-safe single-use token and the hash stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def confirmation_expires_at(now: datetime, hours: int) -> datetime:
    return now + timedelta(hours=hours)


def may_ask_again(pending_for_address: int, limit: int) -> bool:
    """Whether one more confirmation email may go to an address with that many requests pending."""
    return pending_for_address < limit
