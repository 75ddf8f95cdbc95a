from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from ms_events.events.identity import AccountCreated, ConfirmationEmailRequested

from notify.domain.messages import Brand, ContactView


@pytest.fixture
def brand() -> Brand:
    return Brand("Mutuelle Exemple", "01 23 45 67 89", "https://espace.mutuelle.example/")


@pytest.fixture
def account_created() -> AccountCreated:
    """The sign-up's public event: no token (the link travels in ``sign_up_confirmation``)."""
    return AccountCreated(
        account_id=uuid.uuid4(),
        kind="member",
        email="camille.durand@example.org",
        first_name="Camille",
        last_name="Durand",
        confirmation_expires_at=datetime(2025, 2, 28, 23, 30, tzinfo=UTC),
        created_at=datetime(2025, 2, 27, 23, 30, tzinfo=UTC),
    )


@pytest.fixture
def sign_up_confirmation(account_created) -> ConfirmationEmailRequested:
    """The private event identity publishes with AccountCreated: the confirmation link."""
    return ConfirmationEmailRequested(
        **account_created.model_dump(include={"account_id", "kind", "email", "first_name", "last_name"}),
        reason="sign_up",
        confirmation_token="tok+en/with=special&chars",
        # 23:30 UTC on 28 Feb is 00:30 on 1 March in Paris (UTC+1 in winter).
        confirmation_expires_at=datetime(2025, 2, 28, 23, 30, tzinfo=UTC),
        requested_at=datetime(2025, 2, 27, 23, 30, tzinfo=UTC),
    )

class FakeRepository:
    """Keeps what the handler writes, with the (event, channel) uniqueness of the table."""

    def __init__(self) -> None:
        self.contacts: dict = {}
        self.deliveries: dict = {}
        self.failed: dict = {}
        self.accepted: dict = {}
        self.erased: list = []
        self.wakes = 0

    async def upsert_contact(self, contact):
        old = self.contacts.get(contact.account_id)
        self.contacts[contact.account_id] = ContactView(
            contact.account_id, contact.email, contact.first_name, contact.last_name,
            old.phone if old else None, old.address if old else None,
        )
        return await self.contact_and_choices(contact.account_id)

    async def set_email(self, account_id, email):
        old = self.contacts[account_id]
        self.contacts[account_id] = ContactView(account_id, email, old.first_name, old.last_name, old.phone, old.address)

    async def update_profile(self, account_id, phone, address):
        old = self.contacts.get(account_id) or ContactView(account_id, None, None, None)
        self.contacts[account_id] = ContactView(account_id, old.email, old.first_name, old.last_name, phone, address)

    async def contact(self, account_id):
        return self.contacts.get(account_id)

    async def accepted_choices(self, account_id):
        return set(self.accepted.get(account_id, set()))

    async def contact_and_choices(self, account_id):
        contact = self.contacts.get(account_id)
        return contact, (await self.accepted_choices(account_id) if contact else set())

    async def erase_account(self, account_id):
        self.contacts.pop(account_id, None)
        self.accepted.pop(account_id, None)
        self.erased.append(account_id)

    async def add(self, delivery):
        key = (delivery.source_event_id, delivery.channel)
        if key in self.deliveries or key in self.failed:
            return False
        self.deliveries[key] = delivery
        self.wakes += 1  # the real insert wakes the dispatcher in the same statement
        return True

    async def add_failed(self, delivery, reason):
        key = (delivery.source_event_id, delivery.channel)
        if key in self.deliveries or key in self.failed:
            return False
        self.failed[key] = (delivery, reason)
        return True


@pytest.fixture
def repo() -> FakeRepository:
    return FakeRepository()


@pytest.fixture
def full_contact() -> ContactView:
    return ContactView(uuid.uuid4(), "camille.durand@example.org", "Camille", "Durand", "+33612345678",
                       {"line1": "4 place Bellecour", "line2": None, "postcode": "69002", "city": "Lyon", "country": "FR"})
