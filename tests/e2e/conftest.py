"""Journeys through the gateway on the running local stack (make up), reading real mail."""

from __future__ import annotations

import os
import subprocess
from typing import AsyncIterator

import httpx
import pytest

from e2e_support import GATEWAY, MAILDIR, PASSWORD, PYTHON, ROOT, Mailbox, Registry, unique_email


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


