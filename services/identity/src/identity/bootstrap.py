"""The only place that reads identity's settings and wires its adapters."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import AsyncIterator

from fastapi import FastAPI

from identity.adapters.contracts_client import ContractsClient
from identity.adapters.hashing import PasswordHashing
from identity.adapters.secret_box import SecretBox
from identity.adapters.session_cache import SessionCache
from identity.adapters.service_clients import ServiceClients
from identity.adapters.tokens import KeyRing, LocalServiceTokens, TokenIssuer
from identity.app.handlers import Services
from identity.domain.passwords import PasswordPolicy
from identity.domain.throttling import ThrottlePolicy
from identity.entrypoints.http import ROUTERS
from identity.adapters.personal_data import PersonalDataClients
from identity.settings import IdentitySettings
from ms_events import outbox
from ms_platform.app import create_app as create_service_app
from ms_platform.auth import TokenVerifier


MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@lru_cache
def load_settings() -> IdentitySettings:
    return IdentitySettings()  # type: ignore[call-arg]


settings = load_settings  # what ``python -m identity`` and the tests call


def policy(s: IdentitySettings) -> PasswordPolicy:
    return PasswordPolicy(
        min_length=s.password_min_length, require_upper=s.password_require_upper,
        require_lower=s.password_require_lower, require_digit=s.password_require_digit,
        require_special=s.password_require_special,
    )


def totp_box(s: IdentitySettings) -> SecretBox | None:
    """Seals TOTP secrets; without keys (local tools that never touch 2FA) there is none."""
    return SecretBox.from_setting(s.totp_keys.get_secret_value()) if s.totp_keys else None


def keyring(s: IdentitySettings) -> KeyRing:
    if s.jwt_key_dir is None:
        raise RuntimeError("IDENTITY_JWT_KEY_DIR is not set: identity's API signs tokens with the keys there")
    return KeyRing.from_directory(s.jwt_key_dir)


@asynccontextmanager
async def services(s: IdentitySettings, pool) -> AsyncIterator[Services]:
    ring = keyring(s)
    issuer = TokenIssuer(ring, s.jwt_issuer, s.token_audiences, s.access_token_ttl_s)
    hashing = PasswordHashing(s.argon2_time_cost, s.argon2_memory_kib, s.argon2_parallelism, s.hashing_threads,
                              s.hashing_niceness)
    own_tokens = LocalServiceTokens(issuer)
    contracts = ContractsClient(s.contracts_url, s.contracts_timeout_s, own_tokens)
    personal_data = PersonalDataClients(dict(s.personal_data_urls), s.personal_data_timeout_s, own_tokens)
    try:
        yield Services(
            uow=outbox.unit_of_work(pool), hashing=hashing, contracts=contracts, issuer=issuer, policy=policy(s),
            contract_number_pattern=s.contract_number_pattern,
            confirmation_ttl_hours=s.confirmation_ttl_hours,
            refresh_ttl=timedelta(days=s.refresh_token_ttl_days),
            throttle=ThrottlePolicy(s.throttle_per_identifier_per_hour, s.throttle_per_address_per_15_min),
            reset_ttl=timedelta(minutes=s.password_reset_ttl_minutes),
            personal_data=personal_data,
            totp_box=totp_box(s),
            invitation_ttl=timedelta(hours=s.invitation_ttl_hours),
        )
    finally:
        await personal_data.close()
        await contracts.close()
        hashing.close()


def service_clients(s: IdentitySettings) -> ServiceClients:
    """Who may ask for service tokens (ADR 0007); the development secrets in local/test when unset."""
    if not s.service_clients and s.is_development:
        return ServiceClients.development(s.token_audiences)
    return ServiceClients(dict(s.service_clients))


def create_app(settings: IdentitySettings | None = None) -> FastAPI:
    s = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with services(s, app.state.pool) as svc:
            app.state.services = svc
            app.state.keyring = keyring(s)
            app.state.service_clients = service_clients(s)
            # Identity verifies its own tokens with its own keys, no HTTP round trip.
            app.state.token_verifier = TokenVerifier(
                s.jwks_url, "identity", s.jwt_issuer, keys=app.state.keyring.public_keys(),
                revocations_url=None,  # identity checks the session itself, in its database
            )
            async with SessionCache(s.dsn) as app.state.session_cache:
                yield

    return create_service_app(
        s, title="identity", routers=ROUTERS, audience="identity", lifespan=lifespan,
        description="Accounts, sign-in, sessions and privacy of the member space.",
    )


def build_handlers(s: IdentitySettings) -> timedelta:
    """What the worker's handlers need from the settings: the activation's lifetime (ID-13)."""
    return timedelta(days=s.activation_ttl_days)


def run_worker(s: IdentitySettings) -> None:
    """Consume the events of ``entrypoints.worker`` as consumer group "identity" (ID-13)."""
    from identity.entrypoints.worker import subscriptions
    from ms_events import runtime

    runtime.run_worker(s, subscriptions(build_handlers(s)))
