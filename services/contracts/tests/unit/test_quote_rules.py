"""A prospect's quote waits for the confirmation of their address (double opt-in, CT-10)."""

from datetime import UTC, datetime, timedelta

from contracts.domain.quotes import confirmation_expires_at, hash_token, may_ask_again, new_confirmation_token


def test_a_confirmation_token_is_long_url_safe_and_only_its_hash_is_kept():
    token, stored = new_confirmation_token()
    assert len(token) >= 43 and token.replace("-", "").replace("_", "").isalnum()
    assert stored == hash_token(token) and token.encode() not in stored
    assert new_confirmation_token()[0] != token


def test_the_confirmation_link_expires_after_the_setting():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert confirmation_expires_at(now, 24) == now + timedelta(hours=24)


def test_an_address_gets_no_more_confirmation_emails_than_the_limit_of_pending_requests():
    assert may_ask_again(0, 3) and may_ask_again(2, 3) and not may_ask_again(3, 3)
