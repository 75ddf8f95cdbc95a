from datetime import UTC, datetime, timedelta

import pytest

from identity.domain.accounts import (
    AccountStatus, confirmation_expiry, hash_token, is_email_identifier, may_sign_in,
    new_secret_token, normalize_email, normalize_mobile,
)


@pytest.mark.parametrize("raw", ["06 12 34 56 78", "0612345678", "07.12.34.56.78", "+33 6 12 34 56 78", "0033712345678"])
def test_accepts_french_mobile_numbers_in_common_spellings(raw):
    assert normalize_mobile(raw)[:2] in ("06", "07") and len(normalize_mobile(raw)) == 10


@pytest.mark.parametrize("raw", ["01 23 45 67 89", "0612", "08 12 34 56 78", "+44 7700 900123", "06-12-34-56-7a"])
def test_refuses_numbers_that_are_not_french_mobiles(raw):
    with pytest.raises(ValueError, match="06 ou 07"):
        normalize_mobile(raw)


def test_emails_compare_without_case_or_surrounding_spaces():
    assert normalize_email("  Claire.Martin@Exemple.FR ") == "claire.martin@exemple.fr"


def test_an_identifier_with_an_at_sign_is_an_email_and_otherwise_a_member_number():
    assert is_email_identifier("claire@exemple.fr")
    assert not is_email_identifier("2045871")


def test_secret_tokens_are_unique_and_only_their_hash_is_kept():
    (t1, h1), (t2, h2) = new_secret_token(), new_secret_token()
    assert t1 != t2 and h1 != h2
    assert hash_token(t1) == h1 and t1.encode() not in h1


def test_only_active_accounts_sign_in():
    assert may_sign_in(AccountStatus.ACTIVE).allowed
    assert may_sign_in(AccountStatus.PENDING_CONFIRMATION).reason == "not-confirmed"
    assert may_sign_in(AccountStatus.DELETED).reason == "invalid-credentials"


def test_confirmation_links_expire_after_the_configured_hours():
    now = datetime(2026, 11, 23, 10, tzinfo=UTC)
    assert confirmation_expiry(now, 48) == now + timedelta(hours=48)
