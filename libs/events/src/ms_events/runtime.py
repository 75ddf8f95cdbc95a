"""Process entry points every service shares: the relay and the worker, with clean shutdown."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path
from typing import Awaitable, Callable

import structlog
import uvloop

from ms_events.consumer import ConsumerRunner, Handler
from ms_events.catalogue import Event
from ms_events.kafka import KafkaConfig, instrument_kafka
from ms_events.relay import Relay, options_from_env
from ms_platform.db import create_pool
from ms_platform.metrics import track_pool
from ms_platform.probe import Liveness, serve_probe
from ms_platform.observability import configure_logging, configure_tracing
from ms_platform.settings import ServiceSettings

log = structlog.get_logger()


def kafka_config(settings: ServiceSettings, role: str) -> KafkaConfig:
    return KafkaConfig(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-{role}",
        security_protocol=settings.kafka_security_protocol,
        sasl_mechanism=settings.kafka_sasl_mechanism,
        sasl_username=settings.kafka_sasl_username,
        sasl_password=settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None,
    )


def probe_tasks(settings: ServiceSettings, liveness: Liveness, stop: asyncio.Event) -> list[Awaitable[None]]:
    """The /health/live and /metrics server, where this deployment asks for one (probe_port)."""
    if settings.probe_port is None:
        return []
    return [serve_probe(liveness, settings.probe_host, settings.probe_port, stop)]


def _run(main: Callable[[asyncio.Event], Awaitable[None]]) -> None:
    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await main(stop)

    # libuv's event loop, as the API processes have through uvicorn: the worker and the relay
    # spend most of their time in the loop itself (sockets to Kafka, PostgreSQL and SMTP).
    uvloop.run(runner())


def run_relay(settings: ServiceSettings) -> None:
    """Publish this service's outbox until SIGTERM."""
    configure_logging(settings.service_name, settings.log_level, process="relay")
    if configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint, process="relay"):
        instrument_kafka()
    liveness = Liveness(settings.probe_max_silence_s)
    relay = Relay(settings.dsn, kafka_config(settings, "relay"), options_from_env(settings.is_development),
                  service=settings.service_name, liveness=liveness)

    async def main(stop: asyncio.Event) -> None:
        await asyncio.gather(relay.run(stop), *probe_tasks(settings, liveness, stop))

    _run(main)


def run_worker(
    settings: ServiceSettings,
    handlers: dict[type[Event], Handler],
    extra_tasks: Callable[[object, asyncio.Event], list[Awaitable[None]]] | None = None,
) -> None:
    """Consume the events ``handlers`` subscribe to, as consumer group ``<service>``."""
    configure_logging(settings.service_name, settings.log_level, process="worker")
    if configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint, process="worker"):
        instrument_kafka()

    liveness = Liveness(settings.probe_max_silence_s)

    async def main(stop: asyncio.Event) -> None:
        pool = await create_pool(settings.dsn, min_size=1, max_size=settings.db_pool_max)
        untrack = track_pool(pool, settings.service_name, "worker")
        try:
            runner = ConsumerRunner(settings.service_name, pool, kafka_config(settings, "worker"), handlers,
                                    liveness=liveness)
            tasks = [runner.run(stop), *probe_tasks(settings, liveness, stop),
                     *(extra_tasks(pool, stop) if extra_tasks else [])]
            await asyncio.gather(*tasks)
        finally:
            untrack()
            await pool.close()

    _run(main)


def run_process(
    settings: ServiceSettings,
    process: str,
    tasks: Callable[[object, Liveness, asyncio.Event], list[Awaitable[None]]],
) -> None:
    """A process of a service's own kind (webhooks' dispatcher) until SIGTERM: its logs and
    traces, a database pool, the probe (/health/live, /metrics) and ``tasks(pool, liveness, stop)``."""
    configure_logging(settings.service_name, settings.log_level, process=process)
    configure_tracing(settings.service_name, settings.otel_exporter_otlp_endpoint, process=process)
    liveness = Liveness(settings.probe_max_silence_s)

    async def main(stop: asyncio.Event) -> None:
        pool = await create_pool(settings.dsn, min_size=1, max_size=settings.db_pool_max)
        untrack = track_pool(pool, settings.service_name, process)
        try:
            await asyncio.gather(*tasks(pool, liveness, stop), *probe_tasks(settings, liveness, stop))
        finally:
            untrack()
            await pool.close()

    _run(main)


def service_main(
    *,
    settings: Callable[[], ServiceSettings],
    app_factory: str,
    migrations: Path,
    worker: Callable[[ServiceSettings], None] | None = None,
    commands: dict[str, Callable[[list[str]], None]] | None = None,
) -> None:
    """``python -m <service> api|relay|worker|migrate|<command>``: the same verbs everywhere."""
    import sys

    from ms_platform.app import run_api
    from ms_platform.migrate import upgrade

    verbs: dict[str, Callable[[list[str]], None]] = {
        "api": lambda _: run_api(app_factory, settings()),
        "relay": lambda _: run_relay(settings()),
        "migrate": lambda _: upgrade(migrations, settings().dsn),
    }
    if worker is not None:
        verbs["worker"] = lambda _: worker(settings())
    verbs.update(commands or {})
    if len(sys.argv) < 2 or sys.argv[1] not in verbs:
        print(f"usage: python -m {app_factory.split('.')[0]} {{{'|'.join(verbs)}}} [args]", file=sys.stderr)
        raise SystemExit(2)
    verbs[sys.argv[1]](sys.argv[2:])
