"""``python -m notify api|relay|worker|migrate``."""

from pathlib import Path

from ms_events.runtime import service_main

from notify.bootstrap import run_notify_worker
from notify.settings import NotifySettings

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


def main() -> None:
    service_main(
        settings=NotifySettings,
        app_factory="notify.bootstrap:create_app",
        migrations=MIGRATIONS,
        worker=run_notify_worker,
    )


if __name__ == "__main__":
    main()
