"""Benchmark of the assistance service, against baselines measured in the same run.

    .venv/bin/python bench/assistance_bench.py        (the local stack must be up: make up)

(a) the bare FastAPI hello behind the same nginx (bench/run.py's baseline), (b) the catalogue read
for a member (GET /v1/assistance/eligible-services?event=hospitalisation: the contract from the
projection, its product's guarantees) through the gateway, (c) full validations through the
gateway: each request a real new validation (POST …/validate with its own Idempotency-Key, on a
draft prepared beforehand with its own selection, by the member who owns it: quota re-check under
the event's lock, the request's update and AssistanceRequested in the outbox, one transaction),
counting only the 201s (the Lua script's own count, not wrk's totals); (d) milliseconds
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
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (GATEWAY, ROOT, WRK_CONNECTIONS, WRK_SECONDS, operator_registry, raw_kafka_latency, save,  # noqa: E402
                 start_hello, summary, wrk)

from e2e_support import MAILDIR, SMS_OUTBOX, Mailbox, sign_up_and_confirm, unique_email  # noqa: E402

READ_TARGET = 0.35
VALIDATION_TARGET = 0.15
SCRIPT = ROOT / "bench" / "assistance_validate.lua"
DRAFTS = int(os.environ.get("BENCH_ASSISTANCE_DRAFTS", "1500"))
# Each member's contract gives 20 hours of home help per (event, date): 3 events x 51 dates x 20
# one-hour validations each; the drafts are spread over several members.
MEMBERS = int(os.environ.get("BENCH_ASSISTANCE_MEMBERS", "2"))
WRK_THREADS = 2
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


EVENTS = ("hospitalisation", "immobilisation", "heavy_treatment")


async def draft(client: httpx.AsyncClient, auth: dict, home: str, n: int) -> str:
    """A draft with one hour of home help; each (event, date) takes 20 validated hours (Optimum), and
    home help comes at the latest 30 days after the event: dates from 25 days ago to 25 days ahead.
    Consecutive drafts are for different (event, date), as members' requests would be."""
    event = EVENTS[n % 3]
    event_date = (date.today() + timedelta(days=(n // 3) % 51 - 25)).isoformat()
    r = await client.post("/v1/assistance/requests", headers=auth, json={
        "event": event, "event_date": event_date, "duration_days": 10})
    assert r.status_code == 201, r.text
    request_id = r.json()["id"]
    r = await client.put(f"/v1/assistance/requests/{request_id}/selections", headers=auth, json={"selections": [
        {"service": "home_help", "day": (date.today() + timedelta(days=3)).isoformat(), "slot": "10:00-12:00",
         "quantity": 1, "address_id": home}]})
    assert r.status_code == 200, r.text
    return request_id


async def drafts(client: httpx.AsyncClient, owners: list[tuple[dict, str]], count: int) -> list[tuple[str, str]]:
    """(request id, owner's token) of ``count`` drafts, spread over the members (interleaved)."""
    out: list[tuple[int, str, str]] = []
    sem = asyncio.Semaphore(8)

    async def one(n: int) -> None:
        auth, home = owners[n % len(owners)]
        async with sem:
            out.append((n, await draft(client, auth, home, n // len(owners)), auth["Authorization"].split()[1]))

    await asyncio.gather(*(one(n) for n in range(count)))
    return [(request_id, token) for _, request_id, token in sorted(out)]


def api_pid() -> int:
    """The assistance API's process (one locally, like the hello app)."""
    out = subprocess.run([str(ROOT / "deploy/local/bin/stack"), "status"], capture_output=True, text=True).stdout
    return int(re.search(r"^assistance-api\s+RUNNING\s+pid (\d+)", out, re.M).group(1))


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its children (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def with_cpu(pid: int, run, counted: str | None = None) -> dict:
    """``run()``'s wrk result with the server process's CPU milliseconds per request (per 201 for
    validations): the ratio of two runs is about the ratio of their CPU costs on a loaded machine."""
    before = cpu_seconds(pid)
    result = run()
    spent = cpu_seconds(pid) - before
    done = result[counted] if counted else result["rps"] * WRK_SECONDS
    result["server_cpu_ms_per_request"] = round(spent * 1000 / max(done, 1), 3)
    return result


def wrk_validations(lines: list[tuple[str, str]]) -> dict:
    """wrk on the validations, with the Lua script's count of 201s."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("".join(f"{request_id} {token}\n" for request_id, token in lines))
    try:
        args = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{WRK_SECONDS}s", "--latency", "-s", str(SCRIPT),
                GATEWAY + "/v1/assistance/requests"]
        env = {**os.environ, "ASSISTANCE_DRAFTS": f.name, "ASSISTANCE_THREADS": str(WRK_THREADS)}
        out = subprocess.run(args, capture_output=True, text=True, check=True, env=env).stdout
    finally:
        os.unlink(f.name)
    seconds = float(re.search(r"requests in ([\d.]+)(ms|s|m)", out).group(1))
    unit = re.search(r"requests in [\d.]+(ms|s|m)", out).group(1)
    seconds *= {"ms": 0.001, "s": 1.0, "m": 60.0}[unit]
    pct = {p: float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[u]
           for p, v, u in re.findall(r"\s(50|99)%\s+([\d.]+)(us|ms|s)", out)}
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    validated = int(re.search(r"^validated (\d+)$", out, re.M).group(1))
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), "p50_ms": pct.get("50"),
            "p99_ms": pct.get("99"), "non_2xx": int(non_2xx.group(1)) if non_2xx else 0, "seconds": seconds,
            "validated": validated, "validated_per_s": round(validated / seconds, 1),
            "replays_after_running_out": int(re.search(r"^exhausted (\d+)$", out, re.M).group(1)),
            "drafts": len(lines)}


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
            owners = [await member(client) for _ in range(MEMBERS)]
            lines = await drafts(client, owners, DRAFTS)
            results["load_before"] = os.getloadavg()[0]
            api = api_pid()
            results["a_hello_via_gateway"] = with_cpu(hello.pid, lambda: wrk("/bench/hello"))
            auth, home = owners[0]
            results["b_catalogue_via_gateway"] = with_cpu(api, lambda: wrk(
                "/v1/assistance/eligible-services?event=hospitalisation", auth))
            results["c_validations_via_gateway"] = with_cpu(api, lambda: wrk_validations(lines), "validated")
            results["load_after"] = os.getloadavg()[0]
            # The worker and notify first drain what (c) queued, so that (d) measures one at a time.
            await drained()
            results["d_validation_to_sms"] = summary(await validation_to_sms(client, auth, home))
            # The bench's requests leave (their cases would otherwise sit in the agents' queue).
            await forget(owners)
        results["e_raw_kafka"] = summary(await raw_kafka_latency())
    finally:
        hello.terminate()
        hello.wait()
    c_run = results["c_validations_via_gateway"]
    a, b = (results[k]["rps"] for k in ("a_hello_via_gateway", "b_catalogue_via_gateway"))
    c = c_run["validated_per_s"]
    results["verdict"] = {
        "catalogue_over_hello": round(b / a, 3), "catalogue_target": READ_TARGET, "catalogue_met": b / a >= READ_TARGET,
        "validations_over_hello": round(c / a, 3), "validation_target": VALIDATION_TARGET,
        "validations_met": c / a >= VALIDATION_TARGET,
        "validations_ran_out_of_drafts": c_run["replays_after_running_out"] > 0}
    return results


async def forget(owners: list[tuple[dict, str]]) -> None:
    """Delete the bench members' requests (their selections, cases and histories cascade)."""
    accounts = [uuid.UUID(jwt.decode(auth["Authorization"].split()[1], options={"verify_signature": False})["sub"])
                for auth, _ in owners]
    conn = await asyncpg.connect(os.environ["ASSISTANCE_DATABASE_URL"])
    try:
        await conn.execute("delete from assistance_request where account_id = any($1::uuid[])", accounts)
    finally:
        await conn.close()


async def drained(timeout: float = 300) -> None:
    """Wait until the case-opening worker has seen every validated request (none left 'validated')."""
    conn = await asyncpg.connect(os.environ["ASSISTANCE_DATABASE_URL"])
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not await conn.fetchval("select count(*) from assistance_request where status = 'validated'"):
                return
            await asyncio.sleep(1)
    finally:
        await conn.close()


def markdown(r: dict) -> str:
    a, b, c = r["a_hello_via_gateway"], r["b_catalogue_via_gateway"], r["c_validations_via_gateway"]
    d, e, v = r["d_validation_to_sms"], r["e_raw_kafka"], r["verdict"]

    def row(label: str, m: dict) -> str:
        return (f"| {label} | {m['rps']:.0f} | {m['p50_ms']} | {m['p99_ms']} | {m['non_2xx']} |"
                f" {m['server_cpu_ms_per_request']} |")

    return "\n".join([
        f"# Assistance benchmark — {r['when']} ({r['machine']['cpus']} cores, load {r['load_before']:.2f} before,"
        f" {r['load_after']:.2f} after the wrk runs)",
        "",
        f"wrk -t2 -c{r['settings']['wrk_connections']} -d{r['settings']['wrk_seconds']}s through nginx, one after the other.",
        "",
        "| measure | req/s | p50 ms | p99 ms | non-2xx | server CPU ms / request |",
        "|---|---:|---:|---:|---:|---:|",
        row("(a) bare FastAPI hello via gateway", a),
        row("(b) GET /v1/assistance/eligible-services (member) via gateway", b),
        row("(c) POST …/validate, each a new validation (own draft, selection, Idempotency-Key) via gateway", c),
        f"| (c) validations made (201, counted by the script) per second | {c['validated_per_s']} | | | | |",
        "",
        f"(c): {c['validated']} validations in {c['seconds']:.1f} s out of {c['drafts']} prepared drafts;"
        f" {c['replays_after_running_out']} replays sent after running out (not counted).",
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
    ])


if __name__ == "__main__":
    outcome = asyncio.run(main())
    save("assistance", outcome, markdown(outcome), "assistance-latest.md")
