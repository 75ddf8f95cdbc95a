"""``python -m identity api|relay|worker|migrate|create-staff``."""

from identity import bootstrap
from identity.entrypoints.cli import create_staff
from ms_events.runtime import service_main


def main() -> None:
    service_main(
        settings=bootstrap.settings,
        app_factory="identity.bootstrap:create_app",
        migrations=bootstrap.MIGRATIONS,
        worker=bootstrap.run_worker,
        commands={"create-staff": create_staff},
    )


if __name__ == "__main__":
    main()
