"""Identity benchmark: sign-ins per second against raw argon2id verifications per second, and
the p99 of GET /v1/me during a sign-in flood against its idle p99. Both sides of each ratio
are measured in the same run on the same machine.

    .venv/bin/python bench/identity_bench.py      (the local stack must be up)

Sign-ins go straight to identity (127.0.0.1:8001): the gateway's rate limit on /v1/sessions
would otherwise be what is measured. The argon2 baseline uses identity's parameters and as
many threads as identity's hashing pool (IDENTITY_HASHING_THREADS, default 2).
Targets: sign-ins/s ÷ argon2 verifications/s ≥ 0.8; p99 under flood ÷ idle p99 ≤ 2.
"""

from __future__ import annotations

import asyncio
import json
import os
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
ME_SAMPLES = int(os.environ.get("BENCH_LATENCY_SAMPLES", "300"))
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


async def sign_in_flood(client: httpx.AsyncClient, identifier: str, stop: asyncio.Event) -> tuple[int, int]:
    ok = failed = 0

    async def one() -> None:
        nonlocal ok, failed
        while not stop.is_set():
            r = await client.post("/v1/sessions", json={"identifier": identifier, "password": PASSWORD})
            ok, failed = (ok + 1, failed) if r.status_code == 201 else (ok, failed + 1)

    await asyncio.gather(*(one() for _ in range(FLOOD_CONCURRENCY)))
    return ok, failed


async def me_latencies(client: httpx.AsyncClient, token: str, samples: int) -> list[float]:
    out = []
    for _ in range(samples):
        started = time.perf_counter()
        r = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
        out.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 200, r.text
    return out


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]


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

        stop = asyncio.Event()
        started = time.perf_counter()
        flood = asyncio.create_task(sign_in_flood(identity, address, stop))
        await asyncio.sleep(1.0)
        during: list[float] = []
        while time.perf_counter() - started < SECONDS:
            during += await me_latencies(identity, token, 20)
        stop.set()
        ok, failed = await flood
        sign_ins_per_s = ok / (time.perf_counter() - started)
    return {
        "when": datetime.now(UTC).isoformat(), "cpus": os.cpu_count(), "hashing_threads": settings.hashing_threads,
        "argon2": {"time_cost": settings.argon2_time_cost, "memory_kib": settings.argon2_memory_kib},
        "argon2_verifications_per_s": round(baseline, 2), "sign_ins_per_s": round(sign_ins_per_s, 2),
        "sign_ins_failed": failed, "sign_in_ratio": round(sign_ins_per_s / baseline, 3), "sign_in_target": 0.8,
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
