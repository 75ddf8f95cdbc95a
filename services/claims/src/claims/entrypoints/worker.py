"""The events claims's worker consumes, and the use case each one runs."""

from __future__ import annotations

from claims.app.assistance import case_opened, case_status_changed, request_projected
from claims.app.statements import erase_account, project_contract
from ms_events.catalogue import Event
from ms_events.consumer import Handler
from ms_events.events.assistance import AssistanceCaseOpened, AssistanceCaseStatusChanged, AssistanceRequested
from ms_events.events.contracts import ContractRegistered
from ms_events.events.identity import AccountDeleted


def subscriptions() -> dict[type[Event], Handler]:
    return {AccountDeleted: erase_account, ContractRegistered: project_contract,
            # AS-9: the member's assistance cases, which a claim for advanced costs names.
            AssistanceRequested: request_projected, AssistanceCaseOpened: case_opened,
            AssistanceCaseStatusChanged: case_status_changed}
