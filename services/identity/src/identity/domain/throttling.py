"""Brute-force throttling (ID-15): how many failed sign-ins are even evaluated. No I/O.

Failures are counted per identifier typed (an account's email or member number, or an
unknown one: the answer is the same) and per client address. Failures before the
account's last password change do not count, so the owner who resets the password signs
in again at once: an attacker can slow an account down, never lock its owner out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    per_identifier_per_hour: int = 100
    per_address_per_window: int = 300
    address_window: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class ThrottleDecision:
    allowed: bool
    reason: str | None = None
    retry_after_s: int = 0


def counting_since(now: datetime, password_changed_at: datetime | None) -> datetime:
    """Failures older than an hour, or than the last password change, no longer count."""
    hour_ago = now - timedelta(hours=1)
    if password_changed_at is not None and password_changed_at > hour_ago:
        return password_changed_at
    return hour_ago


def decide(policy: ThrottlePolicy, identifier_failures: int, address_failures: int) -> ThrottleDecision:
    if identifier_failures >= policy.per_identifier_per_hour:
        return ThrottleDecision(False, "account", 3600)
    if address_failures >= policy.per_address_per_window:
        return ThrottleDecision(False, "address", int(policy.address_window.total_seconds()))
    return ThrottleDecision(True)
