"""What metrics and tracing cost GET /v1/me: the same identity API with them on and off, in one run.

    .venv/bin/python bench/observability_bench.py     (the local stack must be up: make up)

Two identity API processes of the same code, next to the stack's: (on) as the stack runs it,
Prometheus metrics (RED per route, pool) and tracing to the local trace sink at the stack's
sampling share; (off) METRICS_ENABLED=false and no OTLP endpoint (non-recording spans only).
wrk measures GET /v1/me with one member's token on each, straight on their ports (the gateway
would add the same cost to both), alternating on and off BENCH_OBS_ROUNDS times (default 3);
the median ratio on/off is the point (target >= 0.9). Writes bench/results/observability-*.json
and bench/results/observability-latest.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import run  # noqa: E402  (the foundation bench: token, wrk, results)

from ms_platform.testing import free_port  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_OBS_ROUNDS", "3"))
WITH_ENV = ROOT / "deploy" / "local" / "bin" / "with-env"


def start_api(port: int, observed: bool) -> subprocess.Popen:
    """identity's API on ``port``, with var/local.env's settings, metrics and tracing on or off."""
    env = ["env", f"IDENTITY_API_PORT={port}", f"METRICS_ENABLED={'true' if observed else 'false'}"]
    if not observed:
        env[1:1] = ["-u", "OTEL_EXPORTER_OTLP_ENDPOINT", "-u", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
    return subprocess.Popen([str(WITH_ENV), *env, str(ROOT / ".venv" / "bin" / "python"), "-m", "identity", "api"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_ready(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"identity API on {port} not ready")


def wrk_rps(port: int, token: str) -> float:
    result = run.wrk("/v1/me", {"Authorization": f"Bearer {token}"}, base=f"http://127.0.0.1:{port}")
    if result["non_2xx"]:
        raise RuntimeError(f"the API on {port} answered {result['non_2xx']} errors under load")
    return result["rps"]


async def token() -> str:
    async with httpx.AsyncClient(base_url=run.GATEWAY, timeout=30) as client:
        return await run.signed_in_token(client, await run.operator_registry(client), run.Mailbox())


def measure() -> dict:
    member = asyncio.run(token())
    ports = {"on": free_port(), "off": free_port()}
    processes = {name: start_api(port, observed=name == "on") for name, port in ports.items()}
    try:
        for port in ports.values():
            wait_ready(port)
        assert httpx.get(f"http://127.0.0.1:{ports['off']}/metrics").status_code == 404, "metrics were not off"
        assert httpx.get(f"http://127.0.0.1:{ports['on']}/metrics").status_code == 200, "metrics were not on"
        rounds = []
        for _ in range(ROUNDS):
            on = wrk_rps(ports["on"], member)
            off = wrk_rps(ports["off"], member)
            rounds.append({"on_rps": on, "off_rps": off, "ratio": round(on / off, 3)})
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(15)
    return {"when": datetime.now(UTC).isoformat(timespec="seconds"), "host": platform.node(), "cpus": os.cpu_count(),
            "sampling": _local_setting("OTEL_TRACES_SAMPLER_ARG", "1"), "rounds": rounds,
            "ratio": statistics.median(r["ratio"] for r in rounds), "target": 0.9}


def _local_setting(name: str, default: str) -> str:
    """A setting the API processes get from var/local.env (the bench's own environment skips OTEL_*)."""
    return run._env.local_env_pairs().get(name, default)


def markdown(r: dict) -> str:
    rows = "\n".join(f"| {i + 1} | {x['on_rps']} | {x['off_rps']} | {x['ratio']} |" for i, x in enumerate(r["rounds"]))
    return (f"# Cost of metrics and tracing on GET /v1/me ({r['when']}, {r['cpus']} CPUs, traced share {r['sampling']})\n\n"
            "| round | on req/s | off req/s | on/off |\n|---|---:|---:|---:|\n" + rows +
            f"\n\nMedian on/off: **{r['ratio']}** (target ≥ {r['target']}).\n")


if __name__ == "__main__":
    outcome = measure()
    run.save("observability", outcome, markdown(outcome), "observability-latest.md")
