"""Alembic environment: the platform configures it (see ms_platform.migrate)."""

from ms_platform.migrate import run_env

run_env()
