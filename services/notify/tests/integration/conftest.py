from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import socket
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import uvicorn
from aiosmtpd.controller import Controller

from ms_events.events.identity import AccountCreated, ConfirmationEmailRequested
from ms_platform.db import create_pool
from ms_platform import testing
from ms_platform.testing import free_port

from notify.adapters.repository import DueDelivery
from notify.adapters.templates import TemplateRenderer
from notify.app.handlers import NotifyHandlers
from notify.domain.messages import Brand
from notify.domain.model import Rendered, message_id


@pytest.fixture(scope="session")
async def pool():
    dsn = os.environ.get("NOTIFY_DATABASE_URL")
    # Integration tests need the real database: without it they fail, they never skip.
    assert dsn, "NOTIFY_DATABASE_URL is not set (start the local stack: make up)"
    pool = await create_pool(dsn, min_size=1, max_size=5, wait_s=5)
    yield pool
    await pool.close()


@pytest.fixture
def handlers() -> NotifyHandlers:
    return NotifyHandlers(
        TemplateRenderer(), Brand("Mutuelle Exemple", "01 23 45 67 89", "http://127.0.0.1:8080")
    )


@pytest.fixture
def account_created() -> AccountCreated:
    """The sign-up's public event (identity.account.v1): the contact, no token."""
    return AccountCreated(
        account_id=uuid.uuid4(),
        kind="member",
        email=f"test-{uuid.uuid4().hex[:8]}@example.org",
        first_name="Camille",
        last_name="Durand",
        confirmation_expires_at=datetime.now(UTC) + timedelta(hours=24),
        created_at=datetime.now(UTC),
    )


@pytest.fixture
def sign_up_confirmation(account_created) -> ConfirmationEmailRequested:
    """The sign-up's private event (identity.secret.v1): the confirmation email and its link."""
    return ConfirmationEmailRequested(
        **account_created.model_dump(include={"account_id", "kind", "email", "first_name", "last_name",
                                              "confirmation_expires_at"}),
        reason="sign_up", confirmation_token=f"tok/{uuid.uuid4().hex}+=", requested_at=datetime.now(UTC),
    )


@pytest.fixture
def port() -> int:
    """A free port on 127.0.0.1, for a server of the test's own."""
    return free_port()


@pytest.fixture
def eventually():
    """``await eventually(check, timeout)``: True once ``await check()`` is, False after ``timeout``."""
    return testing.eventually


def _due(address: str) -> DueDelivery:
    event_id = uuid.uuid4()
    return DueDelivery(id=uuid.uuid4(), source_event_id=event_id, channel="email", template="t", account_id=None,
                       recipient=address, message_id=message_id(event_id, "email"), attempts=0,
                       content=Rendered("Sujet", "Bonjour", "<p>Bonjour</p>"))


@pytest.fixture
def due():
    """``due(address)``: a claimed-looking email delivery to ``address``, for senders tested alone."""
    return _due


class RecordingHandler:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.handler = RecordingHandler()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port())
    yield server
    server.stop()


# The stack's own notify worker shares this database: rows a test queues are parked a day
# ahead, and the test's dispatcher works "as of" that time, so that worker never sees them.
PARK_FOR = timedelta(days=1)


@pytest.fixture
def parked_at() -> datetime:
    return datetime.now(UTC) + PARK_FOR


@pytest.fixture
def queue(pool, handlers, parked_at):
    """Handle an event as the consumer runner would, parking the delivery it queues."""

    async def handle(envelope, event) -> None:
        async with pool.acquire() as conn, conn.transaction():
            await handlers.notify(conn, envelope, event)
            await conn.execute(
                "update delivery set next_attempt_at = $2 where source_event_id = $1 and status = 'pending'",
                envelope.id, parked_at,
            )

    return handle


STANDIN = Path(__file__).resolve().parents[4] / "deploy" / "local" / "sms_provider_standin.py"


def load_standin():
    """The local SMS provider stand-in (deploy/local), imported from its file."""
    spec = importlib.util.spec_from_file_location("sms_provider_standin", STANDIN)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class RunningStandin:
    def __init__(self, port: int, outbox: Path, key: str) -> None:
        self.port, self.outbox, self.key = port, outbox, key
        self.url = f"http://127.0.0.1:{port}"

    def messages(self) -> list[dict]:
        return [json.loads(p.read_text()) for p in sorted(self.outbox.glob("*.json"))]


@pytest.fixture
async def sms_standin(tmp_path):
    """The SMS stand-in served in-process on a free port, writing to a temporary outbox."""
    module = load_standin()
    running = RunningStandin(free_port(), tmp_path / "sms", "test-key-" + uuid.uuid4().hex[:6])
    server = uvicorn.Server(uvicorn.Config(module.create_app(running.outbox, running.key), host="127.0.0.1",
                                           port=running.port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    yield running
    server.should_exit = True
    await asyncio.wait_for(task, 10)
