from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from ms_events.envelope import Envelope
from ms_events.events import identity as id_
from ms_platform.auth import TokenVerifier

from notify.bootstrap import create_app

pytestmark = pytest.mark.integration

KEY = ec.generate_private_key(ec.SECP256R1())


def bearer(subject: uuid.UUID | str, *roles: str, audience: str = "notify") -> dict:
    now = int(time.time())
    claims = {"sub": str(subject), "roles": list(roles), "jti": uuid.uuid4().hex, "aud": audience,
              "iss": "memberspace-identity", "iat": now, "exp": now + 300}
    return {"Authorization": "Bearer " + jwt.encode(claims, KEY, algorithm="ES256", headers={"kid": "k"})}


@pytest.fixture
async def client(pool):
    app = create_app()
    app.state.pool = pool
    app.state.token_verifier = TokenVerifier("http://127.0.0.1:9/unused", "notify", "memberspace-identity",
                                             keys={"k": KEY.public_key()})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notify") as c:
        yield c


async def test_a_member_reads_default_preferences_with_every_optional_copy_refused(client):
    r = await client.get("/v1/notification-preferences", headers=bearer(uuid.uuid4(), "member"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert {(i["category"], i["channel"]) for i in items} == {
        ("security", "sms"), ("contract", "sms"), ("contract", "letter")}
    assert not any(i["accepted"] for i in items)
    assert {"category": "security", "channel": "email"} in r.json()["always_sent"]


async def test_a_member_changes_their_own_preferences_and_nobody_elses(client, pool):
    me, other = uuid.uuid4(), uuid.uuid4()
    r = await client.put("/v1/notification-preferences", headers=bearer(me, "member"),
                         json={"items": [{"category": "contract", "channel": "sms", "accepted": True}]})
    assert r.status_code == 200
    accepted = {(i["category"], i["channel"]) for i in r.json()["items"] if i["accepted"]}
    assert accepted == {("contract", "sms")}
    theirs = await client.get("/v1/notification-preferences", headers=bearer(other, "member"))
    assert not any(i["accepted"] for i in theirs.json()["items"])
    rows = await pool.fetch("select account_id from notification_preference where account_id = any($1::uuid[])",
                            [me, other])
    assert [r["account_id"] for r in rows] == [me]


async def test_a_transactional_message_cannot_be_switched_off(client):
    r = await client.put("/v1/notification-preferences", headers=bearer(uuid.uuid4(), "member"),
                         json={"items": [{"category": "contract", "channel": "sms", "accepted": True},
                                         {"category": "security", "channel": "email", "accepted": False}]})
    assert r.status_code == 422 and r.json()["field"] == "items.1"
    assert r.headers["content-type"] == "application/problem+json"


async def test_bad_preference_bodies_name_the_field_and_need_a_member(client):
    r = await client.put("/v1/notification-preferences", headers=bearer(uuid.uuid4(), "member"),
                         json={"items": [{"category": "nope", "channel": "sms", "accepted": True}]})
    assert r.status_code == 422 and r.json()["field"] == "items.0.category"
    r = await client.put("/v1/notification-preferences", headers=bearer(uuid.uuid4(), "member"),
                         json={"items": [], "extra": 1})
    assert r.status_code == 422
    assert (await client.get("/v1/notification-preferences", headers=bearer(uuid.uuid4(), "operator"))).status_code == 403
    assert (await client.get("/v1/notification-preferences")).status_code == 401


async def test_account_deleted_leaves_a_delivery_log_without_personal_data(client, pool, handlers):
    account_id = uuid.uuid4()
    address = f"erase-{uuid.uuid4().hex[:8]}@example.org"
    now = datetime.now(UTC)
    created = id_.AccountCreated(account_id=account_id, kind="member", email=address, first_name="Zoé",
                                 last_name="Marchand", confirmation_expires_at=now, created_at=now)
    link = id_.ConfirmationEmailRequested(account_id=account_id, kind="member", email=address, first_name="Zoé",
                                          last_name="Marchand", reason="sign_up", confirmation_token="tok",
                                          confirmation_expires_at=now, requested_at=now)
    deleted = id_.AccountDeleted(account_id=account_id, kind="member", deleted_at=now)
    async with pool.acquire() as conn, conn.transaction():
        await handlers.notify(conn, Envelope.wrap(created), created)
        await handlers.notify(conn, Envelope.wrap(link), link)
        await handlers.profile_updated(conn, None, id_.ProfileUpdated(account_id=account_id, phone="+33655443322",
                                                                       updated_at=now))
        await conn.execute("insert into notification_preference values ($1, 'security', 'sms', true, now())", account_id)
        # The sign-up email was sent before the deletion; park it so the stack's worker leaves it.
        await conn.execute("update delivery set status = 'sent', sent_at = now(), body_text = null, "
                           "body_html = null, subject = null where account_id = $1", account_id)
        await handlers.notify(conn, Envelope.wrap(deleted), deleted)
        await conn.execute("update delivery set next_attempt_at = now() + interval '1 day' "
                           "where account_id = $1 and status = 'pending'", account_id)

    assert await pool.fetchval("select count(*) from contact where account_id = $1", account_id) == 0
    assert await pool.fetchval("select count(*) from notification_preference where account_id = $1", account_id) == 0
    rows = await pool.fetch("select template, status, recipient from delivery where account_id = $1 order by template",
                            account_id)
    assert [(r["template"], r["status"], r["recipient"]) for r in rows] == [
        ("account_created", "sent", None), ("account_deleted", "pending", address)]

    # Once the deletion notice is sent, nothing of the person is left but the account id.
    async with pool.acquire() as conn:
        from notify.adapters.repository import DeliveryRepository
        repo = DeliveryRepository(conn)
        pending = await conn.fetchval("select id from delivery where account_id = $1 and status = 'pending'", account_id)
        [claimed] = await repo.claim_due(1, only=[pending], as_of=datetime.now(UTC) + timedelta(days=2))
        assert await repo.mark_sent(claimed) is not None
        await repo.release_claims()
    dump = str([dict(r) for r in await pool.fetch("select * from delivery where account_id = $1", account_id)])
    assert address not in dump and "Zoé" not in dump and "+33655443322" not in dump

    r = await client.get("/v1/deliveries", params={"account_id": str(account_id)}, headers=bearer(uuid.uuid4(), "operator"))
    assert r.status_code == 200 and len(r.json()["items"]) == 2
    assert address not in r.text and "Zoé" not in r.text


async def test_the_personal_data_export_is_for_services_only_and_lists_what_notify_holds(client, pool, handlers):
    account_id = uuid.uuid4()
    now = datetime.now(UTC)
    created = id_.AccountCreated(account_id=account_id, kind="member", email=f"x-{uuid.uuid4().hex[:6]}@example.org",
                                 first_name="Noé", last_name="Roux", confirmation_expires_at=now, created_at=now)
    link = id_.ConfirmationEmailRequested(account_id=account_id, kind="member", email=created.email,
                                          first_name="Noé", last_name="Roux", reason="sign_up", confirmation_token="t",
                                          confirmation_expires_at=now, requested_at=now)
    async with pool.acquire() as conn, conn.transaction():
        await handlers.notify(conn, Envelope.wrap(created), created)
        await handlers.notify(conn, Envelope.wrap(link), link)
        await conn.execute("update delivery set next_attempt_at = now() + interval '1 day' where account_id = $1",
                           account_id)
    params = {"account_id": str(account_id)}
    assert (await client.get("/internal/v1/personal-data", params=params,
                             headers=bearer(uuid.uuid4(), "operator"))).status_code == 403
    r = await client.get("/internal/v1/personal-data", params=params, headers=bearer("identity", "service"))
    assert r.status_code == 200
    body = r.json()
    assert body["context"] == "notify"
    assert body["data"]["contact"]["email"] == str(created.email) and body["data"]["contact"]["first_name"] == "Noé"
    assert [d["template"] for d in body["data"]["deliveries"]] == ["account_created"]


async def test_the_contact_read_with_an_event_carries_the_members_accepted_copies(pool):
    from notify.adapters.repository import Contact, DeliveryRepository

    account_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        repo = DeliveryRepository(conn)
        first, accepted_before = await repo.upsert_contact(Contact(account_id, "a@example.org", "Léa", "Martin"))
        await repo.set_preferences(account_id, [("contract", "sms", True), ("contract", "letter", False)])
        again, accepted_after = await repo.upsert_contact(Contact(account_id, "b@example.org", "Léa", "Martin"))
        read, accepted_read = await repo.contact_and_choices(account_id)
        await repo.erase_account(account_id)

    assert (first.email, accepted_before) == ("a@example.org", set())
    assert (again.email, accepted_after) == ("b@example.org", {("contract", "sms")})
    assert (read, accepted_read) == (again, accepted_after)
