"""Journeys through the gateway on the running local stack (make up), reading real mail."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import AsyncIterator, Iterator

import httpx
import pytest

from e2e_support import GATEWAY, MAILDIR, PASSWORD, PYTHON, ROOT, SMS_OUTBOX, SMS_PORT, Mailbox, Registry, unique_email


@pytest.fixture(scope="session")
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def mailbox() -> Mailbox:
    return Mailbox(MAILDIR)


@pytest.fixture(scope="session")
async def operator_token(gateway: httpx.AsyncClient) -> str:
    """A back-office operator, created by the operator command, signed in through the gateway."""
    address = unique_email("operator")
    env = {**os.environ, "STAFF_PASSWORD": PASSWORD}
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", "operator", "--email", address,
         "--first-name", "Opé", "--last-name", "Rateur"],
        cwd=ROOT, env=env, check=True, capture_output=True, timeout=60,
    )
    r = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    assert r.status_code == 201, r.text
    return r.json()["access_token"]


@pytest.fixture(scope="session")
def registry(gateway: httpx.AsyncClient, operator_token: str) -> Registry:
    return Registry(gateway, operator_token)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="module")
def sms_provider() -> Iterator[Path]:
    """The SMS stand-in's outbox: the stack's (Procfile line sms-provider), or one started for
    the module when the stack runs without it."""
    if _listening(SMS_PORT):
        yield SMS_OUTBOX
        return
    env = {**os.environ, "SMS_OUTBOX": str(SMS_OUTBOX), "SMS_STANDIN_PORT": str(SMS_PORT)}
    process = subprocess.Popen([str(PYTHON), str(ROOT / "deploy/local/sms_provider_standin.py")], cwd=ROOT, env=env)
    try:
        deadline = time.monotonic() + 20
        while not _listening(SMS_PORT):
            assert process.poll() is None and time.monotonic() < deadline, "the SMS stand-in did not start"
            time.sleep(0.1)
        yield SMS_OUTBOX
    finally:
        process.terminate()
        process.wait(10)
