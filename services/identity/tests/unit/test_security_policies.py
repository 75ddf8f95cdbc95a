"""Throttling, second factor, devices and postcode rules, without a server."""

from datetime import UTC, datetime, timedelta

import pyotp

from identity.domain import devices, throttling
from identity.domain import two_factor as tf
from identity.domain.profile import valid_postcode


def test_an_identifier_with_100_failures_in_the_hour_is_no_longer_evaluated():
    policy = throttling.ThrottlePolicy()
    assert throttling.decide(policy, 99, 0).allowed
    refused = throttling.decide(policy, 100, 0)
    assert not refused.allowed and refused.reason == "account" and refused.retry_after_s == 3600


def test_a_client_address_with_too_many_failures_is_throttled_whatever_the_identifier():
    policy = throttling.ThrottlePolicy(per_address_per_window=30)
    assert throttling.decide(policy, 0, 29).allowed
    assert throttling.decide(policy, 0, 30).reason == "address"


def test_failures_before_a_password_change_no_longer_count_so_the_owner_is_never_locked_out():
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    changed = now - timedelta(minutes=5)
    assert throttling.counting_since(now, changed) == changed
    assert throttling.counting_since(now, None) == now - timedelta(hours=1)
    assert throttling.counting_since(now, now - timedelta(days=3)) == now - timedelta(hours=1)


def test_a_totp_code_of_the_current_step_is_accepted_and_a_wrong_one_refused():
    secret = tf.new_totp_secret()
    assert tf.totp_accepts(secret, pyotp.TOTP(secret).now())
    assert not tf.totp_accepts(secret, "000000" if pyotp.TOTP(secret).now() != "000000" else "111111")
    assert not tf.totp_accepts(secret, "abcdef")


def test_the_provisioning_uri_names_the_issuer_and_the_account():
    uri = tf.provisioning_uri(tf.new_totp_secret(), "helene@example.org")
    assert uri.startswith("otpauth://totp/") and "helene%40example.org" in uri and "issuer=" in uri


def test_recovery_codes_are_distinct_readable_and_compared_by_hash_whatever_the_typing():
    codes = tf.new_recovery_codes()
    assert len(set(codes)) == 10 and all(len(c) == 14 and c.count("-") == 2 for c in codes)
    assert tf.same_code(tf.code_hash(codes[0]), codes[0].lower().replace("-", " "))
    assert tf.looks_like_recovery_code(codes[0]) and not tf.looks_like_recovery_code("123456")


def test_sms_codes_are_six_digits():
    assert all(len(c) == 6 and c.isdigit() for c in (tf.new_sms_code() for _ in range(50)))


def test_a_device_is_described_without_identifier_and_fingerprinted_per_account():
    ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    assert devices.describe(ua) == "Firefox sur Linux"
    assert devices.fingerprint("a", ua) == devices.fingerprint("a", ua) != devices.fingerprint("b", ua)
    assert devices.describe(None) == "Appareil inconnu"


def test_french_postcodes_are_five_digits_of_an_existing_department():
    assert valid_postcode("59000") and valid_postcode("97400")
    assert not valid_postcode("00100") and not valid_postcode("7500") and not valid_postcode("99000")


def test_a_check_behind_a_token_counts_under_every_identifier_the_account_signs_in_with_as_sign_in_reads_them():
    from identity.app.attempts import account_identifiers

    member = {"email": " Claire.Martin@Example.ORG ", "member_number": " ab12345 "}
    assert account_identifiers(member) == ["claire.martin@example.org", "AB12345"]
    assert account_identifiers({"email": "ops@example.org", "member_number": None}) == ["ops@example.org"]
