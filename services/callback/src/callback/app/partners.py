"""Use cases of partner applications ("Devenir courtier partenaire", BR-5): the public form, the
back office's list of pending applications with their deadline, and its decision.

Accepting registers the firm at identity (POST /v1/broker-firms with the operator's token: the
firm with its ORIAS and SIREN, the offers the operator grants, the applicant invited by email as
its first admin), then records the decision. The applicant is told by email on receipt and on
the decision: notify sends it from the events, which reach the outbox with the change.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog

from callback.adapters import partners_repository as repo
from callback.adapters.identity import IdentityClient
from callback.adapters.partners_repository import PartnerApplication
from callback.domain import partners as rules_
from callback.domain.calendar import Calendar
from callback.domain.partners import AlreadyDecided, ApplicationStatus
from ms_events.events.callback import PartnerApplicationDecided, PartnerApplicationReceived
from ms_platform.errors import Missing
from ms_platform.uow import UnitOfWork

log = structlog.get_logger()


class ApplicationNotFound(Missing):
    def __init__(self) -> None:
        super().__init__("Ressource introuvable (candidature).")


@dataclass(frozen=True)
class PartnerRules:
    calendar: Calendar
    answer_business_hours: int = 72


@dataclass(frozen=True)
class NewApplication:
    firm_name: str
    orias: str
    siren: str
    first_name: str
    last_name: str
    email: str
    phone: str  # E.164


async def apply(uow: UnitOfWork, rules: PartnerRules, command: NewApplication, now: datetime) -> PartnerApplication:
    """Record an application, due within the business hours of the rules; the receipt email follows."""
    application = PartnerApplication(
        id=uuid.uuid4(), firm_name=command.firm_name, orias=command.orias, siren=command.siren,
        first_name=command.first_name, last_name=command.last_name, email=command.email, phone=command.phone,
        status=ApplicationStatus.RECEIVED, received_at=now,
        answer_by=rules_.answer_by(now, rules.calendar, rules.answer_business_hours).astimezone(UTC))
    async with uow.begin() as tx:
        await repo.add(tx.conn, application)
        tx.publish(PartnerApplicationReceived(application_id=application.id, email=application.email,
                                              answer_by=application.answer_by, received_at=now))
    log.info("partner_application.received", application_id=str(application.id))
    return application


async def listed(uow: UnitOfWork, status: ApplicationStatus | None, limit: int) -> list[PartnerApplication]:
    async with uow.connect() as conn:
        return await repo.listed(conn, status, limit)


async def one(uow: UnitOfWork, application_id: uuid.UUID) -> PartnerApplication:
    async with uow.connect() as conn:
        found = await repo.get(conn, application_id)
    if found is None:
        raise ApplicationNotFound()
    return found


async def accept(uow: UnitOfWork, identity: IdentityClient, operator_id: uuid.UUID, bearer_token: str,
                 application_id: uuid.UUID, offers: list[str], now: datetime) -> PartnerApplication:
    """Register the firm at identity (its admin invited), then record the acceptance."""
    found = await one(uow, application_id)
    rules_.may_decide(found.status)
    firm_id = await identity.register_firm(bearer_token, {
        "name": found.firm_name, "orias": found.orias, "siren": found.siren, "offers": offers,
        "admin": {"email": found.email, "first_name": found.first_name, "last_name": found.last_name}})
    return await _decide(uow, found, ApplicationStatus.ACCEPTED, operator_id, None, firm_id, now)


async def refuse(uow: UnitOfWork, operator_id: uuid.UUID, application_id: uuid.UUID, reason: str,
                 now: datetime) -> PartnerApplication:
    found = await one(uow, application_id)
    rules_.may_decide(found.status)
    return await _decide(uow, found, ApplicationStatus.REFUSED, operator_id, reason, None, now)


async def _decide(uow: UnitOfWork, found: PartnerApplication, status: ApplicationStatus, operator_id: uuid.UUID,
                  reason: str | None, firm_id: uuid.UUID | None, now: datetime) -> PartnerApplication:
    async with uow.begin() as tx:
        decided = await repo.decide(tx.conn, found.id, status, now, operator_id, reason, firm_id)
        if decided is None:
            current = await repo.get(tx.conn, found.id)
            raise AlreadyDecided(current.status if current else status)
        tx.publish(PartnerApplicationDecided(application_id=found.id, email=found.email, decision=status.value,
                                             reason=reason, decided_at=now))
    log.info("partner_application.decided", application_id=str(found.id), decision=status.value,
             firm_id=str(firm_id) if firm_id else None)
    return decided
