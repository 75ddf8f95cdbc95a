"""Backoff with jitter, and when a delivery is given up."""

from datetime import UTC, datetime, timedelta

import pytest

from webhooks.domain.retry import GiveUp, RetryAt, RetryPolicy, after_failure, is_success

POLICY = RetryPolicy(max_attempts=5, first_backoff_s=10, max_backoff_s=60, max_age_s=3600)
NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("attempts,ceiling", [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)])
def test_the_wait_doubles_from_the_first_backoff_up_to_the_cap(attempts, ceiling):
    assert POLICY.backoff_s(attempts, rand=lambda low, high: high) == ceiling


def test_the_jitter_waits_between_half_and_all_of_the_backoff():
    waits = [POLICY.backoff_s(3) for _ in range(500)]
    assert all(20 <= w <= 40 for w in waits)
    assert max(waits) - min(waits) > 5  # really random


def test_a_failure_before_the_last_attempt_is_retried_later():
    decision = after_failure(POLICY, 2, created_at=NOW, now=NOW, rand=lambda low, high: high)
    assert decision == RetryAt(NOW + timedelta(seconds=20))


def test_the_last_attempt_gives_up():
    assert isinstance(after_failure(POLICY, 5, created_at=NOW, now=NOW), GiveUp)


def test_a_retry_that_would_fall_past_the_maximum_age_gives_up():
    decision = after_failure(POLICY, 2, created_at=NOW - timedelta(seconds=3590), now=NOW, rand=lambda lo, hi: hi)
    assert isinstance(decision, GiveUp) and "older" in decision.reason


@pytest.mark.parametrize("status,ok", [(200, True), (204, True), (299, True), (301, False), (404, False),
                                       (500, False)])
def test_only_a_2xx_is_a_delivery(status, ok):
    assert is_success(status) is ok
