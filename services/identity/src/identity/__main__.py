"""python -m identity api|relay|migrate|create-staff"""

from pathlib import Path

from identity.bootstrap import settings
from identity.entrypoints.cli import create_staff
from ms_events.runtime import service_main

service_main(
    settings=settings,
    app_factory="identity.bootstrap:create_app",
    migrations=Path(__file__).resolve().parents[2] / "migrations",
    commands={"create-staff": create_staff},
)
