"""Documents read from current data: attestation (CT-3), tiers payant card (CT-4), schedule (CT-5)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any


from contracts.adapters import card_image, pdf, reads, repository as repo
from contracts.domain.documents import Insurer, card_datamatrix_people, card_levels, datamatrix_payload, validity
from contracts.app.scope import Scope, check_visible
from ms_events.events.contracts import AttestationRequested
from ms_platform.uow import UnitOfWork


async def _contract_data(uow: UnitOfWork, contract_id: uuid.UUID, scope: Scope) -> dict[str, Any]:
    async with uow.connect() as conn:
        contract = check_visible(await repo.contract_by_id(conn, contract_id), scope)
        people = await reads.people_on_contract(conn, contract_id)
        guarantees = await repo.guarantees_of(conn, contract["product_code"])
    return {"contract": dict(contract), "people": [dict(p) for p in people], "guarantees": [dict(g) for g in guarantees]}


async def attestation(uow: UnitOfWork, contract_id: uuid.UUID, scope: Scope, insurer: Insurer, today: date) -> bytes:
    """The attestation de droits as PDF, generated now from current data. Each one issued is a
    certificate request (AttestationRequested, through the outbox): the employer space's journal
    shows those of its employees' memberships (AF-7)."""
    data = await _contract_data(uow, contract_id, scope)
    c = data["contract"]
    view = {**data, "insurer": insurer, "generated_on": today,
            "validity": validity(c["start_date"], c["end_date"], today)}
    document = pdf.attestation_pdf(view)
    async with uow.begin() as tx:
        tx.publish(AttestationRequested(
            contract_id=c["id"], contract_number=c["contract_number"], holder_id=c["holder_id"],
            company_siren=c.get("company_siren"), account_id=scope.account_id,
            requested_by="operator" if scope.operator else "member", requested_at=datetime.now(UTC)))
    return document


async def tiers_payant_card(
    uow: UnitOfWork, contract_id: uuid.UUID, scope: Scope, insurer: Insurer, today: date
) -> dict[str, Any] | None:
    """The card's fields and its Data Matrix content; None when the contract gives no rights today."""
    data = await _contract_data(uow, contract_id, scope)
    c = data["contract"]
    period = validity(c["start_date"], c["end_date"], today)
    if c["category"] != "sante" or period is None:
        return None
    card = {
        "contract_id": c["id"], "contract_number": c["contract_number"], "member_number": c["member_number"],
        "insurer": insurer.name, "amc_number": insurer.amc_number, "convention_type": insurer.convention_type,
        "routing_criterion": insurer.routing_criterion, "valid_from": period[0], "valid_to": period[1],
        "people": card_datamatrix_people(data["people"]), "levels": card_levels(data["guarantees"]),
    }
    card["datamatrix"] = datamatrix_payload(card, card_image.fits)
    return card


def card_png(card: dict[str, Any]) -> bytes:
    return card_image.card_png(card)
