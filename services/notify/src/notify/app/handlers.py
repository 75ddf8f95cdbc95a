"""Use cases run for consumed events, inside the consumer runner's transaction."""

from __future__ import annotations

import uuid
from typing import Callable, Protocol

import asyncpg
import structlog

from ms_events.catalogue import Event
from ms_events.envelope import Envelope
from ms_events.events.identity import (
    AccountCreated, AccountDeleted, EmailChanged, ProfileUpdated,
)

from notify.adapters.repository import Contact, DeliveryRepository
from notify.domain.messages import Brand, MessageRequest, Undeliverable, plan
from notify.domain.model import Channel, Delivery, Rendered

log = structlog.get_logger()


class Renderer(Protocol):
    def render(self, name: str, context: dict, channel: Channel | str = Channel.EMAIL) -> Rendered: ...


RepositoryFactory = Callable[[asyncpg.Connection], DeliveryRepository]

# Events that only feed the contact projection (they tell nobody anything).
PROJECTION_ONLY: tuple[type[Event], ...] = (ProfileUpdated,)
# The sign-up's public event: it records the person's contact (in order with the account's other
# public events, AccountDeleted last); its email goes with the private ConfirmationEmailRequested.
CONTACT_ONLY: tuple[type[Event], ...] = (AccountCreated,)


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

    async def notify(self, conn: asyncpg.Connection, envelope: Envelope, event: Event) -> None:
        """Project what the event says about the person, then queue each message it asks for.

        Only a public event (identity.account.v1, one partition per account, in order) writes
        the contact: a private one (identity.secret.v1) may be read after the account's
        AccountDeleted, and must not bring an erased person back. It carries its own address.
        """
        repo = self._repository(conn)
        account_id: uuid.UUID | None = getattr(event, "account_id", None)
        if isinstance(event, AccountCreated):
            contact, accepted = await repo.upsert_contact(
                Contact(event.account_id, str(event.email), event.first_name, event.last_name)
            )
        else:
            contact, accepted = await repo.contact_and_choices(account_id) if account_id else (None, set())
        if isinstance(event, CONTACT_ONLY):
            return
        for item in plan(event, contact, accepted, self._brand):
            if isinstance(item, Undeliverable):
                await self._record_undeliverable(repo, envelope, item, account_id)
            else:
                await self._queue(repo, envelope, item, account_id)
        if isinstance(event, EmailChanged):
            await repo.set_email(event.account_id, str(event.email))
        elif isinstance(event, AccountDeleted):
            await repo.erase_account(event.account_id)

    # The names the sign-up tests and the worker have always used.
    account_created = notify
    confirmation_email_requested = notify

    async def profile_updated(self, conn: asyncpg.Connection, envelope: Envelope, event: ProfileUpdated) -> None:
        address = event.address.model_dump(mode="json") if event.address else None
        await self._repository(conn).update_profile(event.account_id, event.phone, address)

    async def _queue(
        self, repo: DeliveryRepository, envelope: Envelope, request: MessageRequest, account_id: uuid.UUID | None
    ) -> None:
        delivery = Delivery.new(
            source_event_id=envelope.id,
            channel=request.channel,
            template=request.template,
            recipient=request.recipient,
            account_id=account_id,
            content=self._renderer.render(request.template, request.context, request.channel),
        )
        if await repo.add(delivery):  # and wakes the dispatcher at commit
            log.info("delivery.queued", delivery_id=str(delivery.id), template=delivery.template,
                     channel=delivery.channel.value)
        else:
            log.info("delivery.already_queued", template=delivery.template, channel=delivery.channel.value)

    async def _record_undeliverable(
        self, repo: DeliveryRepository, envelope: Envelope, item: Undeliverable, account_id: uuid.UUID | None
    ) -> None:
        delivery = Delivery.new(
            source_event_id=envelope.id, channel=item.channel, template=item.template,
            recipient=None, account_id=account_id, content=Rendered(None, ""),
        )
        if await repo.add_failed(delivery, item.reason):
            log.warning("delivery.undeliverable", delivery_id=str(delivery.id), template=item.template,
                        channel=item.channel.value, reason=item.reason)
