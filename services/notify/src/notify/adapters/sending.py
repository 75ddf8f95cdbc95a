"""What every channel's sender shares: its failure type, and routing a delivery by channel."""

from __future__ import annotations

from typing import Mapping, Protocol, TYPE_CHECKING

if TYPE_CHECKING:
    from notify.adapters.repository import DueDelivery


class SendError(Exception):
    """Sending failed; ``permanent`` when retrying cannot help (the server refused for good)."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Sender(Protocol):
    async def send(self, delivery: "DueDelivery") -> None: ...


class ChannelRouter:
    """Hands each delivery to the sender of its channel (email → SMTP, sms → provider, letter → print)."""

    def __init__(self, senders: Mapping[str, Sender]) -> None:
        self._senders = dict(senders)

    async def send(self, delivery: "DueDelivery") -> None:
        sender = self._senders.get(delivery.channel)
        if sender is None:
            raise SendError(f"no sender for channel {delivery.channel}", permanent=True)
        await sender.send(delivery)
