"""Deliveries: one message for one (source event, channel), and what happens when sending fails."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

# Fixed forever: message ids of past deliveries are derived from it.
MESSAGE_ID_NAMESPACE = uuid.UUID("2cd81b3c-f4c4-4397-b5a5-774ddd892686")
MESSAGE_ID_DOMAIN = "notify.memberspace"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


def message_key(source_event_id: uuid.UUID, channel: Channel | str) -> uuid.UUID:
    """The one id of the message an event asks for on a channel: uuid5 of (event, channel)."""
    name = channel.value if isinstance(channel, Channel) else str(channel)
    return uuid.uuid5(MESSAGE_ID_NAMESPACE, f"{source_event_id}:{name}")


def message_id(source_event_id: uuid.UUID, channel: Channel | str) -> str:
    """The RFC 5322 Message-ID of the one message an event asks for on a channel.

    Derived from (event, channel) only, so a message re-sent after a crash carries the
    same id and mail systems (and people) can recognise the duplicate. The SMS reference
    and the letter's file name carry the same id (``message_reference``).
    """
    return f"<{message_key(source_event_id, channel)}@{MESSAGE_ID_DOMAIN}>"


def message_reference(message_id_: str) -> str:
    """The id without its angle brackets: '<uuid@notify.memberspace>' → 'uuid@notify.memberspace'."""
    return message_id_.strip("<>")


@dataclass(frozen=True)
class Rendered:
    """A message's content: email has all three parts, SMS only text, a letter subject and text."""

    subject: str | None
    text: str
    html: str | None = None


@dataclass(frozen=True)
class Delivery:
    """A message to send; created pending in the consumed event's transaction."""

    id: uuid.UUID
    source_event_id: uuid.UUID
    channel: Channel
    template: str
    recipient: str | None
    account_id: uuid.UUID | None
    message_id: str
    content: Rendered

    @classmethod
    def new(
        cls,
        *,
        source_event_id: uuid.UUID,
        channel: Channel,
        template: str,
        recipient: str | None,
        account_id: uuid.UUID | None,
        content: Rendered,
    ) -> "Delivery":
        return cls(
            id=uuid.uuid4(),
            source_event_id=source_event_id,
            channel=channel,
            template=template,
            recipient=recipient,
            account_id=account_id,
            message_id=message_id(source_event_id, channel),
            content=content,
        )


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff (as tenacity's wait_exponential), capped, for a bounded number of tries."""

    max_attempts: int = 8
    first_backoff_s: float = 10.0
    max_backoff_s: float = 300.0

    def delay_after(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failed attempt (1-based)."""
        if attempts < 1:
            raise ValueError("attempts starts at 1")
        return min(self.first_backoff_s * 2 ** (attempts - 1), self.max_backoff_s)

    def schedule(self) -> list[float]:
        """Every wait between the first attempt and the last."""
        return [self.delay_after(n) for n in range(1, self.max_attempts)]


@dataclass(frozen=True)
class Retry:
    attempts: int
    delay_s: float
    error: str


@dataclass(frozen=True)
class GiveUp:
    attempts: int
    reason: str


def after_failure(
    policy: RetryPolicy, attempts_before: int, error: str, *, permanent: bool
) -> Retry | GiveUp:
    """What to do with a delivery whose latest attempt failed."""
    attempts = attempts_before + 1
    if permanent or attempts >= policy.max_attempts:
        return GiveUp(attempts, error)
    return Retry(attempts, policy.delay_after(attempts), error)
