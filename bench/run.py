"""Benchmarks of the platform foundation, each against a baseline measured in the same run.

    make bench            (the local stack must be up: make up)

(a) a bare FastAPI hello behind the same nginx, (b) GET /v1/me with a JWT through the gateway,
(c) time from a sign-up's 201 to its email's arrival at the SMTP server, next to (d) raw
aiokafka produce→consume latency with the platform's producer settings. Results go to
bench/results/ as JSON and a markdown table. Ratios, not absolute numbers, are the point:
both sides of each comparison run on the same machine in the same minute.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT))
import conftest as _env  # noqa: E402,F401  (loads var/local.env into the environment)
from e2e_support import (GATEWAY, MAILDIR, PASSWORD, Mailbox, Registry, sign_up_and_confirm,  # noqa: E402
                         sign_up_body, unique_email)

from ms_events.kafka import KafkaConfig, make_admin, make_consumer, make_producer  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WRK_SECONDS = int(os.environ.get("BENCH_WRK_SECONDS", "10"))
WRK_CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "32"))
LATENCY_SAMPLES = int(os.environ.get("BENCH_LATENCY_SAMPLES", "200"))


def wrk(path: str, headers: dict[str, str] | None = None, script: Path | None = None, base: str = GATEWAY) -> dict:
    """Requests per second and latency percentiles of ``path`` through the gateway, or ``base``
    (GET, or what a wrk Lua ``script`` sets: method and body)."""
    args = ["wrk", "-t2", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency"]
    if script is not None:
        args += ["-s", str(script)]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(args + [base + path], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    pct = {p: _ms(v, unit) for p, v, unit in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", out)}
    return {"rps": rps, "p50_ms": pct.get("50"), "p99_ms": pct.get("99"),
            "non_2xx": int(non_2xx.group(1)) if non_2xx else 0}


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def start_hello() -> subprocess.Popen:
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/uvicorn"), "bench.hello_app:app", "--host", "127.0.0.1", "--port", "8099",
         "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning"],
        cwd=ROOT,
    )
    for _ in range(100):
        try:
            if httpx.get(GATEWAY + "/bench/hello", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the hello app did not come up behind the gateway")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(percentile(values, 50), 2),
            "p99_ms": round(percentile(values, 99), 2), "mean_ms": round(statistics.fmean(values), 2)}


async def signed_in_token(client: httpx.AsyncClient, registry: Registry, mailbox: Mailbox) -> str:
    [member] = await registry.register(1)
    return await sign_up_and_confirm(client, mailbox, member, unique_email("bench"))


async def operator_registry(client: httpx.AsyncClient) -> Registry:
    address = unique_email("bench-operator")
    subprocess.run([str(ROOT / ".venv/bin/python"), "-m", "identity", "create-staff", "--kind", "operator",
                    "--email", address, "--first-name", "Banc", "--last-name", "Essai"],
                   cwd=ROOT, env={**os.environ, "STAFF_PASSWORD": PASSWORD}, check=True, capture_output=True)
    r = await client.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    r.raise_for_status()
    return Registry(client, r.json()["access_token"])


async def signup_to_mail(client: httpx.AsyncClient, registry: Registry, mailbox: Mailbox) -> list[float]:
    """Milliseconds from each sign-up's 201 to its message landing in the SMTP server's Maildir."""
    members = await registry.register(LATENCY_SAMPLES)
    samples = []
    for member in members:
        address = unique_email("bench-mail")
        r = await client.post("/v1/accounts", json=sign_up_body(member, address))
        answered = time.time()
        assert r.status_code == 201, r.text
        path = await wait_for_file(mailbox, address)
        samples.append((path.stat().st_mtime - answered) * 1000)
        await asyncio.sleep(0.02)  # under the gateway's sign-up rate limit
    return samples


async def wait_for_file(mailbox: Mailbox, address: str, timeout: float = 30) -> Path:
    needle = address.encode()
    seen: set[Path] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in (mailbox.root / "new").iterdir():
            if path in seen:
                continue
            if needle in path.read_bytes():
                return path
            seen.add(path)
        await asyncio.sleep(0.002)
    raise TimeoutError(address)


async def raw_kafka_latency() -> list[float]:
    """Produce→consume milliseconds with the platform's producer settings, one message at a time."""
    from aiokafka.admin import NewTopic

    config = KafkaConfig.from_env("bench")  # as admin (the root conftest): a topic of its own
    topic = f"bench.raw{uuid.uuid4().hex[:8]}.v1"
    admin = make_admin(config)
    await admin.start()
    await admin.create_topics([NewTopic(topic, 3, 1)])
    producer = make_producer(config)
    consumer = make_consumer(config, f"bench-{uuid.uuid4().hex[:8]}", topic, auto_offset_reset="latest")
    await producer.start()
    await consumer.start()
    samples = []
    try:
        while not consumer.assignment():
            await asyncio.sleep(0.05)
        await consumer.seek_to_end()
        for _ in range(LATENCY_SAMPLES):
            started = time.time()
            await producer.send(topic, value=b"{}", key=uuid.uuid4().bytes)
            batch = {}
            while not batch:
                batch = await consumer.getmany(timeout_ms=1000)
            samples.append((time.time() - started) * 1000)
            await asyncio.sleep(0.02)
    finally:
        await consumer.stop()
        await producer.stop()
        await admin.delete_topics([topic])
        await admin.close()
    return samples


