"""Versioned migrations with Alembic, applied by a one-shot step before a service starts.

Each service keeps its revisions in ``services/<name>/migrations/versions``; this module
configures Alembic programmatically so no service repeats an ``alembic.ini``.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from alembic import command
from alembic.config import Config

log = structlog.get_logger()


def alembic_config(migrations_dir: Path, dsn: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir))
    # Alembic talks to PostgreSQL synchronously through psycopg 3.
    url = dsn.replace("postgresql://", "postgresql+psycopg://", 1).replace("%", "%%")
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(migrations_dir: Path, dsn: str, revision: str = "head") -> None:
    """Apply every migration up to ``revision``; harmless when already applied."""
    command.upgrade(alembic_config(migrations_dir, dsn), revision)
    log.info("migrations.applied", directory=str(migrations_dir), revision=revision)


def run_env() -> None:
    """Body of each service's ``migrations/env.py`` (online mode only)."""
    from alembic import context
    from sqlalchemy import engine_from_config, pool

    config = context.config
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
