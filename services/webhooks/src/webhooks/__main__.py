"""``python -m webhooks api|relay|worker|dispatcher|migrate``."""

from ms_events.runtime import service_main

from webhooks import bootstrap


def main() -> None:
    service_main(
        settings=bootstrap.load_settings,
        app_factory="webhooks.bootstrap:create_app",
        migrations=bootstrap.MIGRATIONS,
        worker=bootstrap.run_worker,
        commands={"dispatcher": lambda _args: bootstrap.run_dispatcher(bootstrap.load_settings())},
    )


if __name__ == "__main__":
    main()