async def main() -> dict:
    results: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version()},
        "settings": {"wrk_seconds": WRK_SECONDS, "wrk_connections": WRK_CONNECTIONS,
                     "latency_samples": LATENCY_SAMPLES}}
    hello = start_hello()
    try:
        async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
            mailbox = Mailbox(MAILDIR)
            registry = await operator_registry(client)
            token = await signed_in_token(client, registry, mailbox)
            results["a_hello_via_gateway"] = wrk("/bench/hello")
            results["b_me_via_gateway"] = wrk("/v1/me", {"Authorization": f"Bearer {token}"})
            results["c_signup_to_mail"] = summary(await signup_to_mail(client, registry, mailbox))
        results["d_raw_kafka_produce_consume"] = summary(await raw_kafka_latency())
    finally:
        hello.terminate()
        hello.wait()
    a, b = results["a_hello_via_gateway"], results["b_me_via_gateway"]
    c, d = results["c_signup_to_mail"], results["d_raw_kafka_produce_consume"]
    results["verdict"] = {
        "me_over_hello_rps": round(b["rps"] / a["rps"], 3), "me_over_hello_target": 0.35,
        "mail_p50_minus_raw_p50_ms": round(c["p50_ms"] - d["p50_ms"], 2), "mail_p50_target_ms": 25,
        "mail_p99_minus_raw_p99_ms": round(c["p99_ms"] - d["p99_ms"], 2), "mail_p99_target_ms": 100,
    }
    v = results["verdict"]
    v["me_over_hello_met"] = v["me_over_hello_rps"] >= 0.35
    v["mail_p50_met"] = v["mail_p50_minus_raw_p50_ms"] <= 25
    v["mail_p99_met"] = v["mail_p99_minus_raw_p99_ms"] <= 100
    return results


def markdown(r: dict) -> str:
    a, b = r["a_hello_via_gateway"], r["b_me_via_gateway"]
    c, d, v = r["c_signup_to_mail"], r["d_raw_kafka_produce_consume"], r["verdict"]
    return "\n".join([
        f"# Foundation benchmark — {r['when']} ({r['machine']['cpus']} cores)",
        "",
        f"wrk -t2 -c{r['settings']['wrk_connections']} -d{r['settings']['wrk_seconds']}s through nginx; "
        f"{r['settings']['latency_samples']} sequential samples for latencies.",
        "",
        "| measure | req/s | p50 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|",
        f"| (a) bare FastAPI hello via gateway | {a['rps']:.0f} | {a['p50_ms']} | {a['p99_ms']} | {a['non_2xx']} |",
        f"| (b) GET /v1/me with JWT via gateway | {b['rps']:.0f} | {b['p50_ms']} | {b['p99_ms']} | {b['non_2xx']} |",
        "",
        "| latency | p50 ms | p99 ms | mean ms |",
        "|---|---:|---:|---:|",
        f"| (c) sign-up 201 → email at SMTP server | {c['p50_ms']} | {c['p99_ms']} | {c['mean_ms']} |",
        f"| (d) raw aiokafka produce → consume | {d['p50_ms']} | {d['p99_ms']} | {d['mean_ms']} |",
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        f"| (b)/(a) ≥ 0.35 | {v['me_over_hello_rps']} | {'yes' if v['me_over_hello_met'] else 'NO'} |",
        f"| (c) p50 − (d) p50 ≤ 25 ms | {v['mail_p50_minus_raw_p50_ms']} | {'yes' if v['mail_p50_met'] else 'NO'} |",
        f"| (c) p99 − (d) p99 ≤ 100 ms | {v['mail_p99_minus_raw_p99_ms']} | {'yes' if v['mail_p99_met'] else 'NO'} |",
        "",
    ])


def save(name: str, outcome: dict, table: str, latest: str) -> None:
    """Keep one JSON per run (``<name>-<when>.json``) and the latest table, and print it."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = outcome["when"].replace(":", "").replace("-", "")
    (RESULTS / f"{name}-{stamp}.json").write_text(json.dumps(outcome, indent=2) + "\n")
    (RESULTS / latest).write_text(table)
    print(table)


if __name__ == "__main__":
    outcome = asyncio.run(main())
    save("foundation", outcome, markdown(outcome), "latest.md")
