"""``python -m claims api|relay|worker|migrate|import``."""

from claims import bootstrap
from ms_events.runtime import service_main


def main() -> None:
    service_main(
        settings=bootstrap.load_settings,
        app_factory="claims.bootstrap:create_app",
        migrations=bootstrap.MIGRATIONS,
        worker=bootstrap.run_worker,
        commands={"import": bootstrap.import_command},
    )


if __name__ == "__main__":
    main()
