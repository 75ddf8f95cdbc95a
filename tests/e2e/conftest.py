"""Journeys through the gateway on the running local stack (make up), reading real mail."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import AsyncIterator, Iterator

import httpx
import jwt
import pytest

from e2e_support import GATEWAY, MAILDIR, PASSWORD, PYTHON, ROOT, SMS_OUTBOX, SMS_PORT, Mailbox, Registry, unique_email


class TokenRenewal:
    """The session's tokens outlive an access token (15 min): e2e and audit run for longer in one
    session, and their members, operators and firms are made once. A token this client got from
    ``POST /v1/sessions`` is swapped, on its way out, for a fresh one of the same account once it
    has less than ``E2E_TOKEN_RENEW_BEFORE_S`` (120) seconds left. A token a test forged, made
    expired on purpose or got elsewhere was never issued here and goes out as it is; so does a
    live one (a signed-out or deleted account's token is still refused)."""

    def __init__(self) -> None:
        self.before = float(os.environ.get("E2E_TOKEN_RENEW_BEFORE_S", "120"))
        self.credentials: dict[str, tuple[str, str]] = {}  # first token -> identifier, password
        self.current: dict[str, str] = {}  # first token -> the one to send now
        self.first: dict[str, str] = {}  # any token issued -> the first of its account

    async def on_response(self, response: httpx.Response) -> None:
        request = response.request
        if request.method != "POST" or request.url.path != "/v1/sessions" or response.status_code != 201:
            return
        await response.aread()
        try:
            sent, token = json.loads(request.content), response.json()["access_token"]
            self.credentials[token] = (sent["identifier"], sent["password"])
        except (ValueError, KeyError, TypeError):
            return  # a second factor is due, or not a password sign-in

    def remember(self, token: str, identifier: str, password: str) -> None:
        """A token signed in for by another client, to renew like the ones seen here."""
        self.credentials[token] = (identifier, password)

    async def on_request(self, request: httpx.Request) -> None:
        authorization = request.headers.get("authorization", "")
        if not authorization.startswith("Bearer "):
            return
        current = await self.fresh(authorization[7:])
        if current != authorization[7:]:
            request.headers["authorization"] = f"Bearer {current}"

    async def fresh(self, token: str) -> str:
        """The token to send now for ``token`` (itself unless it was issued here and is ending)."""
        first = self.first.get(token, token)
        if first not in self.credentials:
            return token
        current = self.current.get(first, first)
        if _expires_at(current) - time.time() < self.before:
            identifier, password = self.credentials[first]
            async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
                r = await client.post("/v1/sessions", json={"identifier": identifier, "password": password})
            fresh = r.json().get("access_token") if r.status_code == 201 else None
            if fresh:
                self.current[first], self.first[fresh] = fresh, first
                current = fresh
        return current


def _expires_at(token: str) -> float:
    try:
        return float(jwt.decode(token, options={"verify_signature": False})["exp"])
    except (jwt.PyJWTError, KeyError, TypeError, ValueError):
        return float("inf")


@pytest.fixture(scope="session")
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    renewal = TokenRenewal()
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30,
                                 event_hooks={"request": [renewal.on_request], "response": [renewal.on_response]}) as client:
        client.token_renewal = renewal  # for tokens sent by another client (schemathesis)
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
