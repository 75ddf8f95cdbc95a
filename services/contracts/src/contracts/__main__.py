"""``python -m contracts api|relay|worker|migrate|seed|import``."""

from contracts import bootstrap
from ms_events.runtime import service_main


def main() -> None:
    service_main(
        settings=bootstrap.settings,
        app_factory="contracts.bootstrap:create_app",
        migrations=bootstrap.MIGRATIONS,
        worker=bootstrap.run_worker,
        commands={"seed": bootstrap.seed_command, "import": bootstrap.import_command},
    )


if __name__ == "__main__":
    main()
