"""``python -m contracts api|relay|worker|migrate|seed|import``."""

from contracts import bootstrap
from ms_events.runtime import service_main

if __name__ == "__main__":
    service_main(
        settings=bootstrap.settings,
        app_factory="contracts.bootstrap:create_app",
        migrations=bootstrap.MIGRATIONS,
        worker=bootstrap.worker,
        commands={"seed": bootstrap.seed_command, "import": bootstrap.import_command},
    )
