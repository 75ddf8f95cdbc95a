"""Benchmark of the contracts service, against a baseline measured in the same run.

    .venv/bin/python bench/contracts_bench.py        (the local stack must be up: make up)

(a) the bare FastAPI hello behind the same nginx (bench/run.py's baseline), (b) GET /v1/contracts
for a signed-in member whose contract has 2 beneficiaries, through the gateway, (c) coverage
simulations per second (POST /v1/coverage-simulations through the gateway, wrk with
bench/contracts_simulation.lua). Target: (b)/(a) >= 0.35. Results: bench/results/contracts-<stamp>.json
and bench/results/contracts-latest.md.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import GATEWAY, ROOT, WRK_CONNECTIONS, WRK_SECONDS, operator_registry, save, start_hello, wrk  # noqa: E402

from e2e_support import MAILDIR, Mailbox, sign_up_and_confirm, unique_email  # noqa: E402

TARGET = 0.35
SIMULATION_SCRIPT = ROOT / "bench" / "contracts_simulation.lua"


async def member_with_family(client: httpx.AsyncClient) -> str:
    """An operator imports a santé contract with a spouse and a child; its holder signs up, confirms, signs in."""
    registry = await operator_registry(client)
    [member] = await registry._fresh_members(1, True)
    member["beneficiaries"] = [
        {"last_name": member["last_name"], "first_name": "Conjoint", "birth_date": "1975-04-02", "relationship": "spouse"},
        {"last_name": member["last_name"], "first_name": "Enfant", "birth_date": "2014-09-21", "relationship": "child"},
    ]
    r = await client.post("/v1/contract-imports", json={"members": [member]},
                          headers={"Authorization": f"Bearer {registry.token}"})
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    return await sign_up_and_confirm(client, Mailbox(MAILDIR), member, unique_email("bench-contracts"))


async def main() -> dict:
    results: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"),
                     "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                     "settings": {"wrk_seconds": WRK_SECONDS, "wrk_connections": WRK_CONNECTIONS}}
    hello = start_hello()
    try:
        async with httpx.AsyncClient(base_url=GATEWAY, timeout=30) as client:
            token = await member_with_family(client)
            auth = {"Authorization": f"Bearer {token}"}
            listed = (await client.get("/v1/contracts", headers=auth)).json()
            assert len(listed) == 1 and len(listed[0]["beneficiaries"]) == 2, listed
        results["a_hello_via_gateway"] = wrk("/bench/hello")
        results["b_contracts_via_gateway"] = wrk("/v1/contracts", auth)
        results["c_simulations_via_gateway"] = wrk("/v1/coverage-simulations", auth, SIMULATION_SCRIPT)
    finally:
        hello.terminate()
        hello.wait()
    a, b, c = (results[k]["rps"] for k in ("a_hello_via_gateway", "b_contracts_via_gateway", "c_simulations_via_gateway"))
    results["verdict"] = {"contracts_over_hello_rps": round(b / a, 3), "contracts_over_hello_target": TARGET,
                          "contracts_over_hello_met": b / a >= TARGET, "simulations_over_hello_rps": round(c / a, 3)}
    return results


def markdown(r: dict) -> str:
    a, b, c = r["a_hello_via_gateway"], r["b_contracts_via_gateway"], r["c_simulations_via_gateway"]
    v = r["verdict"]

    def row(label: str, m: dict) -> str:
        return f"| {label} | {m['rps']:.0f} | {m['p50_ms']} | {m['p99_ms']} | {m['non_2xx']} |"

    return "\n".join([
        f"# Contracts benchmark — {r['when']} ({r['machine']['cpus']} cores)",
        "",
        f"wrk -t2 -c{r['settings']['wrk_connections']} -d{r['settings']['wrk_seconds']}s through nginx, one after the other.",
        "",
        "| measure | req/s | p50 ms | p99 ms | non-2xx |",
        "|---|---:|---:|---:|---:|",
        row("(a) bare FastAPI hello via gateway", a),
        row("(b) GET /v1/contracts (member, 2 beneficiaries) via gateway", b),
        row("(c) POST /v1/coverage-simulations (2 guarantees) via gateway", c),
        "",
        "| target | measured | met |",
        "|---|---:|:---:|",
        f"| (b)/(a) ≥ {TARGET} | {v['contracts_over_hello_rps']} | {'yes' if v['contracts_over_hello_met'] else 'NO'} |",
        f"| (c)/(a) (no target) | {v['simulations_over_hello_rps']} | – |",
        "",
    ])


if __name__ == "__main__":
    outcome = asyncio.run(main())
    save("contracts", outcome, markdown(outcome), "contracts-latest.md")
