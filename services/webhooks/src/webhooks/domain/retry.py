"""When a failed delivery is tried again, and when it is given up (no I/O).

Exponential backoff with jitter: the n-th failure waits a random time between half and all of
``first_backoff_s * 2**(n-1)`` (capped at ``max_backoff_s``), so receivers that come back from
an outage are not hit by every delivery at the same second. A delivery is dead once it has
had ``max_attempts`` attempts or is older than ``max_age_s``, whichever comes first.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    first_backoff_s: float
    max_backoff_s: float
    max_age_s: float

    def backoff_s(self, attempts: int, rand: Callable[[float, float], float] = random.uniform) -> float:
        """The wait after the ``attempts``-th failed attempt (1 for the first)."""
        ceiling = min(self.max_backoff_s, self.first_backoff_s * 2 ** max(0, attempts - 1))
        return rand(ceiling / 2, ceiling)


@dataclass(frozen=True)
class RetryAt:
    at: datetime


@dataclass(frozen=True)
class GiveUp:
    reason: str


def after_failure(policy: RetryPolicy, attempts: int, created_at: datetime, now: datetime,
                  rand: Callable[[float, float], float] = random.uniform) -> RetryAt | GiveUp:
    """What follows the ``attempts``-th failed attempt of a delivery created at ``created_at``."""
    if attempts >= policy.max_attempts:
        return GiveUp(f"{attempts} attempts")
    at = now + timedelta(seconds=policy.backoff_s(attempts, rand))
    if (at - created_at).total_seconds() > policy.max_age_s:
        return GiveUp(f"older than {policy.max_age_s:g} s")
    return RetryAt(at)


def is_success(status: int) -> bool:
    """A 2xx answer is a delivery; anything else (3xx included: redirects are not followed) is not."""
    return 200 <= status < 300
