"""Use cases run for consumed events, inside the consumer runner's transaction."""

from __future__ import annotations

from typing import Callable, Protocol

import asyncpg
import structlog

from ms_events.envelope import Envelope
from ms_events.events.identity import AccountCreated, ConfirmationEmailRequested

from notify.adapters.repository import Contact, DeliveryRepository
from notify.domain.messages import Brand, MessageRequest, account_created_email
from notify.domain.model import Delivery, Rendered

log = structlog.get_logger()


class Renderer(Protocol):
    def render(self, name: str, context: dict) -> Rendered: ...


RepositoryFactory = Callable[[asyncpg.Connection], DeliveryRepository]


class NotifyHandlers:
    """Turns events into pending deliveries; the dispatcher sends them after commit."""

    def __init__(
        self,
        renderer: Renderer,
        brand: Brand,
        repository: RepositoryFactory = DeliveryRepository,
    ) -> None:
        self._renderer = renderer
        self._brand = brand
        self._repository = repository

    async def account_created(self, conn: asyncpg.Connection, envelope: Envelope, event: AccountCreated) -> None:
        """Project the contact and queue the sign-up confirmation email (ID-5)."""
        repo = self._repository(conn)
        await repo.upsert_contact(
            Contact(event.account_id, str(event.email), event.first_name, event.last_name)
        )
        await self._queue(repo, envelope, account_created_email(event, self._brand), event.account_id)

    async def confirmation_email_requested(
        self, conn: asyncpg.Connection, envelope: Envelope, event: ConfirmationEmailRequested
    ) -> None:
        """Queue the new confirmation link a person asked for."""
        repo = self._repository(conn)
        await repo.upsert_contact(
            Contact(event.account_id, str(event.email), event.first_name, event.last_name)
        )
        await self._queue(repo, envelope, account_created_email(event, self._brand), event.account_id)

    async def _queue(self, repo: DeliveryRepository, envelope: Envelope, request: MessageRequest, account_id) -> None:
        delivery = Delivery.new(
            source_event_id=envelope.id,
            channel=request.channel,
            template=request.template,
            recipient=request.recipient,
            account_id=account_id,
            content=self._renderer.render(request.template, request.context),
        )
        if await repo.add(delivery):
            await repo.wake_dispatcher()
            log.info("delivery.queued", delivery_id=str(delivery.id), template=delivery.template)
        else:
            log.info("delivery.already_queued", template=delivery.template)

    def subscriptions(self) -> dict:
        """Event type → handler, as ``run_worker`` expects."""
        return {
            AccountCreated: self.account_created,
            ConfirmationEmailRequested: self.confirmation_email_requested,
        }
