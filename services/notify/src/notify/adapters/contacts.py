"""SQL for the contact projection and the notification preferences (caller's transaction)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

import asyncpg

from notify.domain.messages import ContactView


@dataclass(frozen=True)
class Contact:
    """What AccountCreated and ConfirmationEmailRequested tell about a person."""

    account_id: uuid.UUID
    email: str
    first_name: str
    last_name: str


# The accepted (category, channel) choices of the row's account, as 'category channel' texts.
_ACCEPTED = """array(select category || ' ' || channel from notification_preference p
                     where p.account_id = {account} and accepted) as accepted"""


def _choices(row: asyncpg.Record) -> set[tuple[str, str]]:
    return {tuple(choice.rsplit(" ", 1)) for choice in row["accepted"]}


def _contact_view(row: asyncpg.Record) -> ContactView:
    address = json.loads(row["address"]) if row["address"] else None
    return ContactView(row["account_id"], row["email"], row["first_name"], row["last_name"], row["phone"], address)


class ContactStore:
    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def upsert_contact(self, contact: Contact) -> tuple[ContactView, set[tuple[str, str]]]:
        """Record the person's name and address; returns the contact and its accepted choices
        (as ``contact_and_choices``), in the same round trip."""
        row = await self._conn.fetchrow(
            """with up as (
                   insert into contact (account_id, email, first_name, last_name)
                   values ($1, $2, $3, $4)
                   on conflict (account_id) do update
                   set email = excluded.email, first_name = excluded.first_name,
                       last_name = excluded.last_name, updated_at = now()
                   returning account_id, email, first_name, last_name, phone, address)
               select up.*, """ + _ACCEPTED.format(account="up.account_id") + """ from up""",
            contact.account_id, contact.email, contact.first_name, contact.last_name,
        )
        return _contact_view(row), _choices(row)

    async def set_email(self, account_id: uuid.UUID, email: str) -> None:
        await self._conn.execute(
            """insert into contact (account_id, email) values ($1, $2)
               on conflict (account_id) do update set email = excluded.email, updated_at = now()""",
            account_id, email,
        )

    async def update_profile(self, account_id: uuid.UUID, phone: str | None, address: dict | None) -> None:
        """ProfileUpdated carries the person's current phone and address (null: none)."""
        await self._conn.execute(
            """insert into contact (account_id, phone, address) values ($1, $2, $3::jsonb)
               on conflict (account_id) do update
               set phone = excluded.phone, address = excluded.address, updated_at = now()""",
            account_id, phone, json.dumps(address) if address is not None else None,
        )

    async def contact(self, account_id: uuid.UUID) -> ContactView | None:
        row = await self._conn.fetchrow(
            "select account_id, email, first_name, last_name, phone, address from contact where account_id = $1",
            account_id,
        )
        return _contact_view(row) if row is not None else None

    async def contact_and_choices(self, account_id: uuid.UUID) -> tuple[ContactView | None, set[tuple[str, str]]]:
        """The contact and its accepted (category, channel) choices, in one round trip."""
        row = await self._conn.fetchrow(
            """select account_id, email, first_name, last_name, phone, address, """
            + _ACCEPTED.format(account="c.account_id") + """ from contact c where account_id = $1""",
            account_id,
        )
        if row is None:
            return None, set()
        return _contact_view(row), _choices(row)

    async def accepted_choices(self, account_id: uuid.UUID) -> set[tuple[str, str]]:
        rows = await self._conn.fetch(
            "select category, channel from notification_preference where account_id = $1 and accepted",
            account_id,
        )
        return {(r["category"], r["channel"]) for r in rows}

    async def preferences(self, account_id: uuid.UUID) -> dict[tuple[str, str], bool]:
        rows = await self._conn.fetch(
            "select category, channel, accepted from notification_preference where account_id = $1",
            account_id,
        )
        return {(r["category"], r["channel"]): r["accepted"] for r in rows}

    async def set_preferences(self, account_id: uuid.UUID, choices: Iterable[tuple[str, str, bool]]) -> None:
        await self._conn.executemany(
            """insert into notification_preference (account_id, category, channel, accepted)
               values ($1, $2, $3, $4)
               on conflict (account_id, category, channel) do update
               set accepted = excluded.accepted, updated_at = now()""",
            [(account_id, category, channel, accepted) for category, channel, accepted in choices],
        )

    async def erase_account(self, account_id: uuid.UUID) -> None:
        """AccountDeleted: forget the person; their delivery log keeps no address or content.

        Pending deliveries keep their address until sent (the deletion notice itself is one);
        ``mark_sent``/``mark_failed`` clear it then, since the contact no longer exists.
        """
        await self._conn.execute("delete from contact where account_id = $1", account_id)
        await self._conn.execute("delete from notification_preference where account_id = $1", account_id)
        await self._conn.execute(
            """update delivery set recipient = null, subject = null, body_text = null, body_html = null
               where account_id = $1 and status <> 'pending'""",
            account_id,
        )

    async def personal_data(self, account_id: uuid.UUID) -> dict[str, Any]:
        contact = await self.contact(account_id)
        prefs = await self.preferences(account_id)
        return {
            "contact": None if contact is None else {
                "email": contact.email, "first_name": contact.first_name, "last_name": contact.last_name,
                "phone": contact.phone, "address": contact.address,
            },
            "preferences": [
                {"category": c, "channel": ch, "accepted": a} for (c, ch), a in sorted(prefs.items())
            ],
        }
