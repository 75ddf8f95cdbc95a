"""contracts.contract.v1 — contracts registered by the insurer's systems."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from ms_events.catalogue import Event, event


@event(
    topic="contracts.contract.v1",
    key="contract_id",
    summary="A contract was registered (or its registration changed) in the contracts registry.",
)
class ContractRegistered(Event):
    contract_id: uuid.UUID
    contract_number: str
    category: str
    product_code: str
    holder_id: uuid.UUID
    start_date: date
    end_date: date | None = None
    registered_at: datetime
