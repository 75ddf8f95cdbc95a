"""What a declaration says its worker consumes is what the worker's code subscribes to."""

from __future__ import annotations

import importlib
import inspect

import pytest

from ms_deploy import declaration

PLATFORM = declaration.load()


def subscribed_topics(name: str, monkeypatch) -> set[str]:
    monkeypatch.setenv("MS_ENVIRONMENT", "test")
    monkeypatch.setenv(f"{name.upper()}_DATABASE_URL", "postgresql://u:p@127.0.0.1:5432/d")
    worker = importlib.import_module(f"{name}.entrypoints.worker")
    args = []
    if inspect.signature(worker.subscriptions).parameters:
        # Handlers that need wiring (templates, brand) come from the service's bootstrap.
        bootstrap = importlib.import_module(f"{name}.bootstrap")
        settings = importlib.import_module(f"{name}.settings")
        cls = next(v for k, v in vars(settings).items() if k.endswith("Settings") and k != "ServiceSettings")
        args = [bootstrap.build_handlers(cls())]
    return {event.meta().topic for event in worker.subscriptions(*args)}


@pytest.mark.parametrize("svc", [s for s in PLATFORM.services if "worker" in s.processes], ids=lambda s: s.name)
def test_the_declared_topics_are_the_ones_the_worker_subscribes_to(svc, monkeypatch):
    assert set(svc.consumes) == subscribed_topics(svc.name, monkeypatch)
