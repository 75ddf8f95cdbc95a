"""The events assistance's case-opening worker consumes, and the use case each one runs."""

from __future__ import annotations

from assistance.app.context import Assistance
from assistance.app.privacy import erase_account
from assistance.app.projection import contract_registered, termination_confirmed
from assistance.app.requests import case_opener
from ms_events.catalogue import Event
from ms_events.consumer import Handler
from ms_events.events.assistance import AssistanceRequested
from ms_events.events.contracts import ContractRegistered, TerminationConfirmed
from ms_events.events.identity import AccountDeleted


def subscriptions(ctx: Assistance) -> dict[type[Event], Handler]:
    return {
        AccountDeleted: erase_account,
        ContractRegistered: contract_registered,
        TerminationConfirmed: termination_confirmed,
        AssistanceRequested: case_opener(ctx),
    }
