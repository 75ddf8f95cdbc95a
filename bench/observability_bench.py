"""What metrics and tracing cost GET /v1/me: the same identity API with them on and off, in one run.

    .venv/bin/python bench/observability_bench.py     (the local stack must be up: make up)

Two identity API processes of the same code, next to the stack's: (on) as the stack runs it,
Prometheus metrics (RED per route, pool) and tracing to the local trace sink at the stack's
sampling share; (off) METRICS_ENABLED=false and no OTLP endpoint (non-recording spans only).
wrk measures GET /v1/me with one member's token on each, straight on their ports (the gateway
would add the same cost to both): one warm-up run on each, then BENCH_OBS_ROUNDS rounds (default
5) of one run on each, on first in odd rounds and off first in even ones (the machine is shared:
whatever else runs weighs on both alike). Each round's ratio on/off is kept; their median is the
point (target >= 0.9).

Next to requests per second, each run reads the API process's CPU time (all its threads, the
span exporter's included, from /proc) and gives CPU microseconds per request: the ratio off/on
of those is what the throughput ratio would be with the API alone on its core. On a shared
machine whose load swings during a run, it is the steadier figure of the two; both are kept.
The trace sink's CPU (another process, the collector's stand-in) is reported per request too.
Writes bench/results/observability-*.json and bench/results/observability-latest.md.
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

ROUNDS = int(os.environ.get("BENCH_OBS_ROUNDS", "5"))
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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def trace_sink_pid() -> int | None:
    found = subprocess.run(["pgrep", "-f", "deploy/local/trace_sink.py"], capture_output=True, text=True).stdout.split()
    return int(found[0]) if found else None


def measured_run(process: subprocess.Popen, port: int, token: str, sink: int | None) -> dict:
    """One wrk run: requests per second, and CPU microseconds per request of the API and of the sink."""
    api0, sink0 = cpu_seconds(process.pid), cpu_seconds(sink) if sink else 0.0
    rps = wrk_rps(port, token)
    api1, sink1 = cpu_seconds(process.pid), cpu_seconds(sink) if sink else 0.0
    requests = rps * run.WRK_SECONDS
    return {"rps": rps, "api_cpu_us": round((api1 - api0) * 1e6 / requests, 1),
            "sink_cpu_us": round((sink1 - sink0) * 1e6 / requests, 1) if sink else None}


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
        for port in ports.values():  # warm-up: first requests fill caches and label children
            wrk_rps(port, member)
        sink = trace_sink_pid()
        rounds = []
        for n in range(ROUNDS):
            order = ("on", "off") if n % 2 == 0 else ("off", "on")
            runs = {name: measured_run(processes[name], ports[name], member, sink) for name in order}
            on, off = runs["on"], runs["off"]
            rounds.append({"first": order[0], "on_rps": on["rps"], "off_rps": off["rps"],
                           "ratio": round(on["rps"] / off["rps"], 3),
                           "on_cpu_us": on["api_cpu_us"], "off_cpu_us": off["api_cpu_us"],
                           "cpu_ratio": round(off["api_cpu_us"] / on["api_cpu_us"], 3),
                           "on_sink_cpu_us": on["sink_cpu_us"], "off_sink_cpu_us": off["sink_cpu_us"]})
    finally:
        for process in processes.values():
            process.terminate()
            process.wait(15)
    return {"when": datetime.now(UTC).isoformat(timespec="seconds"), "host": platform.node(), "cpus": os.cpu_count(),
            "sampling": _local_setting("OTEL_TRACES_SAMPLER_ARG", "1"), "rounds": rounds,
            "ratio": statistics.median(r["ratio"] for r in rounds),
            "cpu_ratio": statistics.median(r["cpu_ratio"] for r in rounds),
            "load_average": round(os.getloadavg()[0], 2), "target": 0.9}


def _local_setting(name: str, default: str) -> str:
    """A setting the API processes get from var/local.env (the bench's own environment skips OTEL_*)."""
    return run._env.local_env_pairs().get(name, default)


def markdown(r: dict) -> str:
    rows = "\n".join(f"| {i + 1} | {x['first']} | {x['on_rps']} | {x['off_rps']} | {x['ratio']} | {x['on_cpu_us']} "
                     f"| {x['off_cpu_us']} | {x['cpu_ratio']} | {x['on_sink_cpu_us']} |" for i, x in enumerate(r["rounds"]))
    return (f"# Cost of metrics and tracing on GET /v1/me ({r['when']}, {r['cpus']} CPUs, traced share {r['sampling']}, "
            f"load average {r['load_average']})\n\n"
            "| round | first | on req/s | off req/s | on/off | on CPU µs/req | off CPU µs/req | off/on CPU "
            "| sink CPU µs/req (on) |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n" + rows +
            f"\n\nMedian on/off throughput: **{r['ratio']}**; median off/on API CPU per request: "
            f"**{r['cpu_ratio']}** (target ≥ {r['target']}).\n")


if __name__ == "__main__":
    outcome = measure()
    run.save("observability", outcome, markdown(outcome), "observability-latest.md")
