"""Fixtures for contracts integration tests: the real app on the local PostgreSQL.

Tokens are signed with a key generated here and trusted by the app's verifier, so the
tests exercise the real role and ownership checks without a running identity service.
Each test uses its own contract numbers and people; nothing is wiped.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any, AsyncIterator

import asyncpg
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from contracts import bootstrap
from ms_platform.auth import TokenVerifier
from ms_platform.migrate import upgrade

KID = "contracts-tests"
PRODUCT_SANTE = "IT-SANTE"
PRODUCT_PREVOYANCE = "IT-PREVOYANCE"


@pytest.fixture(scope="session")
def settings():
    return bootstrap.settings()


@pytest.fixture(scope="session")
def signing_key():
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
async def app(settings, signing_key) -> AsyncIterator[Any]:
    upgrade(bootstrap.MIGRATIONS, settings.dsn)
    application = bootstrap.create_app(settings)
    async with application.router.lifespan_context(application):
        application.state.token_verifier = TokenVerifier(
            settings.jwks_url, "contracts", settings.jwt_issuer, keys={KID: signing_key.public_key()}
        )
        yield application


@pytest.fixture(scope="session")
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://contracts.test") as c:
        yield c


@pytest.fixture(scope="session")
def pool(app) -> asyncpg.Pool:
    return app.state.pool


@pytest.fixture(scope="session")
def token(settings, signing_key):
    def make(
        *roles: str,
        person_id: uuid.UUID | None = None,
        audience: str = "contracts",
        categories: tuple[str, ...] = ("sante", "prevoyance", "retraite"),
        linked: tuple[uuid.UUID | str, ...] = (),
        company_siren: str | None = None,
    ) -> dict[str, str]:
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": str(uuid.uuid4()),
            "roles": list(roles),
            "jti": uuid.uuid4().hex,
            "aud": audience,
            "iss": settings.jwt_issuer,
            "iat": now,
            "exp": now + 300,
        }
        if person_id is not None:
            claims["person_id"] = str(person_id)
            claims["categories"] = list(categories)
        if linked:
            claims["linked_person_ids"] = [str(p) for p in linked]
        if company_siren is not None:
            claims["company_siren"] = company_siren
        encoded = jwt.encode(claims, signing_key, algorithm="ES256", headers={"kid": KID})
        return {"Authorization": f"Bearer {encoded}"}

    return make


PRODUCT_SANTE_PLUS = "IT-SANTE-PLUS"


def _guarantee(code: str, care_type: str = "consultation_gp", rate: int = 100) -> dict[str, Any]:
    return {
        "code": code, "label": f"Garantie {code}", "care_type": care_type,
        "rule_type": "pct_br_incl_ss", "rate_pct": rate, "amount_eur": None, "period": "per_act",
    }


def _forfait(code: str, care_type: str, amount: str, period: str) -> dict[str, Any]:
    return {
        "code": code, "label": f"Forfait {code}", "care_type": care_type,
        "rule_type": "forfait", "rate_pct": None, "amount_eur": amount, "period": period,
    }


PRODUCTS = [
    {"code": PRODUCT_SANTE, "name": "Santé (tests)", "category": "sante",
     "contribution_formula": None, "guarantees": [
         _guarantee("CONSULT-GP"), _forfait("OPTIQUE", "optics_glasses", "100.00", "per_2_years")]},
    {"code": PRODUCT_SANTE_PLUS, "name": "Santé Plus (tests)", "category": "sante",
     "contribution_formula": "family", "guarantees": [
         _guarantee("CONSULT-GP", rate=200), _forfait("OPTIQUE", "optics_glasses", "300.00", "per_2_years")]},
    {"code": PRODUCT_PREVOYANCE, "name": "Prévoyance (tests)", "category": "prevoyance",
     "contribution_formula": None, "guarantees": []},
]


@pytest.fixture
async def free_numbers(pool):
    """Random contract numbers (6 digits) that no stored contract uses yet."""

    async def take(count: int = 1) -> list[str]:
        numbers: list[str] = []
        while len(numbers) < count:
            candidate = f"{random.randint(0, 999_999):06d}"
            used = await pool.fetchval("select 1 from contract where contract_number = $1", candidate)
            if not used and candidate not in numbers:
                numbers.append(candidate)
        return numbers

    return take


def unique_name(prefix: str) -> str:
    """A name nobody else uses, in letters only (names accept no digits): "Essai-kdpqbmzawe"."""
    return f"{prefix}-" + "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(10))


@pytest.fixture
def person():
    """A person nobody else uses: a unique last name."""

    def make(first_name: str = "Claire", birth_date: str = "1984-03-12") -> dict[str, str]:
        return {"last_name": unique_name("Essai"), "first_name": first_name, "birth_date": birth_date}

    return make


def member_line(number: str, holder: dict[str, str], **changes: Any) -> dict[str, Any]:
    line = {
        **holder,
        "contract_number": number,
        "member_number": f"{random.randint(0, 9_999_999):07d}",
        "category": "sante",
        "product_code": PRODUCT_SANTE,
        "start_date": "2024-01-01",
        "end_date": None,
        "city": "Lyon",
        "beneficiaries": [],
    }
    line.update(changes)
    return line


@pytest.fixture
def run_import(pool, app):
    """Import through the application's handler (the code behind the CLI and the HTTP route)."""
    from contracts.app.handlers import import_reference_data
    from contracts.domain.imports import ProductLine

    async def run(members: list[Any]) -> dict[str, Any]:
        products = [ProductLine.model_validate(p) for p in PRODUCTS]
        report = await import_reference_data(pool, products, members, app.state.import_rules, app.state.clock())
        return report.as_dict()

    return run


@pytest.fixture
def line():
    """Builds a valid member line (santé, in force since 2024) for a contract number and holder."""
    return member_line


@pytest.fixture
def products():
    """The two test products (santé and prévoyance), in the shape of products.json."""
    return PRODUCTS
