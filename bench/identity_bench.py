"""Identity benchmark: sign-ins per second against raw argon2id verifications per second, and
the p99 of GET /v1/me during a sign-in flood against its idle p99. Both sides of each ratio
are measured in the same run on the same machine.

    .venv/bin/python bench/identity_bench.py      (the local stack must be up)

Sign-ins go straight to identity (127.0.0.1:8001): the gateway's rate limit on /v1/sessions
would otherwise be what is measured. The argon2 baseline uses identity's parameters and as
many threads as identity's hashing pool (IDENTITY_HASHING_THREADS, default cores - 1).
Sign-in throughput is measured with nothing else running; the p99 of GET /v1/me is then
sampled at a steady pace (one request every 5 ms) while the same flood runs, so the probe
itself does not compete with what it measures.
Targets: sign-ins/s ÷ argon2 verifications/s ≥ 0.8; p99 under flood ÷ idle p99 ≤ 2.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
from argon2 import PasswordHasher, Type

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
sys.path.insert(0, str(ROOT))
import conftest as _env  # noqa: E402,F401  (loads var/local.env)
from e2e_support import GATEWAY, MAILDIR, PASSWORD, PYTHON, Mailbox, Registry, sign_up_and_confirm, unique_email  # noqa: E402

from identity.settings import IdentitySettings  # noqa: E402

IDENTITY = os.environ.get("IDENTITY_URL", "http://127.0.0.1:8001")
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
FLOOD_CONCURRENCY = int(os.environ.get("BENCH_SIGN_IN_CONCURRENCY", "8"))
ME_SAMPLES = int(os.environ.get("BENCH_LATENCY_SAMPLES", "1000"))
RESULTS = ROOT / "bench" / "results"


def argon2_verifications_per_second(settings: IdentitySettings) -> float:
    hasher = PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                            parallelism=settings.argon2_parallelism, type=Type.ID)
    stored = hasher.hash(PASSWORD)
    threads = settings.hashing_threads
    deadline = time.perf_counter() + SECONDS

    def work() -> int:
        done = 0
        while time.perf_counter() < deadline:
            hasher.verify(stored, PASSWORD)
            done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        total = sum(pool.map(lambda _: work(), range(threads)))
    return total / (time.perf_counter() - started)


def sign_in_flood(identifier: str, seconds: float) -> subprocess.Popen:
    """wrk posting sign-ins for ``seconds`` (a separate process: the probe's loop stays free)."""
    script = RESULTS.parent / "sign_in.lua"
    env = {**os.environ, "BENCH_SIGN_IN_BODY": json.dumps({"identifier": identifier, "password": PASSWORD})}
    return subprocess.Popen(
        ["wrk", "-t1", f"-c{FLOOD_CONCURRENCY}", f"-d{int(seconds)}s", "-s", str(script), IDENTITY + "/v1/sessions"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def flood_result(process: subprocess.Popen) -> tuple[float, int]:
    """Sign-ins per second and non-201 answers, from wrk's report."""
    out, _ = process.communicate(timeout=120)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return rps, int(bad.group(1)) if bad else 0


PROBE_INTERVAL_S = 0.005


async def me_latencies(client: httpx.AsyncClient, token: str, samples: int) -> list[float]:
    """``samples`` GET /v1/me latencies, one request every PROBE_INTERVAL_S at most."""
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        r = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        elapsed = time.perf_counter() - started
        out.append(elapsed * 1000)
        assert r.status_code == 200, r.text
        await asyncio.sleep(max(0.0, PROBE_INTERVAL_S - elapsed))
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def p99(values: list[float]) -> float:
    return percentile(values, 0.99)


async def operator_token(gateway: httpx.AsyncClient) -> str:
    address = unique_email("bench-operator")
    subprocess.run([str(PYTHON), "-m", "identity", "create-staff", "--kind", "operator", "--email", address,
                    "--first-name", "Bench", "--last-name", "Operateur"], cwd=ROOT, check=True, capture_output=True,
                   env={**os.environ, "STAFF_PASSWORD": PASSWORD}, timeout=60)
    r = await gateway.post("/v1/sessions", json={"identifier": address, "password": PASSWORD})
    return r.json()["access_token"]


async def main() -> dict:
    settings = IdentitySettings()  # type: ignore[call-arg]
    async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as gateway, \
            httpx.AsyncClient(base_url=IDENTITY, timeout=30) as identity:
        registry = Registry(gateway, await operator_token(gateway))
        [member] = await registry.register(1)
        address = unique_email("bench")
        token = await sign_up_and_confirm(gateway, Mailbox(MAILDIR), member, address)

        baseline = await asyncio.to_thread(argon2_verifications_per_second, settings)

        await me_latencies(identity, token, 50)  # warm-up
        idle = await me_latencies(identity, token, ME_SAMPLES)

        # Throughput: the flood alone.
        sign_ins_per_s, failed = await asyncio.to_thread(flood_result, sign_in_flood(address, SECONDS))

        # Latency: the same flood, probed at a steady pace.
        flood = sign_in_flood(address, SECONDS + 30)
        await asyncio.sleep(1.0)
        during = await me_latencies(identity, token, ME_SAMPLES)
        flood.terminate()
        flood.communicate(timeout=30)
    return {
        "when": datetime.now(UTC).isoformat(), "cpus": os.cpu_count(), "hashing_threads": settings.hashing_threads,
        "argon2": {"time_cost": settings.argon2_time_cost, "memory_kib": settings.argon2_memory_kib},
        "argon2_verifications_per_s": round(baseline, 2), "sign_ins_per_s": round(sign_ins_per_s, 2),
        "sign_ins_failed": failed, "sign_in_ratio": round(sign_ins_per_s / baseline, 3), "sign_in_target": 0.8,
        "me_idle_p50_ms": round(percentile(idle, 0.5), 2), "me_flood_p50_ms": round(percentile(during, 0.5), 2),
        "me_idle_p99_ms": round(p99(idle), 2), "me_flood_p99_ms": round(p99(during), 2),
        "me_flood_samples": len(during),
        "me_p99_ratio": round(p99(during) / p99(idle), 2), "me_p99_target": 2.0,
    }


if __name__ == "__main__":
    result = asyncio.run(main())
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%z")
    (RESULTS / f"identity-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
