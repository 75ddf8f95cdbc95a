import uuid

import pytest

from notify.domain.model import Channel, GiveUp, Retry, RetryPolicy, after_failure, message_id


def test_message_id_is_stable_for_the_same_event_and_channel():
    event_id = uuid.uuid4()
    assert message_id(event_id, Channel.EMAIL) == message_id(event_id, "email")
    assert message_id(event_id, Channel.EMAIL).endswith("@notify.memberspace>")
    assert message_id(event_id, Channel.EMAIL).startswith("<")


def test_message_id_differs_across_channels_and_events():
    event_id = uuid.uuid4()
    assert message_id(event_id, "email") != message_id(event_id, "sms")
    assert message_id(event_id, "email") != message_id(uuid.uuid4(), "email")


def test_message_id_is_derived_from_the_fixed_namespace():
    event_id = uuid.UUID("00000000-0000-0000-0000-000000000001")
    expected = uuid.uuid5(uuid.UUID("2cd81b3c-f4c4-4397-b5a5-774ddd892686"), f"{event_id}:email")
    assert message_id(event_id, "email") == f"<{expected}@notify.memberspace>"


def test_backoff_doubles_from_the_first_wait_and_is_capped_at_five_minutes():
    policy = RetryPolicy(max_attempts=8, first_backoff_s=10, max_backoff_s=300)
    assert policy.schedule() == [10, 20, 40, 80, 160, 300, 300]


def test_backoff_refuses_an_attempt_number_below_one():
    with pytest.raises(ValueError):
        RetryPolicy().delay_after(0)


def test_a_transient_failure_is_retried_until_the_last_attempt():
    policy = RetryPolicy(max_attempts=3, first_backoff_s=1, max_backoff_s=300)
    assert after_failure(policy, 0, "SMTPConnectError", permanent=False) == Retry(1, 1, "SMTPConnectError")
    assert after_failure(policy, 1, "SMTPConnectError", permanent=False) == Retry(2, 2, "SMTPConnectError")
    assert after_failure(policy, 2, "SMTPConnectError", permanent=False) == GiveUp(3, "SMTPConnectError")


def test_a_permanent_refusal_gives_up_at_once():
    decision = after_failure(RetryPolicy(), 0, "SMTPRecipientsRefused", permanent=True)
    assert decision == GiveUp(1, "SMTPRecipientsRefused")
