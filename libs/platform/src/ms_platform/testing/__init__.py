"""Helpers every service's integration and e2e tests share (imported by tests only).

They run against the local stack's real components: settings come from the environment
that ``deploy/local/bin/pytest-run`` loads from var/local.env; a missing setting fails the
test (integration tests never skip).
"""

from __future__ import annotations

import asyncio
import email
import os
import socket
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Awaitable, Callable

ROOT = Path(__file__).resolve().parents[5]


def setting(name: str, default: str | None = None) -> str:
    """An environment setting of the local stack; fails (never skips) when it is missing."""
    value = os.environ.get(name, default)
    assert value, f"{name} is not set: start the local stack (make up writes var/local.env)"
    return value


def kafka_password(principal: str) -> str:
    """The local broker's password of a Kafka principal (admin, a service, integrator), drawn
    by deploy/local/bin/secrets into var/secrets/kafka/<principal>.password."""
    path = Path(os.environ.get("KAFKA_SECRETS_DIR") or ROOT / "var" / "secrets" / "kafka") / f"{principal}.password"
    assert path.exists(), f"{path} is missing: start the local stack (make up draws the Kafka passwords)"
    return path.read_text().strip()


def gateway_url() -> str:
    return setting("GATEWAY_URL", "http://127.0.0.1:8080")


def free_port() -> int:
    """A free port on 127.0.0.1, for a server of the test's own."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def eventually(check: Callable[[], Awaitable[Any]], timeout: float = 5.0, interval: float = 0.05) -> bool:
    """Poll ``check`` until it is truthy; False after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(interval)
    return True


class Mailbox:
    """The SMTP sink's Maildir: every message the platform sent."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or Path(setting("MAILDIR", str(ROOT / "var" / "mail")))

    def _messages_containing(self, needle: bytes):
        for folder in ("new", "cur"):
            for path in (self.root / folder).glob("*"):
                raw = path.read_bytes()
                if needle in raw:
                    yield email.message_from_bytes(raw, policy=policy.default)

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [m for m in self._messages_containing(address.encode()) if m["To"] and address in m["To"]]

    def recipients(self, domain: str) -> list[str]:
        """The To address of every message sent to ``domain`` (one entry per message)."""
        return [str(m["To"]) for m in self._messages_containing(f"@{domain}".encode())
                if m["To"] and m["To"].endswith(f"@{domain}")]

    async def wait_for(self, address: str, timeout: float = 30) -> EmailMessage:
        async with asyncio.timeout(timeout):
            while True:
                messages = self.messages_to(address)
                if messages:
                    return messages[0]
                await asyncio.sleep(0.2)
