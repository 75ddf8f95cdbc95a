"""Webhooks's domain errors; the platform maps each kind to its problem+json answer."""

from __future__ import annotations

from ms_platform.errors import Conflict, InvalidInput, Missing


class InvalidTargetUrl(InvalidInput):
    code = "invalid-target-url"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="url")


class UnknownEventType(InvalidInput):
    code = "unknown-event-type"

    def __init__(self, detail: str, *, index: int) -> None:
        super().__init__(detail, field=f"event_types.{index}")


class InvalidDescription(InvalidInput):
    code = "invalid-description"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="description")


class TooManySubscriptions(Conflict):
    code = "too-many-subscriptions"


class SubscriptionNotFound(Missing):
    code = "subscription-not-found"

    def __init__(self) -> None:
        super().__init__("Cet abonnement n'existe pas.")


class DeliveryNotFound(Missing):
    code = "delivery-not-found"

    def __init__(self) -> None:
        super().__init__("Cet envoi n'existe pas.")


class NotReplayable(Conflict):
    code = "delivery-not-replayable"
