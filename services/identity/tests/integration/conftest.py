"""Identity's app in-process, on the real PostgreSQL, asking the running contracts service."""

from __future__ import annotations

import os
import random
import uuid
from typing import AsyncIterator

import asyncpg
import json
from types import SimpleNamespace
import httpx
import pytest
from fastapi import FastAPI

from identity.bootstrap import create_app

pytestmark = pytest.mark.integration

PASSWORD = "Violette-Ecluse#2031"


@pytest.fixture(scope="session")
async def app() -> AsyncIterator[FastAPI]:
    application = create_app()
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://identity") as c:
        yield c


@pytest.fixture(scope="session")
async def db() -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(os.environ["IDENTITY_DATABASE_URL"], min_size=1, max_size=3)
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def contracts_db() -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(os.environ["CONTRACTS_DATABASE_URL"])
    yield conn
    await conn.close()


def _letters(count: int) -> str:
    """Unique-enough letters for a name (civil status names hold no digits)."""
    return "".join(random.SystemRandom().choice("abcdefghijklmnopqrstuvwxyz") for _ in range(count))


@pytest.fixture
async def member(app: FastAPI, contracts_db: asyncpg.Connection) -> dict:
    """A holder of an in-force contract, registered through contracts' operator import."""
    rnd = random.SystemRandom()
    while True:
        number, member_number = f"{rnd.randint(0, 999_999):06d}", f"{rnd.randint(0, 9_999_999):07d}"
        taken = await contracts_db.fetchval(
            "select count(*) from contract where contract_number = $1 or member_number = $2", number, member_number)
        if not taken:
            break
    line = {
        "last_name": "Lefèvre", "first_name": "Hélène" + _letters(4), "birth_date": "1972-09-05",
        "contract_number": number, "member_number": member_number, "category": "sante", "in_force": True,
        "product_code": "SANTE-ESSENTIEL", "start_date": "2024-01-01", "end_date": None, "city": "Lille",
        "beneficiaries": [],
    }
    token = app.state.services.issuer.access_token("test-operator", ["operator"], str(uuid.uuid4()))
    async with httpx.AsyncClient(base_url=app.state.settings.contracts_url) as contracts:
        r = await contracts.post("/v1/contract-imports", json={"members": [line]},
                                 headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json()["refused"] == [], r.text
    return line




NEW_PASSWORD = "Gravier-Tilleul#4417"


async def _outbox(db, account_id: str, event_type: str) -> dict:
    payload = await db.fetchval(
        "select payload from outbox where key = $1 and event_type = $2 order by position desc limit 1",
        account_id, event_type)
    assert payload is not None, f"no {event_type} in the outbox"
    return json.loads(payload)["data"]


async def _account(client, db, member) -> dict:
    email = f"it-{uuid.uuid4().hex[:10]}@example.org"
    body = {k: member[k] for k in ("last_name", "first_name", "birth_date", "contract_number")}
    created = await client.post("/v1/accounts", json={**body, "email": email, "password": PASSWORD})
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    token = (await _outbox(db, account_id, "ConfirmationEmailRequested"))["confirmation_token"]
    assert (await client.post("/v1/accounts/confirm", json={"token": token})).status_code == 200
    return {"id": account_id, "email": email}


async def _sign_in(client, email: str, password: str = PASSWORD) -> dict:
    r = await client.post("/v1/sessions", json={"identifier": email, "password": password})
    assert r.status_code == 201, r.text
    return r.json()


def _auth(session: dict) -> dict:
    return {"Authorization": f"Bearer {session['access_token']}"}



@pytest.fixture
def flows() -> SimpleNamespace:
    """Helpers for the flow tests: a confirmed account, a signed-in session, the outbox."""
    return SimpleNamespace(account=_account, sign_in=_sign_in, auth=_auth, outbox=_outbox,
                           PASSWORD=PASSWORD, NEW_PASSWORD=NEW_PASSWORD)
