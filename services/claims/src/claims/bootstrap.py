"""The only place that reads settings and wires claims's parts together."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import date, datetime
from pathlib import Path
from typing import AsyncIterator, Callable
from zoneinfo import ZoneInfo

import structlog
from fastapi import FastAPI

from claims.adapters.contracts_client import ContractsClient
from claims.adapters.documents_store import DocumentStore, LocalDocumentStore
from claims.entrypoints.http import ROUTERS
from claims.entrypoints.worker import subscriptions
from claims.settings import ClaimsSettings
from ms_events import outbox
from ms_events.runtime import run_worker as run_platform_worker
from ms_platform.app import create_app as create_platform_app
from ms_platform.service_tokens import ClientCredentials, client_credentials
from ms_platform.settings import InsecureSettingsError

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def load_settings() -> ClaimsSettings:
    return ClaimsSettings()  # type: ignore[call-arg]  (read from the environment)


def clock(cfg: ClaimsSettings) -> Callable[[], date]:
    zone = ZoneInfo(cfg.timezone)
    return lambda: datetime.now(zone).date()


def service_tokens(cfg: ClaimsSettings) -> ClientCredentials | None:
    """This service's tokens for calling contracts (ADR 0007, 0015). A deployment that gave it no
    secret still starts: its calls to contracts are then refused (401), answered as contracts unavailable."""
    try:
        return client_credentials(cfg)
    except InsecureSettingsError:
        structlog.get_logger().warning("service_tokens.no_secret", calls="contracts")
        return None


def documents_store(cfg: ClaimsSettings) -> DocumentStore:
    """The object store of supporting documents the settings name (CLAIMS_DOCUMENTS_STORE)."""
    if cfg.documents_store == "s3":
        from claims.adapters.s3_store import S3DocumentStore

        assert cfg.s3_bucket is not None  # ClaimsSettings refuses s3 without a bucket
        return S3DocumentStore(cfg.s3_bucket, region=cfg.s3_region, endpoint_url=cfg.s3_endpoint_url,
                               prefix=cfg.s3_prefix, server_side_encryption=cfg.s3_server_side_encryption,
                               kms_key_id=cfg.s3_kms_key_id, timeout_s=cfg.s3_timeout_s)
    return LocalDocumentStore(cfg.documents_dir)


def create_app(settings: ClaimsSettings | None = None) -> FastAPI:
    cfg = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tokens = service_tokens(cfg)
        app.state.contracts = ContractsClient(cfg.contracts_url, cfg.contracts_timeout_s, tokens)
        try:
            yield
        finally:
            await app.state.contracts.close()
            if tokens is not None:
                await tokens.close()

    app = create_platform_app(cfg, title="claims", routers=ROUTERS, lifespan=lifespan, description="Claims: Claims and reimbursements: statements (décomptes) from the insurer and social security, spending summaries, member-submitted claims.")
    # Published events reach the outbox in the use case's transaction.
    app.state.unit_of_work = outbox.unit_of_work
    app.state.settings = cfg
    app.state.clock = clock(cfg)
    app.state.documents_store = documents_store(cfg)
    return app


def import_command(argv: list[str]) -> None:
    """``python -m claims import <lines.json>``: statement lines from a file (entrypoints/cli.py)."""
    from claims.entrypoints.cli import import_file

    cfg = load_settings()
    import_file(argv, dsn=cfg.dsn, max_lines=cfg.max_import_lines, today=clock(cfg))


def run_worker(settings: ClaimsSettings) -> None:
    """Consume the events of entrypoints/worker.py as consumer group "claims"."""
    run_platform_worker(settings, subscriptions())
