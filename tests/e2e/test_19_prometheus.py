"""The local Prometheus scrapes every process of every declared service and holds the platform's rules."""

from __future__ import annotations

import json
import os

import httpx
import pytest
import yaml

from e2e_support import ROOT, wait_until
from ms_deploy import declaration

pytestmark = pytest.mark.e2e

PROMETHEUS = os.environ.get("PROMETHEUS_URL", "http://127.0.0.1:9090")
PLATFORM = declaration.load()
PROCESSES = [f"{s.name}-{kind}" for s in PLATFORM.services for kind in s.processes]


async def _api(path: str, **params) -> dict:
    async with httpx.AsyncClient(base_url=PROMETHEUS, timeout=10) as client:
        response = await client.get(path, params=params)
    body = response.json()
    assert body["status"] == "success", body
    return body["data"]


async def _query(expr: str) -> list[dict]:
    return (await _api("/api/v1/query", query=expr))["result"]


async def test_every_process_of_every_declared_service_is_scraped_and_up():
    async def all_up():
        targets = (await _api("/api/v1/targets"))["activeTargets"]
        health = {t["labels"]["job"]: t["health"] for t in targets}
        return health if all(health.get(p) == "up" for p in PROCESSES) else None

    health = await wait_until(all_up, timeout=60, what="every process up in Prometheus")
    assert set(PROCESSES) <= set(health)


async def test_a_request_through_the_gateway_shows_in_its_services_red_series(gateway):
    assert (await gateway.get("/v1/me")).status_code == 401

    async def counted():
        return await _query('sum(http_requests_total{service="identity",route="/v1/me",status="401"})')

    [sample] = await wait_until(counted, timeout=30, what="identity's /v1/me 401 in Prometheus")
    assert float(sample["value"][1]) >= 1


async def test_every_consumer_group_reports_its_lag_and_every_relay_its_backlog():
    groups = {s.name for s in PLATFORM.services if "worker" in s.processes}
    relays = {s.name for s in PLATFORM.services if "relay" in s.processes}

    async def reported():
        lag = {r["metric"]["group"] for r in await _query("consumer_lag")}
        backlog = {r["metric"]["service"] for r in await _query("outbox_backlog")}
        return (lag, backlog) if groups <= lag and relays <= backlog else None

    await wait_until(reported, timeout=60, what="lag of every group and backlog of every relay")


async def test_the_platforms_rules_are_loaded_and_evaluate_without_error():
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "rules.yml").read_text())
    expected = {r.get("alert") or r.get("record") for g in rules["groups"] for r in g["rules"]}

    async def loaded():
        groups = (await _api("/api/v1/rules"))["groups"]
        found = {r["name"]: r.get("health") for g in groups for r in g["rules"]}
        return found if expected <= set(found) and all(found[n] == "ok" for n in expected) else None

    await wait_until(loaded, timeout=60, what="every rule loaded and healthy")


async def test_every_dashboard_query_is_valid_promql():
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "memberspace-overview.json").read_text())
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            await _query(target["expr"])  # a parse error is a status "error"


async def test_a_dead_lettered_message_raises_the_dead_letters_alert_for_each_consumer_group():
    import uuid

    from aiokafka import AIOKafkaProducer

    from e2e_support import kafka_options

    producer = AIOKafkaProducer(**kafka_options(), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait("identity.account.v1", key=str(uuid.uuid4()).encode(), value=b'{"broken": ')
    finally:
        await producer.stop()
    groups = {s.name for s in PLATFORM.services if "identity.account.v1" in s.consumes}

    async def firing():
        alerts = (await _api("/api/v1/alerts"))["alerts"]
        raised = {a["labels"]["group"] for a in alerts if a["labels"]["alertname"] == "DeadLettersNotEmpty"
                  and a["labels"].get("topic") == "identity.account.v1" and a["state"] == "firing"}
        return raised if groups <= raised else None

    await wait_until(firing, timeout=90, what="DeadLettersNotEmpty firing for every group of identity.account.v1")
