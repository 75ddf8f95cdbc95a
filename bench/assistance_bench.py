"""Benchmark of the assistance service, against baselines measured in the same run.

    .venv/bin/python bench/assistance_bench.py        (the local stack must be up: make up)

(a) the bare FastAPI hello behind the same nginx (bench/run.py's baseline), (b) the catalogue read
for a member (GET /v1/assistance/eligible-services?event=hospitalisation: the contract from the
projection, its product's guarantees) through the gateway, (c) full validations through the
gateway (POST …/validate on prepared drafts with a selection: quota re-check under the row lock,
the request's update and AssistanceRequested in the outbox, one transaction); (d) milliseconds
from a validation's 201 to the case-number SMS at the stand-in (outbox → relay → Kafka → the
case-opening worker → outbox → relay → Kafka → notify → SMS provider), next to (e) raw Kafka
produce→consume. Targets: (b)/(a) >= 0.35, (c)/(a) >= 0.15. Results:
bench/results/assistance-<stamp>.json and bench/results/assistance-latest.md.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (GATEWAY, ROOT, WRK_CONNECTIONS, WRK_SECONDS, operator_registry, raw_kafka_latency, save,  # noqa: E402
                 start_hello, summary, wrk)

from e2e_support import MAILDIR, SMS_OUTBOX, Mailbox, sign_up_and_confirm, unique_email  # noqa: E402

READ_TARGET = 0.35
VALIDATION_TARGET = 0.15
SCRIPT = ROOT / "bench" / "assistance_validate.lua"
DRAFTS = int(os.environ.get("BENCH_ASSISTANCE_DRAFTS", "1500"))
SMS_SAMPLES = int(os.environ.get("BENCH_ASSISTANCE_SMS_SAMPLES", "40"))


async def member(client: httpx.AsyncClient) -> tuple[dict, str]:
    """A member holding a Santé Optimum contract (assistance guarantees), signed in, with a home address."""
    registry = await operator_registry(client)
    [person] = await registry._fresh_members(1, True)
    person["product_code"] = "SANTE-OPTIMUM"
    r = await client.post("/v1/contract-imports", json={"members": [person]},
                          headers={"Authorization": f"Bearer {registry.token}"})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    token = await sign_up_and_confirm(client, Mailbox(MAILDIR), person, unique_email("bench-assistance"))
    auth = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 60
    while (await client.get("/v1/assistance/eligible-services", params={"event": "hospitalisation"},
                            headers=auth)).status_code != 200:
        assert time.monotonic() < deadline, "the contract never reached assistance's projection"
        await asyncio.sleep(0.5)
    r = await client.post("/v1/assistance/addresses", headers=auth, json={
        "label": "Maison", "street_number": "4", "street": "place Bellecour", "postcode": "69002", "city": "Lyon"})
    assert r.status_code == 201, r.text
    return auth, r.json()["id"]


async def draft(client: httpx.AsyncClient, auth: dict, home: str, n: int) -> str:
    """A draft with one hour of home help; each (event, date) takes 20 validated hours (Optimum), and
    home help comes at the latest 30 days after the event: dates from 25 days ago to 25 days ahead."""
    event = ("hospitalisation", "immobilisation")[n % 2]
    event_date = (date.today() + timedelta(days=(n // 2) // 15 % 51 - 25)).isoformat()
    r = await client.post("/v1/assistance/requests", headers=auth, json={
        "event": event, "event_date": event_date, "duration_days": 10})
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]
    r = await client.put(f"/v1/assistance/requests/{request_id}/selections", headers=auth, json={"selections": [
        {"service": "home_help", "day": (date.today() + timedelta(days=3)).isoformat(), "slot": "10:00-12:00",
         "quantity": 1, "address_id": home}]})
    assert r.status_code == 200, r.text
    return request_id


async def drafts(client: httpx.AsyncClient, auth: dict, home: str, count: int) -> list[str]:
    out: list[str] = []
    sem = asyncio.Semaphore(8)

    async def one(n: int) -> None:
        async with sem:
            out.append(await draft(client, auth, home, n))

    await asyncio.gather(*(one(n) for n in range(count)))
    return out


async def validation_to_sms(client: httpx.AsyncClient, auth: dict, home: str) -> list[float]:
    samples = []
    for n in range(SMS_SAMPLES):
        request_id = await draft(client, auth, home, 10_000 + n)
        phone = "061" + str(uuid.uuid4().int)[:7]  # 06 1x: always a valid French mobile
        r = await client.post(f"/v1/assistance/requests/{request_id}/validate", headers=auth, json={"phone": phone})
        answered = time.time()
        assert r.status_code == 201, r.text
        samples.append((await sms_arrival("+33" + phone[1:]) - answered) * 1000)
    return samples


async def sms_arrival(number: str, timeout: float = 60) -> float:
    deadline = time.monotonic() + timeout
    seen: set[Path] = set()
    while time.monotonic() < deadline:
        for path in SMS_OUTBOX.glob("*.json"):
            if path in seen:
                continue
            seen.add(path)
            if json.loads(path.read_text())["to"] == number:
                return path.stat().st_mtime
        await asyncio.sleep(0.005)
    raise TimeoutError(number)


async def main() -> dict:
    results: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                     "settings": {"wrk_seconds": WRK_SECONDS, "wrk_connections": WRK_CONNECTIONS, "drafts": DRAFTS,
                                  "sms_samples": SMS_SAMPLES}}
    hello = start_hello()
    try:
        async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
            auth, home = await member(client)
            ids = await drafts(client, auth, home, DRAFTS)
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
                f.write("\n".join(ids) + "\n")
            os.environ["ASSISTANCE_DRAFTS"] = f.name
            results["a_hello_via_gateway"] = wrk("/bench/hello")
            results["b_catalogue_via_gateway"] = wrk("/v1/assistance/eligible-services?event=hospitalisation", auth)
            results["c_validations_via_gateway"] = wrk("/v1/assistance/requests", auth, SCRIPT)
            os.unlink(f.name)
            results["d_validation_to_sms"] = summary(await validation_to_sms(client, auth, home))
        results["e_raw_kafka"] = summary(await raw_kafka_latency())
    finally:
        hello.terminate()
        hello.wait()
    c_run = results["c_validations_via_gateway"]
    # Only 2xx answers are validations: once the drafts run out, wrk's 409s must not count.
    c_run["validated_per_s"] = round(max(c_run["rps"] - c_run["non_2xx"] / WRK_SECONDS, 0.0), 1)
    a, b = (results[k]["rps"] for k in ("a_hello_via_gateway", "b_catalogue_via_gateway"))
    c = c_run["validated_per_s"]
    results["verdict"] = {
        "catalogue_over_hello": round(b / a, 3), "catalogue_target": READ_TARGET, "catalogue_met": b / a >= READ_TARGET,
        "validations_over_hello": round(c / a, 3), "validation_target": VALIDATION_TARGET,
        "validations_met": c / a >= VALIDATION_TARGET,
        "validations_ran_out_of_drafts": results["c_validations_via_gateway"]["non_2xx"] > 0}
    return results


def markdown(r: dict) -> str:
    a, b, c = r["a_hello_via_gateway"], r["b_catalogue_via_gateway"], r["c_validations_via_gateway"]
    d, e, v = r["d_validation_to_sms"], r["e_raw_kafka"], r["verdict"]

    def row(label: str, m: dict) -> str:
        return f"| {label} | {m['rps']:.0f} | {m['p50_ms']} | {m['p99_ms']} | {m['non_2xx']} |"

    return "\n".join([
        f"# Assistance benchmark — {r['when']} ({r['machine']['cpus']} cores)",
        "",
        f"wrk -t2 -c{r['settings']['wrk_connections']} -d{r['settings']['wrk_seconds']}s through nginx, one after the other.",
        "",
        "| measure | req/s | p50 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|",
        row("(a) bare FastAPI hello via gateway", a),
        row("(b) GET /v1/assistance/eligible-services (member) via gateway", b),
        row("(c) POST …/validate (prepared drafts) via gateway, every answer", c),
        f"| (c) validations (2xx) per second | {c['validated_per_s']} | | | |",
        "",
        "| latency | n | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
        f"| (d) validation 201 → case-number SMS at the stand-in | {d['n']} | {d['p50_ms']} | {d['p99_ms']} |",
        f"| (e) raw Kafka produce → consume | {e['n']} | {e['p50_ms']} | {e['p99_ms']} |",
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        f"| (b)/(a) ≥ {READ_TARGET} | {v['catalogue_over_hello']} | {'yes' if v['catalogue_met'] else 'NO'} |",
        f"| (c)/(a) ≥ {VALIDATION_TARGET} | {v['validations_over_hello']} | {'yes' if v['validations_met'] else 'NO'} |",
        "",
        "(c)/(a) uses validations (2xx) per second. Non-2xx above 0 means wrk ran out of prepared drafts"
        " (BENCH_ASSISTANCE_DRAFTS) before the end: the rate is then a floor; raise the drafts.",
        "",
    ])


if __name__ == "__main__":
    outcome = asyncio.run(main())
    save("assistance", outcome, markdown(outcome), "assistance-latest.md")
