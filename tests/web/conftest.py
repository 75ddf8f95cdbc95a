"""The web client in a real browser: Playwright (PyPI) drives Debian's Chromium through the
gateway of the running local stack (make up), reading real mail in var/mail/ (ADR 0014)."""

from __future__ import annotations

import os
import subprocess
from typing import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from e2e_support import GATEWAY, MAILDIR, PASSWORD, PYTHON, ROOT, Mailbox, Registry, unique_email

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "var" / "screenshots"
# WCAG 2.1 A and AA, the level the issue asks for.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
async def api() -> AsyncIterator[httpx.AsyncClient]:
    """The public API through the gateway, for what a test prepares or checks outside the browser."""
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def mailbox() -> Mailbox:
    return Mailbox(MAILDIR)


@pytest.fixture(scope="session")
async def registry(api: httpx.AsyncClient) -> Registry:
    """Contracts the tests import for themselves (never the demo people), as a back-office operator.
    The token is used once per test module at most, well within its 15 minutes."""
    address = unique_email("web-operator")
    subprocess.run(
        [str(PYTHON), "-m", "identity", "create-staff", "--kind", "operator", "--email", address,
         "--first-name", "Opé", "--last-name", "Rateur"],
        cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True, timeout=60)
    return _RenewingRegistry(api, address)


class _RenewingRegistry(Registry):
    """Signs the operator in again before each import (the web session may outlive a token)."""

    def __init__(self, api: httpx.AsyncClient, address: str) -> None:
        super().__init__(api, "")
        self.address = address

    async def operator(self) -> dict[str, str]:
        """The operator's Authorization header, from a sign-in of its own."""
        r = await self.gateway.post("/v1/sessions", json={"identifier": self.address, "password": PASSWORD})
        assert r.status_code == 201, r.text
        self.token = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.token}"}

    async def register(self, count: int = 1, *, in_force: bool = True) -> list[dict]:
        await self.operator()
        return await super().register(count, in_force=in_force)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        await browser.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh phone-sized tab (no session of another test), French, with the gateway as base URL."""
    context: BrowserContext = await browser.new_context(base_url=GATEWAY, viewport=PHONE, locale="fr-FR")
    page = await context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    page.script_errors = errors  # type: ignore[attr-defined]
    yield page
    await context.close()
    assert not errors, errors  # no script error and no Content-Security-Policy refusal on any page


@pytest.fixture(scope="session")
def review():
    """The check every page passes (_review), for the tests to call on each page they reach."""
    return _review


async def _review(page: Page, name: str) -> None:
    """What every page must pass: axe-core finds no WCAG 2.1 A/AA violation, nothing is wider than
    a phone's screen; a screenshot is kept in var/screenshots/<name>.png for review."""
    await page.wait_for_load_state("networkidle")
    # Evaluated through the DevTools protocol: the page's CSP (scripts from 'self' only) stays on.
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_TAGS)
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert violations == [], (name, violations)
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (name, "wider than the screen by", overflow)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
