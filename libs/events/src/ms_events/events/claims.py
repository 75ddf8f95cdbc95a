"""claims.statement.v1 — statement lines (décomptes, CL-1); claims.claim.v1 — member-submitted claims (CL-4, CL-5)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ms_events.catalogue import Event, event


@event(topic="claims.statement.v1", key="statement_line_id",
       summary="A statement line (décompte) was recorded for a contract, or corrected by its source. "
               "Carries no amount and no care type (health data): read the line through the API.")
class StatementLineRecorded(Event):
    statement_line_id: uuid.UUID
    contract_number: str
    holder_id: uuid.UUID
    payment_date: date | None = None
    recorded_at: datetime


@event(topic="claims.claim.v1", key="claim_id", tells_a_person=True,
       summary="A claim the member submitted changed status (received, under_analysis, processed, paid, "
               "rejected). Carries no amount, no care type and no document (health data).")
class ClaimStatusChanged(Event):
    claim_id: uuid.UUID
    account_id: uuid.UUID
    holder_id: uuid.UUID
    status: str
    changed_at: datetime
