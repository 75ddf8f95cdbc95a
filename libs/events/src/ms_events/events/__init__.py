"""Every context's events. Importing this package fills the catalogue."""

from ms_events.events.contracts import ContractRegistered
from ms_events.events.identity import AccountConfirmed, AccountCreated, ConfirmationEmailRequested
from ms_events.events.notify import NotificationFailed, NotificationSent

__all__ = [
    "AccountConfirmed",
    "AccountCreated",
    "ConfirmationEmailRequested",
    "ContractRegistered",
    "NotificationFailed",
    "NotificationSent",
]
