"""``python -m notify api|relay|worker|migrate``."""

from ms_events.runtime import service_main

from notify import bootstrap


def main() -> None:
    service_main(
        settings=bootstrap.settings,
        app_factory="notify.bootstrap:create_app",
        migrations=bootstrap.MIGRATIONS,
        worker=bootstrap.run_worker,
    )


if __name__ == "__main__":
    main()
