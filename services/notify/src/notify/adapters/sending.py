"""What every channel's sender shares: its failure type, and routing a delivery by channel."""

from __future__ import annotations

from typing import Awaitable, Callable, Mapping, Protocol, TYPE_CHECKING

if TYPE_CHECKING:
    from notify.adapters.repository import DueDelivery


class SendError(Exception):
    """Sending failed; ``permanent`` when retrying cannot help (the server refused for good)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


# Awaited by a sender right before the step after which the recipient may have the message
# (SMTP DATA, the provider's HTTP request, the print queue); the dispatcher lets the next
# message through only once this one's outcome is committed. None: no one is counting.
Handover = Callable[[], Awaitable[None]] | None


class Sender(Protocol):
    async def send(self, delivery: "DueDelivery", handover: Handover = None) -> None: ...


class ChannelRouter:
    """Hands each delivery to the sender of its channel (email → SMTP, sms → provider, letter → print)."""

    def __init__(self, senders: Mapping[str, Sender]) -> None:
        self._senders = dict(senders)

    async def send(self, delivery: "DueDelivery", handover: Handover = None) -> None:
        sender = self._senders.get(delivery.channel)
        if sender is None:
            raise SendError(f"no sender for channel {delivery.channel}", permanent=True)
        await sender.send(delivery, handover)
